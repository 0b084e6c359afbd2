"""Statuses taken from a param (``status_from``), and every rule id the reference target raises resolves."""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from contract import RuleViolation, load_profile, load_rules, parse_rules, to_rest_status
from contract.profiles import SPECS_DIR

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "mocks" / "reference"
#: Call names whose first string argument is a rule id.
_RAISERS = {"RuleViolation", "violation"}
#: The id pattern of ``rules.schema.json``.
_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


def _raw() -> dict:
    return yaml.safe_load((SPECS_DIR / "rules.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("code", "status"),
    [
        pytest.param(302, 302, id="3xx-passes-through"),
        pytest.param(307, 307, id="307-passes-through"),
        pytest.param(308, 400, id="308-unknown-to-RestStatus"),
        pytest.param(418, 400, id="418-unknown-to-RestStatus"),
        pytest.param(409, 409, id="409-passes-through"),
        pytest.param(502, 400, id="5xx-becomes-400"),
    ],
)
def test_to_rest_status_mirrors_base_response_handler(code: int, status: int) -> None:
    assert to_rest_status(code) == status


@pytest.mark.parametrize(
    ("rule_id", "code"), [("upstream.3xx", 301), ("upstream.other", 409), ("upstream.other", 418)]
)
def test_status_from_param_renders_the_upstream_status(rule_id: str, code: int) -> None:
    profile, rules = load_profile("8.18"), load_rules()
    params = {"inference_id": "e1", "code": code, "error_suffix": ""}
    expected = rules.expected(rule_id, profile, **params)
    assert expected.status == to_rest_status(code)
    status, envelope = RuleViolation(rule_id, **params).render(profile, rules)
    assert status == envelope["status"] == expected.status
    assert envelope["error"]["reason"].endswith(f"status [{code}]")


def test_status_from_param_missing_is_a_key_error_naming_the_rule() -> None:
    with pytest.raises(KeyError, match=r"upstream\.3xx.*code"):
        load_rules().expected("upstream.3xx", load_profile("8.18"), inference_id="e1", error_suffix="")


def test_schema_requires_exactly_one_of_status_and_status_from() -> None:
    data = _raw()
    both = copy.deepcopy(data)
    rule = next(r for r in both["rules"] if r["id"] == "upstream.3xx")
    rule["expected"]["status"] = 300
    with pytest.raises(jsonschema.ValidationError):
        parse_rules(both)
    neither = copy.deepcopy(data)
    rule = next(r for r in neither["rules"] if r["id"] == "upstream.3xx")
    del rule["expected"]["status_from"]
    with pytest.raises(jsonschema.ValidationError):
        parse_rules(neither)


def _ids_raised_in(path: Path, prefixes: set[str]) -> set[str]:
    """Rule ids in ``path``: first string argument of ``RuleViolation(...)`` / ``violation(...)``, plus every
    string literal shaped like an id of a known namespace (``rule = "upstream.500"`` tables, ternaries)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            first = node.args[0] if node.args else None
            if name in _RAISERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _ID.match(node.value)
            and node.value.split(".")[0] in prefixes
        ):
            found.add(node.value)
    return found


def _raised_ids() -> dict[str, set[str]]:
    prefixes = {rule.id.split(".")[0] for rule in load_rules()}
    per_file = {
        str(p.relative_to(REFERENCE_DIR)): _ids_raised_in(p, prefixes) for p in REFERENCE_DIR.rglob("*.py")
    }
    return {name: ids for name, ids in per_file.items() if ids}


def test_the_scan_finds_the_ids_the_reference_target_raises() -> None:
    raised = set().union(*_raised_ids().values())
    # one id from each place that raises: app, body parsing, indexes, upstream HTTP / Bedrock / streams
    for rule_id in (
        "crud.not_found",
        "body.malformed",
        "index.not_found",
        "upstream.500",
        "upstream.io_error",
        "upstream.bedrock.call_failed",
        "upstream.stream.connection_reset",
        "upstream.azureopenai.429",
    ):
        assert rule_id in raised, rule_id


def test_every_rule_id_raised_in_the_reference_target_resolves() -> None:
    rules = load_rules()
    missing = {name: sorted(i for i in ids if i not in rules) for name, ids in _raised_ids().items()}
    missing = {name: ids for name, ids in missing.items() if ids}
    assert not missing, missing
    for ids in _raised_ids().values():
        for rule_id in ids:
            assert rules.get(rule_id).kind == "error", rule_id
