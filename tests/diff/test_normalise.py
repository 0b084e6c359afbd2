"""The diff's normalisation, in process: what varies between two runs never counts, anything else does."""

from __future__ import annotations

import json

import pytest

from harness.diff import CaseTrace, SideTrace, compare
from harness.report.redact import Redactor
from harness.target import Exchanged
from mocks.core.journal import Call
from mocks.core.secrets import fingerprint


def _side(*, port: int, secret: str, ident: str, status: int = 400, reason: str = "", user: str = "u1",
          upstream_path: str = "/v1/embeddings") -> SideTrace:
    put = json.dumps({"service": "openai", "service_settings": {"api_key": secret, "url": f"http://127.0.0.1:{port}/v1"}})
    body = json.dumps({"error": {"type": "status_exception", "reason": reason or f"Endpoint [{ident}] at 127.0.0.1:{port} "
                       "rejected on 2024-05-01T10:00:00Z, request 0b9f2c1e-8d5a-4c3b-9a7e-1f2e3d4c5b6a"}, "status": status})
    record = Exchanged("PUT", f"http://127.0.0.1:{port + 1}/_inference/text_embedding/{ident}", put.encode(), status,
                        {"Content-Type": "application/json; charset=UTF-8"}, body.encode(), 0.01)
    call_body = json.dumps({"input": ["how big"], "model": "m", "user": user, "created": port}).encode()
    call = Call(7 + port, "openai", "POST", upstream_path, (), (("Authorization", f"Bearer {fingerprint(secret)}"),),
                call_body, float(port), 200, True, "embeddings")
    case = CaseTrace("r/openai/text_embedding#0", [record], [call], None)
    verdict = CaseTrace("r/openai/text_embedding", verdict="passed")
    return SideTrace("A", "t", "8.18", {case.case: case, verdict.case: verdict}, Redactor([secret]))


def test_two_runs_of_the_same_implementation_do_not_differ() -> None:
    a = _side(port=40001, secret="sk-canary-AAAA1111", ident="hsm0x1234-0")
    b = _side(port=50002, secret="sk-canary-BBBB2222", ident="hsm0x9876-0")
    assert compare(a, b) == []


@pytest.mark.parametrize("change, field", [
    pytest.param({"status": 404}, "status", id="status"),
    pytest.param({"reason": "Configuration contains settings"}, "error.reason", id="message"),
    pytest.param({"user": "u2"}, "body.user", id="upstream-value"),
    pytest.param({"upstream_path": "/v1/other"}, "call", id="upstream-path"),
])
def test_a_real_change_is_one_difference(change: dict[str, object], field: str) -> None:
    a = _side(port=40001, secret="sk-canary-AAAA1111", ident="h_first_0a1b2c3d0")
    b = _side(port=50002, secret="sk-canary-BBBB2222", ident="h_other_9f8e7d6c0", **change)  # type: ignore[arg-type]
    diffs = compare(a, b)
    assert [d.field for d in diffs] == [field]
    assert diffs[0].case == "r/openai/text_embedding#0"


def test_secrets_show_as_placeholders_and_a_leak_is_a_difference() -> None:
    a = _side(port=1, secret="sk-canary-AAAA1111", ident="h_first_0a1b2c3d0")
    b = _side(port=2, secret="sk-canary-BBBB2222", ident="h_other_9f8e7d6c0", reason="bad key sk-canary-BBBB2222")
    diffs = compare(a, b)
    assert [d.field for d in diffs] == ["error.reason"]
    assert diffs[0].b == "bad key <secret#1>"
    assert "sk-canary" not in json.dumps([d.a for d in diffs] + [d.b for d in diffs])


def test_ids_the_target_generates_per_run_do_not_differ() -> None:
    """An API key id (security errors) and an index uuid (index already exists) are the target's own."""
    reasons = ("action [cluster:admin/xpack/inference/put] is unauthorized for API key id [{}] of user [elastic]",
               "index [h-dup-one/{}] already exists")
    for reason in reasons:
        a = _side(port=40001, secret="sk-canary-AAAA1111", ident="hsm0x1234-0", reason=reason.format("yce-LoRnXPfg"))
        b = _side(port=50002, secret="sk-canary-BBBB2222", ident="hsm0x9876-0",
                  reason=reason.format("4c0513f82a224e249b1f8f"))
        assert compare(a, b) == [], reason
    a = _side(port=40001, secret="sk-canary-AAAA1111", ident="hsm0x1234-0", reason="index [one/x] already exists")
    b = _side(port=50002, secret="sk-canary-BBBB2222", ident="hsm0x9876-0", reason="index [two/x] already exists")
    assert [d.field for d in compare(a, b)] == ["error.reason"]  # the index name still counts
