"""Our `_inference` documents against Elastic's own OpenAPI (the facts in tests/data/elastic-openapi-inference.json,
extracted by scripts/extract_reference_facts.py; origin in that file's ``source``).

Every field Elastic documents for the three services' settings and for chunking must exist in ours,
every field Elastic requires must be required by ours, and the task types per service must match.
Ours may have more (fields Elasticsearch accepts but the spec omits, e.g. ``max_input_tokens``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import specs

# Elastic component -> our components whose properties together must cover it.
COVERED_BY = {
    "OpenAIServiceSettings": ["OpenAIServiceSettings"],
    "OpenAITaskSettings": ["OpenAITaskSettings"],
    "AzureOpenAIServiceSettings": ["AzureOpenAIServiceSettings"],
    "AzureOpenAITaskSettings": ["AzureOpenAITaskSettings"],
    "AmazonBedrockServiceSettings": ["AmazonBedrockServiceSettings"],
    "AmazonBedrockTaskSettings": ["AmazonBedrockTaskSettings"],
    "InferenceChunkingSettings": [
        "ChunkingSettingsWord",
        "ChunkingSettingsSentence",
        "ChunkingSettingsNone",
        "ChunkingSettingsRecursive",
    ],
}

# Known, deliberate differences: (version, Elastic component, field) -> why. Empty today: every
# documented field is present. Add an entry only with its reason and source.
ALLOWED_MISSING: dict[tuple[str, str, str], str] = {}

# Elastic task-type enums -> ours. Elastic names both TaskType<Service> and <Service>TaskType.
TASK_TYPE_ENUMS = {
    "TaskTypeOpenAI": "TaskTypeOpenAI",
    "OpenAITaskType": "TaskTypeOpenAI",
    "TaskTypeAzureOpenAI": "TaskTypeAzureOpenAI",
    "AzureOpenAITaskType": "TaskTypeAzureOpenAI",
    "TaskTypeAmazonBedrock": "TaskTypeAmazonBedrock",
    "AmazonBedrockTaskType": "TaskTypeAmazonBedrock",
}


def _versions_with_facts() -> list[str]:
    """Profiles for which Elastic's OpenAPI was extracted (the others have no official document here)."""
    path = Path(__file__).resolve().parents[1] / "data" / "elastic-openapi-inference.json"
    extracted = json.loads(path.read_text(encoding="utf-8"))["versions"]
    return [v for v in specs.SPEC_VERSIONS if v in extracted]


OFFICIAL_VERSIONS = _versions_with_facts()


def _official(test_data: Callable[[str], Any], version: str) -> dict[str, Any]:
    versions = test_data("elastic-openapi-inference.json")["versions"]
    assert version in versions, f"no facts for {version}: rerun scripts/extract_reference_facts.py"
    return versions[version]["components"]


def _elastic(components: dict[str, Any], short: str) -> dict[str, Any]:
    """Elastic's ``inference._types.<short>`` (fields, required, enum) as extracted."""
    assert short in components, f"{short}: not among the extracted components"
    return components[short]


def _ours(version: str) -> dict[str, Any]:
    return specs.load_spec(specs.inference_spec_name(version))["components"]["schemas"]


@pytest.mark.parametrize("version", OFFICIAL_VERSIONS)
@pytest.mark.parametrize("component", sorted(COVERED_BY))
def test_every_elastic_field_is_in_ours(test_data: Callable[[str], Any], version: str, component: str) -> None:
    elastic = _elastic(_official(test_data, version), component)
    ours = _ours(version)
    present: set[str] = set()
    required: set[str] = set()
    for name in COVERED_BY[component]:
        if name in ours:
            present.update(ours[name]["properties"])
            required.update(ours[name].get("required", []))
    assert present, f"none of {COVERED_BY[component]} exist in our {version} document"
    missing = {
        f
        for f in elastic["properties"]
        if f not in present and (version, component, f) not in ALLOWED_MISSING
    }
    assert sorted(missing) == []
    if component != "InferenceChunkingSettings":  # chunking requirements depend on the strategy
        assert sorted(set(elastic.get("required", [])) - required) == []


@pytest.mark.parametrize("version", OFFICIAL_VERSIONS)
@pytest.mark.parametrize("elastic_name", sorted(TASK_TYPE_ENUMS))
def test_task_types_match_elastic(test_data: Callable[[str], Any], version: str, elastic_name: str) -> None:
    elastic = _elastic(_official(test_data, version), elastic_name)
    ours = _ours(version)[TASK_TYPE_ENUMS[elastic_name]]
    assert sorted(ours["enum"]) == sorted(elastic["enum"])


@pytest.mark.parametrize("version", OFFICIAL_VERSIONS)
def test_generic_task_type_enum_matches_elastic(test_data: Callable[[str], Any], version: str) -> None:
    elastic = _elastic(_official(test_data, version), "TaskType")
    assert sorted(_ours(version)["TaskType"]["enum"]) == sorted(elastic["enum"])


def test_bedrock_provider_is_required_although_elastic_says_optional(test_data: Callable[[str], Any]) -> None:
    # Deliberate: Elasticsearch's parser requires provider (es-inference.md §3.3).
    elastic = _elastic(_official(test_data, "8.18"), "AmazonBedrockServiceSettings")
    assert "provider" not in elastic["required"]
    assert "provider" in _ours("8.18")["AmazonBedrockServiceSettings"]["required"]
