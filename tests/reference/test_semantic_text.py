"""The semantic_text ingest path: chunks reach the upstream; a used endpoint cannot be deleted."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from elasticsearch import ApiError
from reference_helpers import bedrock_settings, openai_settings

from contract import load_profile, load_rules
from mocks.reference.chunking import chunk

TEXT = " ".join(f"Sentence number {i} has exactly seven words." for i in range(12))
WORD = {"strategy": "word", "max_chunk_size": 10, "overlap": 2}


def test_chunks_reach_the_upstream_and_delete_is_guarded(target: Any, mocks: dict[str, Any]) -> None:
    with target() as (server, es):
        es.inference.put(
            task_type="text_embedding",
            inference_id="emb",
            inference_config={
                "service": "openai",
                "service_settings": openai_settings(mocks["openai"], "text_embedding"),
                "chunking_settings": WORD,
            },
        )
        es.indices.create(index="docs", mappings={"properties": {"content": {"type": "semantic_text", "inference_id": "emb"}}})
        before = mocks["openai"].journal.count()
        created = es.index(index="docs", id="1", document={"content": TEXT})
        assert created["result"] == "created"
        calls = mocks["openai"].journal.calls[before:]
        assert len(calls) == 1  # OpenAI batches up to 2048 chunks per request
        expected = chunk(TEXT, WORD)
        assert calls[0].json["input"] == expected and len(expected) > 1

        got = requests.get(f"{server.url}/docs/_doc/1", params={"_source_exclude_vectors": "false"}).json()
        assert got["_source"]["content"] == TEXT
        stored = got["_source"]["_inference_fields"]["content"]["inference"]["chunks"]["content"]
        assert [TEXT[c["start_offset"] : c["end_offset"]] for c in stored] == expected

        with pytest.raises(ApiError) as err:
            es.inference.delete(inference_id="emb")
        assert err.value.meta.status == 409
        rule = load_rules().get("crud.delete.referenced")
        assert rule.stable_text(load_profile("8.18"), detail="") in str(err.value.body)
        dry = es.inference.delete(inference_id="emb", dry_run=True)
        assert dry["acknowledged"] is False and dry["indexes"] == ["docs"]
        assert es.inference.get(inference_id="emb")["endpoints"]
        assert es.inference.delete(inference_id="emb", force=True)["acknowledged"] is True


def test_bedrock_titan_chunks_one_per_request(target: Any, mocks: dict[str, Any]) -> None:
    with target() as (server, es):
        es.inference.put(
            task_type="text_embedding",
            inference_id="titan",
            inference_config={
                "service": "amazonbedrock",
                "service_settings": bedrock_settings("text_embedding"),
                "chunking_settings": WORD,
            },
        )
        es.indices.create(index="t", mappings={"properties": {"body": {"type": "semantic_text", "inference_id": "titan"}}})
        before = mocks["bedrock"].journal.count()
        es.index(index="t", id="a", document={"body": TEXT})
        assert mocks["bedrock"].journal.count() - before == len(chunk(TEXT, WORD))


def test_index_errors(target: Any) -> None:
    with target(skip_validation=True) as (server, es):
        resp = requests.get(f"{server.url}/nope/_doc/1")
        assert resp.status_code == 404 and resp.json()["error"]["type"] == "index_not_found_exception"
        es.indices.create(index="x", mappings={"properties": {"c": {"type": "semantic_text", "inference_id": "ghost"}}})
        resp = requests.put(f"{server.url}/x/_doc/1", json={"c": "hello"})
        assert resp.status_code == 404 and "ghost" in resp.json()["error"]["reason"]
        assert requests.get(f"{server.url}/x/_doc/2").json() == {"_index": "x", "_id": "2", "found": False}
        assert requests.delete(f"{server.url}/x").json() == {"acknowledged": True}
