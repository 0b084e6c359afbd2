"""parse_put: the rule each broken PUT body violates and the exact ES message per version.

Cases mirror Elasticsearch's own unit tests; each pytest id names the ES test class it comes from.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract import PROFILES, RuleViolation, load_profile, load_rules
from contract.validate import parse_put, resolve_task_type, validate_inference_id

OPENAI = {"api_key": "sk-secret-openai", "model_id": "text-embedding-3-small"}
AZURE = {"api_key": "azure-secret", "resource_name": "res", "deployment_id": "dep", "api_version": "2024-02-01"}
BEDROCK = {"access_key": "AKIA-secret", "secret_key": "aws-secret", "region": "us-east-1",
           "model": "amazon.titan-embed-text-v2:0", "provider": "amazontitan"}
SECRETS = ("sk-secret-openai", "azure-secret", "AKIA-secret", "aws-secret")


def body(service: str, settings: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"service": service, "service_settings": settings, **extra}


def without(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in keys}


def reason_of(version: str, task_type: str | None, payload: dict[str, Any], inference_id: str = "my-id") -> tuple[str, int, dict]:
    profile, rules = load_profile(version), load_rules()
    with pytest.raises(RuleViolation) as info:
        parse_put(profile, url_task_type=task_type, inference_id=inference_id, body=payload)
    status, envelope = info.value.render(profile, rules)
    return info.value.rule_id, status, envelope


def unknown(tail: str) -> dict[str, str]:
    """The unknown-settings message on every line: its prefix is the profile's wording (``Model configuration``
    on 8.18 and 9.0, ``Configuration`` on 8.19 and 9.1+: ServiceUtils#unknownSettingsError, issue 20)."""
    return {v: f"{load_profile(v).wording['unknown_settings_prefix']} contains settings {tail}" for v in PROFILES}

CASES = [
    pytest.param("text_embedding", body("openai", {**OPENAI, "extra_key": "value"}), "settings.unknown", 400,
                 "status_exception",
                 unknown("[{extra_key=value}] unknown to the [openai] service"),
                 id="OpenAiServiceTests-testParseRequestConfig_ThrowsWhenAnExtraKeyExistsInServiceSettingsMap"),
    pytest.param("text_embedding", body("openai", OPENAI, task_settings={"user": "u", "extra_key": "value"}),
                 "settings.unknown", 400, "status_exception",
                 unknown("[{extra_key=value}] unknown to the [openai] service"),
                 id="OpenAiServiceTests-testParseRequestConfig_ThrowsWhenAnExtraKeyExistsInTaskSettingsMap"),
    pytest.param("text_embedding", body("openai", OPENAI, extra_key="value"), "settings.unknown", 400,
                 "status_exception", unknown("[{extra_key=value}] unknown to the [openai] service"),
                 id="OpenAiServiceTests-testParseRequestConfig_ThrowsWhenAnExtraKeyExistsInConfig"),
    pytest.param("completion", body("openai", without(OPENAI), chunking_settings={"strategy": "word"}),
                 "settings.unknown", 400, "status_exception",
                 unknown("[{chunking_settings={strategy=word}}] unknown to the [openai] service"),
                 id="OpenAiServiceTests-chunking_settings_on_completion_is_unknown"),
    pytest.param("sparse_embedding", body("openai", OPENAI), "service.unsupported_task_type", 400, "status_exception",
                 {"8.18": "The [openai] service does not support task type [sparse_embedding]"},
                 id="OpenAiServiceTests-testParseRequestConfig_ThrowsUnsupportedModelType"),
    pytest.param("text_embedding", body("openai", without(OPENAI, "model_id")), "settings.required", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: [service_settings] does not contain the required setting [model_id];"},
                 id="OpenAiEmbeddingsServiceSettingsTests-missing_model_id"),
    pytest.param("text_embedding", body("openai", without(OPENAI, "api_key")), "settings.required", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: [secret_settings] does not contain the required setting [api_key];"},
                 id="DefaultSecretSettingsTests-missing_api_key"),
    pytest.param("text_embedding", body("openai", {**OPENAI, "url": ""}), "settings.empty_string", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: [service_settings] Invalid value empty string. [url] must be a non-empty string;"},
                 id="OpenAiEmbeddingsServiceSettingsTests-testFromMap_EmptyUrl_ThrowsError"),
    pytest.param("text_embedding", body("openai", {**OPENAI, "url": "https://www.abc^.com"}), "settings.url.invalid", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: [service_settings] Invalid url [https://www.abc^.com] received for field "
                          "[url]. Error: unable to parse url [https://www.abc^.com]. Reason: Illegal character in authority;"},
                 id="OpenAiEmbeddingsServiceSettingsTests-testFromMap_InvalidUrl_ThrowsError"),
    pytest.param("text_embedding", body("openai", {**OPENAI, "similarity": "by_size"}), "settings.similarity.enum", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: [service_settings] Invalid value [by_size] received. [similarity] must be "
                          "one of [cosine, dot_product, l2_norm];"},
                 id="OpenAiEmbeddingsServiceSettingsTests-testFromMap_InvalidSimilarity_ThrowsError"),
    pytest.param("text_embedding", body("openai", {**OPENAI, "dimensions": "abc"}), "settings.wrong_type", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: field [dimensions] is not of the expected type. The value [abc] cannot be "
                          "converted to a [Integer];"},
                 id="ServiceUtilsTests-testRemoveAsTypeWithInCorrectType"),
    pytest.param("text_embedding", body("openai", {**OPENAI, "dimensions": 0}), "settings.positive_integer", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: [service_settings] Invalid value [0]. [dimensions] must be a positive integer;"},
                 id="ServiceUtilsTests-testExtractOptionalPositiveInteger_ReturnsNull_WhenValueIsNegative"),
    # OpenAiEmbeddingsServiceSettings reads dimensions_set_by_user only from the persisted map: in a PUT it is an
    # unknown setting (issue 20; the table had Azure's "does not allow" for it)
    pytest.param("text_embedding", body("openai", {**OPENAI, "dimensions_set_by_user": True}), "settings.unknown", 400,
                 "status_exception", unknown("[{dimensions_set_by_user=true}] unknown to the [openai] service"),
                 id="OpenAiEmbeddingsServiceSettings-dimensions_set_by_user_is_unknown"),
    pytest.param("text_embedding", body("amazonbedrock", {**BEDROCK, "dimensions_set_by_user": True}),
                 "settings.not_allowed", 400, "validation_exception",
                 {"8.18": "Validation Failed: 1: [service_settings] does not allow the setting [dimensions_set_by_user];"},
                 id="AmazonBedrockEmbeddingsServiceSettings-dimensions_set_by_user_not_allowed"),
    pytest.param("text_embedding", body("openai", {**OPENAI, "rate_limit": {"requests_per_minute": 0}}),
                 "settings.positive_long", 400, "validation_exception",
                 {"8.18": "Validation Failed: 1: [rate_limit] Invalid value [0]. [requests_per_minute] must be a positive long;"},
                 id="RateLimitSettingsTests-testOf_ThrowsWhenRequestsPerMinuteIsZero"),
    pytest.param("text_embedding", body("openai", {**OPENAI, "rate_limit": {"requests_per_minute": 100, "abc": 100}}),
                 "settings.rate_limit.unknown", 400, "status_exception",
                 {**unknown("[{abc=100}] unknown to the [openai] service"), "9.5": None},
                 id="RateLimitSettingsTests-testOf_ThrowsWhenExtraKeysInRequestContext"),
    # from 9.5 one item of the settings' ValidationException (RateLimitSettings#of, PR #148328)
    pytest.param("text_embedding", body("openai", {**OPENAI, "rate_limit": {"requests_per_minute": 100, "abc": 100}}),
                 "settings.rate_limit.unknown", 400, "validation_exception",
                 {"9.5": "Validation Failed: 1: Rate limit settings contain unknown entries [{abc=100}];"},
                 id="RateLimitSettings-unknown_entries_collected"),
    pytest.param("text_embedding", body("azureopenai", without(AZURE, "api_key")), "secrets.azure.neither", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: [secret_settings] must have either the [api_key] or the [entra_id] key set;",
                  "9.1": "Validation Failed: 1: [secret_settings] must have either the [api_key] or the [entra_id] key set;",
                  "9.4": "Validation Failed: 1: [secret_settings] must have exactly one of [api_key], [entra_id], or "
                         "[client_secret] field set;"},
                 id="AzureOpenAiSecretSettingsTests-testFromMap_MissingApiKeyAndEntraId_ThrowsError"),
    pytest.param("text_embedding", body("azureopenai", {**AZURE, "entra_id": "entra-secret"}), "secrets.azure.both", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: [secret_settings] must have only one of the [api_key] or the [entra_id] key set;",
                  "9.4": "Validation Failed: 1: [secret_settings] must have exactly one of [api_key], [entra_id], or "
                         "[client_secret] field set, received: [api_key, entra_id];"},
                 id="AzureOpenAiSecretSettingsTests-testFromMap_HasBothApiKeyAndEntraId_ThrowsError"),
    pytest.param("text_embedding", body("azureopenai", {**AZURE, "api_key": ""}), "settings.empty_string", 400,
                 "validation_exception",
                 # AzureOpenAiSecretSettings#fromMap collects the bad value and the one-of error together (issue 20)
                 {"8.18": "Validation Failed: 1: [secret_settings] Invalid value empty string. [api_key] must be a non-empty "
                          "string;2: [secret_settings] must have either the [api_key] or the [entra_id] key set;",
                  "9.4": "Validation Failed: 1: [secret_settings] Invalid value empty string. [api_key] must be a non-empty "
                         "string;2: [secret_settings] must have exactly one of [api_key], [entra_id], or [client_secret] "
                         "field set;"},
                 id="AzureOpenAiSecretSettingsTests-testFromMap_EmptyApiKey_ThrowsError"),
    pytest.param("completion", body("azureopenai", without(AZURE, "resource_name", "deployment_id")), "settings.required",
                 400, "validation_exception",
                 {"8.18": "Validation Failed: 1: [service_settings] does not contain the required setting [resource_name];"
                          "2: [service_settings] does not contain the required setting [deployment_id];"},
                 id="AzureOpenAiCompletionServiceSettingsTests-missing_required_settings_aggregate"),
    pytest.param("chat_completion", body("azureopenai", AZURE), "service.unsupported_task_type", 400, "status_exception",
                 {"8.18": "The [azureopenai] service does not support task type [chat_completion]",
                  "9.1": "The [azureopenai] service does not support task type [chat_completion]"},
                 id="AzureOpenAiServiceTests-chat_completion_before_9_3"),
    pytest.param("text_embedding", body("amazonbedrock", {**BEDROCK, "dimensions": 128}), "settings.not_allowed", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: [service_settings] does not allow the setting [dimensions];"},
                 id="AmazonBedrockServiceTests-testCreateModel_ForEmbeddingsTask_DimensionsIsNotAllowed"),
    pytest.param("text_embedding", body("amazonbedrock", {**BEDROCK, "provider": "anthropic"}), "bedrock.provider.task_type",
                 400, "status_exception",
                 {"8.18": "The [text_embedding] task type for provider [anthropic] is not available"},
                 id="AmazonBedrockServiceTests-testCreateModel_ForEmbeddingsTask_InvalidProvider"),
    pytest.param("completion", body("amazonbedrock", {**BEDROCK, "provider": "amazontitan"}, task_settings={"top_k": 0.5}),
                 "bedrock.top_k.provider", 400, "status_exception",
                 {"8.18": "The [top_k] task parameter is not available for provider [amazontitan]"},
                 id="AmazonBedrockServiceTests-testCreateModel_TopKParameter_NotAvailable"),
    pytest.param("completion", body("amazonbedrock", {**BEDROCK, "provider": "nope"}), "bedrock.provider.enum", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: [service_settings] Invalid value [nope] received. [provider] must be one of "
                          "[ai21labs, amazontitan, anthropic, cohere, meta, mistral];"},
                 id="AmazonBedrockServiceSettingsTests-invalid_provider"),
    pytest.param("completion", body("amazonbedrock", BEDROCK, task_settings={"temperature": 1}), "settings.wrong_type", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: field [temperature] is not of the expected type. The value [1] cannot be "
                          "converted to a [Double];"},
                 id="AmazonBedrockChatCompletionTaskSettingsTests-integer_temperature_is_wrong_type"),
    pytest.param("completion", body("amazonbedrock", BEDROCK, task_settings={"top_p": 1.5}), "settings.range.max", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: [task_settings] Invalid value [1.5]. [top_p] must be a less than or equal to [1.0];"},
                 id="AmazonBedrockChatCompletionTaskSettingsTests-top_p_above_one"),
    pytest.param("completion", body("amazonbedrock", BEDROCK, task_settings={"max_new_tokens": -1}),
                 "settings.positive_integer", 400, "validation_exception",
                 {"8.18": "Validation Failed: 1: [task_settings] Invalid value [-1]. [max_new_tokens] must be a positive integer;"},
                 id="AmazonBedrockChatCompletionTaskSettingsTests-max_new_tokens_negative"),
    pytest.param("text_embedding", body("amazonbedrock", without(BEDROCK, "secret_key")), "settings.required", 400,
                 "validation_exception",
                 {"8.18": "Validation Failed: 1: [secret_settings] does not contain the required setting [secret_key];"},
                 id="AwsSecretSettingsTests-missing_secret_key"),
    pytest.param("text_embedding", {"service_settings": OPENAI}, "service.missing", 400, "status_exception",
                 # same message from 8.16 on (TransportPutInferenceModelAction#masterOperation); "Model configuration
                 # is missing a service" is the 8.11-8.12 wording
                 {"8.18": "Inference endpoint configuration is missing the [service] setting"},
                 id="TransportPutInferenceModelAction-missing_service"),
    pytest.param("text_embedding", body("hugs", OPENAI), "service.unknown", 400, "status_exception",
                 {"8.18": "Unknown service [hugs]"}, id="TransportPutInferenceModelAction-unknown_service"),
    pytest.param(None, body("openai", OPENAI), "task_type.missing", 400, "status_exception",
                 {"8.18": "model is missing required setting [task_type]"},
                 id="ServiceUtilsTests-testResolveTaskType_missing"),
    pytest.param("completion", body("openai", OPENAI, task_type="text_embedding"), "task_type.conflict", 400,
                 "status_exception",
                 {"8.18": "Cannot resolve conflicting task_type parameter in the request URL [completion] and the request "
                          "body [text_embedding]"},
                 id="ServiceUtilsTests-testResolveTaskType_conflict"),
    pytest.param("bad", body("openai", OPENAI), "task_type.unknown", 400, "status_exception",
                 {"8.18": "Unknown task_type [bad]"}, id="inference_crud.yml-unknown_task_type"),
]


def _versions(reasons: dict[str, str | None]) -> list[tuple[str, str]]:
    """Expand {version: reason}: a version not listed takes the nearest listed older one (None: not checked)."""
    out, current = [], None
    for version in PROFILES:
        current = reasons.get(version, current)
        if current is not None:
            out.append((version, current))
    return out


@pytest.mark.parametrize(("task_type", "payload", "rule_id", "status", "error_type", "reasons"), CASES)
def test_parse_put_breaks_rule_with_exact_es_message(
    task_type: str | None, payload: dict, rule_id: str, status: int, error_type: str, reasons: dict[str, str]
) -> None:
    for version, reason in _versions(reasons):
        if rule_id == "service.unsupported_task_type" and load_profile(version).supports(payload["service"], task_type or ""):
            continue
        got_rule, got_status, envelope = reason_of(version, task_type, payload)
        assert got_rule == rule_id, version
        assert got_status == status == envelope["status"], version
        assert envelope["error"]["type"] == error_type, version
        assert envelope["error"]["reason"] == reason, version
        assert envelope["error"]["root_cause"] == [{"type": error_type, "reason": reason}]
        for secret in SECRETS:
            assert secret not in str(envelope), version


@pytest.mark.parametrize("inference_id", ["UPPER", "-lead", "trail_", "has space", ".elser", "_all", "a/b"])
def test_invalid_inference_id(inference_id: str) -> None:
    """MlStrings.isValidId (pattern quoted in issue ES#108426)."""
    _, status, envelope = reason_of("8.18", "text_embedding", body("openai", OPENAI), inference_id=inference_id)
    assert status == 400
    assert envelope["error"]["type"] in ("action_request_validation_exception", "status_exception")
    if envelope["error"]["type"] == "action_request_validation_exception":
        assert envelope["error"]["reason"] == (
            f"Validation Failed: 1: Invalid inference_id; '{inference_id}' can contain lowercase alphanumeric "
            "(a-z and 0-9), hyphens or underscores; must start and end with alphanumeric;"
        )


@pytest.mark.parametrize("inference_id", ["a", "my-endpoint", "e_1", "a.b", "0"])
def test_valid_inference_id(inference_id: str) -> None:
    validate_inference_id(inference_id)


def test_resolve_task_type_any_in_body_and_case_insensitive_url() -> None:
    with pytest.raises(RuleViolation) as info:
        resolve_task_type(None, "any")
    assert info.value.rule_id == "task_type.any_in_body"
    assert resolve_task_type("TEXT_EMBEDDING", None) == "text_embedding"


@pytest.mark.parametrize("version", PROFILES)
def test_valid_openai_embedding_put_filled_defaults_and_filtered_view(version: str) -> None:
    profile = load_profile(version)
    cfg = parse_put(profile, url_task_type="text_embedding", inference_id="e1",
                    body=body("openai", {**OPENAI, "dimensions": 3, "url": "http://127.0.0.1:1/v1/embeddings"}))
    assert cfg.secrets == {"api_key": "sk-secret-openai"}
    assert cfg.dimensions_set_by_user is True
    view = cfg.to_filtered_dict(profile)
    assert view["service_settings"] == {
        "model_id": "text-embedding-3-small", "url": "http://127.0.0.1:1/v1/embeddings", "dimensions": 3,
        "rate_limit": {"requests_per_minute": 3000},
    }
    assert view["chunking_settings"] == {"strategy": "sentence", "max_chunk_size": 250, "sentence_overlap": 1}
    assert ("task_settings" in view) == (profile.empty_task_settings == "object")
    assert "sk-secret-openai" not in repr(cfg) and "sk-secret-openai" not in str(view)
    assert "dimensions_set_by_user" not in str(view)


def test_validation_call_sets_dimensions_and_similarity_or_rejects_mismatch() -> None:
    profile, rules = load_profile("8.18"), load_rules()
    cfg = parse_put(profile, url_task_type="text_embedding", inference_id="e1", body=body("openai", OPENAI))
    updated = cfg.with_embedding_size(profile, 1536)
    assert updated.service_settings["dimensions"] == 1536
    assert updated.service_settings["similarity"] == "dot_product"
    user = parse_put(profile, url_task_type="text_embedding", inference_id="e1",
                     body=body("openai", {**OPENAI, "dimensions": 3}))
    with pytest.raises(RuleViolation) as info:
        user.with_embedding_size(profile, 2)
    _, envelope = info.value.render(profile, rules)
    assert envelope["error"]["reason"] == (
        "The retrieved embeddings size [2] does not match the size specified in the settings [3]. "
        "Please recreate the [e1] configuration with the correct dimensions"
    )


@pytest.mark.parametrize(("service", "task_type", "settings", "rpm"), [
    ("openai", "completion", OPENAI, 500),
    ("azureopenai", "text_embedding", AZURE, 1440),
    ("azureopenai", "completion", AZURE, 120),
    ("amazonbedrock", "text_embedding", BEDROCK, 240),
    ("amazonbedrock", "completion", {**BEDROCK, "provider": "Anthropic"}, 240),
])
def test_rate_limit_defaults_per_service_and_task(service: str, task_type: str, settings: dict, rpm: int) -> None:
    """RateLimitSettingsTests + defaults from each service's settings class."""
    profile = load_profile("8.18")
    cfg = parse_put(profile, url_task_type=task_type, inference_id="e1", body=body(service, settings))
    assert cfg.service_settings["rate_limit"] == {"requests_per_minute": rpm}
    assert (cfg.chunking_settings is not None) == (task_type == "text_embedding")
    if service == "amazonbedrock":
        assert cfg.service_settings["provider"] == settings["provider"].lower()
        assert set(cfg.secrets) == {"access_key", "secret_key"}


def test_openai_legacy_model_in_task_settings_moves_to_service_settings() -> None:
    """OpenAiServiceTests-testParseRequestConfig_MovesModel."""
    profile = load_profile("8.18")
    cfg = parse_put(profile, url_task_type="text_embedding", inference_id="e1",
                    body=body("openai", without(OPENAI, "model_id"), task_settings={"model": "old-model"}))
    assert cfg.service_settings["model_id"] == "old-model"
    assert cfg.task_settings == {}
