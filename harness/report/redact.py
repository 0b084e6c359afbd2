"""Redaction of secrets in report text: every known secret is replaced by its fingerprint.

The runner registers each canary it plants and each secret the user passed (``--api-key``, the password
of ``--user``); writers pass their final text through :meth:`Redactor.redact` before writing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from mocks.core.secrets import fingerprint

__all__ = ["Redactor"]


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
        self._pattern: re.Pattern[str] | None = None
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        """Register secrets (empty strings and very short values are ignored: they would mangle text)."""
        with self._lock:
            before = len(self._secrets)
            self._secrets.update(s for s in secrets if isinstance(s, str) and len(s) >= 6)
            if len(self._secrets) != before:
                self._pattern = None

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
            if self._pattern is None and self._secrets:
                alternatives = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in alternatives))
            pattern = self._pattern
        if pattern is None:
            return text
        return pattern.sub(lambda m: fingerprint(m.group(0)), text)

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"
