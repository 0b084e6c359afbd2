"""Replay: serve recorded exchanges back, matching method, path and a normalised body.

Several cassettes with the same key are served in recording order, the last one again once all were used.
A request no cassette matches gets a clear error in the provider's format (404, rendered by the provider's
mock), naming what was asked and how many recordings exist for that path. Streams are replayed event by
event (SSE events, AWS event-stream frames), with their recorded timing when ``timing`` is on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import orjson
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from mocks.core.app import MockApp
from mocks.record import cassette as cs
from mocks.record.standin import StandInApp

__all__ = ["ReplayApp", "load_cassettes"]


def load_cassettes(directory: str | Path) -> list[dict[str, Any]]:
    """Every cassette in ``directory``, in file-name (recording) order."""
    path = Path(directory)
    if not path.is_dir():
        raise FileNotFoundError(f"no recording directory {str(path)!r}")
    out = []
    for file in sorted(path.glob("*.json")):
        data = orjson.loads(file.read_bytes())
        if isinstance(data, dict) and data.get("harness_cassette") == cs.FORMAT_VERSION:
            data["_file"] = file.name
            out.append(data)
    return out


class ReplayApp(StandInApp):
    """Answers from the cassettes in ``directory``; errors rendered by ``renderer`` (the provider's mock)."""

    url_map: ClassVar[Map] = Map(
        [Rule("/", endpoint="replay", defaults={"path": ""}), Rule("/<path:path>", endpoint="replay")]
    )

    def __init__(self, directory: str | Path, *, renderer: MockApp, timing: bool = False) -> None:
        super().__init__(renderer=renderer)
        self.timing, self.directory = timing, Path(directory)
        self._by_key: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for c in load_cassettes(directory):
            request = c["request"]
            key = cs.match_key(request["method"], request["path"], cs.body_bytes(request))
            self._by_key.setdefault(key, []).append(c)
        self._used: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_key.values())

    def pick(self, method: str, path: str, body: bytes) -> dict[str, Any] | None:
        """The cassette that answers this request (``None`` when none matches)."""
        key = cs.match_key(method, path, body)
        with self._lock:
            found = self._by_key.get(key)
            if not found:
                return None
            n = self._used.get(key, 0)
            self._used[key] = n + 1
            return found[min(n, len(found) - 1)]

    def on_replay(self, request: Request, path: str) -> Response:
        found = self.pick(request.method, request.path, request.get_data(cache=True))
        if found is None:
            same_path = sum(len(v) for (m, p, _), v in self._by_key.items() if (m, p) == (request.method, request.path))
            miss = self.render_error(
                404,
                f"harness replay: no recorded exchange matches {request.method} {request.path} with this body "
                f"({same_path} recorded for this method and path, {len(self)} in {self.directory.name}/)",
                code="cassette_miss",
            )
            self.renderer.add_response_headers(request, miss)
            return miss
        return self._response(found["response"])

    def _response(self, recorded: dict[str, Any]) -> Response:
        headers = [(k, v) for k, v in cs.header_pairs(recorded["headers"]) if k.lower() not in cs.HOP_BY_HOP]
        stream = recorded.get("stream")
        if stream is None:
            return Response(cs.body_bytes(recorded), status=recorded["status"], headers=headers)
        return Response(self._events(stream), status=recorded["status"], headers=headers)

    def _events(self, stream: dict[str, Any]) -> Iterator[bytes]:
        start = time.monotonic()
        for event in stream["events"]:
            if self.timing and "t_ms" in event:
                delay = event["t_ms"] / 1000.0 - (time.monotonic() - start)
                if delay > 0:
                    time.sleep(delay)
            yield cs.event_bytes(stream["format"], event)
