"""The shipped OpenAPI documents: valid OpenAPI 3.1, generated files current, facts per version."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

import specgen
import specs

UPSTREAMS = sorted(specs.UPSTREAM_SPECS.values())
ALL_DOCS = [specs.inference_spec_name(v) for v in specs.SPEC_VERSIONS] + UPSTREAMS


def _walk(node: Any) -> Any:
    """Yield every mapping inside ``node`` (depth first)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _schemas(version: str) -> dict[str, Any]:
    return specs.load_spec(specs.inference_spec_name(version))["components"]["schemas"]


@pytest.mark.parametrize("name", ALL_DOCS)
def test_document_is_valid_openapi_3_1(name: str) -> None:
    doc = specs.load_spec(name)
    assert doc["openapi"].startswith("3.1")
    validate(doc, cls=OpenAPIV31SpecValidator)


@pytest.mark.parametrize("version", specs.SPEC_VERSIONS)
def test_generated_yaml_is_current(version: str) -> None:
    shipped = specs.path(specs.inference_spec_name(version)).read_text(encoding="utf-8")
    assert shipped == specgen.render(version), "run `.venv/bin/python -m specgen` and commit the YAML"


def test_load_spec_accepts_names_with_and_without_suffix() -> None:
    assert specs.load_spec("inference-9.1") == specs.load_spec("inference-9.1.yaml")
    with pytest.raises(FileNotFoundError):
        specs.load_spec("../pyproject.toml")
    with pytest.raises(ValueError, match="unknown version"):
        specs.inference_spec_name("7.17")


def test_spec_versions_are_the_one_version_list() -> None:
    assert specs.SPEC_VERSIONS == specs.VERSIONS
    assert specs.VERSIONS[0] == specs.DEFAULT_VERSION == "8.18"
    assert list(specs.VERSIONS) == sorted(specs.VERSIONS, key=specs.version_key)
    assert {"8.18", "8.19", "9.0", "9.1", "9.2", "9.3", "9.4"} <= set(specs.VERSIONS)


@pytest.mark.parametrize("version", specs.SPEC_VERSIONS)
def test_every_x_rule_exists_in_the_rule_table(version: str) -> None:
    if not specs.path("rules.yaml").is_file():
        pytest.skip("specs/rules.yaml (written by another engineer) is not present yet")
    table = specs.load_spec("rules.yaml")
    known = {rule["id"] for rule in table["rules"]}
    used: set[str] = set()
    for node in _walk(specs.load_spec(specs.inference_spec_name(version))):
        if isinstance(node.get("x-rule"), str):
            used.add(node["x-rule"])
        if isinstance(node.get("x-rules"), list):
            used.update(node["x-rules"])
    assert used, "the document names no rule"
    assert sorted(used - known) == []


# Facts from reference/es-inference.md §2 (task types per service) and §4 (chunking).
TASK_TYPES = {
    "8.18": {
        "OpenAI": ["text_embedding", "completion", "chat_completion"],
        "AzureOpenAI": ["text_embedding", "completion"],
        "AmazonBedrock": ["text_embedding", "completion"],
    },
    "9.1": {
        "OpenAI": ["text_embedding", "completion", "chat_completion"],
        "AzureOpenAI": ["text_embedding", "completion"],
        "AmazonBedrock": ["text_embedding", "completion"],
    },
    "9.4": {
        "OpenAI": ["text_embedding", "completion", "chat_completion"],
        "AzureOpenAI": ["text_embedding", "completion", "chat_completion"],
        "AmazonBedrock": ["text_embedding", "completion", "chat_completion"],
    },
}


@pytest.mark.parametrize("version", sorted(TASK_TYPES))
@pytest.mark.parametrize("service", ["OpenAI", "AzureOpenAI", "AmazonBedrock"])
def test_task_types_per_service(version: str, service: str) -> None:
    schemas = _schemas(version)
    expected = TASK_TYPES[version][service]
    assert schemas[f"TaskType{service}"]["enum"] == expected
    variants = schemas[f"Put{service}ByTaskType"]["discriminator"]["mapping"]
    assert sorted(variants) == sorted(expected)


@pytest.mark.parametrize(
    ("version", "strategy", "minimum", "maximum"),
    [
        pytest.param("8.18", "Word", 10, 300, id="8.18-word"),
        pytest.param("8.18", "Sentence", 20, 300, id="8.18-sentence"),
        pytest.param("9.1", "Word", 10, 300, id="9.1-word"),
        pytest.param("9.1", "Sentence", 20, 300, id="9.1-sentence"),
        pytest.param("9.1", "Recursive", 10, 300, id="9.1-recursive"),
        pytest.param("9.4", "Word", 10, 2**31 - 1, id="9.4-word-uncapped"),
        pytest.param("9.4", "Sentence", 20, 2**31 - 1, id="9.4-sentence-uncapped"),
        pytest.param("9.4", "Recursive", 10, 2**31 - 1, id="9.4-recursive-uncapped"),
    ],
)
def test_chunk_size_bounds(version: str, strategy: str, minimum: int, maximum: int) -> None:
    size = _schemas(version)[f"ChunkingSettings{strategy}"]["properties"]["max_chunk_size"]
    assert size["type"] == "integer"
    assert size["minimum"] == minimum
    assert size["maximum"] == maximum
    assert ("chunking.max_chunk_size.max" in size["x-rules"]) == (maximum == 300)


@pytest.mark.parametrize("version", specs.SPEC_VERSIONS)
def test_chunking_overlaps(version: str) -> None:
    schemas = _schemas(version)
    word = schemas["ChunkingSettingsWord"]
    assert word["properties"]["overlap"]["minimum"] == 1
    assert "overlap" in word["required"] and word["additionalProperties"] is False
    assert "sentence_overlap" not in word["properties"]
    sentence = schemas["ChunkingSettingsSentence"]
    assert sentence["properties"]["sentence_overlap"]["enum"] == [0, 1]
    assert "overlap" not in sentence["properties"]
    strategies = set(schemas["ChunkingSettingsStrategy"]["discriminator"]["mapping"])
    # none: 8.19 backport and 9.1 on; recursive: 9.1 on (specs/profiles.yaml `chunking`)
    expected = {"8.18": {"word", "sentence"}, "8.19": {"word", "sentence", "none"}, "9.0": {"word", "sentence"}}
    assert strategies == expected.get(version, {"word", "sentence", "none", "recursive"})


@pytest.mark.parametrize("version", specs.SPEC_VERSIONS)
def test_bedrock_provider_required_and_limited_for_embeddings(version: str) -> None:
    schemas = _schemas(version)
    for name in (
        "AmazonBedrockServiceSettings",
        "AmazonBedrockServiceSettingsTextEmbedding",
        "AmazonBedrockServiceSettingsCompletion",
    ):
        assert "provider" in schemas[name]["required"], name
    assert schemas["AmazonBedrockEmbeddingProvider"]["enum"] == ["amazontitan", "cohere"]
    assert len(schemas["AmazonBedrockProvider"]["enum"]) == 6
    assert "dimensions" not in schemas["AmazonBedrockServiceSettingsTextEmbedding"]["properties"]


@pytest.mark.parametrize("version", specs.SPEC_VERSIONS)
def test_azure_secrets_are_exclusive(version: str) -> None:
    schemas = _schemas(version)
    branches = schemas["AzureOpenAIAuth"]["oneOf"]
    required = [b["required"] for b in branches]
    assert ["api_key"] in required and ["entra_id"] in required
    assert any("client_secret" in r for r in required) == (specs.version_key(version) >= (9, 4))
    for branch in branches:  # every other secret is forbidden in a branch
        assert all(value is False for value in branch["properties"].values())
        assert len(branch["properties"]) == len(branches) - 1
    for name in ("AzureOpenAIServiceSettings", "AzureOpenAIServiceSettingsTextEmbedding"):
        assert schemas[name]["allOf"] == [{"$ref": "#/components/schemas/AzureOpenAIAuth"}]


SECRET_FIELDS = {
    "OpenAI": ["api_key"],
    "AzureOpenAI": ["api_key", "entra_id"],
    "AmazonBedrock": ["access_key", "secret_key"],
}


@pytest.mark.parametrize("version", specs.SPEC_VERSIONS)
@pytest.mark.parametrize("service", sorted(SECRET_FIELDS))
def test_secrets_write_only_and_never_in_responses(version: str, service: str) -> None:
    schemas = _schemas(version)
    assert schemas["Secret"]["writeOnly"] is True
    request = schemas[f"{service}ServiceSettings"]["properties"]
    info = schemas[f"{service}ServiceSettingsInfo"]["properties"]
    for field in SECRET_FIELDS[service]:
        assert request[field] == {"$ref": "#/components/schemas/Secret"}
        assert info[field] is False


@pytest.mark.parametrize("version", specs.SPEC_VERSIONS)
def test_error_responses_on_every_operation(version: str) -> None:
    doc = specs.load_spec(specs.inference_spec_name(version))
    for route, item in doc["paths"].items():
        for method, op in item.items():
            responses = op["responses"]
            assert {"4XX", "5XX"} <= set(responses), f"{method} {route}"
            expected = "UnifiedError" if route.startswith("/_inference/chat_completion/") else None
            for code, response in responses.items():
                if re.fullmatch(r"[45](XX|\d\d)", code) and expected:
                    assert response["$ref"].endswith(expected), f"{method} {route} {code}"


@pytest.mark.parametrize("version", specs.SPEC_VERSIONS)
def test_stream_routes_answer_server_sent_events(version: str) -> None:
    doc = specs.load_spec(specs.inference_spec_name(version))
    responses = doc["components"]["responses"]
    for route in (
        "/_inference/{task_type}/{inference_id}/_stream",
        "/_inference/chat_completion/{inference_id}/_stream",
    ):
        ok = doc["paths"][route]["post"]["responses"]["200"]["$ref"].rsplit("/", 1)[-1]
        content = responses[ok]["content"]
        assert list(content) == ["text/event-stream"]
        assert content["text/event-stream"]["x-sse-terminator"] == "[DONE]"


def test_versions_differ_only_where_expected() -> None:
    old, new = _schemas("8.18"), _schemas("9.4")
    assert "headers" not in old["OpenAITaskSettings"]["properties"]
    assert "headers" in new["OpenAITaskSettings"]["properties"]
    assert "input_type" not in old["InferenceRequest"]["properties"]
    assert "input_type" in _schemas("9.1")["InferenceRequest"]["properties"]
    assert "embedding" in new["TaskType"]["enum"] and "embedding" not in old["TaskType"]["enum"]
