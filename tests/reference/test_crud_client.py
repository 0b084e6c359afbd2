"""CRUD through the official ``elasticsearch`` client, with the provider mocks behind the target."""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import ApiError, Elasticsearch
from reference_helpers import (
    AZURE_KEY,
    OPENAI_KEY,
    assert_no_canary,
    azure_settings,
    bedrock_settings,
    openai_settings,
)

from contract import load_profile


def _raw(resp: Any) -> bytes:
    import orjson

    return orjson.dumps(resp.body)


@pytest.mark.parametrize("version", ["8.18", "9.1", "9.4"])
def test_openai_text_embedding_round_trip(target: Any, mocks: dict[str, Any], version: str) -> None:
    with target(es_version=version) as (_, es):
        es: Elasticsearch
        put = es.inference.put_openai(
            task_type="text_embedding",
            openai_inference_id="emb-1",
            service="openai",
            service_settings=openai_settings(mocks["openai"], "text_embedding"),
        )
        assert put["inference_id"] == "emb-1"
        settings = put["service_settings"]
        assert settings["dimensions"] == 1536 or settings["dimensions"] > 0
        assert settings["similarity"] == "dot_product"
        assert settings["rate_limit"] == {"requests_per_minute": 3000}
        assert "api_key" not in settings
        assert put["chunking_settings"] == dict(load_profile(version).chunking_default)
        # the validation call: "how big" as ES sends it
        validation = mocks["openai"].journal.last
        assert validation.path == "/v1/embeddings"
        assert validation.json["input"] == ["how big"]
        assert validation.header("Authorization").startswith("Bearer fp-")

        got = es.inference.get(inference_id="emb-1")
        assert got["endpoints"] == [put.body]
        result = es.inference.inference(inference_id="emb-1", input=["hello", "world"])
        vectors = result["text_embedding"]
        assert len(vectors) == 2 and len(vectors[0]["embedding"]) == settings["dimensions"]
        assert mocks["openai"].journal.last.json["input"] == ["hello", "world"]
        assert mocks["openai"].journal.last.json["model"] == "text-embedding-3-small"

        deleted = es.inference.delete(inference_id="emb-1")
        assert deleted.body == {"acknowledged": True, "pipelines": [], "indexes": []}
        with pytest.raises(ApiError) as err:
            es.inference.get(inference_id="emb-1")
        assert err.value.meta.status == 404
        for resp in (put, got, result, deleted):
            assert_no_canary(_raw(resp))


def test_openai_completion_and_update(target: Any, mocks: dict[str, Any]) -> None:
    with target() as (_, es):
        es.inference.put(
            task_type="completion",
            inference_id="comp-1",
            inference_config={"service": "openai", "service_settings": openai_settings(mocks["openai"], "completion")},
        )
        assert mocks["openai"].journal.last.json["messages"] == [{"role": "user", "content": "how big"}]
        answer = es.inference.completion(inference_id="comp-1", input="Say hi")
        assert isinstance(answer["completion"][0]["result"], str) and answer["completion"][0]["result"]
        call = mocks["openai"].journal.last
        assert call.path == "/v1/chat/completions"
        assert call.json["messages"] == [{"role": "user", "content": "Say hi"}]

        updated = es.inference.update(inference_id="comp-1", inference_config={"task_settings": {"user": "alice"}})
        assert updated["task_settings"] == {"user": "alice"}
        es.inference.completion(inference_id="comp-1", input="again")
        assert mocks["openai"].journal.last.json["user"] == "alice"
        new_key = "sk-canary-rotated-0000"
        rotated = es.inference.update(
            inference_id="comp-1", inference_config={"service_settings": {"api_key": new_key}}
        )
        assert new_key not in str(rotated.body) and OPENAI_KEY not in str(rotated.body)
        es.inference.completion(inference_id="comp-1", input="with new key")
        from mocks.core.secrets import fingerprint

        assert fingerprint(new_key) in mocks["openai"].journal.last.header("Authorization")


def test_azure_embedding_reaches_the_azure_mock(target: Any, mocks: dict[str, Any]) -> None:
    with target() as (_, es):
        put = es.inference.put_azureopenai(
            task_type="text_embedding",
            azureopenai_inference_id="az-1",
            service="azureopenai",
            service_settings=azure_settings(),
        )
        assert put["service_settings"]["rate_limit"] == {"requests_per_minute": 1440}
        assert AZURE_KEY not in str(put.body)
        es.inference.text_embedding(inference_id="az-1", input="hello")
        call = mocks["azure"].journal.last
        assert call.path == "/openai/deployments/embed/embeddings"
        assert call.query_param("api-version") == "2024-10-21"
        assert call.json["input"] == ["hello"]


def test_bedrock_embedding_and_completion(target: Any, mocks: dict[str, Any]) -> None:
    with target() as (_, es):
        put = es.inference.put_amazonbedrock(
            task_type="text_embedding",
            amazonbedrock_inference_id="br-emb",
            service="amazonbedrock",
            service_settings=bedrock_settings("text_embedding"),
        )
        assert put["service_settings"]["similarity"] == "cosine"
        assert "secret_key" not in put["service_settings"] and "access_key" not in put["service_settings"]
        es.inference.text_embedding(inference_id="br-emb", input="hello")
        assert "/model/" in mocks["bedrock"].journal.last.path
        es.inference.put_amazonbedrock(
            task_type="completion",
            amazonbedrock_inference_id="br-comp",
            service="amazonbedrock",
            service_settings=bedrock_settings("completion"),
        )
        answer = es.inference.completion(inference_id="br-comp", input="Say hi")
        assert answer["completion"][0]["result"]
        assert mocks["bedrock"].journal.last.path.endswith("/converse")
        assert_no_canary(_raw(es.inference.get()))


def test_listing_and_task_type_filters(target: Any, mocks: dict[str, Any]) -> None:
    with target(skip_validation=True) as (_, es):
        for name, task in (("b-comp", "completion"), ("a-emb", "text_embedding")):
            es.inference.put(
                task_type=task,
                inference_id=name,
                inference_config={"service": "openai", "service_settings": openai_settings(mocks["openai"], task)},
            )
        assert mocks["openai"].journal.count() == 0  # skip_validation: no validation call
        assert [e["inference_id"] for e in es.inference.get()["endpoints"]] == ["a-emb", "b-comp"]
        assert [e["inference_id"] for e in es.inference.get(inference_id="_all")["endpoints"]] == ["a-emb", "b-comp"]
        only = es.inference.get(task_type="completion", inference_id="_all")["endpoints"]
        assert [e["inference_id"] for e in only] == ["b-comp"]
        assert es.inference.get(task_type="rerank", inference_id="_all")["endpoints"] == []
