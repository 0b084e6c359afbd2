"""Server-sent events as the OpenAI-format providers (OpenAI, Azure OpenAI) stream them.

``sse_body`` frames a list of chunks (``data: <json>`` each, then ``data: [DONE]``); ``sse_error_event`` is
the mid-stream error event those providers send on a 200 stream, and the default error event of a
``stream_error`` fault on any SSE-streaming mock (:meth:`mocks.core.app.MockApp.render_stream_error`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

__all__ = ["sse_body", "sse_error_event"]


def sse_body(chunks: list[dict[str, Any]]) -> Iterator[bytes]:
    """Server-sent events: one ``data: <json>`` event per chunk, then ``data: [DONE]``."""
    for chunk in chunks:
        yield b"data: " + orjson.dumps(chunk) + b"\n\n"
    yield b"data: [DONE]\n\n"


def sse_error_event(
    message: str, *, type: str = "server_error", code: str | None = None, param: str | None = None
) -> bytes:
    """A mid-stream error as OpenAI sends it on a 200 stream: ``event: error`` and the error object.

    ``event: error`` is what Elasticsearch's unified processor keys on (``OpenAiUnifiedStreamingProcessor``);
    openai-python raises ``APIError`` for any event whose data carries an ``error`` key. Example::

        event: error
        data: {"error":{"message":"The server had an error while processing your request.",
               "type":"server_error","param":null,"code":null}}   (one line on the wire)
    """
    error = {"message": message, "type": type, "param": param, "code": code}
    return b"event: error\ndata: " + orjson.dumps({"error": error}) + b"\n\n"
