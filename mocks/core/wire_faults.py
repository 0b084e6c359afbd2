"""Wire faults: what a fault does to an answer on its way out, or to the connection under it.

:class:`~mocks.core.app.MockApp` picks the fault (:mod:`mocks.core.faults`) and calls these:

* ``reset``: :func:`abort_connection` closes the client socket with a TCP reset; a server that hands the
  app no socket (granian) gets a :func:`broken_body` instead, which fails before its first byte;
* ``malformed_json``, ``sse_cut``, ``eventstream_corrupt``: :func:`break_answer` truncates the JSON body,
  cuts the stream after ``fault.after`` events and half the next one (then a reset, or with
  ``close="fin"`` an orderly shutdown), or corrupts the event stream;
* ``stream_error``: :func:`stream_error_answer` ends a successful stream with the provider's error event.
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Callable, Iterator
from typing import Any

from werkzeug.wrappers import Response

from mocks.core.faults import Fault, inject_stream_error, stream_format

__all__ = ["abort_connection", "break_answer", "broken_body", "stream_error_answer"]


def break_answer(
    fault: Fault, response: Response, environ: dict[str, Any], corrupt: Callable[[bytes], bytes]
) -> Response:
    """``response`` as a ``malformed_json``, ``sse_cut`` or ``eventstream_corrupt`` fault leaves it.

    ``malformed_json`` keeps the first half of a non-streamed body; ``eventstream_corrupt`` sends
    ``corrupt(body)`` (the provider's :meth:`~mocks.core.app.MockApp.corrupt_eventstream`); otherwise the body
    is cut as :func:`_cut_stream` says and the connection ends after it.
    """
    if fault.kind == "malformed_json" and not response.is_streamed:
        data = response.get_data()
        response.set_data(data[: max(1, len(data) // 2)])
        return response
    data = b"".join(response.iter_encoded())
    if fault.kind == "eventstream_corrupt":
        response.response = [corrupt(data)]
        response.headers.pop("Content-Length", None)
        return response
    response.response = _cut_stream(data, fault.after, environ, close=fault.close)
    response.headers.pop("Content-Length", None)
    return response


def stream_error_answer(fault: Fault, response: Response, render: Callable[[Fault, str], bytes]) -> Response:
    """Cut a successful stream after ``fault.after`` events and end it with the provider's error event:
    ``fault.body`` when set, else ``render(fault, fmt)`` (the provider's
    :meth:`~mocks.core.app.MockApp.render_stream_error` in its stream format ``fmt``).

    An answer that is not a 2xx stream (an auth error, say) is left as it is: the fault was spent on it.
    """
    fmt = stream_format(response.mimetype)
    if fmt is None or not 200 <= response.status_code < 300:
        return response
    error = fault.body.encode() if fault.body is not None else render(fault, fmt)
    sequence = response.is_sequence
    chunks = inject_stream_error(b"".join(response.iter_encoded()), fmt, fault.after, error)
    # the same framing as without the fault: a generator streams without Content-Length, a list with one
    response.response = chunks if sequence else iter(chunks)
    response.headers.pop("Content-Length", None)
    return response


def broken_body() -> Iterator[bytes]:
    """A response body that fails before its first byte: the server drops the connection (``reset`` fault
    on a server that hands the app no socket, such as granian)."""
    raise ConnectionResetError("mock fault: connection reset")
    yield b""  # pragma: no cover - makes this a generator


def abort_connection(environ: dict[str, Any]) -> None:
    """Close the client socket with SO_LINGER 0 (a TCP reset) and stop the request."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # dup2 of /dev/null onto the descriptor closes the connection now (its last reference: with
            # SO_LINGER 0 a reset), although the server's rfile/wfile still hold the socket object (a plain
            # close() would wait for them), and keeps the descriptor NUMBER taken until the handler closes
            # it. Closing the number itself (os.close) let the server accept another connection on it
            # while this handler's TLS object still wrote its alert there: another client then read a
            # corrupted record ("decryption failed or bad record mac").
            null = os.open(os.devnull, os.O_RDWR)
            try:
                os.dup2(null, sock.fileno())
            finally:
                os.close(null)
        except OSError:
            pass
    raise ConnectionResetError("mock fault: connection reset")


def _close_connection(environ: dict[str, Any]) -> None:
    """Shut the client socket down in order (FIN, no reset) and stop the request.

    ``shutdown(SHUT_RDWR)`` sends the FIN at once although the server's rfile/wfile still hold the socket;
    the ``ConnectionAbortedError`` then ends the response iteration before werkzeug writes the closing
    zero-length chunk (werkzeug treats a ``ConnectionError`` as a dropped connection: no log, no
    traceback), its next read sees EOF, and the server closes the socket and keeps serving others.
    """
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionAbortedError("mock fault: connection closed")


def _cut_stream(data: bytes, after: int, environ: dict[str, Any], *, close: str = "reset") -> Iterator[bytes]:
    """Yield ``after`` complete SSE events (or half a non-SSE body) plus half the next one, then end the
    connection: a TCP reset (``close="reset"``) or an orderly shutdown (``close="fin"``).

    The partial event is one write (one chunk of the chunked body), so with ``"fin"`` the client reads EOF
    where the next chunk's size line should be: a premature end of a chunk-coded body.
    """
    if b"\n\n" in data:
        pos = 0
        for _ in range(after):
            nxt = data.find(b"\n\n", pos)
            if nxt < 0:
                break
            pos = nxt + 2
        end = data.find(b"\n\n", pos)
        end = len(data) if end < 0 else end
        cut = pos + max(1, (end - pos) // 2)
    else:
        cut = max(1, len(data) // 2)
    yield data[:cut]
    if close == "fin":
        _close_connection(environ)
    abort_connection(environ)
