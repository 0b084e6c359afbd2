"""Fault injection: what to break, for which requests, how often.

A :class:`Fault` says *what* (``kind``), *for whom* (``path`` glob, ``model``, ``key`` fingerprint) and
*how often* (``times``: the next N matching requests; ``probability``: drawn from the schedule's seeded
RNG, so one seed reproduces the same sequence). :class:`FaultSchedule` holds them, thread-safe.

Kinds:

* ``http_error``: answer ``status`` in the provider's own error format (or ``body`` verbatim);
* ``latency``: sleep ``latency_ms`` then answer normally;
* ``reset``: close the connection with a TCP reset before answering;
* ``malformed_json``: truncate the JSON body;
* ``sse_cut``: send ``after`` stream events (or half the body) plus half the next event, then end the
  connection: ``close="reset"`` (the default) with a TCP reset (``SO_LINGER`` 0; the peer sees
  ``ECONNRESET``), ``close="fin"`` with an orderly shutdown (the peer sees EOF where the next chunk of the
  chunked body should start, a premature end of a chunk-coded body);
* ``eventstream_corrupt``: corrupt a byte of an AWS event-stream frame (CRC mismatch);
* ``stream_error``: send ``after`` complete stream events, then the provider's own mid-stream error event
  (OpenAI / Azure: an SSE ``event: error`` carrying ``{"error": {...}}``; Bedrock: an event-stream
  exception frame), and end the stream cleanly. ``message`` / ``code`` / ``type`` override the
  provider's defaults, ``body`` replaces the error event's bytes verbatim. It only targets streamed
  requests (``stream: true`` chat completions, Bedrock ``*-stream`` operations): :meth:`FaultSchedule.pick`
  skips it for any other request, so it is neither consumed nor counted there.

The stream helpers (:func:`split_sse_events`, :func:`split_eventstream_frames`, :func:`inject_stream_error`)
are pure: bytes in, bytes out.
"""

from __future__ import annotations

import builtins
import fnmatch
import itertools
import json
import random
import struct
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from mocks.core.fault_schema import CLOSE_MODES, FAULT_KINDS, MAX_LATENCY_MS, FaultSpecError, validate_fault_spec

__all__ = [
    "CLOSE_MODES",
    "FAULT_KINDS",
    "MAX_LATENCY_MS",
    "FaultSpecError",
    "STREAM_ONLY_KINDS",
    "Fault",
    "FaultSchedule",
    "inject_stream_error",
    "split_eventstream_frames",
    "split_sse_events",
    "stream_format",
]

#: Kinds that only make sense on a streamed response; :meth:`FaultSchedule.pick` skips them otherwise.
STREAM_ONLY_KINDS: frozenset[str] = frozenset({"stream_error"})


@dataclass
class Fault:
    """One fault. ``times=None`` means every matching request; ``remaining`` counts down from ``times``.

    Fields by kind: ``status`` / ``headers`` / ``body`` / ``message`` / ``code`` / ``type`` (``http_error``;
    ``message`` / ``code`` / ``type`` / ``body`` for ``stream_error``), ``latency_ms`` (``latency``),
    ``after`` (``sse_cut``, ``stream_error``), ``close`` (``sse_cut`` only: ``"reset"``, the default, ends
    the connection with a TCP reset; ``"fin"`` shuts it down cleanly, so the client reads EOF inside the
    chunked body instead of ``ECONNRESET``). Matching: ``path`` (glob), ``model``, ``key`` (fingerprint);
    how often: ``times``, ``probability``.

    Example::

        >>> Fault.from_dict({"kind": "sse_cut", "after": 1, "close": "fin"}).close
        'fin'
    """

    kind: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    message: str | None = None
    code: str | None = None
    type: str | None = None
    latency_ms: int = 0
    after: int = 1
    close: str = "reset"
    path: str | None = None
    model: str | None = None
    key: str | None = None
    times: int | None = None
    probability: float = 1.0
    id: str = ""
    remaining: int | None = None
    hits: int = 0

    def __post_init__(self) -> None:
        validate_fault_spec({f.name: getattr(self, f.name) for f in fields(self)})
        if isinstance(self.body, (dict, list)):
            self.body = json.dumps(self.body)
        if self.remaining is None:
            self.remaining = self.times

    def matches(
        self, path: str, model: str | None = None, key: str | None = None, *, stream: bool | None = None
    ) -> bool:
        """True when the request (path, model, key fingerprint) is targeted by this fault.

        ``stream=False`` (a request known not to be streamed) never matches a stream-only kind
        (``stream_error``); ``None`` (unknown) does not filter.
        """
        if self.remaining is not None and self.remaining <= 0:
            return False
        if stream is False and self.kind in STREAM_ONLY_KINDS:
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
            raise FaultSpecError("a fault must be a JSON object")
        validate_fault_spec(data)
        data = dict(data)
        match = data.pop("match", None) or {}
        data.update(match)
        return cls(**data)


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

    def pick(
        self, path: str, model: str | None = None, key: str | None = None, *, stream: bool | None = None
    ) -> Fault | None:
        """The first fault that targets this request and fires (its ``probability`` drawn), or ``None``.

        A fired fault's ``remaining`` count goes down by one and its ``hits`` up by one. ``stream`` says
        whether the request asks for a streamed answer (``None``: unknown); a ``stream_error`` fault is
        skipped, without drawing or counting, for a request with ``stream=False``.
        """
        with self._lock:
            for fault in self._faults:
                if not fault.matches(path, model, key, stream=stream):
                    continue
                if fault.probability < 1.0 and self._rng.random() >= fault.probability:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                fault.hits += 1
                return fault
        return None

    def to_dict(self) -> builtins.list[dict[str, Any]]:
        """Every fault as a dict (the admin API's list format)."""
        return [f.to_dict() for f in self.list()]

    def __repr__(self) -> str:
        return f"FaultSchedule(seed={self.seed}, faults={len(self._faults)})"


# ---------------------------------------------------------------------------------------- stream helpers
_SSE_TYPES = ("text/event-stream",)
_EVENTSTREAM_TYPES = ("application/vnd.amazon.eventstream",)


def stream_format(mimetype: str | None) -> str | None:
    """``"sse"``, ``"eventstream"`` or ``None`` (not a stream) for a response's mimetype."""
    kind = (mimetype or "").split(";", 1)[0].strip().lower()
    if kind in _SSE_TYPES:
        return "sse"
    if kind in _EVENTSTREAM_TYPES:
        return "eventstream"
    return None


def split_sse_events(data: bytes) -> list[bytes]:
    r"""The server-sent events of ``data``, each with its terminating blank line (LF or CRLF framing).

    >>> split_sse_events(b"data: 1\n\ndata: 2\n\n")
    [b'data: 1\n\n', b'data: 2\n\n']
    """
    events: list[bytes] = []
    pos = 0
    while pos < len(data):
        lf, crlf = data.find(b"\n\n", pos), data.find(b"\r\n\r\n", pos)
        ends = [(i, w) for i, w in ((lf, 2), (crlf, 4)) if i >= 0]
        if not ends:
            events.append(data[pos:])
            break
        end, width = min(ends)
        events.append(data[pos : end + width])
        pos = end + width
    return [e for e in events if e.strip()]


def split_eventstream_frames(data: bytes) -> list[bytes]:
    """The AWS event-stream frames of ``data`` (by each prelude's total length; a short tail is kept whole)."""
    frames: list[bytes] = []
    pos = 0
    while pos < len(data):
        if len(data) - pos < 12:
            frames.append(data[pos:])
            break
        total = struct.unpack(">I", data[pos : pos + 4])[0]
        if total < 16:
            frames.append(data[pos:])
            break
        frames.append(data[pos : pos + total])
        pos += total
    return frames


def _is_done(event: bytes) -> bool:
    lines = event.replace(b"\r\n", b"\n").split(b"\n")
    return any(line.startswith(b"data:") and line[5:].strip() == b"[DONE]" for line in lines)


def inject_stream_error(data: bytes, fmt: str, after: int, error: bytes) -> list[bytes]:
    """A stream body cut after ``after`` complete content events, followed by ``error``.

    ``fmt`` is ``"sse"`` or ``"eventstream"`` (:func:`stream_format`). The ``[DONE]`` sentinel of an SSE
    stream is never counted as content and is dropped with the rest; with fewer content events than
    ``after``, all of them are sent and the error comes where the stream would have ended. Each item of the
    result is one write on the wire.
    """
    if fmt == "sse":
        events = [e for e in split_sse_events(data) if not _is_done(e)]
    elif fmt == "eventstream":
        events = split_eventstream_frames(data)
    else:
        raise ValueError(f"unknown stream format {fmt!r}; expected 'sse' or 'eventstream'")
    return [*events[: max(0, after)], error]
