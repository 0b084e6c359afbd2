"""The request handler every server of the project uses (:class:`_QuietHandler`): no request lines or
tracebacks on stderr, HTTP framing checked before the app runs, errors of the HTTP layer in the app's own format.
:mod:`mocks.core.keepalive` extends it; :mod:`mocks.core.server` serves with either."""

from __future__ import annotations

from typing import Any

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.serving import WSGIRequestHandler

__all__ = ["READ_TIMEOUT", "framing_problem"]


#: Default read timeout of a connection, in seconds: a client that sends nothing for this long (a stalled
#: upload, an idle keep-alive connection) is answered 408 / disconnected; every request has its own thread,
#: so a stalled client never holds up others meanwhile.
READ_TIMEOUT = 60.0
_NO_BODY_STATUSES = frozenset({204, 304})


class _QuietHandler(WSGIRequestHandler):
    """No request lines or tracebacks on stderr (a log line could carry a secret in a URL); HTTP framing
    checked before the app runs; errors of the HTTP layer in the app's own format."""

    timeout: float | None = READ_TIMEOUT  # type: ignore[misc]  # socketserver reads it as the socket's timeout

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:  # the connection was reset on purpose (a ``reset``/``sse_cut`` fault), or timed out
            pass

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        problem = framing_problem(
            self.headers.get_all("Content-Length") or [], self.headers.get_all("Transfer-Encoding") or []
        )
        if problem is not None:
            self.send_error(400, problem)
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """An error of the HTTP layer (414, 431, 400, 505...) rendered by the app's ``http_layer_error``."""
        render = getattr(getattr(self.server, "app", None), "http_layer_error", None)
        try:
            response = render(int(code), message or HTTP_STATUS_CODES.get(int(code), "Error")) if render else None
        except Exception:  # noqa: BLE001 - fall back to the standard page rather than no answer
            response = None
        if response is None:
            super().send_error(code, message, explain)
            return
        body = response.get_data()
        self.close_connection = True
        self.send_response(response.status_code)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.status_code >= 200 and response.status_code not in _NO_BODY_STATUSES:
            self.wfile.write(body)

    def log(self, type: str, message: str, *args: Any) -> None:
        return None

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None

    def log_error(self, format: str, *args: Any) -> None:
        return None


def framing_problem(content_lengths: list[str], transfer_encodings: list[str]) -> str | None:
    """Why a request's framing headers are refused (RFC 9112 section 6), or ``None`` when they are sound.

    Refused: several differing ``Content-Length`` values, one that is not a decimal number, and
    ``Content-Length`` together with ``Transfer-Encoding`` (a server MAY reject it, RFC 9112 6.3; this one
    does, since the two disagree on where the body ends: the classic request-smuggling shape).

    >>> framing_problem(["5", "7"], [])
    'Conflicting Content-Length headers: 5, 7'
    >>> framing_problem(["5", "5"], []) is None
    True
    """
    values = {v.strip() for header in content_lengths for v in header.split(",")}
    if len(values) > 1:
        return f"Conflicting Content-Length headers: {', '.join(sorted(values, key=lambda v: (len(v), v)))}"
    if values and not next(iter(values)).isdigit():
        return "Invalid Content-Length header"
    if values and transfer_encodings:
        return "Content-Length and Transfer-Encoding in the same request"
    return None
