"""The official AzureOpenAI client against the Azure mock over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
import requests
from werkzeug.test import Client

from mocks.azure import AzureConfig, AzureMock, create_app
from mocks.core import embedding_for

CANARY = "azure-CANARY-key-0a1b2c3d"
TOKEN = "eyJ-CANARY-entra-token"
API_VERSION = "2024-10-21"


@pytest.fixture(scope="module")
def mock() -> Iterator[AzureMock]:
    deployments = {
        "embed": "text-embedding-3-small",
        "chat": "gpt-4o",
        "res2/embed": "text-embedding-3-large",
    }
    with AzureMock(seed=4, api_keys={CANARY}, entra_tokens={TOKEN}, deployments=deployments) as server:
        yield server


@pytest.fixture
def client(mock: AzureMock) -> Iterator[openai.AzureOpenAI]:
    mock.clear()
    with openai.AzureOpenAI(
        api_key=CANARY, azure_endpoint=mock.url, api_version=API_VERSION, max_retries=0
    ) as c:
        yield c
    mock.raise_errors()


def test_embeddings_through_the_deployment(client: openai.AzureOpenAI, mock: AzureMock) -> None:
    out = client.embeddings.create(model="embed", input="hello")
    assert out.data[0].embedding == embedding_for(
        "hello", model="text-embedding-3-small", dimensions=1536, seed=4
    )
    call = mock.journal.assert_called(times=1, path="/openai/deployments/embed/embeddings")[0]
    assert call.query_param("api-version") == API_VERSION and call.model == "embed"
    assert CANARY not in repr(call.headers)


def test_entra_token_auth(mock: AzureMock) -> None:
    with openai.AzureOpenAI(
        azure_ad_token=TOKEN, azure_endpoint=mock.url, api_version=API_VERSION, max_retries=0
    ) as c:
        assert c.embeddings.create(model="embed", input="x").data
    with openai.AzureOpenAI(
        azure_ad_token="wrong", azure_endpoint=mock.url, api_version=API_VERSION, max_retries=0
    ) as c, pytest.raises(openai.AuthenticationError, match="Access token is missing"):
        c.embeddings.create(model="embed", input="x")


def test_chat_has_azure_annotations_and_streams(client: openai.AzureOpenAI) -> None:
    messages = [{"role": "user", "content": "What is Elasticsearch?"}]
    full = client.chat.completions.create(model="chat", messages=messages)  # type: ignore[arg-type]
    extra = full.model_dump()
    assert extra["prompt_filter_results"][0]["content_filter_results"]["hate"]["filtered"] is False
    assert "content_filter_results" in extra["choices"][0] and full.model == "gpt-4o"
    chunks = list(client.chat.completions.create(model="chat", messages=messages, stream=True))  # type: ignore[arg-type]
    assert chunks[0].choices == []
    assert (
        "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        == full.choices[0].message.content
    )


def test_azure_errors(client: openai.AzureOpenAI, mock: AzureMock) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        client.embeddings.create(model="nope", input="x")
    assert missing.value.code == "DeploymentNotFound"
    with (
        openai.AzureOpenAI(
            api_key="bad-key", azure_endpoint=mock.url, api_version=API_VERSION, max_retries=0
        ) as bad,
        pytest.raises(openai.AuthenticationError) as denied,
    ):
        bad.embeddings.create(model="embed", input="x")
    assert denied.value.code == "401" and "invalid subscription key" in str(denied.value)
    mock.faults.add({"kind": "http_error", "status": 429, "times": 1})
    with pytest.raises(openai.RateLimitError) as limited:
        client.embeddings.create(model="embed", input="x")
    assert limited.value.response.headers["retry-after"] == "1"
    assert "Embeddings_Create Operation under Azure OpenAI API version 2024-10-21" in str(limited.value)


def test_missing_api_version_and_unknown_path(mock: AzureMock) -> None:
    resp = requests.post(
        mock.url + "/openai/deployments/embed/embeddings", json={"input": "x"}, headers={"api-key": CANARY}
    )
    assert resp.status_code == 404 and resp.json() == {
        "error": {"code": "404", "message": "Resource not found"}
    }
    resp = requests.get(mock.url + "/nope")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "404"
    resp = requests.post(
        mock.url + f"/openai/deployments/embed/embeddings?api-version={API_VERSION}", json={"input": "x"}
    )
    assert resp.status_code == 401 and "missing subscription key" in resp.json()["error"]["message"]


def test_resource_from_host_header_selects_deployments() -> None:
    app = create_app(AzureConfig(deployments={"res2/embed": "text-embedding-3-large"}))
    client = Client(app)
    url = f"/openai/deployments/embed/embeddings?api-version={API_VERSION}"
    resp = client.post(url, json={"input": "x"}, headers={"api-key": "k", "Host": "res2.openai.azure.com"})
    assert resp.status_code == 200 and len(resp.get_json()["data"][0]["embedding"]) == 3072
    resp = client.post(url, json={"input": "x"}, headers={"api-key": "k", "Host": "res1.openai.azure.com"})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "DeploymentNotFound"


def test_config_repr_hides_keys() -> None:
    text = repr(AzureConfig(api_keys=frozenset({CANARY}), entra_tokens=frozenset({TOKEN})))
    assert CANARY not in text and TOKEN not in text
