"""AWS event-stream framing (``application/vnd.amazon.eventstream``), encode side only.

A frame is, big-endian::

    uint32 total_length | uint32 headers_length | uint32 prelude_crc32
    headers | payload | uint32 message_crc32

``prelude_crc32`` covers the first 8 bytes, ``message_crc32`` everything before it.  Each header is
``uint8 name_len, name, uint8 type, value``; we only emit type 7 (string: ``uint16 len`` + UTF-8), which
is all Bedrock puts on its events.  botocore's ``EventStreamBuffer`` is the decoder the tests use.

Example::

    >>> frame = event_frame("messageStop", {"stopReason": "end_turn"})
    >>> len(frame) == int.from_bytes(frame[:4], "big")
    True
"""

from __future__ import annotations

import json
import struct
from binascii import crc32
from collections.abc import Mapping
from typing import Any

__all__ = [
    "CONTENT_TYPE",
    "corrupt",
    "encode_frame",
    "event_frame",
    "exception_frame",
]

CONTENT_TYPE = "application/vnd.amazon.eventstream"

_STRING = 7
_PRELUDE = struct.Struct("!III")
_PRELUDE_LENGTH = 12
_CRC_LENGTH = 4


def _encode_headers(headers: Mapping[str, str]) -> bytes:
    out = bytearray()
    for name, value in headers.items():
        raw_name = name.encode("utf-8")
        raw_value = value.encode("utf-8")
        if len(raw_name) > 255:
            raise ValueError(f"header name too long: {name[:40]!r}")
        if len(raw_value) > 0xFFFF:
            raise ValueError(f"header value too long for {name!r}")
        out += struct.pack("!B", len(raw_name)) + raw_name
        out += struct.pack("!BH", _STRING, len(raw_value)) + raw_value
    return bytes(out)


def encode_frame(headers: Mapping[str, str], payload: bytes) -> bytes:
    """Encode one event-stream message with string headers and a raw ``payload``.

    Args:
        headers: header name -> string value, written in the given order.
        payload: the message body bytes.
    """
    raw_headers = _encode_headers(headers)
    total = _PRELUDE_LENGTH + len(raw_headers) + len(payload) + _CRC_LENGTH
    head = struct.pack("!II", total, len(raw_headers))
    prelude = head + struct.pack("!I", crc32(head))
    body = prelude + raw_headers + payload
    return body + struct.pack("!I", crc32(body))


def _json(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_frame(event_type: str, payload: Any) -> bytes:
    """An ``:message-type: event`` frame carrying ``payload`` as JSON.

    Example: ``event_frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi"}})``.
    """
    headers = {":event-type": event_type, ":content-type": "application/json", ":message-type": "event"}
    return encode_frame(headers, _json(payload))


def exception_frame(exception_type: str, message: str, **extra: Any) -> bytes:
    """An ``:message-type: exception`` frame; ``exception_type`` is the camelCase member name
    (``throttlingException``), which botocore surfaces as the ``EventStreamError`` code."""
    headers = {
        ":exception-type": exception_type,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return encode_frame(headers, _json({"message": message, **extra}))


def corrupt(frame: bytes) -> bytes:
    """Return ``frame`` with one byte of its message CRC flipped (the ``eventstream_corrupt`` fault).

    The prelude stays valid, so a decoder reads the whole frame and then fails its checksum
    (botocore raises ``ChecksumMismatch``).
    """
    if len(frame) < _PRELUDE_LENGTH + _CRC_LENGTH:
        raise ValueError("not an event-stream frame")
    broken = bytearray(frame)
    broken[-1] ^= 0xFF
    return bytes(broken)
