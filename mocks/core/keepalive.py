"""HTTP/1.1 keep-alive for :class:`~mocks.core.server.AppServer` (``keep_alive=True``).

werkzeug's development server answers every request with ``Connection: close`` and then waits for the client
to hang up (it cannot tell where an unread request body ends, so it never reads a second request from one
connection). A client sending thousands of requests then pays a TCP connection, a server thread and a
close for each one: about 1 ms of CPU per request on both sides together, several times the reference
app's own work. Elasticsearch keeps connections open.

:class:`KeepAliveHandler` answers exactly as werkzeug's handler does (same status line, headers, chunked
framing of a response without ``Content-Length``) but, when nothing asks for a close, leaves out
``Connection: close``, reads whatever the app left of the request body and serves the next request of the
connection. It still closes (and says so, as werkzeug did) when the client asks (``Connection: close``,
HTTP/1.0), when the app's response says ``Connection: close``, after a chunked request body, and after an
error in the app. A server stopping shuts the connections its handlers hold open
(:func:`close_kept_connections`): a stopped server answers nothing, not even on a connection opened before.
"""

from __future__ import annotations

import os
import socket
import threading
import weakref
from typing import Any

from werkzeug.exceptions import InternalServerError
from werkzeug.wsgi import LimitedStream

from mocks.core.handler import _QuietHandler

__all__ = ["KeepAliveHandler", "close_kept_connections"]

_LOCK = threading.Lock()
#: every server whose handlers hold connections open, for :func:`_drop_inherited_connections`
_SERVERS: weakref.WeakSet[Any] = weakref.WeakSet()


def _kept(server: Any) -> set[socket.socket]:
    """The connections ``server``'s handlers hold open (created on first use; call with ``_LOCK`` held)."""
    kept: set[socket.socket] | None = getattr(server, "kept_connections", None)
    if kept is None:
        kept = server.kept_connections = set()
        _SERVERS.add(server)
    return kept


def _drop_inherited_connections() -> None:
    """In a forked child: close this process's copies of the connections the parent's servers hold open.

    A child (the harness's ``--workers`` processes, when a test serves the target in the same process) has
    no thread serving them, yet its copy of a descriptor keeps the connection alive: a fault's TCP reset in
    the parent (the last close with ``SO_LINGER`` 0) then sent nothing, and the target waited for its read
    timeout instead of seeing ``Connection reset``. Runs without the lock: no other thread exists here."""
    for server in list(_SERVERS):
        for connection in list(getattr(server, "kept_connections", ())):
            try:
                os.close(connection.detach())  # detached: the objects' later close touches no descriptor
            except OSError:
                pass


os.register_at_fork(after_in_child=_drop_inherited_connections)


def close_kept_connections(server: Any) -> None:
    """Shut down every connection a :class:`KeepAliveHandler` of ``server`` holds (call after
    ``server.shutdown()``, so no new one comes): each handler then reads the end of its stream and exits.

    The socket is shut at the descriptor (``socket.socket.shutdown``, also for TLS: the TLS object stays with
    the thread that uses it, which then reads an unexpected EOF and exits like a client's hang-up)."""
    with _LOCK:
        connections = list(_kept(server))
    for connection in connections:
        try:
            socket.socket.shutdown(connection, socket.SHUT_RDWR)
        except OSError:  # already closed by its handler
            pass


class KeepAliveHandler(_QuietHandler):
    """A :class:`~mocks.core.handler._QuietHandler` that serves several requests per connection."""

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # headers and body are written separately: without this, Nagle's algorithm holds the body back until
        # the client's delayed ACK (40 ms), which only a kept-open connection ever waits for
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with _LOCK:
            _kept(self.server).add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with _LOCK:
                _kept(self.server).discard(self.connection)

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        body = self._bounded_body(environ)
        try:
            self._execute(self.server.app, environ)
        except (ConnectionError, TimeoutError) as exc:
            self.close_connection = True
            self.connection_dropped(exc, environ)
            return
        except Exception:  # noqa: BLE001 - as werkzeug: a 500 when nothing was sent yet, then close
            self.close_connection = True
            if not getattr(self, "_status_sent", False):
                try:
                    self._execute(InternalServerError(), environ)
                except Exception:  # noqa: BLE001
                    pass
            return
        if body is not None and not self.close_connection:
            try:
                body.exhaust()  # what the app did not read of this request's body, before the next request line
            except Exception:  # noqa: BLE001 - a short or stalled body: the connection is done
                self.close_connection = True

    def _bounded_body(self, environ: dict[str, Any]) -> LimitedStream | None:
        """The request body as a stream that ends at ``Content-Length`` (what werkzeug's request reads anyway),
        so its unread rest can be skipped; ``None`` (and a close afterwards) for a chunked body."""
        if environ.get("wsgi.input_terminated"):
            self.close_connection = True
            return None
        try:
            length = max(int(environ.get("CONTENT_LENGTH") or 0), 0)
        except ValueError:
            self.close_connection = True
            return None
        stream = LimitedStream(self.rfile, length)  # type: ignore[arg-type]  # a readable binary stream
        environ["wsgi.input"] = stream
        return stream

    def _execute(self, app: Any, environ: dict[str, Any]) -> None:
        self._status_sent = False
        started: dict[str, Any] = {}
        chunked = False

        def write(data: bytes) -> None:
            nonlocal chunked
            if not self._status_sent:
                self._status_sent = True
                chunked = self._send_head(started["status"], started["headers"], environ)
            if data:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            self.wfile.flush()

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if exc_info and self._status_sent:
                raise exc_info[1].with_traceback(exc_info[2])
            started["status"], started["headers"] = status, headers
            return write

        iterable = app(environ, start_response)
        try:
            for data in iterable:
                write(data)
            if not self._status_sent:
                write(b"")
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    def _send_head(self, status: str, headers: list[tuple[str, str]], environ: dict[str, Any]) -> bool:
        """Status line and headers as werkzeug sends them; returns whether the body is sent chunked."""
        code_text, _, message = status.partition(" ")
        code = int(code_text)
        self.send_response(code, message)
        names = set()
        for name, value in headers:
            self.send_header(name, value)
            names.add(name.lower())
            if name.lower() == "connection" and value.lower() == "close":
                self.close_connection = True
        chunked = not (
            "content-length" in names or environ["REQUEST_METHOD"] == "HEAD" or 100 <= code < 200 or code in (204, 304)
        )
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        if self.close_connection:
            self.send_header("Connection", "close")  # as werkzeug, which always closes
        self.end_headers()
        return chunked
