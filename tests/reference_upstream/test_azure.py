"""The reference target's Azure OpenAI calls on the Azure mock: URL, api-version, Host, auth headers,
bodies without ``model``, and Azure's 429 message (AzureOpenAiResponseHandler)."""

from __future__ import annotations

import pytest
from reference_upstream_helpers import AZURE_KEY, ENTRA_TOKEN, endpoint

from contract import RuleViolation
from mocks.azure import AzureMock
from mocks.core.faults import Fault
from mocks.core.secrets import fingerprint
from mocks.reference.upstream import Upstream

SETTINGS = {"resource_name": "my-resource", "deployment_id": "embed-dep", "api_version": "2024-10-21"}


def azure_endpoint(
    task_type: str = "text_embedding", secrets: dict[str, str] | None = None, **kwargs: object
) -> object:
    settings = {**SETTINGS, **kwargs.pop("settings", {})}  # type: ignore[dict-item]
    return endpoint("azureopenai", task_type, settings, secrets or {"api_key": AZURE_KEY}, **kwargs)  # type: ignore[arg-type]


def test_embeddings_url_host_api_key_and_body(upstream: Upstream, azure_mock: AzureMock) -> None:
    assert upstream.validate(azure_endpoint(task_settings={"user": "u"})) == 1536
    call = azure_mock.journal.assert_called(
        times=1, method="POST", path="/openai/deployments/embed-dep/embeddings"
    )[0]
    assert call.query == (("api-version", "2024-10-21"),)
    assert call.header("Host") == "my-resource.openai.azure.com"
    assert call.header("api-key") == fingerprint(AZURE_KEY)
    assert call.header("Authorization") is None
    assert call.header("Content-Type") == "application/json"
    assert call.json == {"input": ["how big"], "user": "u"}


def test_entra_id_is_sent_as_bearer(upstream: Upstream, azure_mock: AzureMock) -> None:
    upstream.embed(azure_endpoint(secrets={"entra_id": ENTRA_TOKEN}), ["x"])
    call = azure_mock.journal.last
    assert call.header("Authorization") == f"Bearer {fingerprint(ENTRA_TOKEN)}"
    assert call.header("api-key") is None


def test_dimensions_only_when_set_by_user(upstream: Upstream, azure_mock: AzureMock) -> None:
    upstream.embed(azure_endpoint(settings={"dimensions": 4}, dimensions_set_by_user=True), ["x"])
    assert azure_mock.journal.last.json == {"input": ["x"], "dimensions": 4}
    upstream.embed(azure_endpoint(settings={"dimensions": 1536}), ["x"])
    assert azure_mock.journal.last.json == {"input": ["x"]}


def test_completion_body_has_no_model(upstream: Upstream, azure_mock: AzureMock) -> None:
    ep = azure_endpoint("completion", settings={"deployment_id": "chat-dep"}, task_settings={"user": "me"})
    assert upstream.complete(ep, "abc")
    call = azure_mock.journal.assert_called(times=1, path="/openai/deployments/chat-dep/chat/completions")[0]
    assert call.json == {"messages": [{"role": "user", "content": "abc"}], "n": 1, "user": "me"}


def test_stream_completion_body(upstream: Upstream, azure_mock: AzureMock) -> None:
    ep = azure_endpoint("completion", settings={"deployment_id": "chat-dep"})
    deltas = list(upstream.stream_completion(ep, "abc"))
    assert deltas and "".join(deltas) == upstream.complete(ep, "abc")
    assert azure_mock.journal.calls[0].json == {
        "messages": [{"role": "user", "content": "abc"}],
        "n": 1,
        "stream": True,
    }


def test_embed_chunks_batches_2048(upstream: Upstream, azure_mock: AzureMock) -> None:
    ep = azure_endpoint(settings={"dimensions": 2}, dimensions_set_by_user=True)
    assert len(upstream.embed_chunks(ep, [f"c{i}" for i in range(2049)])) == 2049
    assert [len(c.json["input"]) for c in azure_mock.journal.calls] == [2048, 1]


def test_azure_429_is_retried_with_azure_message(upstream: Upstream, azure_mock: AzureMock) -> None:
    azure_mock.faults.add(
        Fault(
            kind="http_error",
            status=429,
            message="Requests exceeded",
            headers={"x-ratelimit-remaining-tokens": "5", "x-ratelimit-remaining-requests": "0"},
        )
    )
    ep = azure_endpoint("completion", settings={"deployment_id": "chat-dep"})
    with pytest.raises(RuleViolation) as info:
        upstream.complete(ep, "x")
    azure_mock.journal.assert_called(times=3)
    assert info.value.rule_id == "upstream.azureopenai.429" and info.value.params["status"] == 429
    assert info.value.params["reason"] == (
        "Received a rate limit status code. Remaining tokens [5]. Remaining requests [0]. for request from "
        "inference entity id [my-endpoint] status [429]. Error message: [Requests exceeded]"
    )


def test_wrong_key_maps_to_401(upstream: Upstream, azure_mock: AzureMock) -> None:
    with pytest.raises(RuleViolation) as info:
        upstream.embed(azure_endpoint(secrets={"api_key": "wrong-azure-key-123"}), ["x"])
    azure_mock.journal.assert_called(times=1)
    assert info.value.rule_id == "upstream.401"
    assert info.value.params["reason"].startswith(
        "Received an authentication error status code for request from inference entity id [my-endpoint] "
        "status [401]. Error message: [Access denied due to invalid subscription key"
    )
    assert "wrong-azure-key-123" not in repr(info.value.params)


def test_real_host_pattern_without_base_url() -> None:
    from mocks.reference.upstream.openai import azure_url

    url, host = azure_url(None, SETTINGS, "embeddings")
    assert (
        url
        == "https://my-resource.openai.azure.com/openai/deployments/embed-dep/embeddings?api-version=2024-10-21"
    )
    assert host is None
