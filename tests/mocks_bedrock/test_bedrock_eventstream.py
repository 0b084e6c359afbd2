"""Event-stream framing, decoded by botocore's own parser."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from hypothesis import given, settings
from hypothesis import strategies as st

from mocks.bedrock import eventstream
from mocks.bedrock.errors import ThrottlingException


def _decode(data: bytes) -> list:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return list(buffer)


def test_event_frame_round_trips_through_botocore() -> None:
    frame = eventstream.event_frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi"}})
    [message] = _decode(frame)
    assert message.headers == {
        ":event-type": "contentBlockDelta",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    assert json.loads(message.payload) == {"contentBlockIndex": 0, "delta": {"text": "Hi"}}


def test_exception_frame_carries_exception_type() -> None:
    err = ThrottlingException("Too many tokens, please wait before trying again.")
    [message] = _decode(err.frame())
    assert message.headers[":message-type"] == "exception"
    assert message.headers[":exception-type"] == "throttlingException"
    assert json.loads(message.payload) == {"message": "Too many tokens, please wait before trying again."}


def test_frames_match_the_captured_hex_sample(test_data: Callable[[str], Any]) -> None:
    frames = test_data("upstream-vectors.json")["bedrock"]["converse_stream_frames"]
    hex_frame = frames["example_contentBlockDelta_frame_hex"]
    ours = eventstream.event_frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi"}})
    assert ours.hex() == hex_frame


def test_corrupt_frame_fails_botocore_checksum() -> None:
    frame = eventstream.event_frame("messageStop", {"stopReason": "end_turn"})
    with pytest.raises(ChecksumMismatch):
        _decode(eventstream.corrupt(frame))


def test_corrupt_refuses_non_frames() -> None:
    with pytest.raises(ValueError):
        eventstream.corrupt(b"short")


_header_names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20)


@settings(max_examples=40, deadline=None)
@given(
    headers=st.dictionaries(_header_names, st.text(max_size=40), max_size=4),
    payload=st.binary(max_size=300),
)
def test_any_frame_round_trips(headers: dict[str, str], payload: bytes) -> None:
    [message] = _decode(eventstream.encode_frame(headers, payload))
    assert message.headers == headers
    assert message.payload == payload


def test_several_frames_decode_in_order() -> None:
    data = b"".join(eventstream.event_frame(f"e{i}", {"i": i}) for i in range(5))
    assert [m.headers[":event-type"] for m in _decode(data)] == [f"e{i}" for i in range(5)]
