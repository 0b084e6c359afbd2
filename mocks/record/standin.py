"""What the recorder and the player share: they stand in for one provider's mock.

Both answer on any path, render their errors and size limits as the provider's mock does, and treat a
path ending in ``-stream`` (Bedrock's streamed operations) as streamed.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from mocks.core import MockApp

__all__ = ["StandInApp"]


class StandInApp(MockApp):
    """A :class:`MockApp` whose errors and limits are those of ``renderer`` (the provider's own mock app)."""

    def __init__(self, *, renderer: MockApp) -> None:
        super().__init__(seed=renderer.seed)
        self.service = renderer.service  # type: ignore[misc]
        self.max_body_bytes = renderer.max_body_bytes  # type: ignore[misc]
        self.internal_error_message = renderer.internal_error_message  # type: ignore[misc]
        self.renderer = renderer

    def render_error(
        self,
        status: int,
        message: str,
        code: str | None = None,
        type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return self.renderer.render_error(status, message, code=code, type=type, headers=headers)

    def request_streams(self, request: Request, endpoint: str, values: dict[str, Any]) -> bool:
        return request.path.endswith("-stream") or super().request_streams(request, endpoint, values)
