"""Version profiles: the per-version facts of the `_inference` API, loaded from ``specs/profiles.yaml``.

Code never branches on a version string; it reads a :class:`Profile` field instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

import specs

__all__ = [
    "DEFAULT_VERSION",
    "PROFILES",
    "REPRESENTATIVE_PROFILES",
    "ChunkingBounds",
    "Profile",
    "UnknownVersionError",
    "load_profile",
    "resolve_version",
    "version_key",
]

#: the shipped ``specs/`` data directory (``profiles.yaml``, ``rules.yaml``), found through the package
SPECS_DIR = Path(str(files("specs")))

#: every supported version profile, oldest first: read from ``specs/profiles.yaml`` (written only there)
PROFILES: tuple[str, ...] = specs.VERSIONS
DEFAULT_VERSION: str = specs.DEFAULT_VERSION
#: the subset heavy per-profile tests use
REPRESENTATIVE_PROFILES: tuple[str, ...] = specs.REPRESENTATIVE_VERSIONS
version_key = specs.version_key


class UnknownVersionError(ValueError):
    """A version that names no supported profile; the message is one line listing the supported ones."""


def resolve_version(text: str) -> str:
    """The profile of a release version: ``"9.1.3"`` -> ``"9.1"``, ``"9.4"`` -> ``"9.4"``.

    Raises:
        UnknownVersionError: no profile for that release line.

    Example:
        >>> resolve_version("9.1.3")
        '9.1'
    """
    parts = str(text).strip().split(".")
    if len(parts) in (2, 3) and all(p.isdigit() for p in parts):
        line = f"{int(parts[0])}.{int(parts[1])}"
        if line in PROFILES:
            return line
    raise UnknownVersionError(f"unknown Elasticsearch version {text!r}; supported: {', '.join(PROFILES)}")


@dataclass(frozen=True)
class ChunkingBounds:
    """Bounds of ``max_chunk_size`` for one chunking strategy (``max_max_chunk_size`` None = no cap)."""

    min_max_chunk_size: int
    max_max_chunk_size: int | None


@dataclass(frozen=True)
class Profile:
    """The facts of one Elasticsearch release line (one of :data:`PROFILES`) that the contract depends on.

    Attributes:
        version: the profile name, e.g. ``"8.18"``.
        task_types: service -> task types a PUT accepts.
        streaming_task_types: service -> task types ``_stream`` accepts.
        chunking_strategies: strategies a PUT accepts (``word``, ``sentence``, ``none``, ``recursive``).
        chunking_bounds: strategy -> :class:`ChunkingBounds`.
        chunking_default: the chunking settings filled in when a text_embedding PUT gives none.
        rate_limit_defaults: service -> task type -> requests_per_minute.
        similarity_defaults: service -> similarity set after the validation call (see :meth:`similarity_default`).
        bedrock_similarity_defaults: Bedrock provider -> its default similarity
            (``AmazonBedrockProviderCapabilities#getProviderDefaultSimilarityMeasure``).
        similarity_values: the similarity enum.
        bedrock_providers / bedrock_providers_by_task / bedrock_top_k_providers: Bedrock capabilities.
        input_types: the REST ``input_type`` values.
        input_type_rejected_services: services whose POST rejects a user ``input_type``.
        headers_task_setting_services: services whose task_settings accept ``headers``.
        input_type_forbidden_task_types: requested (URL) task types whose POST rejects a user ``input_type``.
        query_forbidden_task_types: requested (URL) task types whose POST rejects a ``query``.
        known_task_types: the task type names ``TaskType.fromString`` knows (``embedding`` from 9.3).
        inference_body_fields: the fields a POST inference body may hold (``InferenceAction.Request``'s parser).
        rate_limit_unknown_collected: an unknown key inside ``rate_limit`` is one item of the settings'
            ``ValidationException`` (else the unknown-settings ``status_exception``, thrown at once).
        stream_check_on_endpoint_task_type: ``_stream`` asks whether the endpoint's task type streams (else the
            URL's, where none is ``any``).
        update_service_settings_services: services whose ``_update`` applies a new ``rate_limit`` (elsewhere the
            key is ignored: the default ``ServiceSettings#updateServiceSettings`` keeps the settings).
        chat_completion_non_streaming: True if a chat_completion endpoint answers without ``_stream``.
        empty_task_settings: ``"object"`` (render ``{}``) or ``"omit"`` when task_settings is empty.
        get_list_key: key of the GET listing (``endpoints``).
        wording: message variants used by rule templates as ``{wording[key]}``.

    Example:
        >>> load_profile("9.4").chunking_bounds["word"].max_max_chunk_size is None
        True
    """

    version: str
    task_types: Mapping[str, tuple[str, ...]]
    streaming_task_types: Mapping[str, tuple[str, ...]]
    chunking_strategies: tuple[str, ...]
    chunking_bounds: Mapping[str, ChunkingBounds]
    chunking_default: Mapping[str, Any]
    rate_limit_defaults: Mapping[str, Mapping[str, int]]
    similarity_defaults: Mapping[str, str]
    bedrock_similarity_defaults: Mapping[str, str]
    similarity_values: tuple[str, ...]
    bedrock_providers: tuple[str, ...]
    bedrock_providers_by_task: Mapping[str, tuple[str, ...]]
    bedrock_top_k_providers: tuple[str, ...]
    input_types: tuple[str, ...]
    input_type_rejected_services: tuple[str, ...]
    headers_task_setting_services: tuple[str, ...]
    input_type_forbidden_task_types: tuple[str, ...]
    query_forbidden_task_types: tuple[str, ...]
    known_task_types: tuple[str, ...]
    inference_body_fields: tuple[str, ...]
    update_service_settings_services: tuple[str, ...]
    stream_check_on_endpoint_task_type: bool
    rate_limit_unknown_collected: bool
    chat_completion_non_streaming: bool
    empty_task_settings: str
    get_list_key: str
    sse_bom: bool
    wording: Mapping[str, str] = field(default_factory=dict)

    @property
    def services(self) -> tuple[str, ...]:
        """The services this profile knows (``openai``, ``azureopenai``, ``amazonbedrock``)."""
        return tuple(self.task_types)

    def supports(self, service: str, task_type: str) -> bool:
        """True if a PUT of ``task_type`` on ``service`` is accepted in this version."""
        return task_type in self.task_types.get(service, ())

    def streams(self, service: str, task_type: str) -> bool:
        """True if ``_stream`` is allowed for ``service`` × ``task_type`` in this version."""
        return task_type in self.streaming_task_types.get(service, ())

    def similarity_default(self, service: str, provider: str | None = None) -> str:
        """The similarity an embedding endpoint gets when the PUT names none (Bedrock's depends on the provider)."""
        if service == "amazonbedrock" and provider in self.bedrock_similarity_defaults:
            return self.bedrock_similarity_defaults[str(provider)]
        return self.similarity_defaults[service]

    def rate_limit_default(self, service: str, task_type: str) -> int:
        """Default ``rate_limit.requests_per_minute`` for ``service`` × ``task_type``."""
        return self.rate_limit_defaults[service][task_type]


def _ro(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


def _tuples(mapping: Mapping[str, list[str]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({k: tuple(v) for k, v in mapping.items()})


def _from_data(version: str, data: Mapping[str, Any]) -> Profile:
    chunking = data["chunking"]
    bounds = {
        name: ChunkingBounds(int(b["min_max_chunk_size"]), b["max_max_chunk_size"])
        for name, b in chunking.items()
        if name != "strategies"
    }
    return Profile(
        version=version,
        task_types=_tuples(data["task_types"]),
        streaming_task_types=_tuples(data["streaming_task_types"]),
        chunking_strategies=tuple(chunking["strategies"]),
        chunking_bounds=_ro(bounds),
        chunking_default=_ro(data["chunking_default"]),
        rate_limit_defaults=_ro({k: _ro(v) for k, v in data["rate_limit_defaults"].items()}),
        similarity_defaults=_ro(data["similarity_defaults"]),
        bedrock_similarity_defaults=_ro(data["bedrock_similarity_defaults"]),
        similarity_values=tuple(data["similarity_values"]),
        bedrock_providers=tuple(data["bedrock_providers"]),
        bedrock_providers_by_task=_tuples(data["bedrock_providers_by_task"]),
        bedrock_top_k_providers=tuple(data["bedrock_top_k_providers"]),
        input_types=tuple(data["input_types"]),
        input_type_rejected_services=tuple(data["input_type_rejected_services"]),
        headers_task_setting_services=tuple(data["headers_task_setting_services"]),
        input_type_forbidden_task_types=tuple(data["input_type_forbidden_task_types"]),
        query_forbidden_task_types=tuple(data["query_forbidden_task_types"]),
        known_task_types=tuple(data["known_task_types"]),
        inference_body_fields=tuple(data["inference_body_fields"]),
        update_service_settings_services=tuple(data["update_service_settings_services"]),
        stream_check_on_endpoint_task_type=bool(data["stream_check_on_endpoint_task_type"]),
        rate_limit_unknown_collected=bool(data["rate_limit_unknown_collected"]),
        chat_completion_non_streaming=bool(data["chat_completion_non_streaming"]),
        empty_task_settings=str(data["empty_task_settings"]),
        get_list_key=str(data["get_list_key"]),
        sse_bom=bool(data["sse_bom"]),
        wording=_ro(data["wording"]),
    )


@cache
def load_profile(version: str = DEFAULT_VERSION) -> Profile:
    """Return the :class:`Profile` of ``version`` (one of :data:`PROFILES`).

    Raises:
        ValueError: for an unknown version.

    Example:
        >>> load_profile("8.18").rate_limit_default("openai", "text_embedding")
        3000
    """
    if version not in PROFILES:
        raise UnknownVersionError(f"unknown profile {version!r}; supported: {', '.join(PROFILES)}")
    return _from_data(version, specs.resolve_facts(version))
