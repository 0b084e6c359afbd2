"""The OpenAI and Azure mocks judged by the providers' own specifications (see ``contract_facts.py``).

Every kind of answer (success, each stream event, every error) is validated against the schema the
provider publishes; known disagreements between a spec and the real service are named exceptions with
evidence, and each exception is shown to be still needed.
"""

from __future__ import annotations

import mock_answers as a
import pytest
from contract_facts import EXCEPTIONS, assert_conforms, errors, load
from mock_answers import Case, call

OPENAI_SCHEMA = {"/v1/embeddings": "CreateEmbeddingResponse", "/v1/chat/completions": "CreateChatCompletionResponse"}


def _openai_schema(case: Case) -> str:
    if case.path == "/v1/models":
        return "ListModelsResponse"
    if case.path.startswith("/v1/models/"):
        return "Model"
    return OPENAI_SCHEMA[case.path]


@pytest.fixture(scope="module")
def openai_app():  # type: ignore[no-untyped-def]
    return a.openai_app()


@pytest.fixture(scope="module")
def azure_app():  # type: ignore[no-untyped-def]
    return a.azure_app()


@pytest.mark.parametrize("case", a.OPENAI_SUCCESS, ids=lambda c: c.id)
def test_openai_success_bodies(openai_app, case: Case) -> None:  # type: ignore[no-untyped-def]
    answer = call(openai_app, case)
    assert answer.status == 200, answer.body
    assert_conforms("openai", _openai_schema(case), answer.body)


def test_openai_base64_embeddings_are_the_named_exception(openai_app) -> None:  # type: ignore[no-untyped-def]
    answer = call(openai_app, a.OPENAI_BASE64)
    assert answer.status == 200
    assert errors("openai", "CreateEmbeddingResponse", answer.body), "exception no longer needed"
    assert_conforms("openai", "CreateEmbeddingResponse", answer.body, "openai-base64-embeddings")


@pytest.mark.parametrize("case", a.OPENAI_STREAMS, ids=lambda c: c.id)
def test_openai_stream_events(openai_app, case: Case) -> None:  # type: ignore[no-untyped-def]
    answer = call(openai_app, case)
    assert answer.status == 200 and answer.events
    for name, data in answer.events:
        if name == "error":
            assert_conforms("openai", "ErrorResponse", data)
        else:
            assert name is None
            assert_conforms("openai", "CreateChatCompletionStreamResponse", data, "openai-nullable-in-3.1")
    if case.fault:
        assert answer.events[-1][0] == "error"


def test_openai_nullable_exception_still_needed(openai_app) -> None:  # type: ignore[no-untyped-def]
    first = call(openai_app, a.OPENAI_STREAMS[0]).events[0][1]
    assert first["choices"][0]["finish_reason"] is None
    assert errors("openai", "CreateChatCompletionStreamResponse", first), "exception no longer needed"


@pytest.mark.parametrize("case", a.OPENAI_ERRORS, ids=lambda c: c.id)
def test_openai_error_bodies(openai_app, case: Case) -> None:  # type: ignore[no-untyped-def]
    answer = call(openai_app, case)
    assert answer.status == case.status, answer.body
    assert_conforms("openai", "ErrorResponse", answer.body)


@pytest.mark.parametrize("case", a.OPENAI_SUCCESS + a.OPENAI_STREAMS + a.OPENAI_ERRORS, ids=lambda c: c.id)
def test_openai_headers_on_every_answer(openai_app, case: Case) -> None:  # type: ignore[no-untyped-def]
    facts = load("headers")["openai"]
    answer = call(openai_app, case)
    missing = [h for h in facts["every_response"] + facts["rate_limit"] if h not in answer.headers]
    assert not missing, f"{case.id} ({answer.status}) lacks {missing}"
    assert answer.headers["openai-version"] == facts["openai_version"]
    assert answer.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize("case", a.AZURE_SUCCESS, ids=lambda c: c.id)
def test_azure_success_bodies(azure_app, case: Case) -> None:  # type: ignore[no-untyped-def]
    answer = call(azure_app, case)
    assert answer.status == 200, answer.body
    schema = "embeddingsResponse" if "/embeddings" in case.path else "createChatCompletionResponse"
    assert_conforms("azure", schema, answer.body)


@pytest.mark.parametrize("case", a.AZURE_STREAMS, ids=lambda c: c.id)
def test_azure_stream_events(azure_app, case: Case) -> None:  # type: ignore[no-untyped-def]
    events = call(azure_app, case).events
    (_, first), *rest = events
    assert first["choices"] == [] and "prompt_filter_results" in first
    assert_conforms("azure", "createChatCompletionStreamResponse", first, "azure-prompt-filter-chunk")
    for name, data in rest:
        if name == "error":
            assert_conforms("azure", "errorResponse", data, "azure-null-error-members")
        else:
            assert_conforms("azure", "createChatCompletionStreamResponse", data)


def test_azure_prompt_filter_chunk_exception_still_needed(azure_app) -> None:  # type: ignore[no-untyped-def]
    first = call(azure_app, a.AZURE_STREAMS[0]).events[0][1]
    assert first["object"] == ""
    assert errors("azure", "createChatCompletionStreamResponse", first), "exception no longer needed"


@pytest.mark.parametrize("case", a.AZURE_ERRORS, ids=lambda c: c.id)
def test_azure_error_bodies(azure_app, case: Case) -> None:  # type: ignore[no-untyped-def]
    answer = call(azure_app, case)
    assert answer.status == case.status, answer.body
    assert_conforms("azure", "errorResponse", answer.body)


@pytest.mark.parametrize("case", a.AZURE_BODY_ERRORS, ids=lambda c: c.id)
def test_azure_body_errors_are_the_named_exception(azure_app, case: Case) -> None:  # type: ignore[no-untyped-def]
    answer = call(azure_app, case)
    assert answer.status == case.status, answer.body
    assert errors("azure", "errorResponse", answer.body), "exception no longer needed"
    assert_conforms("azure", "errorResponse", answer.body, "azure-null-error-members")


@pytest.mark.parametrize(
    "case", a.AZURE_SUCCESS + a.AZURE_STREAMS + a.AZURE_ERRORS + a.AZURE_BODY_ERRORS, ids=lambda c: c.id
)
def test_azure_headers_on_every_answer(azure_app, case: Case) -> None:  # type: ignore[no-untyped-def]
    facts = load("headers")["azure"]
    answer = call(azure_app, case)
    missing = [h for h in facts["every_response"] + facts["rate_limit"] if h not in answer.headers]
    assert not missing, f"{case.id} ({answer.status}) lacks {missing}"
    declared = load("azure")["response_headers"]["POST /deployments/{deployment-id}/chat/completions"]
    assert set(declared) <= set(answer.headers)
    assert answer.headers["x-ms-client-request-id"] == answer.headers["apim-request-id"]


def test_every_exception_has_evidence() -> None:
    for exc in EXCEPTIONS.values():
        assert exc.evidence and exc.what and exc.provider in ("openai", "azure", "bedrock"), exc


def test_contract_files_name_their_origin() -> None:
    for provider in ("openai", "azure"):
        origin = load(provider)["origin"]
        assert len(origin["commit"]) == 40 and origin["repo"] and origin["path"], origin


@pytest.mark.parametrize(
    ("provider", "schema", "case", "mutate"),
    [
        ("openai", "CreateEmbeddingResponse", a.OPENAI_SUCCESS[0], lambda b: b["data"][0].update(object="vector")),
        ("openai", "CreateChatCompletionResponse", a.OPENAI_SUCCESS[2], lambda b: b.pop("created")),
        ("openai", "ErrorResponse", a.OPENAI_ERRORS[2], lambda b: b["error"].pop("param")),
        ("azure", "errorResponse", a.AZURE_ERRORS[0], lambda b: b["error"].update(code=401)),
        ("azure", "createChatCompletionResponse", a.AZURE_SUCCESS[1], lambda b: b["choices"][0].update(finish_reason="done")),
    ],
    ids=["embedding-object", "chat-created", "error-param", "azure-code-int", "azure-finish-reason"],
)
def test_a_drifted_answer_is_rejected(openai_app, azure_app, provider, schema, case, mutate) -> None:  # type: ignore[no-untyped-def]
    body = call(openai_app if provider == "openai" else azure_app, case).body
    assert not errors(provider, schema, body)
    mutate(body)
    assert errors(provider, schema, body)
