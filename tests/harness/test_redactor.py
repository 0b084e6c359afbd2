"""The report redactor replaces exactly what one alternation of every secret (longest first) would."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.report.redact import Redactor
from mocks.core.secrets import fingerprint


def _alternation(secrets: list[str], text: str) -> str:
    """The plain definition: one regular expression of every secret, longest first."""
    kept = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)
    if not kept:
        return text
    pattern = re.compile("|".join(re.escape(s) for s in kept))
    return pattern.sub(lambda m: fingerprint(m.group(0)), text)


_SECRET = st.text("abc.", min_size=4, max_size=10)


@settings(max_examples=200, deadline=None)
@given(st.lists(_SECRET, min_size=1, max_size=6), st.text("abcd.", max_size=80))
def test_same_replacements_as_one_alternation(secrets: list[str], text: str) -> None:
    assert Redactor(secrets).redact(text) == _alternation(secrets, text)


def test_longest_secret_wins_where_two_start_at_one_position() -> None:
    r = Redactor(["sk-canary-01", "sk-canary-0123"])
    assert r.redact("[sk-canary-0123]") == f"[{fingerprint('sk-canary-0123')}]"


def test_thousands_of_canaries_each_replaced() -> None:
    canaries = [f"sk-canary-{i:016x}" for i in range(5000)] + [f"canarySecret{i:028x}" for i in range(5000)]
    text = " ".join(canaries[::7])
    out = Redactor(canaries).redact(text)
    assert "canary" not in out
    assert out.split(" ") == [fingerprint(c) for c in canaries[::7]]


def test_secret_added_later_is_redacted_too() -> None:
    r = Redactor(["first-secret"])
    assert "first-secret" not in r.redact("first-secret second-secret")
    r.add("second-secret")
    assert r.redact("first-secret second-secret") == f"{fingerprint('first-secret')} {fingerprint('second-secret')}"
