"""The target's upstream connections: urllib3 pools kept alive per origin, idle ones evicted as ES does.

Elasticsearch sends provider calls through one pooled Apache async client (``HttpClientManager``,
``xpack.inference.http.max_connections`` 20 per route) and an ``IdleConnectionEvictor`` closes the
pooled connections idle for longer than ``xpack.inference.http.connection_eviction_max_idle_time``
(default 10 s, checked every ``connection_eviction_interval``, default 10 s) (verified in
x-pack/plugin/inference/src/main/java/org/elasticsearch/xpack/inference/external/http/HttpClientManager.java
and IdleConnectionEvictor.java, elastic/elasticsearch main as of 9.x; earlier 8.x lines inferred).
Here a connection idle for longer than :data:`MAX_IDLE_S` is closed when it is next taken from the pool
(the call opens a new one), so a server's own idle timeout (a provider's, or the 60 s read timeout of
this project's servers) rarely hands back a connection it is closing; one the server has visibly closed
already is dropped by urllib3 before reuse.

A call that still fails on a connection the server closed is an I/O error of that attempt, retried by the
sender like any other (``RetryingHttpSender.transformIfRetryable``: "If the connection gets closed by the
server ... we'll consider all IOExceptions retryable"); urllib3's own retries stay off, so nothing else
sends a POST twice.

The pools are looked up once per URL (``PoolManager.request`` parses the whole URL again on every call,
about a tenth of the target's CPU per inference request under load).
"""

from __future__ import annotations

import time
from typing import Any

import urllib3
from urllib3._collections import HTTPHeaderDict
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.url import parse_url

from mocks.core.fast_head import FAST_HEAD, FastHTTPConnection, FastHTTPSConnection

__all__ = ["MAX_IDLE_S", "POOL_MAXSIZE", "UpstreamPools"]

#: ``connection_eviction_max_idle_time`` default (HttpClientManager)
MAX_IDLE_S = 10.0
#: Keep-alive connections kept per upstream host. Every request thread of the reference may call the same
#: host at once; with urllib3's default of 1 every concurrent call but one opened a fresh connection and then
#: logged "Connection pool is full, discarding connection". ``block=False``: never wait for a free one.
POOL_MAXSIZE = 16
#: Parsed URLs remembered (endpoints name their URL; a run creates a bounded number)
_URL_CACHE = 1024
_IDLE_SINCE = "_upstream_idle_since"


class _IdleEviction:
    """Pool mixin: stamp a connection when it is returned; close it at checkout once idle too long."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]  # urllib3 drops visibly closed ones
        since = getattr(conn, _IDLE_SINCE, None)
        if since is not None and time.monotonic() - since > MAX_IDLE_S:
            conn.close()  # http.client reconnects a closed connection on its next request
        return conn

    def _put_conn(self, conn: Any) -> None:
        if conn is not None:
            setattr(conn, _IDLE_SINCE, time.monotonic())
        super()._put_conn(conn)  # type: ignore[misc]


class _EvictingHTTPPool(_IdleEviction, HTTPConnectionPool):
    if FAST_HEAD:
        ConnectionCls = FastHTTPConnection


class _EvictingHTTPSPool(_IdleEviction, HTTPSConnectionPool):
    if FAST_HEAD:
        ConnectionCls = FastHTTPSConnection


class UpstreamPools:
    """POSTs over kept-alive connections (thread-safe); exceptions are urllib3's, as from ``PoolManager``."""

    def __init__(self, *, http_timeout_s: float, ca_certs: str | None = None) -> None:
        options: dict[str, Any] = {"ca_certs": ca_certs} if ca_certs else {}
        self._manager = urllib3.PoolManager(
            maxsize=POOL_MAXSIZE,
            block=False,
            retries=False,
            timeout=urllib3.Timeout(connect=http_timeout_s, read=http_timeout_s),
            **options,
        )
        self._manager.pool_classes_by_scheme = {"http": _EvictingHTTPPool, "https": _EvictingHTTPSPool}
        self._targets: dict[str, tuple[HTTPConnectionPool, str]] = {}

    def post(
        self, url: str, body: bytes, headers: dict[str, str], *, preload_content: bool
    ) -> urllib3.BaseHTTPResponse:
        """``POST url`` (no redirects followed, no retries); what ``PoolManager.request`` would do."""
        target = self._targets.get(url)
        if target is None or target[0].pool is None:  # new, or closed by the manager (more than 10 hosts)
            parsed = parse_url(url)
            if parsed.scheme is None:  # PoolManager's own path (it warns: no scheme is deprecated)
                return self._manager.request(
                    "POST", url, body=body, headers=headers, preload_content=preload_content, redirect=False
                )
            pool = self._manager.connection_from_host(parsed.host, port=parsed.port, scheme=parsed.scheme)
            target = (pool, parsed.request_uri)
            if len(self._targets) >= _URL_CACHE:
                self._targets.clear()
            self._targets[url] = target
        pool, request_uri = target
        return pool.urlopen(
            "POST",
            request_uri,
            body=body,
            headers=HTTPHeaderDict(headers),
            preload_content=preload_content,
            redirect=False,
            assert_same_host=False,
        )
