"""The harness's one SSE parser (``harness.checks.sse``) on hand-built bodies: Elasticsearch's ``_stream`` framing
(``event: message`` + ``data: {json}`` blocks ending with ``data: [DONE]``), what it tolerates (CRLF, a leading
byte-order mark, comments, blank lines) and the framing it refuses, with the failure a report prints.
``bench/mutation.py`` measures these tests (docs/mutation.md).
"""

from __future__ import annotations

import pytest

from harness.checks.sse import SseEvent, parse_sse, sse_events
from harness.errors import Failure

STREAM = b'event: message\ndata: {"completion":[{"delta":"Hi"}]}\n\nevent: message\ndata: [DONE]\n\n'
EVENTS = [SseEvent("message", '{"completion":[{"delta":"Hi"}]}'), SseEvent("message", "[DONE]")]


@pytest.mark.parametrize(
    "raw",
    [
        STREAM,
        STREAM.replace(b"\n", b"\r\n"),
        "\ufeff".encode() + STREAM,  # a byte-order mark before the first event
        b"\n\n" + STREAM.replace(b"\n\n", b"\n\n\n\n"),  # blank lines between events
        STREAM.replace(b"event: message\n", b": note\nevent: message\n", 1).replace(b"data: ", b"data:"),  # a comment
        STREAM.replace(b"event: message", b"event:message "),
    ],
)
def test_elasticsearchs_framing_parses_to_its_events(raw: bytes) -> None:
    assert parse_sse(raw) == (EVENTS, [])
    assert sse_events("check.sse_framing", raw, bom=False) == [("message", e.data) for e in EVENTS]


def test_an_event_without_a_name_and_data_lines_joined() -> None:
    events, problems = parse_sse(b"data: a\ndata:  b\ndata:\n\ndata: [DONE]")
    assert (events, problems) == ([SseEvent(None, "a\nb\n"), SseEvent(None, "[DONE]")], [])


def test_data_keeps_what_follows_the_space_after_the_colon() -> None:
    events = [SseEvent(None, "\t{}"), SseEvent(None, "XYZ"), SseEvent(None, "\n")]
    assert parse_sse(b"data:\t{}\n\ndata: XYZ\n\ndata:\ndata: \n\n") == (events, [])


def test_an_empty_data_line_is_empty_data() -> None:
    assert sse_events("check.sse_framing", b"event: message\ndata:\n\n", bom=True) == [("message", "")]


def test_invalid_utf8_is_replaced_not_raised() -> None:
    assert parse_sse(b"data: caf\xe9\n\n") == ([SseEvent(None, "caf\ufffd")], [])


@pytest.mark.parametrize("junk", [" ", "\t", "X", " data: x", "X-Request-Id: 7"])
def test_a_block_of_anything_but_fields_and_comments_is_a_problem(junk: str) -> None:
    raw = f"data: a\n\n{junk}\n\ndata: [DONE]\n\n".encode()
    events = [SseEvent(None, "a"), SseEvent(None, None), SseEvent(None, "[DONE]")]
    problems = [f"SSE line is neither event: nor data: {junk}", f"SSE event without data: {junk}"]
    assert parse_sse(raw) == (events, problems)


@pytest.mark.parametrize(
    ("raw", "events", "problems"),
    [
        (b"event: message\n\n", [SseEvent("message", None)], ["SSE event without data: event: message"]),
        (
            b"event: a\n\n\nevent: b\n\n",
            [SseEvent("a", None), SseEvent("b", None)],
            ["SSE event without data: event: a", "SSE event without data: event: b"],
        ),
        (
            b"id: 7\ndata: x\n\n",
            [SseEvent(None, "x")],
            ["SSE line is neither event: nor data: id: 7"],
        ),
        (
            b"retry: 10\n\n",
            [SseEvent(None, None)],
            ["SSE line is neither event: nor data: retry: 10", "SSE event without data: retry: 10"],
        ),
        (
            b"x" * 250 + b"\n\n",
            [SseEvent(None, None)],
            ["SSE line is neither event: nor data: " + "x" * 200, "SSE event without data: " + "x" * 200],
        ),
    ],
)
def test_bad_framing_is_returned_as_problems(raw: bytes, events: list[SseEvent], problems: list[str]) -> None:
    assert parse_sse(raw) == (events, problems)


def test_an_event_without_data_fails_the_framing_check() -> None:
    with pytest.raises(Failure) as info:
        sse_events("check.sse_framing", STREAM + b"event: message\n\n", bom=False)
    failure = info.value
    assert (failure.rule_id, failure.title, failure.expected, failure.seen) == (
        "check.sse_framing",
        "SSE event without data",
        "data: line",
        "event: message",
    )


def test_a_line_that_is_no_field_fails_the_framing_check() -> None:
    with pytest.raises(Failure) as info:
        sse_events("check.sse_framing", b"id: 7\ndata: x\n\n", bom=False)
    failure = info.value
    assert (failure.rule_id, failure.expected) == ("check.sse_framing", "event:/data: lines")
    assert failure.seen.endswith("id: 7")
