"""What differs between the version profiles of the `_inference` OpenAPI documents.

Read only by the generator (``python -m specs._build``); nothing at runtime imports it. Every value
carries its source in /work/shared/reference/es-inference.md (section in the comment) or in Elastic's
own OpenAPI (``elasticsearch-serverless-openapi-inference-<ver>.json``).
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICES = ("openai", "azureopenai", "amazonbedrock")

# Bedrock providers (es-inference.md §3.3, AmazonBedrockProviderCapabilities.java).
BEDROCK_PROVIDERS = ("amazontitan", "anthropic", "ai21labs", "cohere", "meta", "mistral")
BEDROCK_EMBEDDING_PROVIDERS = ("amazontitan", "cohere")
BEDROCK_TOP_K_PROVIDERS = ("anthropic", "cohere", "mistral")


@dataclass(frozen=True)
class VersionProfile:
    """The facts that make one generated document differ from another."""

    version: str
    task_types: dict[str, tuple[str, ...]]  # service -> task types it supports (§2)
    all_task_types: tuple[str, ...]  # Elastic's TaskType enum (any service)
    strategies: tuple[str, ...]  # chunking strategies (§4)
    chunk_max: int | None  # max_chunk_size cap for word/sentence; None from 9.2 (§4)
    openai_task_headers: bool  # OpenAITaskSettings.headers from 9.2 (§3.1)
    azure_task_headers: bool  # AzureOpenAITaskSettings.headers from 9.4 (§3.2)
    azure_oauth2: bool  # Azure client_secret/client_id/scopes/tenant_id from 9.4 (§3.2)
    input_type: bool  # POST body input_type (Elastic's spec from 9.1)
    chat_reasoning: bool  # RequestChatCompletion.reasoning (Elastic's 9.4 spec)


_EMBED_COMPLETION = ("text_embedding", "completion")
_WITH_CHAT = ("text_embedding", "completion", "chat_completion")
_TASK_TYPES_8 = ("sparse_embedding", "text_embedding", "rerank", "completion", "chat_completion")

PROFILES: dict[str, VersionProfile] = {
    "8.18": VersionProfile(
        version="8.18",
        task_types={
            "openai": _WITH_CHAT,
            "azureopenai": _EMBED_COMPLETION,
            "amazonbedrock": _EMBED_COMPLETION,
        },
        all_task_types=_TASK_TYPES_8,
        strategies=("sentence", "word"),
        chunk_max=300,
        openai_task_headers=False,
        azure_task_headers=False,
        azure_oauth2=False,
        input_type=False,
        chat_reasoning=False,
    ),
    "9.1": VersionProfile(
        version="9.1",
        task_types={
            "openai": _WITH_CHAT,
            "azureopenai": _EMBED_COMPLETION,
            "amazonbedrock": _EMBED_COMPLETION,
        },
        all_task_types=_TASK_TYPES_8,
        strategies=("sentence", "word", "none", "recursive"),
        chunk_max=300,
        openai_task_headers=False,
        azure_task_headers=False,
        azure_oauth2=False,
        input_type=True,
        chat_reasoning=False,
    ),
    "9.4": VersionProfile(
        version="9.4",
        task_types={"openai": _WITH_CHAT, "azureopenai": _WITH_CHAT, "amazonbedrock": _WITH_CHAT},
        all_task_types=_TASK_TYPES_8 + ("embedding",),
        strategies=("sentence", "word", "none", "recursive"),
        chunk_max=None,
        openai_task_headers=True,
        azure_task_headers=True,
        azure_oauth2=True,
        input_type=True,
        chat_reasoning=True,
    ),
}
