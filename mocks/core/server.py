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
import socket
import ssl
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Protocol, Self

from werkzeug.serving import BaseWSGIServer, make_server

from mocks.core.app import MockApp
from mocks.core.faults import FaultSchedule
from mocks.core.handler import READ_TIMEOUT, _QuietHandler, framing_problem
from mocks.core.journal import Journal
from mocks.core.keepalive import KeepAliveHandler, close_kept_connections

__all__ = ["READ_TIMEOUT", "AppServer", "MockServer", "ServedApp", "framing_problem"]


def _handler(read_timeout: float | None, keep_alive: bool = False) -> type[_QuietHandler]:
    base = _QuietHandler
    if keep_alive:
        base = KeepAliveHandler
    if read_timeout == base.timeout:
        return base
    return type("_TimedHandler", (base,), {"timeout": read_timeout})


def _bind(
    host: str,
    port: int,
    app: Any,
    ssl_context: ssl.SSLContext | None = None,
    read_timeout: float | None = READ_TIMEOUT,
    keep_alive: bool = False,
) -> BaseWSGIServer:
    """werkzeug's threaded server, raising ``OSError`` when the address cannot be bound.

    werkzeug prints its own hint and calls ``sys.exit(1)`` on a bind error; a library must not
    exit the caller's process, so the hint becomes the ``OSError`` message instead.
    """
    hint = io.StringIO()
    try:
        with contextlib.redirect_stderr(hint):
            server = make_server(
                host,
                port,
                app,
                threaded=True,
                request_handler=_handler(read_timeout, keep_alive),
                ssl_context=ssl_context,
            )
    except SystemExit:
        message = " ".join(hint.getvalue().split()) or "address unavailable"
        raise OSError(_bind_errno(host, port), f"cannot bind {host}:{port}: {message}") from None
    # The apps catch their own errors (MockApp.errors); what reaches the server's log is a connection
    # the app cut on purpose (``reset``/``sse_cut`` faults), which must not print a traceback.
    server.log = lambda *args, **kwargs: None  # type: ignore[method-assign]
    return server


class ServedApp(Protocol):
    """What :class:`AppServer` needs of a WSGI app: a service name, the errors it caught, a reset."""

    errors: list[BaseException]

    @property
    def service(self) -> str: ...

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]: ...

    def reset(self) -> None: ...


class AppServer:
    """A threaded werkzeug server for ``app`` on ``host:port`` (port 0 picks a free port).

    One thread per connection; ``read_timeout`` (seconds, default :data:`READ_TIMEOUT`, ``None``: none)
    bounds how long a connection may send nothing. HTTP-layer errors (414, 431, 400 for bad framing...) are
    rendered by the app's ``http_layer_error(status, message) -> Response`` when it has one. The base of
    :class:`MockServer` (a provider mock, with journal and faults) and of the reference target's server.
    """

    def __init__(
        self,
        app: ServedApp,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ssl_context: ssl.SSLContext | None = None,
        read_timeout: float | None = READ_TIMEOUT,
        keep_alive: bool = True,
    ) -> None:
        self.app = app
        self.read_timeout = read_timeout
        #: HTTP/1.1 keep-alive (:mod:`mocks.core.keepalive`, the default: providers and Elasticsearch keep
        #: connections open) instead of werkzeug's close after every response
        self.keep_alive = keep_alive
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

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
        server = _bind(self.host, self.port, self.app, self.ssl_context, self.read_timeout, self.keep_alive)
        server.daemon_threads = True  # type: ignore[attr-defined]  # a ThreadedWSGIServer (ThreadingMixIn)
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
            if self.keep_alive:
                close_kept_connections(server)
        if thread is not None:
            thread.join(timeout=5)

    def clear(self) -> None:
        """Reset the app (what it forgets is the app's to say) and forget collected errors."""
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


class MockServer(AppServer):
    """A provider mock (a :class:`~mocks.core.app.MockApp`) on a real port, with its journal and faults.

    Example::

        >>> from mocks.openai import create_app
        >>> with MockServer(create_app()) as server:  # doctest: +SKIP
        ...     server.url
        'http://127.0.0.1:54321'
    """

    app: MockApp

    @property
    def journal(self) -> Journal:
        """The app's journal of calls."""
        return self.app.journal

    @property
    def faults(self) -> FaultSchedule:
        """The app's fault schedule."""
        return self.app.faults

    def clear(self) -> None:
        """Forget recorded calls, faults and collected errors."""
        self.app.reset()


def _bind_errno(host: str, port: int) -> int:
    """Why ``host:port`` cannot be bound (werkzeug swallows the ``OSError``): the errno of a plain bind
    (``EADDRNOTAVAIL`` for an address not on this machine), ``EADDRINUSE`` when the probe cannot tell."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return exc.errno or errno.EADDRNOTAVAIL
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.errno or errno.EADDRINUSE
    return errno.EADDRINUSE
