"""The reference target's Bedrock calls on the Bedrock mock: SigV4 verified server-side, InvokeModel and
Converse bodies, batching (titan 1, cohere 96) and AWS failures as ES's 500 ``exception``."""

from __future__ import annotations

import pytest
from reference_upstream_helpers import AWS_ACCESS_KEY, AWS_SECRET_KEY, endpoint

from contract import RuleViolation
from mocks.bedrock import BedrockMock
from mocks.core.faults import Fault
from mocks.reference.upstream import Upstream

TITAN = "amazon.titan-embed-text-v2:0"
COHERE = "cohere.embed-english-v3"
CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"
SECRETS = {"access_key": AWS_ACCESS_KEY, "secret_key": AWS_SECRET_KEY}


def bedrock_endpoint(
    task_type: str, model: str, provider: str, secrets: dict[str, str] | None = None, **kwargs: object
) -> object:
    settings = {"region": "us-east-1", "model": model, "provider": provider}
    return endpoint("amazonbedrock", task_type, settings, secrets or SECRETS, **kwargs)  # type: ignore[arg-type]


def test_titan_sends_one_text_per_signed_call(upstream: Upstream, bedrock_mock: BedrockMock) -> None:
    ep = bedrock_endpoint("text_embedding", TITAN, "amazontitan")
    vectors = upstream.embed_chunks(ep, ["a", "b", "c"])
    assert len(vectors) == 3 and len({len(v) for v in vectors}) == 1
    calls = bedrock_mock.journal.assert_called(times=3, method="POST", path=f"/model/{TITAN}/invoke")
    assert [c.json for c in calls] == [{"inputText": "a"}, {"inputText": "b"}, {"inputText": "c"}]
    assert all(c.status == 200 for c in calls), "the mock verified every SigV4 signature"
    auth = calls[0].header("Authorization") or ""
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=") and "/us-east-1/bedrock/aws4_request" in auth
    assert calls[0].header("X-Amz-Date")


def test_validate_returns_titan_vector_length(upstream: Upstream, bedrock_mock: BedrockMock) -> None:
    size = upstream.validate(bedrock_endpoint("text_embedding", TITAN, "amazontitan"))
    assert isinstance(size, int) and size > 0
    assert bedrock_mock.journal.last.json == {"inputText": "how big"}


def test_cohere_batches_96_texts_as_search_document(upstream: Upstream, bedrock_mock: BedrockMock) -> None:
    ep = bedrock_endpoint("text_embedding", COHERE, "cohere")
    assert len(upstream.embed_chunks(ep, [f"t{i}" for i in range(100)])) == 100
    calls = bedrock_mock.journal.assert_called(times=2, path=f"/model/{COHERE}/invoke")
    assert [len(c.json["texts"]) for c in calls] == [96, 4]
    assert calls[1].json == {"texts": ["t96", "t97", "t98", "t99"], "input_type": "search_document"}


def test_converse_body_with_inference_config_and_top_k_quirk(
    upstream: Upstream, bedrock_mock: BedrockMock
) -> None:
    task = {"temperature": 0.2, "top_p": 0.9, "top_k": 0.5, "max_new_tokens": 64}
    ep = bedrock_endpoint("completion", CLAUDE, "anthropic", task_settings=task)
    assert upstream.complete(ep, "hello")
    call = bedrock_mock.journal.assert_called(times=1, path=f"/model/{CLAUDE}/converse")[0]
    assert call.json == {
        "messages": [{"role": "user", "content": [{"text": "hello"}]}],
        "inferenceConfig": {"maxTokens": 64, "temperature": 0.2, "topP": 0.9},
        "additionalModelResponseFieldPaths": ['{"top_k":0.500000}'],
    }


def test_converse_without_task_settings_has_no_inference_config(
    upstream: Upstream, bedrock_mock: BedrockMock
) -> None:
    upstream.complete(bedrock_endpoint("completion", "amazon.titan-text-express-v1", "amazontitan"), "hi")
    assert bedrock_mock.journal.last.json == {"messages": [{"role": "user", "content": [{"text": "hi"}]}]}


def test_converse_stream_yields_text_deltas(upstream: Upstream, bedrock_mock: BedrockMock) -> None:
    ep = bedrock_endpoint("completion", CLAUDE, "anthropic")
    deltas = list(upstream.stream_completion(ep, "hello"))
    assert deltas and all(isinstance(d, str) for d in deltas)
    bedrock_mock.journal.assert_called(times=1, path=f"/model/{CLAUDE}/converse-stream")
    assert "".join(deltas) == upstream.complete(ep, "hello")


def test_wrong_secret_is_a_500_exception_with_the_aws_message(
    upstream: Upstream, bedrock_mock: BedrockMock
) -> None:
    ep = bedrock_endpoint(
        "text_embedding",
        TITAN,
        "amazontitan",
        secrets={"access_key": AWS_ACCESS_KEY, "secret_key": "not-the-secret-123"},
    )
    with pytest.raises(RuleViolation) as info:
        upstream.embed(ep, ["x"])
    bedrock_mock.journal.assert_called(times=1, status=403)
    err = info.value
    assert err.rule_id == "upstream.bedrock.invoke_model"
    assert err.params["reason"].startswith(
        "AmazonBedrock invoke model failure: [The request signature we calculated does not match the signature "
        "you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation "
        "for details. (Service: BedrockRuntime, Status Code: 403, Request ID: "
    )
    assert "not-the-secret-123" not in repr(err.params)


def test_unknown_access_key_on_converse(upstream: Upstream, bedrock_mock: BedrockMock) -> None:
    ep = bedrock_endpoint(
        "completion", CLAUDE, "anthropic", secrets={"access_key": "AKIDUNKNOWN", "secret_key": "s"}
    )
    with pytest.raises(RuleViolation) as info:
        upstream.complete(ep, "x")
    assert info.value.rule_id == "upstream.bedrock.converse"
    assert info.value.params["reason"].startswith(
        "AmazonBedrock converse failure: [The security token included in the request is invalid."
    )


def test_throttling_is_not_retried(upstream: Upstream, bedrock_mock: BedrockMock) -> None:
    bedrock_mock.faults.add(Fault(kind="http_error", status=429))
    with pytest.raises(RuleViolation) as info:
        upstream.embed(bedrock_endpoint("text_embedding", TITAN, "amazontitan"), ["x"])
    bedrock_mock.journal.assert_called(times=1)
    assert info.value.params["reason"].startswith("AmazonBedrock invoke model failure: [")
    assert "Status Code: 429" in info.value.params["reason"]


def test_unified_chat_stream_maps_converse_events_to_chunks(
    upstream: Upstream, bedrock_mock: BedrockMock
) -> None:
    ep = bedrock_endpoint("chat_completion", CLAUDE, "anthropic")
    chunks = list(upstream.unified_chat_stream(ep, {"messages": [{"role": "user", "content": "hi"}]}))
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant"}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text
    assert bedrock_mock.journal.last.json == {"messages": [{"role": "user", "content": [{"text": "hi"}]}]}
