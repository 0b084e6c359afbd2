"""Record: forward every request to an upstream (the real provider or any URL) and store each exchange as
a cassette (see :mod:`mocks.record.cassette`). Streams are passed to the client as they arrive and
recorded frame by frame.

The recorder is a :class:`~mocks.core.MockApp`: its journal, admin API and faults work as on any mock.
Requests are forwarded with their own headers (the upstream needs the caller's key); only the cassette
loses the secrets. For Bedrock, a SigV4 signature made for the recorder's address would not verify at AWS:
with ``aws_credentials`` set, the recorder signs the forwarded request again for the upstream's host.
"""

from __future__ import annotations

import http.client
import itertools
import os
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import orjson
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from mocks.bedrock.sigv4 import raw_uri
from mocks.core.app import MockApp
from mocks.record import cassette as cs
from mocks.record.standin import StandInApp

__all__ = ["RecordingApp", "UpstreamError"]

_HOP_BY_HOP_REQUEST = frozenset(
    {"host", "connection", "keep-alive", "transfer-encoding", "content-length", "accept-encoding"}
)
_CHUNK = 65536


class UpstreamError(Exception):
    """The upstream could not be reached (answered to the client as a provider-format 502)."""


class RecordingApp(StandInApp):
    """Forwards to ``upstream`` and writes one cassette per exchange into ``directory``."""

    url_map: ClassVar[Map] = Map(
        [Rule("/", endpoint="forward", defaults={"path": ""}), Rule("/<path:path>", endpoint="forward")]
    )

    def __init__(
        self,
        provider: str,
        upstream: str,
        directory: str | Path,
        *,
        renderer: MockApp,
        timing: bool = False,
        aws_credentials: Any = None,
        timeout: float = 300.0,
    ) -> None:
        super().__init__(renderer=renderer)
        self.provider, self.timing, self.timeout = provider, timing, timeout
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--upstream must be an http(s) URL, got {upstream!r}")
        self.upstream = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        self._scheme, self._host, self._port = parts.scheme, parts.hostname, parts.port
        self._prefix = parts.path.rstrip("/")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._aws_credentials = aws_credentials
        self._seq = itertools.count(_next_seq(self.directory))
        self._write_lock = threading.Lock()

    @property
    def resigns(self) -> bool:
        """Whether forwarded SigV4 requests are signed again for the upstream host."""
        return self._aws_credentials is not None

    # ---- forwarding -----------------------------------------------------------------------------------

    def on_forward(self, request: Request, path: str) -> Response:
        body = request.get_data(cache=True)
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP_REQUEST]
        target = self._prefix + raw_uri(request.environ)
        sent = self._signed(request.method, target, headers, body)
        try:
            conn = self._connection()
            conn.request(request.method, target, body=body, headers=dict(sent))
            upstream = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            return self.render_error(
                502, f"harness recorder: upstream {self.upstream} unreachable ({type(exc).__name__})"
            )
        meta = {
            "method": request.method,
            "path": request.path,
            "query": request.args.items(multi=True),
            "request_headers": request.headers.items(),
            "request_body": body,
        }
        response_headers = [(k, v) for k, v in upstream.getheaders() if k.lower() not in cs.HOP_BY_HOP]
        chunks = self._relay(conn, upstream, meta, response_headers)
        response = Response(chunks, status=upstream.status, headers=response_headers)
        if cs.stream_format(upstream.getheader("Content-Type")) is None:
            response.response = [b"".join(chunks)]  # a plain body: one piece, with a Content-Length
        return response

    def _relay(
        self,
        conn: http.client.HTTPConnection,
        upstream: http.client.HTTPResponse,
        meta: dict[str, Any],
        response_headers: list[tuple[str, str]],
    ) -> Iterator[bytes]:
        start, received, arrivals, complete = time.monotonic(), bytearray(), [], False
        try:
            while True:
                chunk = upstream.read1(_CHUNK)
                if not chunk:
                    complete = True
                    break
                received += chunk
                arrivals.append((len(received), (time.monotonic() - start) * 1000.0))
                yield chunk
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
            self._write(meta, upstream.status, response_headers, bytes(received), arrivals, complete)

    def _write(
        self,
        meta: dict[str, Any],
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        arrivals: list[tuple[int, float]],
        complete: bool,
    ) -> None:
        record = cs.exchange(
            provider=self.provider,
            upstream=self.upstream,
            status=status,
            response_headers=headers,
            response_body=body,
            arrivals_ms=arrivals if self.timing else None,
            complete=complete,
            **meta,
        )
        with self._write_lock:
            name = cs.cassette_name(next(self._seq), meta["method"], meta["path"])
            tmp = self.directory / (name + ".tmp")
            tmp.write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2) + b"\n")
            os.replace(tmp, self.directory / name)

    def _connection(self) -> http.client.HTTPConnection:
        if self._scheme == "https":
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self.timeout, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)

    def _signed(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> list[tuple[str, str]]:
        """The headers to send: the caller's, re-signed with SigV4 for the upstream host when configured."""
        host = self._host + (f":{self._port}" if self._port else "")
        if self._aws_credentials is None or not any(
            k.lower() == "authorization" and v.startswith("AWS4-HMAC-SHA256") for k, v in headers
        ):
            return [*headers, ("Host", host)]
        from mocks.record.sigv4 import resign

        return resign(self._aws_credentials, method, f"{self._scheme}://{host}{target}", headers, body)


def _next_seq(directory: Path) -> int:
    """One more than the highest cassette number already in ``directory`` (recordings append)."""
    numbers = [int(p.name[:4]) for p in directory.glob("[0-9][0-9][0-9][0-9]-*.json")]
    return max(numbers, default=0) + 1
