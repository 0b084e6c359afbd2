"""schemathesis loads every document and generates cases for every operation (no server needed).

The cases generated for ``PUT /_inference/{inference_id}`` (task type in the body, the precise
variant) are checked against facts from reference/es-inference.md, so an imprecise schema fails.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

import specs

# schemathesis generation is the heavy part: a representative subset of the profiles (the cheap document
# checks in test_documents.py run on every profile)
DOCS = [specs.inference_spec_name(v) for v in specs.REPRESENTATIVE_VERSIONS] + sorted(specs.UPSTREAM_SPECS.values())
ID = re.compile(r"[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?")


def _cases(operation: Any, mode: GenerationMode, count: int) -> list[Any]:
    drawn: list[Any] = []

    @given(operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def draw(case: Any) -> None:
        drawn.append(case)

    draw()
    return drawn


def _operations(name: str) -> list[Any]:
    schema = schemathesis.openapi.from_path(specs.path(name))
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("name", DOCS)
def test_every_operation_generates_positive_cases(name: str) -> None:
    operations = _operations(name)
    assert operations
    for operation in operations:
        cases = _cases(operation, GenerationMode.POSITIVE, 3)
        assert cases, operation.label
        if operation.body:
            assert all(isinstance(case.body, dict) for case in cases), operation.label


@pytest.mark.parametrize("name", [specs.inference_spec_name(v) for v in specs.REPRESENTATIVE_VERSIONS])
def test_every_operation_with_inputs_generates_negative_cases(name: str) -> None:
    for operation in _operations(name):
        if not operation.path_parameters and not operation.query and not operation.body:
            continue  # nothing to break (e.g. GET /_inference)
        assert _cases(operation, GenerationMode.NEGATIVE, 3), operation.label


TASK_TYPES = {
    "8.18": {
        "openai": {"text_embedding", "completion", "chat_completion"},
        "azureopenai": {"text_embedding", "completion"},
        "amazonbedrock": {"text_embedding", "completion"},
    },
    "9.1": {
        "openai": {"text_embedding", "completion", "chat_completion"},
        "azureopenai": {"text_embedding", "completion"},
        "amazonbedrock": {"text_embedding", "completion"},
    },
    "9.4": {
        service: {"text_embedding", "completion", "chat_completion"}
        for service in ("openai", "azureopenai", "amazonbedrock")
    },
}
CHUNK_CAP = {"8.18": 300, "9.1": 300, "9.4": 2**31 - 1}  # 9.2+: no cap, but a Java Integer
AZURE_SECRETS = ("api_key", "entra_id", "client_secret")


def _check_chunking(chunking: dict[str, Any], version: str) -> None:
    if not chunking:
        return
    cap = CHUNK_CAP[version]
    strategy = chunking["strategy"]
    if strategy == "word":
        assert 10 <= chunking["max_chunk_size"] <= cap and chunking["overlap"] >= 1
        assert "sentence_overlap" not in chunking
    elif strategy == "sentence":
        assert 20 <= chunking["max_chunk_size"] <= cap and chunking.get("sentence_overlap", 1) in (0, 1)
        assert "overlap" not in chunking
    else:
        assert version != "8.18", f"{strategy} does not exist in 8.18"


def _check_put_body(body: dict[str, Any], version: str) -> None:
    service, task, settings_ = body["service"], body["task_type"], body["service_settings"]
    assert task in TASK_TYPES[version][service]
    if task != "text_embedding":
        assert "chunking_settings" not in body
        assert "dimensions" not in settings_ and "similarity" not in settings_
    _check_chunking(body.get("chunking_settings", {}), version)
    if service == "azureopenai":
        assert sum(key in settings_ for key in AZURE_SECRETS) == 1
    if service == "amazonbedrock":
        assert "dimensions" not in settings_
        if task == "text_embedding":
            assert settings_["provider"] in ("amazontitan", "cohere")
            assert not body.get("task_settings")
        elif "top_k" in body.get("task_settings", {}):
            assert settings_["provider"] in ("anthropic", "cohere", "mistral")


@pytest.mark.parametrize("version", specs.REPRESENTATIVE_VERSIONS)
def test_generated_put_bodies_follow_the_contract(version: str) -> None:
    schema = schemathesis.openapi.from_path(specs.path(specs.inference_spec_name(version)))
    operation = schema["/_inference/{inference_id}"]["PUT"]
    cases = _cases(operation, GenerationMode.POSITIVE, 40)
    assert len(cases) >= 20
    for case in cases:
        assert ID.fullmatch(case.path_parameters["inference_id"])
        _check_put_body(case.body, version)
