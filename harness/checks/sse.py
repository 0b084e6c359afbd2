"""The one Server-Sent Events parser of the harness (target ``_stream`` bodies, upstream SSE, diffs).

:func:`parse_sse` is lenient: it returns every event and the framing problems it saw, so callers that only
look (the diff, an error event inside a stream) and callers that judge (:func:`sse_events`) share it.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import Failure

__all__ = ["SseEvent", "parse_sse", "sse_events"]


@dataclass(frozen=True)
class SseEvent:
    """One event: its ``event:`` name (None when absent) and its ``data:`` lines joined by newlines
    (None when the event had no ``data:`` line)."""

    event: str | None
    data: str | None


def parse_sse(raw: bytes) -> tuple[list[SseEvent], list[str]]:
    """Split an SSE body into events (blank-line separated, CRLF or LF, a leading BOM ignored).

    Returns ``(events, problems)``: a problem is a line that is neither a field nor a comment, or an
    event without data.

    >>> parse_sse(b"event: message\\ndata: {}\\n\\ndata: [DONE]\\n\\n")[0][1]
    SseEvent(event=None, data='[DONE]')
    """
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    events: list[SseEvent] = []
    problems: list[str] = []
    for block in text.split("\n\n"):
        block = block.lstrip("\n").removeprefix("\ufeff")
        if not block.strip("\n"):
            continue
        event: str | None = None
        data: list[str] = []
        for line in block.split("\n"):
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
            elif line and not line.startswith(":"):
                problems.append(f"SSE line is neither event: nor data: {line[:200]}")
        if not data:
            problems.append(f"SSE event without data: {block[:200]}")
        events.append(SseEvent(event, "\n".join(data) if data else None))
    return events, problems


def sse_events(rule_id: str, raw: bytes, *, bom: bool) -> list[tuple[str | None, str]]:
    """Parse an SSE body into ``(event, data)`` pairs; raise :class:`Failure` on bad framing.

    ``bom`` says whether the profile's streams may start with a byte-order mark (it is accepted either way).
    """
    events, problems = parse_sse(raw)
    if problems:
        what, _, seen = problems[0].partition(": ")
        expected = "data: line" if what.endswith("without data") else "event:/data: lines"
        raise Failure(rule_id, what, expected=expected, seen=seen)
    return [(e.event, e.data or "") for e in events]
