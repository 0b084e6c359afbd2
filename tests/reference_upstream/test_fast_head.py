"""The target's fast response-head parsing gives the message ``http.client.parse_headers`` gives: on plain
header blocks (the fast path) and on every odd one (continuations, ``From `` lines, body-like lines, bare
CRs, no blank line), and the response a connection returns reads as before."""

from __future__ import annotations

import http.client
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mocks.core.fast_head import FastHeadResponse, parse_head

BLOCKS = [
    b"Content-Type: application/json\r\nContent-Length: 12\r\nx-request-id: req_1\r\n\r\n",
    b"A: 1\nB:2\n\n",
    b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n",  # repeated names keep both, in order
    b"X:   spaced value  \r\n\r\n",  # leading blanks go, trailing ones stay
    b"X: folded\r\n  continuation\r\nY: 2\r\n\r\n",  # obs-fold: the email parser's path
    b"From someone\r\nX: 1\r\n\r\n",
    b"X: 1\r\nnot a header line\r\nY: 2\r\n\r\n",  # the rest becomes the body, Y is lost: as before
    b": no name\r\nX: 1\r\n\r\n",
    b"X: a\rb\r\n\r\n",  # a bare CR splits lines for the email parser
    b"X: caf\xe9\r\n\r\n",  # Latin-1
    b"X: 1\r\n",  # no blank line (EOF)
    b"\r\n",
    b"",
]


def _lines(block: bytes) -> list[bytes]:
    return http.client._read_headers(io.BytesIO(block))  # type: ignore[attr-defined, no-any-return]


def _same(block: bytes) -> None:
    expected = http.client.parse_headers(io.BytesIO(block))
    got = parse_head(_lines(block))
    assert type(got) is type(expected)
    # defects (exception objects) compare by identity: compare their kinds and texts
    assert [(type(d), str(d)) for d in got.defects] == [(type(d), str(d)) for d in expected.defects]
    assert {**vars(got), "defects": None} == {**vars(expected), "defects": None}, block


@pytest.mark.parametrize("block", BLOCKS)
def test_parse_head_matches_the_standard_library(block: bytes) -> None:
    _same(block)


_LINE = st.one_of(
    st.from_regex(rb"\A[A-Za-z-]{1,12}:[ \t]?[ -~]{0,20}\r?\n\Z"),
    st.binary(max_size=20).map(lambda b: b.replace(b"\n", b"") + b"\r\n"),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINE, max_size=6), st.sampled_from([b"\r\n", b"\n", b""]))
def test_parse_head_matches_the_standard_library_on_generated_blocks(lines: list[bytes], end: bytes) -> None:
    _same(b"".join(lines) + end)


class _Sock:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def makefile(self, mode: str) -> io.BytesIO:
        return io.BytesIO(self._data)


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello",
        b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\nhello",
    ],
)
def test_fast_head_response_reads_as_the_standard_one(raw: bytes) -> None:
    standard = http.client.HTTPResponse(_Sock(raw), method="POST")  # type: ignore[arg-type]
    fast = FastHeadResponse(_Sock(raw), method="POST")  # type: ignore[arg-type]
    standard.begin()
    fast.begin()
    for name in ("status", "reason", "version", "chunked", "will_close", "length"):
        assert getattr(fast, name) == getattr(standard, name), name
    assert fast.msg.items() == standard.msg.items()
    assert fast.read() == standard.read()


def test_plain_blocks_do_not_go_through_the_email_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    import email.parser

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the email parser was used for a plain header block")

    monkeypatch.setattr(email.parser, "Parser", refuse)
    message = parse_head(_lines(BLOCKS[0]))
    assert message.get("content-length") == "12"
    assert message.items()[0] == ("Content-Type", "application/json")
