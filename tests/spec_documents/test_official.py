"""Our `_inference` documents against Elastic's own OpenAPI (reference material in ../shared).

Every field Elastic documents for the three services' settings and for chunking must exist in ours,
every field Elastic requires must be required by ours, and the task types per service must match.
Ours may have more (fields Elasticsearch accepts but the spec omits, e.g. ``max_input_tokens``).
"""

from __future__ import annotations

import json
import re
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


def _official(shared_dir: Path, version: str) -> dict[str, Any]:
    target = shared_dir / "official" / f"elasticsearch-serverless-openapi-inference-{version}.json"
    if not target.is_file():
        pytest.skip(f"Elastic's OpenAPI for {version} not found at {target}")
    return json.loads(target.read_text(encoding="utf-8"))["components"]["schemas"]


def _elastic(schemas: dict[str, Any], short: str) -> dict[str, Any]:
    """Find ``inference._types.<short>`` (or ``inference._types:<short>``) by its last segment."""
    found = [value for key, value in schemas.items() if re.split(r"[.:]", key)[-1] == short]
    assert len(found) == 1, f"{short}: {len(found)} matches in Elastic's components"
    return found[0]


def _ours(version: str) -> dict[str, Any]:
    return specs.load_spec(specs.inference_spec_name(version))["components"]["schemas"]


@pytest.mark.parametrize("version", specs.SPEC_VERSIONS)
@pytest.mark.parametrize("component", sorted(COVERED_BY))
def test_every_elastic_field_is_in_ours(shared_dir: Path, version: str, component: str) -> None:
    elastic = _elastic(_official(shared_dir, version), component)
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


@pytest.mark.parametrize("version", specs.SPEC_VERSIONS)
@pytest.mark.parametrize("elastic_name", sorted(TASK_TYPE_ENUMS))
def test_task_types_match_elastic(shared_dir: Path, version: str, elastic_name: str) -> None:
    elastic = _elastic(_official(shared_dir, version), elastic_name)
    ours = _ours(version)[TASK_TYPE_ENUMS[elastic_name]]
    assert sorted(ours["enum"]) == sorted(elastic["enum"])


@pytest.mark.parametrize("version", specs.SPEC_VERSIONS)
def test_generic_task_type_enum_matches_elastic(shared_dir: Path, version: str) -> None:
    elastic = _elastic(_official(shared_dir, version), "TaskType")
    assert sorted(_ours(version)["TaskType"]["enum"]) == sorted(elastic["enum"])


def test_bedrock_provider_is_required_although_elastic_says_optional(shared_dir: Path) -> None:
    # Deliberate: Elasticsearch's parser requires provider (es-inference.md §3.3).
    elastic = _elastic(_official(shared_dir, "8.18"), "AmazonBedrockServiceSettings")
    assert "provider" not in elastic["required"]
    assert "provider" in _ours("8.18")["AmazonBedrockServiceSettings"]["required"]
