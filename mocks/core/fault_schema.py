"""The JSON Schema of a fault spec, and :func:`validate_fault_spec`, used by the admin API and by ``Fault``.

Every fault the admin API (``POST /__admin/faults``) or Python (``Fault(...)``, ``Fault.from_dict``)
accepts passes this schema, so no accepted fault can make a mock answer a 500 of its own or hang:

* ``kind`` is one of :data:`FAULT_KINDS`;
* ``status`` is a final status, 200-599: an error status, a 3xx (Elasticsearch fails a redirect:
  ``upstream.3xx``) or a 200 whose ``body`` is wrong (empty, other dimensions: ``upstream.empty_body``,
  ``validation_call.dimensions_mismatch``), the harness's scenarios send all three; 1xx is no final answer;
* ``latency_ms`` is an integer within [0, :data:`MAX_LATENCY_MS`] (five minutes);
* ``headers`` is an object of HTTP token names to strings without control characters (no CR/LF: no
  header injection) and within Latin-1 (RFC 9110 field values); framing headers (``Content-Length``,
  ``Transfer-Encoding``, ``Connection``...) are refused, the server sets them;
* ``body`` is a string (sent verbatim), a JSON object or array (sent as JSON), or null;
* ``path`` is a glob starting with ``/`` or ``*`` that compiles (``[z-a]`` does not);
* ``probability`` is within [0, 1], ``times`` a positive count or null, ``after`` within [0, 1,000,000].

A refused spec raises :class:`FaultSpecError`, a ``ValueError`` whose ``field`` names the offending field
(``"latency_ms"``, ``"headers.X-Bad"``); the admin API answers it as a 400 ``{"error", "field"}``.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

import jsonschema

__all__ = [
    "CLOSE_MODES",
    "FAULT_KINDS",
    "FAULT_SCHEMA",
    "MAX_AFTER",
    "MAX_LATENCY_MS",
    "FaultSpecError",
    "validate_fault_spec",
]

#: The longest latency a ``latency`` fault may add, in milliseconds (5 minutes).
MAX_LATENCY_MS = 300_000
#: The largest ``after`` (stream events before a cut or an error event).
MAX_AFTER = 1_000_000
_MAX_TEXT = 64 * 1024
_MAX_BODY = 1024 * 1024
_TOKEN = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$"
# RFC 9110 field-value: visible ASCII, space, tab and obs-text (0x80-0xFF); no CR/LF/NUL or other controls
# (no header injection) and nothing outside Latin-1 (the server could not encode it and would hang).
_HEADER_VALUE = r"^[\t\x20-\x7e\x80-\xff]{0,8192}$"
_FRAMING_HEADERS = r"(?i)^(content-length|transfer-encoding|connection|keep-alive|upgrade|te|trailer)$"
#: How an ``sse_cut`` fault ends the connection: a TCP reset, or an orderly shutdown (FIN, the peer sees EOF).
CLOSE_MODES: tuple[str, ...] = ("reset", "fin")
#: Every fault kind (re-exported as :data:`mocks.core.faults.FAULT_KINDS`).
FAULT_KINDS: tuple[str, ...] = (
    "http_error",
    "latency",
    "reset",
    "malformed_json",
    "sse_cut",
    "eventstream_corrupt",
    "stream_error",
)


def _text(max_length: int = _MAX_TEXT) -> dict[str, Any]:
    return {"type": ["string", "null"], "maxLength": max_length}


_MATCH_PROPERTIES: dict[str, Any] = {
    "path": {"type": ["string", "null"], "maxLength": 2048, "pattern": r"^[/*][^\x00-\x1f\x7f]*$"},
    "model": _text(1024),
    "key": _text(1024),
}

FAULT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "mock fault",
    "type": "object",
    "required": ["kind"],
    "additionalProperties": False,
    "properties": {
        "kind": {"enum": list(FAULT_KINDS)},
        "status": {"type": "integer", "minimum": 200, "maximum": 599},
        "headers": {
            "type": "object",
            "maxProperties": 64,
            "propertyNames": {"pattern": _TOKEN, "not": {"pattern": _FRAMING_HEADERS}},
            "additionalProperties": {"type": "string", "pattern": _HEADER_VALUE},
        },
        "body": {"anyOf": [{"type": "string", "maxLength": _MAX_BODY}, {"type": ["object", "array", "null"]}]},
        "message": _text(),
        "code": _text(1024),
        "type": _text(1024),
        "latency_ms": {"type": "integer", "minimum": 0, "maximum": MAX_LATENCY_MS},
        "after": {"type": "integer", "minimum": 0, "maximum": MAX_AFTER},
        "close": {"enum": list(CLOSE_MODES)},
        **_MATCH_PROPERTIES,
        "match": {"type": ["object", "null"], "additionalProperties": False, "properties": _MATCH_PROPERTIES},
        "times": {"type": ["integer", "null"], "minimum": 1},
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "id": {"type": "string", "pattern": r"^[A-Za-z0-9_.-]{0,64}$"},
        "remaining": {"type": ["integer", "null"], "minimum": 0},
        "hits": {"type": "integer", "minimum": 0},
    },
}

_VALIDATOR = jsonschema.Draft202012Validator(FAULT_SCHEMA)


class FaultSpecError(ValueError):
    """A fault spec the schema refuses; ``field`` names the offending field (dotted), or ``""``."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _field_of(error: jsonschema.ValidationError) -> str:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        path += missing[:1]
    elif error.validator == "additionalProperties" and error.instance is not None:
        extra = re.findall(r"'([^']+)' was unexpected", error.message)
        path += extra[:1]
    elif "propertyNames" in error.absolute_schema_path:
        path += [str(error.instance)]
    return ".".join(path)


def _sort_key(error: jsonschema.ValidationError) -> tuple[int, str]:
    return (-len(error.absolute_path), str(error.absolute_path))


def validate_fault_spec(spec: Any) -> None:
    """Raise :class:`FaultSpecError` naming the field when ``spec`` is not a valid fault spec.

    >>> validate_fault_spec({"kind": "latency", "latency_ms": 10})
    >>> validate_fault_spec({"kind": "http_error", "status": 101})
    Traceback (most recent call last):
    ...
    mocks.core.fault_schema.FaultSpecError: status: 101 is less than the minimum of 200
    """
    errors = sorted(_VALIDATOR.iter_errors(spec), key=_sort_key)
    if errors:
        error = errors[0]
        field = _field_of(error)
        message = _short(error)
        raise FaultSpecError(f"{field}: {message}" if field else message, field)
    if spec.get("close", "reset") != "reset" and spec["kind"] != "sse_cut":
        raise FaultSpecError(f"close={spec['close']!r} applies to sse_cut faults only, not {spec['kind']}", "close")
    for where, field in ((spec, "path"), (spec.get("match") or {}, "match.path")):
        pattern = where.get("path")
        if isinstance(pattern, str):
            try:
                re.compile(fnmatch.translate(pattern))
            except re.error as exc:
                raise FaultSpecError(f"{field}: {pattern!r} is not a valid glob pattern ({exc})", field) from None


def _short(error: jsonschema.ValidationError) -> str:
    """The validator's message with the offending value cut short (a 1 MiB body is not echoed back)."""
    if list(error.absolute_path) == ["kind"] and error.validator == "enum":
        return f"unknown fault kind {error.instance!r}; expected one of {', '.join(FAULT_KINDS)}"
    if list(error.absolute_path) == ["close"] and error.validator == "enum":
        return f"close must be one of reset, fin, got {error.instance!r}"
    text = error.message
    return text if len(text) <= 300 else text[:300] + "..."
