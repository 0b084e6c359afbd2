"""What differs between the version profiles of the `_inference` OpenAPI documents.

Read only by the generator (``python -m specs._build``); nothing at runtime imports it. The values come
from ``specs/profiles.yaml`` (each fact with its version range and its source: a path in
elastic/elasticsearch or a branch of elastic/elasticsearch-specification).
"""

from __future__ import annotations

from dataclasses import dataclass

from specs import VERSIONS, resolve_facts

# Bedrock providers (x-pack/plugin/inference/src/main/java/org/elasticsearch/xpack/inference/services/
# amazonbedrock/AmazonBedrockProviderCapabilities.java in elastic/elasticsearch).
BEDROCK_PROVIDERS = ("amazontitan", "anthropic", "ai21labs", "cohere", "meta", "mistral")
BEDROCK_EMBEDDING_PROVIDERS = ("amazontitan", "cohere")
BEDROCK_TOP_K_PROVIDERS = ("anthropic", "cohere", "mistral")


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
    )


_STRATEGY_ORDER = ("sentence", "word", "none", "recursive")

#: every profile of ``profiles.yaml`` ``versions`` (the one list of supported versions)
PROFILES: dict[str, VersionProfile] = {version: _profile(version) for version in VERSIONS}
