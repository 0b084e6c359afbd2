"""How the reference ``_inference`` target calls the upstream providers, exactly as Elasticsearch does.

Interface (the reference app codes against it)::

    up = Upstream(config)          # config: mocks.reference.config.ReferenceConfig (or any object with
                                   # es_version, azure_base_url, bedrock_base_url, retry_initial_delay_s,
                                   # retry_max_delay_s, retry_timeout_s, http_timeout_s, seed)
    up.validate(endpoint) -> int | None          # the PUT validation call; the vector length for text_embedding
    up.embed(endpoint, inputs, task_settings_override=None) -> list[list[float]]
    up.embed_chunks(endpoint, chunks) -> list[list[float]]        # batched per service (2048 / titan 1 / cohere 96)
    up.complete(endpoint, input, task_settings_override=None) -> str
    up.stream_completion(endpoint, input, task_settings_override=None) -> Iterator[str]     # text deltas
    up.unified_chat_stream(endpoint, body) -> Iterator[dict]      # OpenAI chat.completion.chunk dicts

``endpoint`` is a :class:`contract.EndpointConfig` (``inference_id``, ``task_type``, ``service``,
``service_settings``, ``task_settings``, ``secrets``, ``dimensions_set_by_user``). Streaming methods send the
upstream request (with retries) **before** returning, so a failure to open the stream raises at call time;
a failure inside the stream raises while iterating.

Failures raise :class:`contract.RuleViolation` with the rule ids of the ``upstream_errors`` family
(``upstream.401``, ``upstream.429``, ``upstream.500``, ``upstream.503``, ``upstream.400``, ``upstream.404``,
``upstream.413``, ``upstream.422``, ``upstream.3xx``, ``upstream.other``, ``upstream.invalid_host``,
``upstream.stream_error``, ``upstream.bedrock.invoke_model``, ``upstream.bedrock.converse``) plus
``upstream.azureopenai.429``, ``upstream.openai.completion_429``, ``upstream.empty_body``,
``upstream.malformed_response``, ``upstream.io_error``, ``upstream.bedrock.stream`` and
``upstream.bedrock.call_failed``. Every violation's params include ``reason`` (ES's full message) and, for
HTTP statuses, ``code`` (upstream status) and ``status`` (ES status). No secret appears in any param.

Example::

    up = Upstream(ReferenceConfig())
    dims = up.validate(endpoint)               # POSTs {"input":["how big"],"model":...} to the endpoint url
"""

from __future__ import annotations

from typing import Protocol

from ._service import Upstream

__all__ = ["ReferenceConfigLike", "Upstream"]


class ReferenceConfigLike(Protocol):
    """The settings :class:`Upstream` reads (``mocks.reference.config.ReferenceConfig`` has them all)."""

    es_version: str
    azure_base_url: str | None
    bedrock_base_url: str | None
    retry_initial_delay_s: float
    retry_max_delay_s: float
    retry_timeout_s: float
    http_timeout_s: float
    seed: int
