"""Pure validation of `_inference` requests (no I/O): PUT, _update, POST inference, unified chat.

Every function raises :class:`~contract.errors.RuleViolation` naming the broken rule; render
it with ``err.render(profile, load_rules())``. The order of checks follows Elasticsearch
(``TransportPutInferenceModelAction`` → the service's ``parseRequestConfig``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from ._chunking import parse_chunking
from ._java import java_cast_message, java_str
from ._services import (
    SECRET_FIELDS,
    parse_rate_limit,
    parse_secrets,
    parse_service_settings,
    parse_task_settings,
)
from ._suggest import did_you_mean
from .config import EndpointConfig, InferenceRequest, UnifiedChatRequest, _ordered
from .errors import RuleViolation
from .profiles import Profile

__all__ = [
    "COMPLETION_INPUT_PREFIX",
    "KNOWN_TASK_TYPES",
    "RESERVED_IDS",
    "SECRET_FIELDS",
    "UPDATABLE_FIELDS",
    "parse_inference_request",
    "parse_put",
    "parse_task_type",
    "parse_unified_chat",
    "parse_update",
    "parse_update_request",
    "resolve_task_type",
    "validate_inference_id",
]

#: ``ES/server/.../inference/TaskType.java`` (every task type ES parses, whatever the service)
KNOWN_TASK_TYPES = ("text_embedding", "sparse_embedding", "rerank", "completion", "any", "chat_completion", "embedding")

_ID = re.compile(r"[a-z0-9](?:[a-z0-9_\-.]*[a-z0-9])?")  # MlStrings.VALID_ID_CHAR_PATTERN
#: preconfigured endpoint ids (QA/DefaultEndPointsIT.java)
RESERVED_IDS = frozenset({".elser-2-elasticsearch", ".multilingual-e5-small-elasticsearch", ".rerank-v1-elasticsearch"})

#: the request type a completion action names when given more than one input (``input.completion.single``):
#: ``OpenAiActionCreator.COMPLETION_ERROR_PREFIX``, ``AzureOpenAiActionCreator.COMPLETION_ERROR_PREFIX``
#: (Amazon Bedrock's completion action takes several inputs)
COMPLETION_INPUT_PREFIX = {"openai": "OpenAI chat completions", "azureopenai": "Azure OpenAI completion"}


def validate_inference_id(inference_id: str) -> None:
    """Raise ``id_format.invalid`` unless ``inference_id`` matches ``MlStrings.isValidId``.

    Example:
        >>> validate_inference_id("my-endpoint_1")
    """
    # PutInferenceModelAction.Request#validate (MlStrings.isValidId) runs before masterOperation's
    # reserved-id check: a reserved id starting with '.' gets the format error
    if not _ID.fullmatch(inference_id) or inference_id == "_all":
        raise RuleViolation("id_format.invalid", inference_id=inference_id)
    if inference_id in RESERVED_IDS:
        raise RuleViolation("id_format.reserved", inference_id=inference_id)


def parse_task_type(text: str, known: tuple[str, ...] = KNOWN_TASK_TYPES) -> str:
    """``TaskType.fromStringOrStatusException``: case-insensitive; raises ``task_type.unknown`` for a name not
    in ``known`` (a profile's ``known_task_types``: ``embedding`` is unknown before 9.3)."""
    name = text.strip().lower()
    if name not in known:
        raise RuleViolation("task_type.unknown", task_type=text)
    return name


def resolve_task_type(url_task_type: str | None, body_task_type: Any, known: tuple[str, ...] = KNOWN_TASK_TYPES) -> str:
    """``ServiceUtils.resolveTaskType``: the URL task type (None = ``any``) vs the body's ``task_type``.

    Example:
        >>> resolve_task_type(None, "text_embedding")
        'text_embedding'
    """
    url = parse_task_type(url_task_type, known) if url_task_type is not None else "any"
    if body_task_type is None:
        if url == "any":
            raise RuleViolation("task_type.missing")
        return url
    body = parse_task_type(java_str(body_task_type), known)
    if body == "any":
        raise RuleViolation("task_type.any_in_body")
    if url not in ("any", body):
        raise RuleViolation("task_type.conflict", url_task_type=url, body_task_type=java_str(body_task_type))
    return body


def _as_map(config: dict[str, Any], key: str, *, required: bool) -> dict[str, Any]:
    if key not in config or config[key] is None:
        config.pop(key, None)
        if required:
            raise RuleViolation("service.service_settings_missing")
        return {}
    value = config.pop(key)
    if not isinstance(value, dict):  # an unchecked cast in ServiceUtils#removeFromMap*: the JVM's ClassCastException
        raise RuleViolation("settings.not_an_object", field=key, detail=java_cast_message(value))
    return copy.deepcopy(value)


def _move_model_to_service_settings(task: dict[str, Any], service: dict[str, Any]) -> None:
    # OpenAiService.moveModelFromTaskToServiceSettings (legacy `model` in task_settings)
    if "model_id" in service:
        return
    old = task.pop("model", None)
    if old is not None:
        service["model_id"] = old
    elif "model_id" in task:
        service["model_id"] = task.pop("model_id")


def _throw_if_not_empty(m: Mapping[str, Any], service: str) -> None:
    if m:
        raise RuleViolation("settings.unknown", settings=dict(m), service=service)


def parse_put(profile: Profile, *, url_task_type: str | None, inference_id: str, body: object) -> EndpointConfig:
    """Validate a ``PUT /_inference[/{task_type}]/{inference_id}`` body and return the endpoint.

    The result has ``rate_limit`` and (text_embedding) ``chunking_settings`` defaults filled;
    ``dimensions``/``similarity`` from the validation call are applied later with
    :meth:`EndpointConfig.with_embedding_size`.

    Raises:
        RuleViolation: the first broken rule (aggregated field errors for ``validation_exception``).

    Example:
        >>> cfg = parse_put(load_profile("8.18"), url_task_type="text_embedding", inference_id="e1",
        ...     body={"service": "openai", "service_settings": {"api_key": "k", "model_id": "m"}})
        >>> cfg.chunking_settings["strategy"], "api_key" in cfg.service_settings
        ('sentence', False)
    """
    validate_inference_id(inference_id)
    config: dict[str, Any] = copy.deepcopy(body) if isinstance(body, dict) else {}
    task_type = resolve_task_type(url_task_type, config.pop("task_type", None), profile.known_task_types)
    service = config.pop("service", None)
    if service is None:
        raise RuleViolation("service.missing")
    service = java_str(service)
    if service not in profile.services:
        raise RuleViolation("service.unknown", service=service)

    service_map = _as_map(config, "service_settings", required=True)
    task_map = _as_map(config, "task_settings", required=False)
    chunking = None
    if task_type == "text_embedding" and profile.supports(service, task_type):
        chunking = parse_chunking(profile, _as_map(config, "chunking_settings", required=False))
    if service == "openai":
        _move_model_to_service_settings(task_map, service_map)
    if not profile.supports(service, task_type):
        raise RuleViolation("service.unsupported_task_type", service=service, task_type=task_type)

    service_settings = parse_service_settings(profile, service, task_type, service_map)
    task_settings = parse_task_settings(profile, service, task_type, task_map)
    secrets = parse_secrets(profile, service, service_map)
    if service == "amazonbedrock":
        _check_bedrock(profile, task_type, service_settings, task_settings)

    _throw_if_not_empty(config, service)
    _throw_if_not_empty(service_map, service)
    _throw_if_not_empty(task_map, service)
    return EndpointConfig(
        inference_id=inference_id,
        task_type=task_type,
        service=service,
        service_settings=_ordered(service, task_type, service_settings),
        task_settings=task_settings,
        chunking_settings=chunking,
        secrets=secrets,
        dimensions_set_by_user=service_settings.get("dimensions") is not None,
    )


def _check_bedrock(profile: Profile, task_type: str, settings: Mapping[str, Any], task: Mapping[str, Any]) -> None:
    # AmazonBedrockProviderCapabilities / AmazonBedrockService.checkProviderForTask / top_k check
    provider = settings["provider"]
    if provider not in profile.bedrock_providers_by_task.get(task_type, ()):
        raise RuleViolation("bedrock.provider.task_type", task_type=task_type, provider=provider)
    if task.get("top_k") is not None and provider not in profile.bedrock_top_k_providers:
        raise RuleViolation("bedrock.top_k.provider", provider=provider)


#: the top-level keys an ``_update`` body may hold (``UpdateInferenceModelAction.Request#getContentAsSettings``)
UPDATABLE_FIELDS = ("task_type", "service_settings", "task_settings")


def parse_update_request(
    url_task_type: str | None, body: object, known: tuple[str, ...] = KNOWN_TASK_TYPES
) -> tuple[str | None, dict[str, Any]]:
    """``PUT /_inference[/{task_type}]/{id}/_update`` before the endpoint is looked up: ``(task type, body)``.

    ``UpdateInferenceModelAction.Request#getContentAsSettings``: an empty body is ``crud.update.empty_body``,
    a key other than ``task_type``, ``service_settings`` and ``task_settings`` is
    ``crud.update.unknown_fields`` (listing the left-over map); then ``ServiceUtils.resolveTaskType`` with the
    URL's task type (``task_type.any_in_body`` / ``task_type.conflict``); ``None`` when neither names one.
    """
    if not isinstance(body, dict) or not body:
        raise RuleViolation("crud.update.empty_body")
    config: dict[str, Any] = copy.deepcopy(body)
    extra = {k: v for k, v in config.items() if k not in UPDATABLE_FIELDS}
    if extra:
        raise RuleViolation("crud.update.unknown_fields", fields=java_str(extra))
    if url_task_type is None and config.get("task_type") is None:
        # Elasticsearch's answer here rests on how its REST handler passes a missing task type (PR #121231,
        # not stored): the endpoint's task type is kept, as clients updating by id alone expect
        return None, config
    return resolve_task_type(url_task_type, config.get("task_type"), known), config


def parse_update(
    profile: Profile, existing: EndpointConfig, task_type: str | None, config: dict[str, Any]
) -> EndpointConfig:
    """Apply an ``_update`` body (from :func:`parse_update_request`) to ``existing``
    (``TransportUpdateInferenceModelAction#combineExistingModelWithNewSettings``).

    The task type must be the endpoint's (``crud.update.task_type``). A ``service_settings`` map is read by
    the stored secret settings' ``newSecretSettings``: it must hold the service's whole secret set (the
    ``secrets.*`` and ``settings.required`` rules); its other keys are ignored, but the rate limit where the
    service updates its service settings (``profile.update_service_settings_services``). ``task_settings``
    go through ``updatedTaskSettings``: known keys are merged over the stored ones, others ignored.
    """
    if task_type is not None and task_type != existing.task_type:
        raise RuleViolation("crud.update.task_type")
    service = existing.service
    has_service_settings = isinstance(config.get("service_settings"), dict)
    service_map = _as_map(config, "service_settings", required=False)
    task_map = _as_map(config, "task_settings", required=False)
    secrets = dict(existing.secrets)
    if has_service_settings:
        secrets = parse_secrets(profile, service, service_map)
    settings = dict(existing.service_settings)
    if service in profile.update_service_settings_services:
        rpm = parse_rate_limit(profile, service, service_map)
        if rpm is not None:
            settings["rate_limit"] = {"requests_per_minute": rpm}
    new_task = parse_task_settings(profile, service, existing.task_type, task_map)
    return EndpointConfig(
        inference_id=existing.inference_id,
        task_type=existing.task_type,
        service=service,
        service_settings=settings,
        task_settings={**existing.task_settings, **new_task},
        chunking_settings=existing.chunking_settings,
        secrets=secrets,
        dimensions_set_by_user=existing.dimensions_set_by_user,
    )


def parse_inference_request(
    profile: Profile,
    endpoint: EndpointConfig,
    url_task_type: str | None,
    body: object,
    streaming: bool,
    locations: Mapping[str, tuple[int, int]] | None = None,
) -> InferenceRequest:
    """Validate a ``POST /_inference[/{task_type}]/{id}[/_stream]`` body for ``endpoint``.

    Order as ES: body fields (the parser), ``InferenceAction.Request#validate`` (``input``, then ``query``
    and ``input_type`` against the URL's task type), task type vs endpoint, streaming support,
    chat_completion-only-via-stream, ``input_type`` support, completion single input.
    """
    config: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
    for key in config:  # InferenceAction.Request's ObjectParser (named InferenceAction.NAME)
        if key not in profile.inference_body_fields:
            line, column = (locations or {}).get(key, (1, 1))
            suggestion = did_you_mean(key, profile.inference_body_fields)
            raise RuleViolation("input.unknown_field", field=key, line=line, column=column, suggestion=suggestion)
    raw_input = config.get("input")
    if raw_input is None:
        raise RuleViolation("input.null")
    inputs = [java_str(x) for x in raw_input] if isinstance(raw_input, list) else [java_str(raw_input)]
    if not inputs:
        raise RuleViolation("input.empty")
    input_type = config.get("input_type")
    input_type = java_str(input_type).lower() if input_type is not None else None
    task_type = endpoint.task_type
    requested = parse_task_type(url_task_type, profile.known_task_types) if url_task_type is not None else "any"
    # InferenceAction.Request#validate checks the task type of the URL (none = any), not the endpoint's;
    # the rerank options first (8.19, 9.1-9.4: each returns its own one-item error)
    for option in ("return_documents", "top_n"):
        if config.get(option) is not None and requested not in ("any", "rerank"):
            raise RuleViolation("input.rerank_option.not_for_task", field=option, task_type=requested)
    if config.get("query") is not None and requested in profile.query_forbidden_task_types:
        raise RuleViolation("input.query.not_for_task", task_type=requested)
    if input_type is not None and requested in profile.input_type_forbidden_task_types:
        raise RuleViolation("input.input_type.not_for_task", task_type=requested)

    if requested not in ("any", task_type):
        raise RuleViolation("input.task_type.mismatch", requested=requested, actual=task_type)
    # BaseTransportInferenceAction asks the service whether it can stream the requested task type (none in the
    # URL is ``any``, which no service streams) until PR #121460 (8.19, 9.1), the endpoint's after; the message
    # names the requested one either way
    checked = task_type if profile.stream_check_on_endpoint_task_type else requested
    if streaming and not profile.streams(endpoint.service, checked):
        supported = ",".join(profile.streaming_task_types.get(endpoint.service, ()))
        raise RuleViolation("streaming.not_allowed", service=endpoint.service, task_type=requested, supported=supported)
    if not streaming and task_type == "chat_completion" and not profile.chat_completion_non_streaming:
        raise RuleViolation("streaming.chat_completion.only_stream")
    if input_type is not None and endpoint.service in profile.input_type_rejected_services:
        raise RuleViolation("input.input_type.rejected", input_type=input_type)
    if task_type == "completion" and len(inputs) != 1 and endpoint.service in COMPLETION_INPUT_PREFIX:
        raise RuleViolation("input.completion.single", service_title=COMPLETION_INPUT_PREFIX[endpoint.service])

    overrides_raw = config.get("task_settings") or {}
    overrides: dict[str, Any] = {}
    if isinstance(overrides_raw, dict):
        overrides = parse_task_settings(profile, endpoint.service, task_type, dict(overrides_raw))
    return InferenceRequest(
        input=tuple(inputs),
        input_type=input_type,
        query=config.get("query"),
        task_settings=overrides,
        merged_task_settings={**endpoint.task_settings, **overrides},
        stream=streaming,
    )


_UNIFIED_FIELDS = ("messages", "model", "max_completion_tokens", "stop", "temperature", "tool_choice", "tools", "top_p")


def parse_unified_chat(body: object) -> UnifiedChatRequest:
    """Parse a unified chat-completion body (``UnifiedCompletionRequest``): ``messages`` required,
    each with a ``role``. Raises ``streaming.unified.invalid`` (rendered in the unified error format), then
    ``streaming.unified.empty_messages`` for ``messages: []`` (the request's own validation, after parsing)."""
    config: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
    messages = config.get("messages")
    if not isinstance(messages, list):
        raise RuleViolation("streaming.unified.invalid", detail="Required [messages]")
    for message in messages:
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise RuleViolation("streaming.unified.invalid", detail="Required [role]")
    if not messages:
        raise RuleViolation("streaming.unified.empty_messages")
    stop = config.get("stop")
    tools = config.get("tools")
    return UnifiedChatRequest(
        messages=tuple(messages),
        model=config.get("model"),
        max_completion_tokens=config.get("max_completion_tokens"),
        stop=tuple(stop) if isinstance(stop, list) else (stop,) if isinstance(stop, str) else None,
        temperature=config.get("temperature"),
        tool_choice=config.get("tool_choice"),
        tools=tuple(tools) if isinstance(tools, list) else None,
        top_p=config.get("top_p"),
        extra={k: v for k, v in config.items() if k not in _UNIFIED_FIELDS},
    )
