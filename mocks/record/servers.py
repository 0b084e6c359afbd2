"""Recorder and player servers in one call, for Python tests (the CLI builds the same apps)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mocks.core.server import MockServer

__all__ = ["recording_server", "replay_server"]


def _renderer(provider: str, settings: dict[str, Any] | None) -> Any:
    from mocks.apps import build_app

    return build_app(provider, settings or {})


def recording_server(
    provider: str,
    upstream: str,
    directory: str | Path,
    *,
    timing: bool = False,
    aws_credentials: Any = None,
    port: int = 0,
) -> MockServer:
    """A (not yet started) server that forwards to ``upstream`` and records into ``directory``.

    Example::

        with recording_server("openai", "https://api.openai.com", "recordings/openai") as rec:
            openai.OpenAI(base_url=rec.url + "/v1").embeddings.create(model="text-embedding-3-small", input="hi")
    """
    from mocks.record.recorder import RecordingApp

    app = RecordingApp(
        provider,
        upstream,
        directory,
        renderer=_renderer(provider, None),
        timing=timing,
        aws_credentials=aws_credentials,
    )
    return MockServer(app, port=port)


def replay_server(provider: str, directory: str | Path, *, timing: bool = False, port: int = 0) -> MockServer:
    """A (not yet started) server answering from the cassettes in ``directory``."""
    from mocks.record.replay import ReplayApp

    return MockServer(ReplayApp(directory, renderer=_renderer(provider, None), timing=timing), port=port)
