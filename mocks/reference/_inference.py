"""The inference routes of the reference target: ``POST /_inference[/{task_type}]/{id}``, its ``_stream``
(completion deltas in Elasticsearch's SSE framing) and the unified chat completion stream.

On the streaming routes an error before the upstream stream opens is the whole answer (an SSE error event
with the error's status); one after it is an ``event: error`` on the 200 stream, as
``ServerSentEventsRestActionListener`` sends it. The unified chat route's errors are in the unified
(OpenAI-style) format, except a body the request's own validation refuses (Elasticsearch's envelope).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from werkzeug.wrappers import Request, Response

from contract import key_locations, validate
from contract.errors import RuleViolation, es_error, unified_error
from mocks.reference import _http
from mocks.reference._handlers import Handlers

__all__ = ["InferenceHandlers"]


class InferenceHandlers(Handlers):
    """Mixin of :class:`~mocks.reference.app.ReferenceApp`: the inference and streaming routes."""

    # ------------------------------------------------------------------ POST inference
    def on_infer(self, request: Request, inference_id: str, task_type: str | None = None) -> Response:
        """``POST /_inference[/{task_type}]/{id}``: text_embedding or completion results.

        Order as Elasticsearch: the URL task type (``BaseInferenceAction#parseParams``), a body is required
        (``RestRequest#requiredContent``), then ``TransportInferenceActionProxy#doExecute``: with no task type
        in the URL the endpoint is looked up first; a chat_completion request is refused before its body is
        parsed (``sendUnifiedCompletionRequest``); any other body is parsed as an inference request.
        """
        requested = self._url_task_type(task_type)
        _http.require_body(request)
        endpoint = self._lookup(inference_id) if requested == "any" else None
        chat = requested == "chat_completion" or (endpoint is not None and endpoint.task_type == "chat_completion")
        if chat and not self.profile.chat_completion_non_streaming:
            raise RuleViolation("streaming.chat_completion.only_stream")
        body = _http.parse_json_body(request)
        if not isinstance(body, dict):
            raise RuleViolation("body.not_object", line=1, column=1, parser="inference_request", token=_token(body))
        endpoint = endpoint or self._lookup(inference_id)
        parsed = validate.parse_inference_request(
            self.profile, endpoint, task_type, body, False, key_locations(request.get_data(as_text=True))
        )
        if endpoint.task_type == "text_embedding":
            vectors = self.upstream.embed(endpoint, list(parsed.input), dict(parsed.task_settings) or None)
            return _http.es_json(request, {"text_embedding": [{"embedding": v} for v in vectors]})
        text = self.upstream.complete(endpoint, parsed.input[0], dict(parsed.task_settings) or None)
        return _http.es_json(request, {"completion": [{"result": text}]})

    # ------------------------------------------------------------------ streaming
    def on_stream(self, request: Request, inference_id: str, task_type: str | None = None) -> Response:
        """``POST /_inference[/{task_type}]/{id}/_stream``: completion deltas as ES frames them."""
        try:
            if task_type is not None:
                validate.parse_task_type(task_type, self.profile.known_task_types)
            body = _http.parse_json_body(request)
            if not isinstance(body, dict):
                raise RuleViolation("body.not_object", line=1, column=1, parser="inference_request", token=_token(body))
            endpoint = self._lookup(inference_id)
            parsed = validate.parse_inference_request(
                self.profile, endpoint, task_type, body, True, key_locations(request.get_data(as_text=True))
            )
            # the upstream stream is open once this returns: later failures (even before the first delta)
            # are `event: error` on a 200 stream, as ServerSentEventsRestActionListener sends them
            task_settings = dict(parsed.task_settings) or None
            deltas = iter(self.upstream.stream_completion(endpoint, parsed.input[0], task_settings))
        except RuleViolation as err:
            status, envelope = err.render(self.profile, self.rules)
            return _sse_response(iter([_http.sse_event(envelope, "error")]), status)

        def events() -> Iterator[bytes]:
            try:
                for delta in deltas:
                    yield _http.sse_event({"completion": [{"delta": delta}]})
            except RuleViolation as err:
                _, envelope = err.render(self.profile, self.rules)
                yield _http.sse_event(envelope, "error")
                return
            except Exception as exc:  # noqa: BLE001 - reported as ES does, as a mid-stream error event
                self.errors.append(exc)
                yield _http.sse_event(es_error(500, "exception", "internal error"), "error")
                return
            yield _http.DONE_EVENT

        return _sse_response(events(), 200)

    def on_unified(self, request: Request, inference_id: str) -> Response:
        """``POST /_inference/chat_completion/{id}/_stream``: bare OpenAI chunks; errors in the unified format."""
        try:
            body = _http.parse_json_body(request)
            # TransportInferenceActionProxy#sendUnifiedCompletionRequest parses the body (and the request is
            # validated) before the transport action looks the endpoint up: a bad body wins over a 404
            try:
                validate.parse_unified_chat(body)
            except RuleViolation as err:
                if self.rules.get(err.rule_id).outcome(self.profile).format == "unified":
                    raise
                # the request's own validate() (TransportAction#execute, before the doExecute that converts
                # failures to the unified format): Elasticsearch's envelope in an SSE error event
                status, envelope = err.render(self.profile, self.rules)
                return _sse_response(iter([_http.sse_event(envelope, "error")]), status)
            endpoint = self._lookup(inference_id)
            if endpoint.task_type != "chat_completion":
                raise RuleViolation("input.task_type.mismatch", requested="chat_completion", actual=endpoint.task_type)
            if not self.profile.streams(endpoint.service, "chat_completion"):
                supported = ",".join(self.profile.streaming_task_types.get(endpoint.service, ()))
                raise RuleViolation(
                    "streaming.not_allowed", service=endpoint.service, task_type="chat_completion", supported=supported
                )
            chunks = iter(self.upstream.unified_chat_stream(endpoint, dict(body)))
        except RuleViolation as err:
            status, error = self._unified_error(err)
            return _sse_response(iter([_http.sse_event(error, "error")]), status)

        def events() -> Iterator[bytes]:
            try:
                for chunk in chunks:
                    yield _http.sse_event(chunk)
            except RuleViolation as err:
                yield _http.sse_event(self._unified_error(err)[1], "error")
                return
            except Exception as exc:  # noqa: BLE001
                self.errors.append(exc)
                yield _http.sse_event(unified_error(500, "exception", "internal error"), "error")
                return
            yield _http.DONE_EVENT

        return _sse_response(events(), 200)

    def _unified_error(self, err: RuleViolation) -> tuple[int, dict[str, Any]]:
        status, body = err.render(self.profile, self.rules)
        if self.rules.get(err.rule_id).outcome(self.profile).format == "unified":
            return status, body
        error = body["error"]
        rendered = unified_error(status, error["type"], error["reason"])
        # An upstream (OpenAI-style) error keeps the provider's own type, code and param on this route
        # (OpenAiUnifiedChatCompletionResponseHandler; OpenAiServiceTests.testUnifiedCompletionError).
        params = err.params
        if params.get("upstream_type"):
            rendered["error"]["type"] = params["upstream_type"]
        if params.get("upstream_code"):
            rendered["error"]["code"] = params["upstream_code"]
        if params.get("upstream_param"):
            rendered["error"]["param"] = params["upstream_param"]
        return status, rendered


def _token(value: Any) -> str:
    if isinstance(value, list):
        return "START_ARRAY"
    if isinstance(value, str):
        return "VALUE_STRING"
    if isinstance(value, bool):
        return "VALUE_BOOLEAN"
    if isinstance(value, (int, float)):
        return "VALUE_NUMBER"
    return "VALUE_NULL"


def _sse_response(chunks: Iterator[bytes], status: int) -> Response:
    response = Response(chunks, status=status, content_type="text/event-stream", direct_passthrough=True)
    response.headers.update(_http.PRODUCT_HEADERS)
    return response
