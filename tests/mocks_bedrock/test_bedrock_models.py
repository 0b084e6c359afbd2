"""Pure request/response models: bodies in, AWS bodies or AWS errors out."""

from __future__ import annotations

import pytest

from mocks.bedrock import models
from mocks.bedrock.errors import ValidationException
from mocks.core.vectors import embedding_for


def _invoke(model_id: str, body: dict, seed: int = 3) -> dict:
    return models.invoke(model_id, body, seed=seed).body


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        pytest.param("amazon.titan-embed-text-v2:0", "titan-embed-v2", id="titan-v2"),
        pytest.param("amazon.titan-embed-text-v1", "titan-embed-v1", id="titan-v1"),
        pytest.param("cohere.embed-multilingual-v3", "cohere-embed", id="cohere-embed"),
        pytest.param("cohere.command-r-v1:0", "cohere", id="cohere-command"),
        pytest.param("us.anthropic.claude-3-haiku-20240307-v1:0", "anthropic", id="inference-profile"),
        pytest.param(
            "arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.meta.llama3-8b-instruct-v1:0",
            "meta",
            id="arn",
        ),
        pytest.param("mistral.mistral-7b-instruct-v0:2", "mistral", id="mistral"),
        pytest.param("ai21.j2-mid-v1", "ai21labs", id="ai21"),
        pytest.param("amazon.titan-text-express-v1", "amazontitan", id="titan-text"),
    ],
)
def test_family_of(model_id: str, family: str) -> None:
    assert models.family_of(model_id) == family


@pytest.mark.parametrize("model_id", ["not-a-model", "openai.gpt-4", "anthropic.", ""])
def test_unknown_model_is_invalid_identifier(model_id: str) -> None:
    with pytest.raises(ValidationException) as info:
        models.invoke(model_id, {})
    assert info.value.message == "The provided model identifier is invalid."


def test_titan_v2_vector_is_embedding_for() -> None:
    body = _invoke("amazon.titan-embed-text-v2:0", {"inputText": "hello world", "dimensions": 512})
    assert body["embedding"] == embedding_for(
        "hello world", model="amazon.titan-embed-text-v2:0", dimensions=512, seed=3
    )
    assert body["embeddingsByType"]["float"] == body["embedding"]
    assert body["inputTextTokenCount"] == 2


def test_titan_v2_defaults_and_binary() -> None:
    body = _invoke("amazon.titan-embed-text-v2:0", {"inputText": "x", "embeddingTypes": ["binary"]})
    assert len(body["embedding"]) == 1024
    assert set(body["embeddingsByType"]["binary"]) <= {0, 1}


def test_titan_v1_is_1536_and_seeded() -> None:
    a = _invoke("amazon.titan-embed-text-v1", {"inputText": "x"}, seed=1)["embedding"]
    b = _invoke("amazon.titan-embed-text-v1", {"inputText": "x"}, seed=2)["embedding"]
    assert len(a) == 1536 and a != b


@pytest.mark.parametrize(
    ("model_id", "body", "detail"),
    [
        pytest.param(
            "amazon.titan-embed-text-v2:0", {}, "#: required key [inputText] not found", id="missing"
        ),
        pytest.param(
            "amazon.titan-embed-text-v2:0",
            {"inputText": 5},
            "#/inputText: expected type: String, found: Integer",
            id="type",
        ),
        pytest.param(
            "amazon.titan-embed-text-v2:0",
            {"inputText": "x", "dimensions": 300},
            "#/dimensions: 300 is not a valid enum value",
            id="enum",
        ),
        pytest.param(
            "amazon.titan-embed-text-v1",
            {"inputText": "x", "dimensions": 256},
            "#: extraneous key [dimensions] is not permitted",
            id="v1-extraneous",
        ),
        pytest.param(
            "amazon.titan-embed-text-v2:0",
            {"inputText": ""},
            "#/inputText: expected minLength: 1, actual: 0",
            id="empty",
        ),
        pytest.param(
            "cohere.embed-english-v3",
            {"texts": ["a"]},
            "#: required key [input_type] not found",
            id="cohere-input-type",
        ),
        pytest.param(
            "cohere.embed-english-v3",
            {"texts": ["a"] * 97, "input_type": "search_query"},
            "#/texts: expected maximum item count: 96, found: 97",
            id="cohere-97",
        ),
        pytest.param(
            "cohere.embed-english-v3",
            {"texts": ["a"], "input_type": "search_query", "truncate": "MIDDLE"},
            "#/truncate: MIDDLE is not a valid enum value",
            id="cohere-truncate",
        ),
        pytest.param(
            "meta.llama3-8b-instruct-v1:0",
            {"max_gen_len": 5},
            "#: required key [prompt] not found",
            id="meta-prompt",
        ),
    ],
)
def test_schema_violations_use_aws_wording(model_id: str, body: dict, detail: str) -> None:
    with pytest.raises(ValidationException) as info:
        _invoke(model_id, body)
    assert (
        info.value.message == f"Malformed input request: {detail}, please reformat your input and try again."
    )
    assert info.value.code == 400


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b""], ids=["bad-json", "bad-utf8", "empty"])
def test_unparseable_body(raw: bytes) -> None:
    with pytest.raises(ValidationException) as info:
        models.parse_invoke_body(raw)
    assert info.value.message == "Malformed input request, please reformat your input and try again."


def test_cohere_embeddings_in_order_and_by_type() -> None:
    body = _invoke("cohere.embed-english-v3", {"texts": ["first", "second"], "input_type": "search_document"})
    assert body["response_type"] == "embeddings_floats"
    assert body["texts"] == ["first", "second"]
    assert body["embeddings"][1] == embedding_for(
        "second", model="cohere.embed-english-v3", dimensions=1024, seed=3
    )
    typed = _invoke(
        "cohere.embed-english-v3",
        {"texts": ["a"], "input_type": "clustering", "embedding_types": ["int8", "ubinary"]},
    )
    assert typed["response_type"] == "embeddings_by_type"
    assert len(typed["embeddings"]["int8"][0]) == 1024 and len(typed["embeddings"]["ubinary"][0]) == 128


def test_completion_bodies_per_provider() -> None:
    titan = _invoke(
        "amazon.titan-text-express-v1", {"inputText": "Q?", "textGenerationConfig": {"maxTokenCount": 3}}
    )
    assert titan["results"][0]["tokenCount"] == 3 and titan["results"][0]["completionReason"] == "LENGTH"
    claude = _invoke(
        "anthropic.claude-3-haiku-20240307-v1:0",
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 200,
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Q?"}]}],
        },
    )
    assert claude["type"] == "message" and claude["stop_reason"] == "end_turn"
    assert claude["content"][0]["text"] == models.completion_for(
        "Q?", model="anthropic.claude-3-haiku-20240307-v1:0", seed=3
    )
    assert "generation" in _invoke("meta.llama3-8b-instruct-v1:0", {"prompt": "Q?"})
    assert "outputs" in _invoke("mistral.mistral-7b-instruct-v0:2", {"prompt": "Q?"})
    assert "completions" in _invoke("ai21.j2-mid-v1", {"prompt": "Q?"})
    assert "generations" in _invoke("cohere.command-text-v14", {"prompt": "Q?"})
    assert "completion" in _invoke(
        "anthropic.claude-v2", {"prompt": "\n\nHuman: Q?\n\nAssistant:", "max_tokens_to_sample": 10}
    )


def test_converse_shape_and_stream_agree() -> None:
    raw = {
        "messages": [{"role": "user", "content": [{"text": "What is Elasticsearch?"}]}],
        "additionalModelResponseFieldPaths": ['{"top_k":5.000000}'],
    }
    body = models.converse("mistral.mistral-large-2402-v1:0", raw, seed=3).body
    text = body["output"]["message"]["content"][0]["text"]
    assert text == models.completion_for(
        "What is Elasticsearch?", model="mistral.mistral-large-2402-v1:0", seed=3
    )
    assert body["usage"]["totalTokens"] == body["usage"]["inputTokens"] + body["usage"]["outputTokens"]
    events = models.converse_stream_events("mistral.mistral-large-2402-v1:0", raw, seed=3)
    assert "".join(p["delta"]["text"] for kind, p in events if kind == "contentBlockDelta") == text
    assert [k for k, _ in events][-2:] == ["messageStop", "metadata"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            {},
            "1 validation error detected: Value null at 'messages' failed to satisfy constraint: "
            "Member must not be null",
            id="no-messages",
        ),
        pytest.param(
            {"messages": [{"role": "assistant", "content": [{"text": "x"}]}]},
            models.NOT_USER_FIRST,
            id="assistant-first",
        ),
        pytest.param(
            {"messages": [{"role": "user", "content": [{"text": "x"}]}], "inferenceConfig": {"maxTokens": 0}},
            "1 validation error detected: Value '0' at 'inferenceConfig.maxTokens' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1",
            id="max-tokens",
        ),
        pytest.param(
            {
                "messages": [{"role": "user", "content": [{"text": "x"}]}],
                "inferenceConfig": {"temperature": 2},
            },
            "1 validation error detected: Value '2' at 'inferenceConfig.temperature' failed to satisfy "
            "constraint: Member must have value less than or equal to 1",
            id="temperature",
        ),
    ],
)
def test_converse_validation(body: dict, message: str) -> None:
    with pytest.raises(ValidationException) as info:
        models.converse("anthropic.claude-3-haiku-20240307-v1:0", body)
    assert info.value.message == message


def test_converse_refuses_embedding_models() -> None:
    with pytest.raises(ValidationException) as info:
        models.converse("amazon.titan-embed-text-v2:0", {"messages": []})
    assert info.value.message == models.UNSUPPORTED_ACTION
