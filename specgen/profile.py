"""What differs between the version profiles of the `_inference` OpenAPI documents.

The values come from ``specs/profiles.yaml`` (each fact with its version range and its source: a path in
elastic/elasticsearch or a branch of elastic/elasticsearch-specification).
"""

from __future__ import annotations

from dataclasses import dataclass

from specs import VERSIONS, resolve_facts

__all__ = ["PROFILES", "VersionProfile"]


@dataclass(frozen=True)
class VersionProfile:
    """The facts that make one generated document differ from another."""

    version: str
    task_types: dict[str, tuple[str, ...]]  # service -> task types it supports
    all_task_types: tuple[str, ...]  # Elastic's TaskType enum (any service)
    strategies: tuple[str, ...]  # chunking strategies
    chunk_max: int | None  # max_chunk_size cap for word/sentence; None from 9.2
    openai_task_headers: bool  # OpenAITaskSettings.headers from 9.2
    azure_task_headers: bool  # AzureOpenAITaskSettings.headers from 9.4
    azure_oauth2: bool  # Azure client_secret/client_id/scopes/tenant_id from 9.4
    input_type: bool  # POST body input_type (inference_body_fields: 8.19 and 9.1+)
    chat_reasoning: bool  # RequestChatCompletion.reasoning (Elastic's 9.4 spec)
    similarity_values: tuple[str, ...]  # the similarity enum
    input_types: tuple[str, ...]  # the REST input_type values (lower case)
    bedrock_providers: tuple[str, ...]  # AmazonBedrockProvider
    bedrock_embedding_providers: tuple[str, ...]  # the providers with a text_embedding model
    bedrock_top_k_providers: tuple[str, ...]  # the providers taking top_k


def _profile(version: str) -> VersionProfile:
    """The generator's view of one profile, read from ``profiles.yaml`` (facts with version ranges)."""
    facts = resolve_facts(version)
    api, chunking = facts["openapi"], facts["chunking"]
    headers = facts["headers_task_setting_services"]
    return VersionProfile(
        version=version,
        task_types={service: tuple(tasks) for service, tasks in facts["task_types"].items()},
        all_task_types=tuple(api["all_task_types"]),
        strategies=tuple(sorted(chunking["strategies"], key=_STRATEGY_ORDER.index)),
        chunk_max=chunking["word"]["max_max_chunk_size"],
        openai_task_headers="openai" in headers,
        azure_task_headers="azureopenai" in headers,
        azure_oauth2=bool(api["azure_oauth2"]),
        input_type="input_type" in facts["inference_body_fields"],
        chat_reasoning=bool(api["chat_reasoning"]),
        similarity_values=tuple(facts["similarity_values"]),
        input_types=tuple(facts["input_types"]),
        bedrock_providers=tuple(facts["bedrock_providers"]),
        bedrock_embedding_providers=tuple(facts["bedrock_providers_by_task"]["text_embedding"]),
        bedrock_top_k_providers=tuple(facts["bedrock_top_k_providers"]),
    )


_STRATEGY_ORDER = ("sentence", "word", "none", "recursive")

#: every profile of ``profiles.yaml`` ``versions`` (the one list of supported versions)
PROFILES: dict[str, VersionProfile] = {version: _profile(version) for version in VERSIONS}
