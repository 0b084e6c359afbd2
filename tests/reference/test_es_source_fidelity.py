"""The three disagreements with Elasticsearch's source found by an independent check (issue 9), on every
profile they concern, with the expectation written from the Elasticsearch source (not from the rule table),
then compared with the rule table too. Cheap: the reference in process (werkzeug test client), one
OpenAI mock.

Sources (paths in elastic/elasticsearch):

* ``x-pack/plugin/inference/src/main/java/org/elasticsearch/xpack/inference/action/TransportInferenceActionProxy.java``
  ``sendUnifiedCompletionRequest``: ``if (request.isStreaming() == false) throw new ElasticsearchStatusException(
  "The [chat_completion] task type only supports streaming, please try again with the _stream API", BAD_REQUEST)``
  before the body is parsed, through ``UnifiedChatCompletionException.fromThrowable`` (the unified format).
* ``x-pack/plugin/core/src/main/java/org/elasticsearch/xpack/core/inference/action/InferenceAction.java``
  ``Request#validate``: ``Field [query] cannot be specified for task type [text_embedding]`` (asserted by
  ``InferenceActionRequestTests#testValidation_TextEmbedding_WithQuery``), from 9.2 (changelog #131641).
* ``x-pack/plugin/core/src/main/java/org/elasticsearch/xpack/core/inference/chunking/RecursiveChunkingSettings.java``
  ``fromMap``: "Recursive chunking settings can not have both separators and separator_set" / "... can not
  have an empty list of separators", collected in a ``ValidationException`` (400 ``validation_exception``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from reference_helpers import call, in_process, openai_settings, put_openai

from contract import PROFILES, load_profile, load_rules
from contract.profiles import version_key
from mocks.openai.app import OpenAIMock

ONLY_STREAM = "The [chat_completion] task type only supports streaming, please try again with the _stream API"
QUERY_REJECTED_FROM = "9.2"
RECURSIVE_FROM = "9.1"


@pytest.fixture(scope="module")
def openai() -> Iterator[OpenAIMock]:
    with OpenAIMock(seed=3) as mock:
        yield mock


def _es_error(answer: dict[str, Any]) -> tuple[int, str, str]:
    return answer["status"], answer["error"]["type"], answer["error"]["reason"]


# ----------------------------------------------------------------- 1. chat_completion without _stream
@pytest.mark.parametrize("version", PROFILES)
def test_chat_completion_without_stream_is_refused_before_the_body_is_parsed(openai: OpenAIMock, version: str) -> None:
    assert load_profile(version).chat_completion_non_streaming is False  # no release line answers it yet
    client = in_process(version)
    put_openai(client, openai, "chat_completion", "chat")
    chat_body = {"messages": [{"role": "user", "content": "hi"}]}
    for path in ("/_inference/chat_completion/chat", "/_inference/chat"):
        for body in (chat_body, {"input": "hi"}, {"not": "an inference body"}):
            status, answer = call(client, "POST", path, body)
            assert (status, answer) == (400, {"error": {"code": "bad_request", "message": ONLY_STREAM,
                                                        "type": "status_exception"}}), (path, body)
    # the URL's task type decides before the endpoint is looked up: a missing endpoint gets the same answer
    assert call(client, "POST", "/_inference/chat_completion/missing", chat_body)[0] == 400
    expected = load_rules().expected("streaming.chat_completion.only_stream", load_profile(version))
    assert (expected.status, expected.error_type, expected.reason, expected.format) == (
        400, "status_exception", ONLY_STREAM, "unified")


# ----------------------------------------------------------------- 2. query on text_embedding
@pytest.mark.parametrize("version", PROFILES)
def test_query_on_text_embedding(openai: OpenAIMock, version: str) -> None:
    client = in_process(version)
    put_openai(client, openai, "text_embedding", "emb")
    status, answer = call(client, "POST", "/_inference/text_embedding/emb", {"input": "hi", "query": "q"})
    if load_profile(version).query_forbidden_task_types:
        assert version_key(version) >= version_key(QUERY_REJECTED_FROM)
        message = "Field [query] cannot be specified for task type [text_embedding]"
        assert _es_error(answer) == (400, "action_request_validation_exception", f"Validation Failed: 1: {message};")
        # InferenceAction.Request#validate checks the URL's task type: none in the URL (any) is not refused
        assert call(client, "POST", "/_inference/emb", {"input": "hi", "query": "q"})[0] == 200
    elif "query" not in load_profile(version).inference_body_fields:  # 9.5: PR #150116 took query out (issue 20)
        assert version_key(version) > version_key(QUERY_REJECTED_FROM)
        assert _es_error(answer)[:2] == (400, "x_content_parse_exception")
    else:
        assert version_key(version) < version_key(QUERY_REJECTED_FROM)
        assert status == 200, answer


# ----------------------------------------------------------------- 3. recursive chunking separators
RECURSIVE_CASES = [
    ({"strategy": "recursive", "max_chunk_size": 100, "separators": ["\n"], "separator_group": "plaintext"},
     "Recursive chunking settings can not have both separators and separator_set"),
    ({"strategy": "recursive", "max_chunk_size": 100, "separators": []},
     "Recursive chunking settings can not have an empty list of separators"),
]


@pytest.mark.parametrize("version", [v for v in PROFILES if version_key(v) >= version_key(RECURSIVE_FROM)])
@pytest.mark.parametrize(("chunking", "message"), RECURSIVE_CASES, ids=["both", "empty"])
def test_recursive_separators(openai: OpenAIMock, version: str, chunking: dict[str, Any], message: str) -> None:
    assert "recursive" in load_profile(version).chunking_strategies
    body = {"service": "openai", "service_settings": openai_settings(openai, "text_embedding"),
            "chunking_settings": chunking}
    status, answer = call(in_process(version), "PUT", "/_inference/text_embedding/rec", body)
    assert _es_error(answer) == (400, "validation_exception", f"Validation Failed: 1: {message};")


def test_recursive_errors_are_collected_with_the_other_chunking_errors(openai: OpenAIMock) -> None:
    """fromMap collects every error before it throws: unknown keys first, then the separators."""
    chunking = {"strategy": "recursive", "max_chunk_size": 100, "separators": [], "overlap": 1}
    body = {"service": "openai", "service_settings": openai_settings(openai, "text_embedding"),
            "chunking_settings": chunking}
    _, answer = call(in_process("9.4"), "PUT", "/_inference/text_embedding/rec", body)
    assert answer["error"]["reason"] == (
        "Validation Failed: 1: Recursive chunking settings can not have the following settings: [overlap];"
        "2: Recursive chunking settings can not have an empty list of separators;")


# ----------------------------------------------------------------- which error wins on the unified route
@pytest.mark.parametrize("version", PROFILES)
def test_unified_body_is_parsed_before_the_endpoint_is_looked_up(version: str) -> None:
    """``chat_completion/{id}/_stream``: the proxy parses the body (UnifiedCompletionRequest.PARSER) before
    the transport action looks the endpoint up, so a body without messages is a 400, not a 404."""
    client = in_process(version)
    resp = client.post("/_inference/chat_completion/missing/_stream", data="{}", content_type="application/json")
    assert resp.status_code == 400
    text = resp.get_data(as_text=True)
    assert "x_content_parse_exception" in text and "Required [" in text and "not found" not in text
    resp = client.post("/_inference/chat_completion/missing/_stream", content_type="application/json",
                       data=json.dumps({"messages": [{"role": "user", "content": "hi"}]}))
    assert resp.status_code == 404


@pytest.mark.parametrize("version", PROFILES)
def test_unified_empty_messages_is_the_request_validation_error_in_the_envelope(version: str) -> None:
    """``messages: []`` parses; ``UnifiedCompletionAction.Request#validate`` refuses it in
    ``TransportAction#execute``, before the endpoint lookup and outside the unified-format conversion of
    ``TransportUnifiedCompletionInferenceAction#doExecute``: Elasticsearch's envelope in an SSE error event."""
    client = in_process(version)
    resp = client.post("/_inference/chat_completion/missing/_stream", content_type="application/json",
                       data=json.dumps({"messages": [], "model": "gpt-4o"}))
    assert resp.status_code == 400
    event, data = resp.get_data(as_text=True).lstrip("\ufeff").split("\n")[:2]
    assert event == "event: error"
    reason = "Validation Failed: 1: Field [messages] cannot be an empty array;"
    assert _es_error(json.loads(data.removeprefix("data: "))) == (400, "action_request_validation_exception", reason)


@pytest.mark.parametrize("version", [v for v in PROFILES if version_key(v) >= version_key(RECURSIVE_FROM)])
def test_recursive_group_is_rendered_as_its_separators(openai: OpenAIMock, version: str) -> None:
    """RecursiveChunkingSettings#toXContent writes strategy, max_chunk_size and separators (the group's
    list, SeparatorGroup#getSeparators), never separator_group: the PUT answer and the GET agree."""
    client = in_process(version)
    chunking = {"strategy": "recursive", "max_chunk_size": 100, "separator_group": "markdown"}
    put_openai(client, openai, "text_embedding", "recursive-md", chunking_settings=chunking)
    status, answer = call(client, "GET", "/_inference/recursive-md", None)
    assert status == 200
    rendered = answer["endpoints"][0]["chunking_settings"]
    assert set(rendered) == {"strategy", "max_chunk_size", "separators"}
    assert rendered["separators"][:2] == ["\n# ", "\n## "] and len(rendered["separators"]) == 8
