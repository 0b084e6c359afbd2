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


def in_process(version: str) -> Any:
    """A werkzeug test client of the reference on ``version`` (no upstream validation call): cheap, in process."""
    from werkzeug.test import Client

    from mocks.reference import ReferenceConfig
    from mocks.reference.app import create_app

    return Client(create_app(ReferenceConfig(es_version=version, skip_validation=True)))


def call(client: Any, method: str, path: str, body: Any = None, raw: str | None = None) -> tuple[int, Any]:
    """``(status, parsed JSON)`` of one request (``raw``: the body text exactly as given)."""
    import json

    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    resp = client.open(path, method=method, data=data, content_type="application/json")
    return resp.status_code, json.loads(resp.get_data(as_text=True) or "null")


def put_openai(client: Any, mock: Any, task_type: str, inference_id: str, **extra: Any) -> dict[str, Any]:
    """PUT an OpenAI endpoint on ``mock`` (``extra``: more top-level keys); asserts 200, returns the answer."""
    body = {"service": "openai", "service_settings": openai_settings(mock, task_type), **extra}
    status, answer = call(client, "PUT", f"/_inference/{task_type}/{inference_id}", body)
    assert status == 200, answer
    return dict(answer)

