"""Parsed request objects: :class:`EndpointConfig` (a stored endpoint) and :class:`InferenceRequest`."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import RuleViolation
from .profiles import Profile

__all__ = ["EndpointConfig", "InferenceRequest", "UnifiedChatRequest"]


@dataclass(frozen=True)
class EndpointConfig:
    """An inference endpoint as Elasticsearch stores it.

    ``service_settings`` holds the non-secret settings with defaults filled (``rate_limit``);
    ``secrets`` holds ``api_key`` / ``entra_id`` / ``access_key`` / ``secret_key`` separately and is
    never part of ``repr`` or :meth:`to_filtered_dict`.
    """

    inference_id: str
    task_type: str
    service: str
    service_settings: Mapping[str, Any]
    task_settings: Mapping[str, Any] = field(default_factory=dict)
    chunking_settings: Mapping[str, Any] | None = None
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    dimensions_set_by_user: bool = False

    def to_filtered_dict(self, profile: Profile) -> dict[str, Any]:
        """The endpoint as ES renders it in PUT/GET/_update responses (``toFilteredXContent``):
        no secrets, no ``dimensions_set_by_user``; empty ``task_settings`` rendered per
        ``profile.empty_task_settings`` (``object`` -> ``{}``, ``omit`` -> absent)."""
        out: dict[str, Any] = {
            "inference_id": self.inference_id,
            "task_type": self.task_type,
            "service": self.service,
            "service_settings": copy.deepcopy(dict(self.service_settings)),
        }
        if self.task_settings or profile.empty_task_settings == "object":
            out["task_settings"] = copy.deepcopy(dict(self.task_settings))
        if self.chunking_settings is not None:
            out["chunking_settings"] = dict(self.chunking_settings)
        return out

    def with_embedding_size(self, profile: Profile, size: int) -> EndpointConfig:
        """Apply the validation call's vector length (``TextEmbeddingModelValidator``): set
        ``dimensions`` and default ``similarity``; raise ``validation_call.dimensions_mismatch`` when
        the user set other dimensions."""
        settings = dict(self.service_settings)
        user_dims = settings.get("dimensions")
        if self.dimensions_set_by_user and user_dims is not None and user_dims != size:
            raise RuleViolation(
                "validation_call.dimensions_mismatch",
                actual=size,
                expected=user_dims,
                inference_id=self.inference_id,
            )
        settings["dimensions"] = size
        if settings.get("similarity") is None:
            settings["similarity"] = profile.similarity_default(self.service, settings.get("provider"))
        return replace(self, service_settings=_ordered(self.service, self.task_type, settings))

    def __repr__(self) -> str:
        return (
            f"EndpointConfig(inference_id={self.inference_id!r}, task_type={self.task_type!r}, "
            f"service={self.service!r}, service_settings={dict(self.service_settings)!r}, "
            f"task_settings={dict(self.task_settings)!r}, chunking_settings={self.chunking_settings!r}, "
            f"secrets=<{len(self.secrets)} redacted>)"
        )


def _ordered(service: str, task_type: str, settings: dict[str, Any]) -> dict[str, Any]:
    from ._services import output_order

    order = output_order(service, task_type)
    keys = [k for k in order if k in settings] + [k for k in settings if k not in order]
    return {k: settings[k] for k in keys}


@dataclass(frozen=True)
class InferenceRequest:
    """A parsed ``POST /_inference/...`` body.

    ``input`` is always a list; ``task_settings`` are the request-time overrides (ES merges them
    over the stored ones: ``merged_task_settings``)."""

    input: tuple[str, ...]
    input_type: str | None = None
    query: str | None = None
    task_settings: Mapping[str, Any] = field(default_factory=dict)
    merged_task_settings: Mapping[str, Any] = field(default_factory=dict)
    stream: bool = False


@dataclass(frozen=True)
class UnifiedChatRequest:
    """A parsed unified chat-completion body (``POST /_inference/chat_completion/{id}/_stream``)."""

    messages: tuple[Mapping[str, Any], ...]
    model: str | None = None
    max_completion_tokens: int | None = None
    stop: tuple[str, ...] | None = None
    temperature: float | None = None
    tool_choice: Any = None
    tools: tuple[Mapping[str, Any], ...] | None = None
    top_p: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
