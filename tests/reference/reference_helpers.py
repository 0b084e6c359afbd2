"""Settings builders and the canary check shared by the reference tests."""

from __future__ import annotations

from typing import Any

#: Canary secrets: they must never come back in any response.
OPENAI_KEY = "sk-canary-openai-7f3a9c"
AZURE_KEY = "azure-canary-key-51be"
AWS_ACCESS = "AKIACANARY000000001"
AWS_SECRET = "canary/aws/secret/key/0123456789abcdef"
CANARIES = (OPENAI_KEY, AZURE_KEY, AWS_ACCESS, AWS_SECRET)



def openai_settings(mock: Any, task_type: str, **extra: Any) -> dict[str, Any]:
    path = "/v1/embeddings" if task_type == "text_embedding" else "/v1/chat/completions"
    model = "text-embedding-3-small" if task_type == "text_embedding" else "gpt-4o-mini"
    return {"api_key": OPENAI_KEY, "model_id": model, "url": mock.url + path, **extra}


def azure_settings(**extra: Any) -> dict[str, Any]:
    return {
        "api_key": AZURE_KEY,
        "resource_name": "myresource",
        "deployment_id": "embed",
        "api_version": "2024-10-21",
        **extra,
    }


def bedrock_settings(task_type: str, **extra: Any) -> dict[str, Any]:
    model = "amazon.titan-embed-text-v2:0" if task_type == "text_embedding" else "anthropic.claude-3-haiku-20240307-v1:0"
    provider = "amazontitan" if task_type == "text_embedding" else "anthropic"
    return {
        "access_key": AWS_ACCESS,
        "secret_key": AWS_SECRET,
        "region": "us-east-1",
        "model": model,
        "provider": provider,
        **extra,
    }


def assert_no_canary(data: bytes | str) -> None:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    for canary in CANARIES:
        assert canary not in text, "a secret leaked into a response"
