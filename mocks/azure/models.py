"""Azure OpenAI behaviour as pure functions: deployment lookup and Azure's additions to OpenAI responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mocks.azure import errors
from mocks.openai import models as openai_models

__all__ = [
    "FILTER_RESULTS",
    "chat_chunks",
    "chat_completion",
    "embeddings",
    "resolve_deployment",
    "resource_from_host",
]

_SAFE = {"filtered": False, "severity": "safe"}
#: Content-filter annotations of an unfiltered text.
FILTER_RESULTS: dict[str, Any] = {"hate": _SAFE, "self_harm": _SAFE, "sexual": _SAFE, "violence": _SAFE}
#: The model behind a deployment whose name is no known model (``deployments=None``), per request kind.
DEFAULT_MODEL: dict[str, str] = {"embeddings": "text-embedding-3-small", "chat": "gpt-4o"}


def resource_from_host(host: str | None) -> str | None:
    """``"myres"`` for ``myres.openai.azure.com[:port]``; ``None`` for any other host."""
    if not host:
        return None
    name = host.split(":", 1)[0].lower()
    suffix = ".openai.azure.com"
    return name[: -len(suffix)] if name.endswith(suffix) and len(name) > len(suffix) else None


def resolve_deployment(deployments: Mapping[str, str] | None, resource: str | None, deployment: str, kind: str) -> str:
    """The model behind ``deployment`` (``"resource/deployment"`` keys win over plain ``"deployment"``).

    ``deployments=None`` accepts any deployment: a known model name maps to itself, anything else to
    text-embedding-3-small (``kind="embeddings"``) or gpt-4o (``kind="chat"``). Unknown -> 404
    ``DeploymentNotFound``.
    """
    if deployments is None:
        return deployment if deployment in openai_models.MODELS else DEFAULT_MODEL[kind]
    if resource is not None and f"{resource}/{deployment}" in deployments:
        return deployments[f"{resource}/{deployment}"]
    if deployment in deployments:
        return deployments[deployment]
    raise errors.deployment_not_found()


def _with_model(body: Mapping[str, Any], model: str) -> dict[str, Any]:
    return {**body, "model": model}


def embeddings(body: Mapping[str, Any], *, model: str, seed: int = 0) -> dict[str, Any]:
    """The embeddings response of a deployment of ``model`` (the body's ``model`` is ignored, as on Azure)."""
    return openai_models.embeddings(_with_model(body, model), seed=seed)


#: Azure's own document declares the chat body (no ``model``; tools as plain objects).
CHAT_BODY_SCHEMA = ("upstream-azure-openai.yaml", "ChatCompletionRequest")


def chat_completion(body: Mapping[str, Any], *, model: str, seed: int = 0, created: int = 0) -> dict[str, Any]:
    """The OpenAI chat completion plus ``prompt_filter_results`` and per-choice ``content_filter_results``."""
    result = openai_models.chat_completion(
        _with_model(body, model), seed=seed, created=created, body_schema=CHAT_BODY_SCHEMA
    )
    result["prompt_filter_results"] = [{"prompt_index": 0, "content_filter_results": dict(FILTER_RESULTS)}]
    for choice in result["choices"]:
        choice["content_filter_results"] = dict(FILTER_RESULTS)
    return result


def chat_chunks(body: Mapping[str, Any], *, model: str, seed: int = 0, created: int = 0) -> list[dict[str, Any]]:
    """Streamed chunks: Azure's first chunk (``choices: []`` + ``prompt_filter_results``), then OpenAI's."""
    chunks = openai_models.chat_chunks(
        _with_model(body, model), seed=seed, created=created, body_schema=CHAT_BODY_SCHEMA
    )
    first = {
        "choices": [],
        "created": 0,
        "id": "",
        "model": "",
        "object": "",
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": dict(FILTER_RESULTS)}],
    }
    for chunk in chunks:
        for choice in chunk["choices"]:
            if choice["delta"].get("content"):
                choice["content_filter_results"] = dict(FILTER_RESULTS)
    return [first, *chunks]
