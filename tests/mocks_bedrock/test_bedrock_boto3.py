"""The official boto3 bedrock-runtime client against the mock, changed only by ``endpoint_url``."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest
import requests
from bedrock_helpers import ACCESS_KEY, BEARER, SECRET_KEY, SEED, make_client
from botocore.eventstream import ChecksumMismatch

from mocks.bedrock import BedrockMock
from mocks.core import Fault, fingerprint
from mocks.core.vectors import completion_for, embedding_for

TITAN_V2 = "amazon.titan-embed-text-v2:0"
CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"


def _invoke(client: Any, model_id: str, body: dict) -> dict:
    response = client.invoke_model(modelId=model_id, body=json.dumps(body))
    assert response["contentType"] == "application/json"
    return json.loads(response["body"].read())


def test_titan_v2_embedding(client: Any, mock: BedrockMock) -> None:
    body = _invoke(client, TITAN_V2, {"inputText": "hello world", "dimensions": 256, "normalize": True})
    assert body["embedding"] == embedding_for("hello world", model=TITAN_V2, dimensions=256, seed=SEED)
    call = mock.journal.assert_called(times=1, method="POST", endpoint="invoke", model=TITAN_V2)[0]
    assert call.path == "/model/amazon.titan-embed-text-v2:0/invoke"


def test_titan_v1_embedding_as_elasticsearch_sends_it(client: Any) -> None:
    body = _invoke(client, "amazon.titan-embed-text-v1", {"inputText": "exactly one string per request"})
    assert body["embedding"] == embedding_for(
        "exactly one string per request", model="amazon.titan-embed-text-v1", dimensions=1536, seed=SEED
    )


def test_cohere_embedding(client: Any) -> None:
    texts = ["first text", "second text"]
    body = _invoke(
        client, "cohere.embed-english-v3", {"texts": texts, "input_type": "search_query", "truncate": "END"}
    )
    assert body["embeddings"] == [
        embedding_for(t, model="cohere.embed-english-v3", dimensions=1024, seed=SEED) for t in texts
    ]
    assert body["response_type"] == "embeddings_floats"


def test_arn_model_id_routes_and_verifies(client: Any, mock: BedrockMock) -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-8b-instruct-v1:0"
    body = _invoke(client, arn, {"prompt": "Hi", "max_gen_len": 4})
    assert body["generation_token_count"] == 4
    assert mock.journal.last.path == f"/model/{arn}/invoke"


def test_anthropic_messages_completion(client: Any) -> None:
    body = _invoke(
        client,
        CLAUDE,
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 256,
            "messages": [{"role": "user", "content": [{"type": "text", "text": "What is Elasticsearch?"}]}],
        },
    )
    assert body["content"][0]["text"] == completion_for("What is Elasticsearch?", model=CLAUDE, seed=SEED)


def test_converse(client: Any) -> None:
    response = client.converse(
        modelId=CLAUDE,
        messages=[{"role": "user", "content": [{"text": "What is Elasticsearch?"}]}],
        inferenceConfig={"maxTokens": 256, "temperature": 0.5, "topP": 0.9},
        additionalModelResponseFieldPaths=['{"top_k":5.000000}'],
    )
    text = response["output"]["message"]["content"][0]["text"]
    assert text == completion_for("What is Elasticsearch?", model=CLAUDE, seed=SEED)
    assert response["stopReason"] == "end_turn"
    assert (
        response["usage"]["totalTokens"]
        == response["usage"]["inputTokens"] + response["usage"]["outputTokens"]
    )
    assert response["metrics"]["latencyMs"] >= 0


def test_converse_stream(client: Any) -> None:
    response = client.converse_stream(
        modelId=CLAUDE, messages=[{"role": "user", "content": [{"text": "Hi"}]}]
    )
    events = list(response["stream"])
    assert next(iter(events[0])) == "messageStart"
    text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
    assert text == completion_for("Hi", model=CLAUDE, seed=SEED)
    metadata = events[-1]["metadata"]
    assert metadata["usage"]["outputTokens"] == len(text.split())


def test_invoke_with_response_stream(client: Any) -> None:
    response = client.invoke_model_with_response_stream(
        modelId="meta.llama3-8b-instruct-v1:0", body=json.dumps({"prompt": "Hi"})
    )
    chunks = [json.loads(e["chunk"]["bytes"]) for e in response["body"]]
    assert chunks[0]["generation"] == completion_for("Hi", model="meta.llama3-8b-instruct-v1:0", seed=SEED)
    assert "amazon-bedrock-invocationMetrics" in chunks[-1]


# --- errors as botocore raises them -------------------------------------------------------------------------


def test_injected_429_is_throttling_exception(client: Any, mock: BedrockMock) -> None:
    mock.faults.add(Fault("http_error", status=429, times=1))
    with pytest.raises(client.exceptions.ThrottlingException) as info:
        _invoke(client, TITAN_V2, {"inputText": "x"})
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert info.value.response["Error"]["Message"] == "Too many requests, please wait before trying again."
    assert _invoke(client, TITAN_V2, {"inputText": "x"})["embedding"]  # times=1: the next call succeeds


@pytest.mark.parametrize(
    ("status", "code", "name"),
    [
        pytest.param(429, "ModelNotReadyException", "ModelNotReadyException", id="model-not-ready"),
        pytest.param(408, None, "ModelTimeoutException", id="timeout"),
        pytest.param(500, None, "InternalServerException", id="internal"),
        pytest.param(503, None, "ServiceUnavailableException", id="unavailable"),
        pytest.param(403, None, "AccessDeniedException", id="denied"),
    ],
)
def test_injected_errors_map_to_modelled_exceptions(
    client: Any, mock: BedrockMock, status: int, code: str | None, name: str
) -> None:
    mock.faults.add(Fault("http_error", status=status, code=code, times=1))
    with pytest.raises(getattr(client.exceptions, name)):
        client.converse(modelId=CLAUDE, messages=[{"role": "user", "content": [{"text": "x"}]}])


def test_malformed_body_is_validation_exception(client: Any) -> None:
    with pytest.raises(client.exceptions.ValidationException) as info:
        _invoke(client, TITAN_V2, {"text": "x"})
    assert info.value.response["Error"]["Message"] == (
        "Malformed input request: #: extraneous key [text] is not permitted, please reformat your input and try again."
    )
    assert info.value.response["ResponseMetadata"]["RequestId"]


def test_unknown_model_is_validation_exception(client: Any) -> None:
    with pytest.raises(
        client.exceptions.ValidationException, match="The provided model identifier is invalid."
    ):
        _invoke(client, "nobody.nothing-v9", {"inputText": "x"})


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        pytest.param({"secret_key": "wrong-secret"}, "InvalidSignatureException", id="wrong-secret"),
        pytest.param({"region": "eu-central-1"}, "InvalidSignatureException", id="wrong-region"),
        pytest.param({"access_key": "AKIDUNKNOWN"}, "UnrecognizedClientException", id="unknown-key"),
    ],
)
def test_auth_failures(mock: BedrockMock, kwargs: dict[str, str], code: str) -> None:
    client = make_client(mock.url, **kwargs)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        _invoke(client, TITAN_V2, {"inputText": "x"})
    assert info.value.response["Error"]["Code"] == code
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "wrong-secret" not in str(info.value) and SECRET_KEY not in str(info.value)


def test_bearer_api_key(mock: BedrockMock) -> None:
    # botocore sends a Bedrock API key only over HTTPS ("Bearer authorization requires an HTTPS endpoint"),
    # so send exactly what it would send (Authorization: Bearer, no SigV4 headers) with requests.
    url = f"{mock.url}/model/amazon.titan-embed-text-v2%3A0/invoke"
    ok = requests.post(
        url, data=b'{"inputText":"x"}', headers={"Authorization": f"Bearer {BEARER}"}, timeout=10
    )
    assert ok.status_code == 200 and len(ok.json()["embedding"]) == 1024
    assert mock.journal.last.header("Authorization") == f"Bearer {fingerprint(BEARER)}"
    bad = requests.post(
        url, data=b'{"inputText":"x"}', headers={"Authorization": "Bearer ABSK-nope"}, timeout=10
    )
    assert bad.status_code == 403
    assert bad.headers["x-amzn-ErrorType"].startswith("UnrecognizedClientException:")


def test_corrupted_event_stream_raises_checksum_error(client: Any, mock: BedrockMock) -> None:
    mock.faults.add(Fault("eventstream_corrupt", times=1))
    response = client.converse_stream(modelId=CLAUDE, messages=[{"role": "user", "content": [{"text": "x"}]}])
    with pytest.raises(ChecksumMismatch):
        list(response["stream"])
    # The next stream (times=1) decodes cleanly.
    response = client.converse_stream(modelId=CLAUDE, messages=[{"role": "user", "content": [{"text": "x"}]}])
    assert "metadata" in list(response["stream"])[-1]


def test_latency_fault_times_out_the_client(mock: BedrockMock) -> None:
    mock.faults.add(Fault("latency", latency_ms=1500, times=1))
    client = make_client(mock.url, read_timeout=0.3, connect_timeout=2)
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        _invoke(client, TITAN_V2, {"inputText": "x"})


def test_reset_fault_is_a_connection_error(client: Any, mock: BedrockMock) -> None:
    mock.faults.add(Fault("reset", times=1))
    with pytest.raises(
        (botocore.exceptions.ConnectionClosedError, botocore.exceptions.EndpointConnectionError)
    ):
        _invoke(client, TITAN_V2, {"inputText": "x"})
    assert _invoke(client, TITAN_V2, {"inputText": "x"})["embedding"]


def test_fault_targets_one_model_only(client: Any, mock: BedrockMock) -> None:
    mock.faults.add(Fault("http_error", status=429, model=CLAUDE))
    assert _invoke(client, TITAN_V2, {"inputText": "x"})["embedding"]
    with pytest.raises(client.exceptions.ThrottlingException):
        client.converse(modelId=CLAUDE, messages=[{"role": "user", "content": [{"text": "x"}]}])


def test_journal_holds_key_fingerprint_not_secrets(client: Any, mock: BedrockMock) -> None:
    _invoke(client, TITAN_V2, {"inputText": "x"})
    call = mock.journal.last
    assert call.key == fingerprint(ACCESS_KEY)
    assert mock.journal.count(key=fingerprint(ACCESS_KEY)) == 1
    auth = call.header("Authorization")
    assert auth.endswith("Signature=***") and ACCESS_KEY not in auth
