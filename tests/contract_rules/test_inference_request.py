"""parse_inference_request / parse_unified_chat / parse_update (POST and _update bodies)."""

from __future__ import annotations

from typing import Any

import pytest

from contract import PROFILES, EndpointConfig, RuleViolation, load_profile, load_rules
from contract.validate import parse_inference_request, parse_put, parse_unified_chat, parse_update

OPENAI = {"api_key": "sk-secret-openai", "model_id": "gpt-4o"}
AZURE = {"api_key": "azure-secret", "resource_name": "res", "deployment_id": "dep", "api_version": "2024-02-01"}


def endpoint(version: str, service: str, task_type: str, settings: dict[str, Any]) -> EndpointConfig:
    return parse_put(load_profile(version), url_task_type=task_type, inference_id="ep",
                     body={"service": service, "service_settings": settings})


def broken(version: str, ep: EndpointConfig, url_task_type: str | None, body: Any, streaming: bool = False):
    profile = load_profile(version)
    with pytest.raises(RuleViolation) as info:
        parse_inference_request(profile, ep, url_task_type, body, streaming)
    status, envelope = info.value.render(profile, load_rules())
    return info.value.rule_id, status, envelope


@pytest.mark.parametrize("version", PROFILES)
@pytest.mark.parametrize(("body", "rule", "reason"), [
    pytest.param({}, "input.null", "Validation Failed: 1: Field [input] cannot be null;", id="InferenceActionRequestTests-null"),
    pytest.param({"input": []}, "input.empty", "Validation Failed: 1: Field [input] cannot be an empty array;",
                 id="InferenceActionRequestTests-empty"),
])
def test_input_validation(version: str, body: dict, rule: str, reason: str) -> None:
    ep = endpoint(version, "openai", "text_embedding", OPENAI)
    got, status, envelope = broken(version, ep, None, body)
    assert (got, status, envelope["error"]["type"], envelope["error"]["reason"]) == (
        rule, 400, "action_request_validation_exception", reason)


@pytest.mark.parametrize("version", PROFILES)
def test_task_type_mismatch(version: str) -> None:
    ep = endpoint(version, "openai", "completion", OPENAI)
    _, status, envelope = broken(version, ep, "text_embedding", {"input": "hi"})
    assert status == 400
    assert envelope["error"]["reason"] == (
        "Incompatible task_type, the requested type [text_embedding] does not match the model type [completion]")


@pytest.mark.parametrize("version", PROFILES)
def test_input_type_rejected_per_version(version: str) -> None:
    """OpenAiServiceTests (8.19, 9.1+): Invalid input_type [ingest]; 8.18 and 9.0 have no input_type field
    (the InferenceAction parser refuses it as an unknown field)."""
    profile = load_profile(version)
    ep = endpoint(version, "openai", "text_embedding", OPENAI)
    if "input_type" not in profile.inference_body_fields:
        rule, status, envelope = broken(version, ep, None, {"input": ["a"], "input_type": "ingest"})
        assert (rule, status, envelope["error"]["type"]) == ("input.unknown_field", 400, "x_content_parse_exception")
        assert version in ("8.18", "9.0")
    elif "openai" in profile.input_type_rejected_services:
        rule, status, envelope = broken(version, ep, None, {"input": ["a"], "input_type": "ingest"})
        assert (rule, status, envelope["error"]["type"]) == ("input.input_type.rejected", 400, "validation_exception")
        assert envelope["error"]["reason"] == (
            "Validation Failed: 1: Invalid input_type [ingest]. The input_type option is not supported by this service;")
    else:
        req = parse_inference_request(profile, ep, None, {"input": ["a"], "input_type": "INGEST"}, False)
        assert req.input_type == "ingest"


@pytest.mark.parametrize(("service", "settings", "reason"), [
    pytest.param("openai", OPENAI, "OpenAI chat completions only accepts 1 input", id="OpenAiActionCreator"),
    pytest.param("azureopenai", AZURE, "Azure OpenAI completion only accepts 1 input", id="AzureOpenAiCompletionAction"),
])
def test_completion_accepts_one_input(service: str, settings: dict, reason: str) -> None:
    ep = endpoint("8.18", service, "completion", settings)
    rule, status, envelope = broken("8.18", ep, None, {"input": ["a", "b"]})
    assert (rule, status, envelope["error"]["reason"]) == ("input.completion.single", 400, reason)


@pytest.mark.parametrize("version", PROFILES)
def test_streaming_not_allowed_for_text_embedding(version: str) -> None:
    """InferenceCrudIT-testUnsupportedStream: 405."""
    ep = endpoint(version, "openai", "text_embedding", OPENAI)
    rule, status, envelope = broken(version, ep, "text_embedding", {"input": ["a"]}, streaming=True)
    assert (rule, status) == ("streaming.not_allowed", 405)
    assert envelope["error"]["reason"] == (
        "Streaming is not allowed for service [openai] and task [text_embedding]. Supported tasks: [completion,chat_completion]")


def test_chat_completion_without_stream_is_a_unified_error() -> None:
    ep = endpoint("8.18", "openai", "chat_completion", OPENAI)
    rule, status, envelope = broken("8.18", ep, None, {"input": ["a"]})
    assert (rule, status) == ("streaming.chat_completion.only_stream", 400)
    assert envelope["error"]["message"].startswith("The [chat_completion] task type only supports streaming")


def test_request_task_settings_override_stored_ones() -> None:
    profile = load_profile("8.18")
    ep = parse_put(profile, url_task_type="completion", inference_id="ep",
                   body={"service": "openai", "service_settings": OPENAI, "task_settings": {"user": "stored"}})
    req = parse_inference_request(profile, ep, "completion", {"input": "hi", "task_settings": {"user": "overridden_user"}}, True)
    assert req.input == ("hi",)
    assert req.merged_task_settings == {"user": "overridden_user"}


def test_unified_chat_requires_messages() -> None:
    with pytest.raises(RuleViolation) as info:
        parse_unified_chat({"model": "gpt-4o"})
    assert info.value.rule_id == "streaming.unified.invalid"
    with pytest.raises(RuleViolation) as info:  # parses, then UnifiedCompletionAction.Request#validate refuses it
        parse_unified_chat({"messages": [], "model": "gpt-4o"})
    assert info.value.rule_id == "streaming.unified.empty_messages"
    req = parse_unified_chat({"messages": [{"role": "user", "content": "hi"}], "stop": "x"})
    assert req.messages[0]["role"] == "user" and req.stop == ("x",)


def test_update_replaces_secrets_merges_task_settings_and_keeps_task_type() -> None:
    profile = load_profile("8.18")
    ep = endpoint("8.18", "azureopenai", "completion", AZURE)
    updated = parse_update(profile, ep, None, {"service_settings": {"entra_id": "new-entra"}, "task_settings": {"user": "u"}})
    assert updated.secrets == {"entra_id": "new-entra"}
    assert updated.task_settings == {"user": "u"}
    assert "new-entra" not in str(updated.to_filtered_dict(profile)) and "new-entra" not in repr(updated)
    with pytest.raises(RuleViolation) as info:
        parse_update(profile, ep, "text_embedding", {})
    assert info.value.rule_id == "crud.update.task_type"
