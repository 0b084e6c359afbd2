"""Recording every ``requests`` exchange with a target: :class:`HttpRecord` and :func:`record_http`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from harness.leftovers import sweeping
from harness.target import DIRECT_OBSERVERS

__all__ = ["HttpRecord", "record_http"]


@dataclass
class HttpRecord:
    """One HTTP exchange sent through ``requests`` to the recorded base URL.

    ``label``/``example`` name the case it belongs to (set by :func:`collect`), ``elapsed`` is the seconds
    from sending to the whole body read (network + target work).
    """

    method: str
    url: str
    request_body: bytes | None
    status: int | None
    headers: dict[str, str]
    body: bytes
    elapsed: float
    label: str = ""
    example: int = 0


@contextlib.contextmanager
def record_http(base_url: str, sink: Callable[[HttpRecord], None]) -> Iterator[None]:
    """Hand every ``requests`` exchange with a URL under ``base_url`` to ``sink`` while the block runs (and
    every exchange the embedded target sends directly, see :data:`harness.target.DIRECT_OBSERVERS`).

    It wraps ``HTTPAdapter.send`` for the whole process, not one session: the schema pass sends through
    schemathesis' own session, and the point is to see every request of a run. Requests to other URLs
    (mock admin APIs, the reference's own upstream calls) pass through untouched.

    Example::

        records: list[HttpRecord] = []
        with record_http(target_url, records.append):
            requests.get(target_url + "/_inference/_all")
    """
    original = HTTPAdapter.send
    prefix = base_url.rstrip("/")

    def send(self: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        if not url.startswith(prefix) or sweeping():  # cleanup after an item is not the target's behaviour
            return original(self, request, *args, **kwargs)
        started = time.perf_counter()
        response = original(self, request, *args, **kwargs)
        content = response.content  # read here so the timing covers the body; requests keeps it cached
        body = request.body.encode() if isinstance(request.body, str) else request.body
        sink(
            HttpRecord(
                str(request.method),
                url,
                body if isinstance(body, bytes) else None,
                response.status_code,
                dict(response.headers),
                content or b"",
                time.perf_counter() - started,
            )
        )
        return response

    def observe(
        method: str, url: str, body: bytes | None, status: int, headers: dict[str, str], content: bytes, took: float
    ) -> None:
        if url.startswith(prefix) and not sweeping():
            sink(HttpRecord(method, url, body, status, headers, content, took))

    HTTPAdapter.send = send  # type: ignore[method-assign]
    DIRECT_OBSERVERS.append(observe)  # the embedded target's exchanges bypass requests' adapter
    try:
        yield
    finally:
        HTTPAdapter.send = original  # type: ignore[method-assign]
        DIRECT_OBSERVERS.remove(observe)
