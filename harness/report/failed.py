"""A failed :class:`~harness.report.model.Result`, redacted: the one way a rule item, the state machine and the
schema pass mark a result failed."""

from __future__ import annotations

import json
from typing import Any

from harness.report.model import Result
from harness.report.redact import Redactor

__all__ = ["jsonable", "mark_failed"]


def jsonable(value: Any, redactor: Redactor) -> Any:
    """``value`` as JSON data (``str()`` of what JSON cannot hold), redacted."""
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = json.dumps(str(value))
    return json.loads(redactor.redact(text))


def mark_failed(result: Result, *, reason: str, expected: Any, seen: Any, replay: str, redactor: Redactor) -> None:
    """Mark ``result`` failed with ``reason``, ``expected``/``seen`` (JSON data) and ``replay``, all redacted."""
    result.outcome = "failed"
    result.reason = redactor.redact(reason)
    result.expected = jsonable(expected, redactor)
    result.seen = jsonable(seen, redactor)
    result.replay = redactor.redact(replay)
