"""Redaction of secrets in report text: every known secret is replaced by its fingerprint.

The runner registers each canary it plants and each secret the user passed (``--api-key``, the password
of ``--user``); writers pass their final text through :meth:`Redactor.redact` before writing.

A run registers thousands of canaries (every generated case plants its own). One regular expression
alternating all of them is slow to compile and slow to match (each text position tries every
alternative: ~10 s for a 400 kB report and 12,000 canaries), so the redactor indexes the secrets by their
first :data:`_ANCHOR` characters instead: a small expression of the distinct anchors (a handful: the
canaries share theirs) finds where a secret may start, and a set lookup per secret length at each such
position confirms it. The result is the same as the alternation, longest secret first at each position.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from mocks.core.secrets import fingerprint

__all__ = ["Redactor"]

#: A secret is found by its first characters: every registered secret has at least this many.
_ANCHOR = 6


class _Index:
    """An immutable lookup of a set of secrets: where one may start and which ones start there."""

    def __init__(self, secrets: Iterable[str]) -> None:
        by_anchor: dict[str, dict[int, set[str]]] = {}
        for secret in secrets:
            by_anchor.setdefault(secret[:_ANCHOR], {}).setdefault(len(secret), set()).add(secret)
        #: anchor -> (length, secrets of that length), longest first
        self.candidates: dict[str, tuple[tuple[int, frozenset[str]], ...]] = {
            anchor: tuple((n, frozenset(group)) for n, group in sorted(lengths.items(), reverse=True))
            for anchor, lengths in by_anchor.items()
        }
        self.starts = re.compile(f"(?=({_trie_pattern(sorted(by_anchor))}))")
        self.fingerprints: dict[str, str] = {}

    def redact(self, text: str) -> str:
        out: list[str] = []
        end = 0
        for m in self.starts.finditer(text):
            i = m.start()
            if i < end:  # inside the secret just replaced
                continue
            for n, group in self.candidates[m.group(1)]:
                secret = text[i : i + n]
                if secret in group:
                    out.append(text[end:i])
                    fp = self.fingerprints.get(secret)
                    if fp is None:
                        fp = self.fingerprints[secret] = fingerprint(secret)
                    out.append(fp)
                    end = i + n
                    break
        if not out:
            return text
        out.append(text[end:])
        return "".join(out)


def _trie_pattern(words: list[str]) -> str:
    """A regular expression matching exactly ``words`` (all of one length), factored by common prefix so
    that matching one position costs one branch per character rather than one per word."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items())]
        if len(branches) <= 1:
            return "".join(branches)
        return "(?:" + "|".join(branches) + ")"

    return emit(trie)


class Redactor:
    """A thread-safe set of secrets and the function replacing them by ``fp-…`` fingerprints.

    Example:
        >>> r = Redactor(["sk-canary-1234"])
        >>> r.redact("key sk-canary-1234 leaked").startswith("key fp-")
        True
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self._index: _Index | None = None
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        """Register secrets (empty strings and very short values are ignored: they would mangle text)."""
        with self._lock:
            before = len(self._secrets)
            self._secrets.update(s for s in secrets if isinstance(s, str) and len(s) >= _ANCHOR)
            if len(self._secrets) != before:
                self._index = None

    def also(self, *secrets: str) -> None:
        """Register secrets planted within the current example (a second secret a PUT adds): :meth:`add`
        itself, never a subclass's (``harness diff`` reads an ``add`` as "an example started")."""
        Redactor.add(self, *secrets)

    @property
    def secrets(self) -> frozenset[str]:
        """The registered secrets (for tests that grep outputs; never write them anywhere)."""
        with self._lock:
            return frozenset(self._secrets)

    def redact(self, text: str) -> str:
        """Return ``text`` with every registered secret replaced by its fingerprint (longest first)."""
        if not text:
            return text
        with self._lock:
            if self._index is None and self._secrets:
                self._index = _Index(self._secrets)
            index = self._index
        if index is None:
            return text
        return index.redact(text)

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"
