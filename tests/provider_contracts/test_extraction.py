"""The extraction script and the files it wrote: every reference resolves inside the file, member names
are kept even when they look like prose keys, and the script's closure finds exactly what a root needs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from contract_facts import DATA

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "extract_provider_contracts.py"


def _script() -> Any:
    spec = importlib.util.spec_from_file_location("extract_provider_contracts", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("provider", ["openai", "azure"])
def test_every_reference_resolves_in_the_file(provider: str) -> None:
    script = _script()
    facts = json.loads((DATA / f"{provider}.json").read_text())
    missing = {ref for schema in facts["schemas"].values() for ref in script.refs(schema)} - set(facts["schemas"])
    assert not missing, f"{provider}.json references schemas it does not hold: {sorted(missing)}"
    assert set(facts["roots"]) <= set(facts["schemas"])


def test_strip_keeps_member_names_and_drops_prose() -> None:
    script = _script()
    schema = {"type": "object", "description": "prose", "x-oaiMeta": {}, "example": 1,
              "properties": {"description": {"type": "string", "description": "d"}, "title": {"type": "string"}}}
    assert script.strip(schema) == {"type": "object", "properties": {"description": {"type": "string"},
                                                                    "title": {"type": "string"}}}


def test_closure_follows_references_only() -> None:
    script = _script()
    schemas = {"A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
               "B": {"items": {"$ref": "#/components/schemas/C"}}, "C": {"type": "string"}, "D": {"type": "integer"}}
    assert list(script.closure(schemas, ["A"])) == ["A", "B", "C"]


def test_extract_names_its_origin() -> None:
    script = _script()
    document = {"openapi": "3.1.0", "info": {"version": "9.9"},
                "components": {"schemas": {n: {"type": "object"} for n in script.SOURCES["openai"][2]}}}
    facts = script.extract("openai", document, "0" * 40)
    assert facts["origin"] == {"repo": "openai/openai-openapi", "path": "openapi.yaml", "commit": "0" * 40,
                               "spec_version": "9.9", "openapi": "3.1.0",
                               "extracted_by": "scripts/extract_provider_contracts.py"}
