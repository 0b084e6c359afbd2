"""The upstream checks (``harness.checks.upstream``) on hand-built journal calls: what Elasticsearch sends each
provider (the path, the key, the model or deployment, ``api-version``, ``OpenAI-Organization``, ``user``,
``dimensions`` only when set, the inputs in order), its one validation call on PUT, and the vectors it returns.
No target, no mock, no network; each failure is compared whole (rule id, title, expected, seen).
``bench/mutation.py`` measures these tests (docs/mutation.md).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract import load_profile, load_rules
from harness.checks import JudgeContext, NotChecked
from harness.checks.upstream import (
    embeddings_match,
    expected_path,
    request_matches,
    texts_sent,
    validation_call,
    word_count,
)
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from mocks.core.journal import Call
from mocks.core.secrets import fingerprint
from mocks.core.vectors import embedding_for

JC = JudgeContext(load_profile("8.18"), load_rules())
OPENAI_KEY = "sk-canary-upstream-0001"
AZURE_KEY = "azcanaryupstream0001"
ACCESS_KEY = "AKIACANARYUPSTREAM01"
TITAN = "amazon.titan-embed-text-v2:0"
ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.titan-embed-text-v2:0"


def _case(
    service: str, task_type: str = "text_embedding", *, task: dict[str, Any] | None = None, **settings: Any
) -> EndpointCase:
    if service == "openai":
        path = "/v1/embeddings" if task_type == "text_embedding" else "/v1/chat/completions"
        model_id = "text-embedding-3-small" if task_type == "text_embedding" else "gpt-4o-mini"
        base = {"api_key": OPENAI_KEY, "model_id": model_id, "url": f"http://127.0.0.1:9{path}"}
    elif service == "azureopenai":
        base = {"api_key": AZURE_KEY, "resource_name": "r-res", "deployment_id": "d-dep", "api_version": "2024-10-21"}
    else:
        model = TITAN if task_type == "text_embedding" else "anthropic.claude-3-haiku-20240307-v1:0"
        base = {
            "access_key": ACCESS_KEY,
            "secret_key": "s",
            "region": "us-east-1",
            "model": model,
            "provider": "amazontitan",
        }
    body: dict[str, Any] = {"service": service, "service_settings": {**base, **settings}}
    if task is not None:
        body["task_settings"] = task
    return EndpointCase(service, task_type, "h-up-1", body, ["a"])


def _call(
    path: str,
    body: Any,
    *,
    key: str = OPENAI_KEY,
    method: str = "POST",
    query: tuple[tuple[str, str], ...] = (),
    headers: tuple[tuple[str, str], ...] = (),
    seq: int = 1,
) -> Call:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Call(seq, "svc", method, path, query, headers, raw, 0.0, 200, True, "e", fingerprint(key))


def _failure(check: Any, *args: Any, **kwargs: Any) -> Failure:
    with pytest.raises(Failure) as info:
        check(JC, "check.upstream_request", *args, **kwargs)
    return info.value


def _whole(failure: Failure) -> tuple[Any, ...]:
    return failure.rule_id, failure.title, failure.expected, failure.seen


# ------------------------------------------------------------------------------------------ words and paths
@pytest.mark.parametrize(("chunk", "words"), [(". W13 w14 w15.", 3), ("", 0), ("don't stop-now 42", 5), ("  ", 0)])
def test_word_count_counts_runs_of_letters_and_digits(chunk: str, words: int) -> None:
    assert word_count(chunk) == words


@pytest.mark.parametrize(
    ("case", "stream", "path"),
    [
        (_case("openai"), False, "/v1/embeddings"),
        (_case("openai", url="https://proxy.example/openai/v1/embeddings?x=1"), False, "/openai/v1/embeddings"),
        (_case("openai", "completion"), True, "/v1/chat/completions"),
        (_case("azureopenai"), False, "/openai/deployments/d-dep/embeddings"),
        (_case("azureopenai", "completion"), False, "/openai/deployments/d-dep/chat/completions"),
        (_case("azureopenai", "chat_completion"), True, "/openai/deployments/d-dep/chat/completions"),
        (_case("amazonbedrock"), False, f"/model/{TITAN}/invoke"),
        (_case("amazonbedrock"), True, f"/model/{TITAN}/invoke"),
        (_case("amazonbedrock", "completion", model="m-1"), False, "/model/m-1/converse"),
        (_case("amazonbedrock", "chat_completion", model="m-1"), True, "/model/m-1/converse-stream"),
    ],
)
def test_expected_path_per_service_and_task(case: EndpointCase, stream: bool, path: str) -> None:
    assert expected_path(case, stream=stream) == path


def test_expected_path_is_not_streamed_unless_asked() -> None:
    assert expected_path(_case("amazonbedrock", "completion", model="m-1")) == "/model/m-1/converse"


# ------------------------------------------------------------------------------------------ texts_sent
@pytest.mark.parametrize(
    ("case", "bodies", "texts"),
    [
        (_case("openai"), [{"input": "a"}, {"input": ["b", "c"]}], ["a", "b", "c"]),
        (_case("openai"), [{"model": "m"}, b"not json", [1]], []),
        (_case("azureopenai"), [{"input": ["a", "b"]}], ["a", "b"]),
        (_case("amazonbedrock"), [{"inputText": "a"}, {"texts": ["b", "c"]}, {"inputText": "d"}], ["a", "b", "c", "d"]),
        (_case("amazonbedrock"), [{"inputText": "a", "texts": ["x"]}, {}], ["a"]),
        (
            _case("amazonbedrock", "completion"),
            [{"messages": [{"role": "user", "content": [{"text": "a"}, "x", {"image": {}}]}, {"content": []}]}],
            ["a", ""],
        ),
        (_case("amazonbedrock", "chat_completion"), [{"messages": [{"role": "user"}]}, {}], []),
        (
            _case("openai", "completion"),
            [{"messages": [{"role": "user", "content": "a"}, "x"]}, {"messages": [{"role": "user"}]}],
            ["a", None],
        ),
        (_case("azureopenai", "chat_completion"), [{"model": "m"}], []),
    ],
)
def test_texts_sent_reads_each_wire_format_in_order(case: EndpointCase, bodies: list[Any], texts: list[Any]) -> None:
    calls = [_call("/p", b, seq=i) for i, b in enumerate(bodies)]
    assert texts_sent(case, calls) == texts


# ------------------------------------------------------------------------------------------ validation_call
def _embed_call(case: EndpointCase, texts: Any, *, path: str | None = None, **kw: Any) -> Call:
    if case.service == "amazonbedrock":
        if case.task_type == "text_embedding":
            body: dict[str, Any] = {"inputText": texts[0]}
        else:
            body = {"messages": [{"role": "user", "content": [{"text": t} for t in texts]}]}
        return _call(
            path or expected_path(case, stream=case.task_type == "chat_completion"), body, key=ACCESS_KEY, **kw
        )
    key = OPENAI_KEY if case.service == "openai" else AZURE_KEY
    if case.task_type == "text_embedding":
        body = {"input": texts}
    else:
        body = {"messages": [{"role": "user", "content": t} for t in texts]}
    if case.service == "openai":
        body["model"] = case.settings["model_id"]
    return _call(path or expected_path(case), body, key=key, **kw)


@pytest.mark.parametrize(
    "case",
    [
        _case("openai"),
        _case("openai", "completion"),
        _case("azureopenai"),
        _case("amazonbedrock"),
        _case("amazonbedrock", "completion", model="m-1"),
        _case("amazonbedrock", "chat_completion", model="m-1"),
    ],
)
def test_validation_call_passes_one_how_big_call(case: EndpointCase) -> None:
    validation_call(JC, "check.validation_call", case, [_embed_call(case, ["how big"])])


def test_validation_call_reads_a_percent_encoded_model() -> None:
    case = _case("amazonbedrock")
    call = _embed_call(case, ["how big"], path="/model/amazon.titan-embed-text-v2%3A0/invoke")
    validation_call(JC, "check.validation_call", case, [call])


@pytest.mark.parametrize("count", [0, 2])
def test_validation_call_wants_exactly_one_call(count: int) -> None:
    case = _case("openai")
    calls = [_embed_call(case, ["how big"], seq=i) for i in range(count)]
    with pytest.raises(Failure) as info:
        validation_call(JC, "check.validation_call", case, calls)
    assert _whole(info.value) == (
        "check.validation_call",
        "PUT must make exactly one validation call",
        1,
        [c.summary() for c in calls],
    )


@pytest.mark.parametrize("texts", [["how small"], ["how big", "how big"], "how small", []])
def test_validation_call_wants_the_input_how_big(texts: Any) -> None:
    case = _case("azureopenai")
    with pytest.raises(Failure) as info:
        validation_call(JC, "check.validation_call", case, [_embed_call(case, texts)])
    seen = [texts] if isinstance(texts, str) else texts
    assert _whole(info.value) == ("check.validation_call", "validation call input", ["how big"], seen)


def test_validation_call_takes_a_bare_string_as_one_input() -> None:
    case = _case("openai")
    validation_call(JC, "check.validation_call", case, [_embed_call(case, "how big")])


def test_validation_call_wants_the_configured_path() -> None:
    case = _case("openai")
    with pytest.raises(Failure) as info:
        validation_call(JC, "check.validation_call", case, [_embed_call(case, ["how big"], path="/v1/embeddings/x")])
    assert _whole(info.value) == ("check.validation_call", "validation call path", "/v1/embeddings", "/v1/embeddings/x")


def test_validation_call_of_a_chat_endpoint_is_streamed() -> None:
    case = _case("amazonbedrock", "chat_completion", model="m-1")
    with pytest.raises(Failure) as info:
        validation_call(JC, "check.validation_call", case, [_embed_call(case, ["how big"], path="/model/m-1/converse")])
    assert (info.value.rule_id, info.value.title, info.value.seen) == (
        "check.validation_call",
        "validation call path",
        "/model/m-1/converse",
    )


# ------------------------------------------------------------------------------------------ request_matches
def _openai_body(case: EndpointCase, texts: list[str], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": case.settings.get("model_id"), "input": texts}
    return {**body, **extra}


def test_request_matches_passes_what_elasticsearch_sends() -> None:
    case = _case("openai", organization_id="org-1", dimensions=8, task={"user": "u-1"})
    calls = [
        _call(
            "/v1/embeddings",
            _openai_body(case, ["a"], user="u-1", dimensions=8),
            headers=(("OpenAI-Organization", "org-1"),),
        ),
        _call(
            "/v1/embeddings",
            _openai_body(case, ["b", "c"], user="u-1", dimensions=8),
            headers=(("openai-organization", "org-1"),),
        ),
    ]
    request_matches(JC, "check.upstream_request", case, calls, ["a", "b", "c"])
    azure = _case("azureopenai")
    call = _call(
        "/openai/deployments/d-dep/embeddings", {"input": ["a"]}, key=AZURE_KEY, query=(("api-version", "2024-10-21"),)
    )
    request_matches(JC, "check.upstream_request", azure, [call], ["a"])
    bedrock = _case("amazonbedrock", "chat_completion", model="m-1")
    call = _embed_call(bedrock, ["a"], path="/model/m-1/converse-stream")
    request_matches(JC, "check.upstream_request", bedrock, [call], ["a"], stream=True)


def test_request_matches_of_a_bedrock_completion_is_not_streamed_unless_asked() -> None:
    case = _case("amazonbedrock", "completion", model="m-1")
    call = _embed_call(case, ["a"], path="/model/m-1/converse")
    request_matches(JC, "check.upstream_request", case, [call], ["a"])
    failure = _failure(request_matches, case, [call], ["a"], stream=True)
    assert failure.title == "upstream request line / auth"
    assert failure.expected["path"] == "/model/m-1/converse-stream"


def test_request_matches_wants_a_call() -> None:
    failure = _failure(request_matches, _case("openai"), [], ["a"])
    assert _whole(failure) == ("check.upstream_request", "no upstream call for an inference", "at least one call", [])


@pytest.mark.parametrize(
    ("method", "path", "key", "stream"),
    [
        ("GET", "/v1/embeddings", OPENAI_KEY, False),
        ("POST", "/v1/embedding", OPENAI_KEY, False),
        ("POST", "/v1/embeddings", "sk-other", False),
        ("POST", "/model/m-1/converse", ACCESS_KEY, True),
    ],
)
def test_request_matches_wants_the_request_line_and_the_key(method: str, path: str, key: str, stream: bool) -> None:
    bedrock = path.startswith("/model/")
    case = _case("amazonbedrock", "chat_completion", model="m-1") if bedrock else _case("openai")
    good = _embed_call(case, ["a"], path=expected_path(case, stream=stream), seq=0)
    body = json.loads(good.body)
    calls = [good, _call(path, body, key=key, method=method)]
    failure = _failure(request_matches, case, calls, ["a", "a"], stream=stream)
    want = {"method": "POST", "path": expected_path(case, stream=stream), "key": fingerprint(case.auth_secret)}
    seen = {"method": method, "path": path, "key": fingerprint(key)}
    assert _whole(failure) == ("check.upstream_request", "upstream request line / auth", want, seen)


def test_request_matches_reads_a_percent_encoded_path() -> None:
    case = _case("amazonbedrock")
    call = _embed_call(case, ["a"], path="/model/amazon.titan-embed-text-v2%3a0/invoke")
    request_matches(JC, "check.upstream_request", case, [call], ["a"])


@pytest.mark.parametrize("body", [{"input": ["a"]}, {"model": "text-embedding-3-large", "input": ["a"]}, b"[]"])
def test_request_matches_wants_the_openai_model(body: Any) -> None:
    case = _case("openai")
    failure = _failure(request_matches, case, [_call("/v1/embeddings", body)], ["a"])
    seen = body.get("model") if isinstance(body, dict) else None
    assert _whole(failure) == ("check.upstream_request", "upstream model", "text-embedding-3-small", seen)


@pytest.mark.parametrize("header", [None, "org-2"])
def test_request_matches_wants_the_openai_organization_when_set(header: str | None) -> None:
    case = _case("openai", organization_id="org-1")
    headers = (("OpenAI-Organization", header),) if header else ()
    call = _call("/v1/embeddings", _openai_body(case, ["a"]), headers=headers)
    failure = _failure(request_matches, case, [call], ["a"])
    assert _whole(failure) == ("check.upstream_request", "OpenAI-Organization header", "org-1", header)


def test_request_matches_does_not_judge_the_organization_header_when_unset() -> None:
    case = _case("openai", organization_id="")
    call = _call("/v1/embeddings", _openai_body(case, ["a"]), headers=(("OpenAI-Organization", "org-x"),))
    request_matches(JC, "check.upstream_request", case, [call], ["a"])


@pytest.mark.parametrize("query", [(), (("api-version", "2024-02-01"),)])
def test_request_matches_wants_the_azure_api_version(query: tuple[tuple[str, str], ...]) -> None:
    case = _case("azureopenai")
    call = _call("/openai/deployments/d-dep/embeddings", {"input": ["a"]}, key=AZURE_KEY, query=query)
    failure = _failure(request_matches, case, [call], ["a"])
    seen = query[0][1] if query else None
    assert _whole(failure) == ("check.upstream_request", "api-version query", "2024-10-21", seen)


@pytest.mark.parametrize(
    ("service", "task", "sent"),
    [
        ("openai", {"user": "u-1"}, {}),
        ("openai", {}, {"user": "u-2"}),
        ("azureopenai", {"user": "u-1"}, {"user": "u-2"}),
        ("azureopenai", None, {"user": "u-2"}),
    ],
)
def test_request_matches_wants_the_user_as_set(service: str, task: dict[str, Any] | None, sent: dict[str, Any]) -> None:
    case = _case(service, "completion", task=task)
    query = (("api-version", "2024-10-21"),) if service == "azureopenai" else ()
    key = OPENAI_KEY if service == "openai" else AZURE_KEY
    body = {"model": case.settings.get("model_id"), "messages": [{"role": "user", "content": "a"}], **sent}
    failure = _failure(request_matches, case, [_call(expected_path(case), body, key=key, query=query)], ["a"])
    assert _whole(failure) == (
        "check.upstream_request",
        "upstream user",
        (task or {}).get("user"),
        sent.get("user"),
    )


@pytest.mark.parametrize(
    ("service", "set_to", "sent"), [("openai", 8, None), ("openai", None, 8), ("azureopenai", 8, 16)]
)
def test_request_matches_wants_dimensions_only_when_set(service: str, set_to: int | None, sent: int | None) -> None:
    case = _case(service) if set_to is None else _case(service, dimensions=set_to)
    query = (("api-version", "2024-10-21"),) if service == "azureopenai" else ()
    key = OPENAI_KEY if service == "openai" else AZURE_KEY
    body: dict[str, Any] = {"model": case.settings.get("model_id"), "input": ["a"]}
    if sent is not None:
        body["dimensions"] = sent
    failure = _failure(request_matches, case, [_call(expected_path(case), body, key=key, query=query)], ["a"])
    assert _whole(failure) == (
        "check.upstream_request",
        "dimensions sent only when set, equal to the setting",
        set_to,
        sent,
    )


def test_request_matches_does_not_judge_dimensions_of_a_completion() -> None:
    case = _case("openai", "completion", dimensions=8)
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "a"}], "dimensions": 4}
    request_matches(JC, "check.upstream_request", case, [_call("/v1/chat/completions", body)], ["a"])


def test_request_matches_does_not_judge_model_or_user_of_bedrock() -> None:
    case = _case("amazonbedrock", task={"user": "u-1"})
    call = _call(f"/model/{TITAN}/invoke", {"inputText": "a", "model": "x", "dimensions": 3}, key=ACCESS_KEY)
    request_matches(JC, "check.upstream_request", case, [call], ["a"])


@pytest.mark.parametrize("texts", [["b", "a"], ["a"], ["a", "b", "c"]])
def test_request_matches_wants_the_inputs_in_order(texts: list[str]) -> None:
    case = _case("openai")
    failure = _failure(request_matches, case, [_call("/v1/embeddings", _openai_body(case, texts))], ["a", "b"])
    assert _whole(failure) == ("check.upstream_request", "inputs sent upstream (in order)", ["a", "b"], texts)


# ------------------------------------------------------------------------------------------ embeddings_match
def _vectors(texts: list[str], model: str, dims: int = 8, seed: int = 3) -> dict[str, Any]:
    return {"text_embedding": [{"embedding": embedding_for(t, model=model, dimensions=dims, seed=seed)} for t in texts]}


def _match(case: EndpointCase, calls: list[Call], inputs: list[str], body: Any, seed: int | None = 3) -> None:
    embeddings_match(JC, "check.embeddings_oracle", case, calls, inputs, body, seed=seed)


OPENAI_CALL = _call("/v1/embeddings", {"input": ["a", "b"]})


@pytest.mark.parametrize(
    ("case", "call", "model"),
    [
        (_case("openai"), OPENAI_CALL, "text-embedding-3-small"),
        (_case("openai", model_id="text-embedding-3-large"), OPENAI_CALL, "text-embedding-3-large"),
        (_case("azureopenai"), OPENAI_CALL, "text-embedding-3-small"),  # an unknown deployment: the default model
        (_case("azureopenai", deployment_id="text-embedding-ada-002"), OPENAI_CALL, "text-embedding-ada-002"),
        (_case("amazonbedrock"), _call("/model/amazon.titan-embed-text-v2%3A0/invoke", {}), TITAN),
        (_case("amazonbedrock", model=ARN), _call(f"/model/{ARN.replace('/', '%2F')}/invoke", {}), ARN),
        # the model id is all between the first /model/ and the operation, whatever it holds
        (_case("amazonbedrock", model="team/model/v1"), _call("/model/team%2Fmodel%2Fv1/invoke", {}), "team/model/v1"),
    ],
)
def test_embeddings_match_wants_the_upstreams_vectors_in_order(case: EndpointCase, call: Call, model: str) -> None:
    _match(case, [call], ["a", "b"], _vectors(["a", "b"], model))
    with pytest.raises(Failure) as info:
        _match(case, [call], ["a", "b"], _vectors(["b", "a"], model))
    want = embedding_for("a", model=model, dimensions=8, seed=3)
    assert _whole(info.value) == (
        "check.embeddings_oracle",
        "embedding 0 is not the upstream vector for input 0",
        f"embedding_for('a')[0] = {want[0]}",
        embedding_for("b", model=model, dimensions=8, seed=3)[0],
    )


def test_embeddings_match_reads_the_model_of_the_last_call() -> None:
    case = _case("amazonbedrock")
    calls = [_call("/model/other-model/invoke", {}, seq=1), _call(f"/model/{TITAN}/invoke", {}, seq=2)]
    _match(case, calls, ["a"], _vectors(["a"], TITAN))


def test_embeddings_match_names_the_first_wrong_vector_and_dimension() -> None:
    body = _vectors(["a", "b"], "text-embedding-3-small", seed=5)
    good = body["text_embedding"][1]["embedding"][3]
    body["text_embedding"][1]["embedding"][3] = good * 1.001
    with pytest.raises(Failure) as info:
        _match(_case("openai"), [OPENAI_CALL], ["a", "b"], body, seed=5)
    assert _whole(info.value) == (
        "check.embeddings_oracle",
        "embedding 1 is not the upstream vector for input 1",
        f"embedding_for('b')[3] = {good}",
        good * 1.001,
    )


def test_embeddings_match_tolerates_float32_rounding_only() -> None:
    body = _vectors(["a"], "text-embedding-3-small")
    vec = body["text_embedding"][0]["embedding"]
    vec[:] = [v * (1 + 2e-6) for v in vec]  # float32 keeps about 7 digits
    _match(_case("openai"), [OPENAI_CALL], ["a"], body)
    vec[0] = vec[0] + 2e-5
    with pytest.raises(Failure):
        _match(_case("openai"), [OPENAI_CALL], ["a"], body)


def test_embeddings_match_tolerates_a_tiny_absolute_difference_near_zero() -> None:
    body = _vectors(["a"], "text-embedding-3-small")
    vec = body["text_embedding"][0]["embedding"]
    want = list(vec)
    vec[:] = [v + 5e-7 for v in vec]
    _match(_case("openai"), [OPENAI_CALL], ["a"], body)
    vec[:] = [v + 3e-6 for v in want]
    with pytest.raises(Failure):
        _match(_case("openai"), [OPENAI_CALL], ["a"], body)


@pytest.mark.parametrize(
    ("body", "seen"),
    [
        ({"text_embedding": [{"embedding": [0.1]}]}, 1),
        ({"text_embedding": []}, 0),
        ({"text_embedding": {"embedding": [0.1]}}, None),
        ({"sparse_embedding": [{}, {}]}, None),
        ([{"embedding": [0.1]}, {"embedding": [0.2]}], None),
    ],
)
def test_embeddings_match_wants_one_embedding_per_input(body: Any, seen: Any) -> None:
    with pytest.raises(Failure) as info:
        _match(_case("openai"), [OPENAI_CALL], ["a", "b"], body)
    assert _whole(info.value) == ("check.embeddings_oracle", "one embedding per input", 2, seen)


@pytest.mark.parametrize(("seed", "calls"), [(None, [OPENAI_CALL]), (3, [])])
def test_embeddings_match_is_not_checked_without_a_readable_mock(seed: int | None, calls: list[Call]) -> None:
    for service in ("openai", "amazonbedrock"):
        with pytest.raises(NotChecked, match=f"^no readable {service} mock$"):
            _match(_case(service), calls, ["a"], _vectors(["a"], TITAN), seed=seed)


@pytest.mark.parametrize(
    "item", [{"embedding": []}, {"embedding": None}, {"values": [0.1]}, [0.1, 0.2], {"embedding": "0.1"}]
)
def test_embeddings_match_wants_a_vector_per_item(item: Any) -> None:
    body = _vectors(["a", "b"], "text-embedding-3-small")
    body["text_embedding"][1] = item
    with pytest.raises(Failure) as info:
        _match(_case("openai"), [OPENAI_CALL], ["a", "b"], body)
    assert _whole(info.value) == ("check.embeddings_oracle", "embedding 1 missing", "list of floats", item)
