"""Fault injection: what to break, for which requests, how often.

A :class:`Fault` says *what* (``kind``), *for whom* (``path`` glob, ``model``, ``key`` fingerprint) and
*how often* (``times``: the next N matching requests; ``probability``: drawn from the schedule's seeded
RNG, so one seed reproduces the same sequence). :class:`FaultSchedule` holds them, thread-safe.

Kinds:

* ``http_error``: answer ``status`` in the provider's own error format (or ``body`` verbatim);
* ``latency``: sleep ``latency_ms`` then answer normally;
* ``reset``: close the connection with a TCP reset before answering;
* ``malformed_json``: truncate the JSON body;
* ``sse_cut``: send ``after`` stream events (or half the body) then drop the connection;
* ``eventstream_corrupt``: corrupt a byte of an AWS event-stream frame (CRC mismatch).
"""

from __future__ import annotations

import fnmatch
import itertools
import random
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = ["FAULT_KINDS", "Fault", "FaultSchedule"]

FAULT_KINDS: tuple[str, ...] = (
    "http_error",
    "latency",
    "reset",
    "malformed_json",
    "sse_cut",
    "eventstream_corrupt",
)


@dataclass
class Fault:
    """One fault. ``times=None`` means every matching request; ``remaining`` counts down from ``times``."""

    kind: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    message: str | None = None
    code: str | None = None
    type: str | None = None
    latency_ms: int = 0
    after: int = 1
    path: str | None = None
    model: str | None = None
    key: str | None = None
    times: int | None = None
    probability: float = 1.0
    id: str = ""
    remaining: int | None = None
    hits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if not 0.0 <= float(self.probability) <= 1.0:
            raise ValueError(f"probability must be within [0, 1], got {self.probability!r}")
        if self.times is not None and int(self.times) < 1:
            raise ValueError(f"times must be >= 1 or null, got {self.times!r}")
        if not 100 <= int(self.status) <= 599:
            raise ValueError(f"status must be an HTTP status (100-599), got {self.status!r}")
        if int(self.latency_ms) < 0 or int(self.after) < 0:
            raise ValueError("latency_ms and after must be >= 0")
        if self.remaining is None:
            self.remaining = self.times

    def matches(self, path: str, model: str | None = None, key: str | None = None) -> bool:
        """True when the request (path, model, key fingerprint) is targeted by this fault."""
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.path is not None and not (path == self.path or fnmatch.fnmatchcase(path, self.path)):
            return False
        if self.model is not None and model != self.model:
            return False
        return self.key is None or key == self.key

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the admin API's format)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        """Build a fault from the admin API's JSON; ``{"match": {"path", "model", "key"}}`` is accepted too.

        Raises ``ValueError`` for unknown fields or invalid values.
        """
        if not isinstance(data, dict):
            raise ValueError("a fault must be a JSON object")  # noqa: TRY004 - the admin API answers 400
        data = dict(data)
        match = data.pop("match", None) or {}
        if not isinstance(match, dict):
            raise ValueError("'match' must be an object")  # noqa: TRY004
        data.update(match)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
        if "kind" not in data:
            raise ValueError("a fault needs a 'kind'")
        try:
            return cls(**data)
        except TypeError as exc:
            raise ValueError(str(exc)) from None


class FaultSchedule:
    """The faults of one mock. Thread-safe; probabilities drawn from ``random.Random(seed)``."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._rng = random.Random(seed)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def add(self, fault: Fault | dict[str, Any]) -> str:
        """Add a fault (or its dict form); return its id."""
        if isinstance(fault, dict):
            fault = Fault.from_dict(fault)
        with self._lock:
            if not fault.id:
                fault.id = f"f{next(self._ids)}"
            self._faults.append(fault)
        return fault.id

    def remove(self, fault_id: str) -> bool:
        """Remove the fault with ``fault_id``; return whether it existed."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        """Remove every fault and reseed the RNG (so a cleared schedule replays the same draws)."""
        with self._lock:
            self._faults.clear()
            self._rng = random.Random(self.seed)

    def list(self) -> list[Fault]:
        """A snapshot of the faults, in the order they are tried."""
        with self._lock:
            return list(self._faults)

    def __len__(self) -> int:
        return len(self._faults)

    def pick(self, path: str, model: str | None = None, key: str | None = None) -> Fault | None:
        """The first fault that targets this request and fires (its ``probability`` drawn), or ``None``.

        A fired fault's ``remaining`` count goes down by one and its ``hits`` up by one.
        """
        with self._lock:
            for fault in self._faults:
                if not fault.matches(path, model, key):
                    continue
                if fault.probability < 1.0 and self._rng.random() >= fault.probability:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                fault.hits += 1
                return fault
        return None

    def to_dict(self) -> list[dict[str, Any]]:
        """Every fault as a dict (the admin API's list format)."""
        return [f.to_dict() for f in self.list()]

    def __repr__(self) -> str:
        return f"FaultSchedule(seed={self.seed}, faults={len(self._faults)})"
