"""Behaviours found wrong by the systematic reading of issue 20, on every profile they concern, with the
expectation written from Elasticsearch's source (quoted below, paths in elastic/elasticsearch), not from the
rule table. Cheap: the reference in process (werkzeug test client), one OpenAI mock.

* ``x-pack/plugin/inference/.../services/openai/action/OpenAiActionCreator.java``: ``COMPLETION_ERROR_PREFIX =
  "OpenAI chat completions"`` with ``SingleInputSenderExecutableAction``'s ``"%s only accepts 1 input"``.
* ``x-pack/plugin/core/.../inference/chunking/ChunkingSettingsBuilder.java``: ``case NONE ->
  NoneChunkingSettings.INSTANCE;`` (the other keys of a ``none`` strategy are never read).
* ``x-pack/plugin/core/.../inference/action/UpdateInferenceModelAction.java`` ``Request#getContentAsSettings``:
  ``"Request contained fields which cannot be updated, remove these fields and try again [{}]"`` with the
  left-over map, before ``ServiceUtils#resolveTaskType`` and the endpoint lookup.
* ``x-pack/plugin/core/.../inference/action/InferenceAction.java``: ``NAME = "cluster:internal/xpack/inference"``
  names the body's ``ObjectParser``; ``SuggestingErrorOnUnknown`` adds `` did you mean [x]?``; ``input_type`` is a
  body field on 8.19 and 9.1+ only (PR #122638, backport #125049); ``query`` leaves it in 9.5 (PR #150116).
* ``x-pack/plugin/inference/.../action/TransportDeleteInferenceEndpointAction.java``: a dry run answers
  ``error_message`` always (``""`` when nothing refers to the endpoint).
* ``x-pack/plugin/inference/.../services/ServiceUtils.java``: ``(Map<String, Object>) sourceMap.remove(fieldName)``
  unchecked: a string ``task_settings`` is the JVM's ``ClassCastException``, a 500.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from reference_helpers import call, in_process, openai_settings, put_openai

from contract import PROFILES, java_str, load_profile
from mocks.openai.app import OpenAIMock

NONE_FROM = ("8.19", "9.1", "9.2", "9.3", "9.4", "9.5")  # PR #129150 (9.1.0.yml) and its 8.19 backport #129324
INPUT_TYPE_FIELD = ("8.19", "9.1", "9.2", "9.3", "9.4", "9.5")
QUERY_FIELD = ("8.18", "8.19", "9.0", "9.1", "9.2", "9.3", "9.4")


@pytest.fixture(scope="module")
def openai() -> Iterator[OpenAIMock]:
    with OpenAIMock(seed=5) as mock:
        yield mock


@pytest.mark.parametrize("version", PROFILES)
def test_two_inputs_to_an_openai_completion(openai: OpenAIMock, version: str) -> None:
    client = in_process(version)
    put_openai(client, openai, "completion", "c1")
    status, answer = call(client, "POST", "/_inference/completion/c1", {"input": ["a", "b"]})
    assert (status, answer["error"]["type"]) == (400, "status_exception")
    assert answer["error"]["reason"] == "OpenAI chat completions only accepts 1 input"


@pytest.mark.parametrize("version", NONE_FROM)
def test_strategy_none_with_other_keys_is_accepted(openai: OpenAIMock, version: str) -> None:
    client = in_process(version)
    answer = put_openai(client, openai, "text_embedding", "n1",
                  chunking_settings={"strategy": "none", "max_chunk_size": 100, "overlap": 5})
    assert answer["chunking_settings"] == {"strategy": "none"}
    _, got = call(client, "GET", "/_inference/n1")
    assert got["endpoints"][0]["chunking_settings"] == {"strategy": "none"}


@pytest.mark.parametrize("version", PROFILES)
@pytest.mark.parametrize("extra", [{"service": "openai"}, {"chunking_settings": {"strategy": "word"}},
                                   {"service": "openai", "inference_id": "x"}])
def test_update_with_a_key_it_cannot_update(openai: OpenAIMock, version: str, extra: dict[str, Any]) -> None:
    client = in_process(version)
    put_openai(client, openai, "text_embedding", "u1")
    for ident in ("u1", "missing"):  # before the endpoint lookup: no 404 for a missing one
        status, answer = call(client, "PUT", f"/_inference/text_embedding/{ident}/_update",
                               {**extra, "task_settings": {}})
        left = java_str(extra)[1:-1]  # Map#toString of a HashMap: its order, nested maps as {k=v}
        assert (status, answer["error"]["type"]) == (400, "status_exception")
        assert answer["error"]["reason"] == (
            f"Request contained fields which cannot be updated, remove these fields and try again [{{{left}}}]")


@pytest.mark.parametrize("version", ["8.18", "9.5"])
def test_update_task_type_is_resolved_before_the_lookup(openai: OpenAIMock, version: str) -> None:
    client = in_process(version)
    put_openai(client, openai, "text_embedding", "u2")
    cases = [
        ("/_inference/text_embedding/u2/_update", {"task_type": "any"}, "task_type [any] is not valid type for inference"),
        ("/_inference/text_embedding/nope/_update", {"task_type": "completion"},
         "Cannot resolve conflicting task_type parameter in the request URL [text_embedding] and the request body "
         "[completion]"),
    ]
    for path, body, reason in cases:
        status, answer = call(client, "PUT", path, body)
        assert (status, answer["error"]["reason"]) == (400, reason), path


@pytest.mark.parametrize("version", ["8.18", "9.4"])
def test_update_ignores_unknown_task_settings_and_needs_the_secrets(openai: OpenAIMock, version: str) -> None:
    """TransportUpdateInferenceModelAction: ``updatedTaskSettings`` keeps what it knows; a ``service_settings`` map
    goes to ``newSecretSettings``, which requires the api_key (issue #139651 in elastic/elasticsearch)."""
    client = in_process(version)
    put_openai(client, openai, "text_embedding", "u3", task_settings={"user": "a"})
    status, answer = call(client, "PUT", "/_inference/text_embedding/u3/_update",
                           {"task_settings": {"user": "b", "not_a_setting": 1}})
    assert status == 200 and answer["task_settings"] == {"user": "b"}, answer
    status, answer = call(client, "PUT", "/_inference/text_embedding/u3/_update",
                           {"service_settings": {"rate_limit": {"requests_per_minute": 5}}})
    assert (status, answer["error"]["reason"]) == (
        400, "Validation Failed: 1: [secret_settings] does not contain the required setting [api_key];")


@pytest.mark.parametrize("version", PROFILES)
def test_unknown_body_field_names_the_parser_its_location_and_a_suggestion(openai: OpenAIMock, version: str) -> None:
    client = in_process(version)
    put_openai(client, openai, "text_embedding", "p1")
    status, answer = call(client, "POST", "/_inference/text_embedding/p1", raw='{"inputs": "hello"}')
    assert (status, answer["error"]["type"]) == (400, "x_content_parse_exception")
    assert answer["error"]["reason"] == (
        "[1:2] [cluster:internal/xpack/inference] unknown field [inputs] did you mean [input]?")
    status, answer = call(client, "POST", "/_inference/text_embedding/p1", raw='{"input": "a",\n "input_type": "search"}')
    if version in INPUT_TYPE_FIELD:
        assert answer["error"]["reason"] == (
            "Validation Failed: 1: Invalid input_type [search]. The input_type option is not supported by this service;")
    else:
        assert answer["error"]["reason"] == "[2:2] [cluster:internal/xpack/inference] unknown field [input_type]"
    status, answer = call(client, "POST", "/_inference/text_embedding/p1", {"input": "a", "query": "q"})
    if version in QUERY_FIELD:
        assert status in (200, 400) and "unknown field" not in json.dumps(answer)
    else:
        assert answer["error"]["reason"].endswith("unknown field [query]")


@pytest.mark.parametrize("version", ["8.18", "9.5"])
def test_dry_run_delete_always_has_an_error_message(openai: OpenAIMock, version: str) -> None:
    client = in_process(version)
    put_openai(client, openai, "text_embedding", "d1")
    status, answer = call(client, "DELETE", "/_inference/d1?dry_run=true")
    assert status == 200 and answer == {"acknowledged": False, "pipelines": [], "indexes": [], "error_message": ""}


@pytest.mark.parametrize("version", ["8.18", "9.5"])
@pytest.mark.parametrize(("value", "cls"), [("x", "java.lang.String"), (3, "java.lang.Integer"),
                                            (["a"], "java.util.ArrayList"), (True, "java.lang.Boolean")])
def test_settings_that_are_not_objects_are_a_class_cast(openai: OpenAIMock, version: str, value: Any, cls: str) -> None:
    client = in_process(version)
    body = {"service": "openai", "service_settings": openai_settings(openai, "text_embedding"), "task_settings": value}
    status, answer = call(client, "PUT", "/_inference/text_embedding/cc", body)
    assert (status, answer["error"]["type"], answer["status"]) == (500, "class_cast_exception", 500)
    assert answer["error"]["reason"] == (
        f"class {cls} cannot be cast to class java.util.Map ({cls} and java.util.Map are in module java.base of "
        "loader 'bootstrap')")


def test_unknown_settings_wording_follows_the_line() -> None:
    """ServiceUtils#unknownSettingsError: "Model configuration contains settings" until the custom service of
    PR #127939 (8.19 by its backport, 9.1); "Configuration contains settings" after."""
    old = {v for v in PROFILES if load_profile(v).wording["unknown_settings_prefix"] == "Model configuration"}
    assert old == {"8.18", "9.0"}


@pytest.mark.parametrize("version", PROFILES)
def test_stream_without_a_task_type_in_the_url(openai: OpenAIMock, version: str) -> None:
    """BaseTransportInferenceAction asked ``canStream(request.getTaskType())`` (``any`` without one in the URL)
    until PR #121460 (8.19 by backport #123927, 9.1); the endpoint's task type after."""
    client = in_process(version)
    put_openai(client, openai, "completion", "s1")
    resp = client.open("/_inference/s1/_stream", method="POST", data=json.dumps({"input": "hi"}),
                       content_type="application/json")
    if version in ("8.18", "9.0"):  # the error as _stream sends one: an SSE error event, with the status
        data = next(line for line in resp.get_data(as_text=True).splitlines() if line.startswith("data:"))
        answer = json.loads(data[5:])
        assert (resp.status_code, answer["error"]["reason"]) == (
            405, "Streaming is not allowed for service [openai] and task [any]. Supported tasks: "
                 "[completion,chat_completion]")
    else:
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/event-stream")


@pytest.mark.parametrize("version", PROFILES)
def test_embedding_is_an_unknown_task_type_before_9_3(version: str) -> None:
    """TaskType gained EMBEDDING with PR #138198 (9.3 development): before, the name is unknown."""
    client = in_process(version)
    body = {"service": "openai", "service_settings": {"model_id": "m", "api_key": "sk-x"}}
    status, answer = call(client, "PUT", "/_inference/embedding/e1", body)
    assert status == 400
    if version in ("8.18", "8.19", "9.0", "9.1", "9.2"):
        assert answer["error"]["reason"] == "Unknown task_type [embedding]"
    else:  # a known name from 9.3 (OpenAI serving it from 9.5, PR #145833, is not modelled: a known limit)
        assert "Unknown task_type" not in answer["error"]["reason"]
