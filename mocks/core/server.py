"""``MockServer``: run a mock WSGI app on a real port, in a daemon thread.

Example::

    with MockServer(app) as server:
        requests.get(server.url + "/__admin/health")
        server.journal.assert_called(path="/__admin/health")  # admin calls are not recorded: this fails
"""

from __future__ import annotations

import contextlib
import errno
import io
import ssl
import threading
from types import TracebackType
from typing import Any, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from mocks.core.app import MockApp
from mocks.core.faults import FaultSchedule
from mocks.core.journal import Journal

__all__ = ["MockServer"]


class _QuietHandler(WSGIRequestHandler):
    """No request lines or tracebacks on stderr (a log line could carry a secret in a URL)."""

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:  # the connection was reset on purpose (a ``reset``/``sse_cut`` fault)
            pass

    def log(self, type: str, message: str, *args: Any) -> None:
        return None

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None

    def log_error(self, format: str, *args: Any) -> None:
        return None


def _bind(host: str, port: int, app: Any, ssl_context: ssl.SSLContext | None = None) -> BaseWSGIServer:
    """werkzeug's threaded server, raising ``OSError`` when the address cannot be bound.

    werkzeug prints its own hint and calls ``sys.exit(1)`` on a bind error; a library must not
    exit the caller's process, so the hint becomes the ``OSError`` message instead.
    """
    hint = io.StringIO()
    try:
        with contextlib.redirect_stderr(hint):
            server = make_server(
                host, port, app, threaded=True, request_handler=_QuietHandler, ssl_context=ssl_context
            )
    except SystemExit:
        message = " ".join(hint.getvalue().split()) or "address unavailable"
        raise OSError(errno.EADDRINUSE, f"cannot bind {host}:{port}: {message}") from None
    # The apps catch their own errors (MockApp.errors); what reaches the server's log is a connection
    # the app cut on purpose (``reset``/``sse_cut`` faults), which must not print a traceback.
    server.log = lambda *args, **kwargs: None  # type: ignore[method-assign]
    return server


class MockServer:
    """A threaded werkzeug server for ``app`` on ``host:port`` (port 0 picks a free port).

    Example::

        >>> from mocks.openai import create_app
        >>> with MockServer(create_app()) as server:  # doctest: +SKIP
        ...     server.url
        'http://127.0.0.1:54321'
    """

    def __init__(
        self, app: MockApp, host: str = "127.0.0.1", port: int = 0, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def journal(self) -> Journal:
        """The app's journal of calls."""
        return self.app.journal

    @property
    def faults(self) -> FaultSchedule:
        """The app's fault schedule."""
        return self.app.faults

    @property
    def url(self) -> str:
        """``http://host:port`` of the running server (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("the server is not running; call start() first")
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self._server.port}"

    @property
    def running(self) -> bool:
        """Whether the server thread is serving."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Self:
        """Bind and start serving in a daemon thread; return ``self``."""
        if self._server is not None:
            raise RuntimeError("the server is already running")
        server = _bind(self.host, self.port, self.app, self.ssl_context)
        server.daemon_threads = True
        self._server = server
        self.port = server.port
        self._thread = threading.Thread(
            target=server.serve_forever, name=f"mock-{self.app.service}-{server.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def clear(self) -> None:
        """Forget recorded calls, faults and collected errors."""
        self.app.reset()

    def raise_errors(self) -> None:
        """Re-raise the first exception the app caught in the server thread (then forget them all)."""
        errors = list(self.app.errors)
        self.app.errors.clear()
        if errors:
            raise errors[0]

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None:
            self.raise_errors()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"{type(self).__name__}({self.app!r}, {where})"
