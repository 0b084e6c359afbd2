"""urllib3 connections whose response heads parse without the ``email`` package in the common case.

``http.client`` parses every response's header block with ``email.parser`` (``parse_headers``): for the
OpenAI mock's 14 headers that is ~45 µs of the reference target's ~600 µs of CPU per inference request
(see ``bench/mock_throughput.py``). :class:`FastHeadResponse` reads the same lines (``http.client``'s own
``_read_headers``, with its line-length and header-count limits) and, when every line is a plain
``Name: value`` line, builds the same :class:`http.client.HTTPMessage` directly; any other block
(continuation lines, a ``From `` line, a line the ``email`` parser would take for the body, a bare CR)
goes through ``email.parser`` exactly as before. ``tests/reference_upstream/test_fast_head.py`` checks
that both give equal messages. It saves ~25 µs of ~45 µs per response head (14 headers). The reference's
upstream pools use it, and so does the harness's direct path to the embedded reference (the same ~3% of a
default run's CPU on the client side).
"""

from __future__ import annotations

import email.parser
import http.client
import re
import sys
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection

__all__ = ["FAST_HEAD", "FastHTTPConnection", "FastHTTPSConnection", "FastHeadResponse", "parse_head"]

#: :meth:`FastHeadResponse.begin` mirrors ``http.client.HTTPResponse.begin`` of Python 3.11 to 3.13 (the same
#: source in all three); on a later Python the target keeps the standard response class until checked
FAST_HEAD = sys.version_info < (3, 14)

#: A header line the ``email`` parser splits as ``name``, ``:``, value (its ``headerRE`` field-name
#: characters, at least one), with no CR or LF before the line end
_PLAIN = re.compile(r"([\x21-\x39\x3b-\x7e]+):([^\r\n]*)(?:\r\n|\n)?\Z")
_END = ("\r\n", "\n", "")


def parse_head(lines: list[bytes]) -> http.client.HTTPMessage:
    """The :class:`~http.client.HTTPMessage` ``http.client.parse_headers`` makes of these raw lines (the
    last one the blank line or ``b""``)."""
    text = [line.decode("iso-8859-1") for line in lines]
    if text and text[-1] in _END:
        fields = []
        for line in text[:-1]:
            match = _PLAIN.match(line)
            if match is None or line.startswith("From "):
                break
            fields.append((match.group(1), match.group(2).lstrip(" \t")))
        else:
            message = http.client.HTTPMessage()
            for name, value in fields:
                message.set_raw(name, value)
            message.set_payload("")
            return message
    parsed = email.parser.Parser(_class=http.client.HTTPMessage).parsestr("".join(text))
    return parsed  # type: ignore[return-value]


class FastHeadResponse(http.client.HTTPResponse):
    """``http.client.HTTPResponse`` with :func:`parse_head`; ``begin`` is otherwise the standard library's
    (identical in Python 3.11 to 3.13)."""

    def begin(self) -> None:
        if self.headers is not None:  # type: ignore[has-type]
            return
        while True:  # read until a non-100 response
            version, status, reason = self._read_status()  # type: ignore[attr-defined]
            if status != http.client.CONTINUE:
                break
            http.client._read_headers(self.fp)  # type: ignore[attr-defined]
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.headers = self.msg = parse_head(http.client._read_headers(self.fp))  # type: ignore[attr-defined]
        transfer_encoding = self.headers.get("transfer-encoding")
        self.chunked = bool(transfer_encoding and transfer_encoding.lower() == "chunked")
        if self.chunked:
            self.chunk_left = None
        self.will_close = self._check_close()  # type: ignore[attr-defined]
        self.length = _length(self.headers.get("content-length"), self.chunked)
        head = self._method == "HEAD"  # type: ignore[attr-defined]
        if status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED) or 100 <= status < 200 or head:
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


def _length(value: str | None, chunked: bool) -> int | None:
    if not value or chunked:
        return None
    try:
        length = int(value)
    except ValueError:
        return None
    return None if length < 0 else length


class FastHTTPConnection(HTTPConnection):
    """urllib3's connection with :class:`FastHeadResponse`."""

    response_class: Any = FastHeadResponse


class FastHTTPSConnection(HTTPSConnection):
    """urllib3's TLS connection with :class:`FastHeadResponse`."""

    response_class: Any = FastHeadResponse
