"""specs/es-messages.yaml (issue 20): every user-facing error message Elasticsearch throws on the request paths
in scope, each mapped to the rule that models it, to a gap, or out of scope with a reason; docs/es-coverage.md is
generated from it and the README states its figure."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from contract import load_rules

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("rule", "gap", "out_of_scope")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("es_coverage", ROOT / "scripts" / "es_coverage.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["es_coverage"] = module
    spec.loader.exec_module(module)
    return module


COVERAGE = _script()
MESSAGES = COVERAGE.load_messages()


@pytest.mark.parametrize("entry", MESSAGES, ids=lambda e: e["message"][:60])
def test_each_message_has_a_source_and_exactly_one_mapping(entry: dict) -> None:
    assert entry["message"].strip() and entry["source"].strip()
    assert "/" in entry["source"], "a path (in elastic/elasticsearch, or owner/repo of another repository)"
    assert sum(1 for k in KINDS if entry.get(k)) == 1, entry
    if entry.get("rule"):
        assert entry["rule"] in load_rules(), entry["rule"]


def test_the_messages_are_listed_once() -> None:
    seen = [e["message"] for e in MESSAGES]
    assert len(seen) == len(set(seen))


def test_every_class_family_the_issue_names_is_covered() -> None:
    sources = " ".join(e["source"] for e in MESSAGES)
    for name in ("InferenceAction", "UnifiedCompletion", "PutInferenceModelAction", "UpdateInferenceModelAction",
                 "DeleteInferenceEndpointAction", "services/openai/", "services/azureopenai/",
                 "services/amazonbedrock/", "chunking/", "ServiceUtils"):
        assert name in sources, name


def test_the_generated_page_is_current_and_the_readme_states_the_figure() -> None:
    text = COVERAGE.render(MESSAGES)
    assert (ROOT / "docs" / "es-coverage.md").read_text(encoding="utf-8") == text, (
        "docs/es-coverage.md is stale: python scripts/es_coverage.py")
    modelled, in_scope, _ = COVERAGE.figures(MESSAGES)
    assert f"{modelled} of {in_scope} in-scope" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_figures_count_gaps_as_in_scope() -> None:
    entries = [{"message": "a", "source": "x/A.java", "rule": "service.unknown"},
               {"message": "b", "source": "x/A.java", "gap": "not yet"},
               {"message": "c", "source": "x/B.java", "out_of_scope": "elsewhere"}]
    assert COVERAGE.figures(entries) == (1, 2, 1)
    page = COVERAGE.render(entries)
    assert "**1 of 2 in-scope messages are modelled (50%)**" in page and "gap: not yet" in page
