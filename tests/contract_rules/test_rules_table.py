"""The rule table and the profiles: schema, ids, families, templates, profile data."""

from __future__ import annotations

import copy
import re
import string
from pathlib import Path

import jsonschema
import pytest
import yaml

from contract import PROFILES, RuleViolation, load_profile, load_rules, parse_rules, rules_schema
from contract.profiles import SPECS_DIR

CONTRACT_DIR = Path(__file__).resolve().parents[2] / "contract"


def _raw() -> dict:
    return yaml.safe_load((SPECS_DIR / "rules.yaml").read_text(encoding="utf-8"))


def test_rules_yaml_validates_against_schema() -> None:
    jsonschema.validate(_raw(), rules_schema())


def test_schema_rejects_an_error_rule_without_expected() -> None:
    data = _raw()
    broken = copy.deepcopy(data)
    del broken["rules"][0]["expected"]
    with pytest.raises(jsonschema.ValidationError):
        parse_rules(broken)


def test_duplicate_rule_id_is_rejected() -> None:
    data = _raw()
    data["rules"].append(copy.deepcopy(data["rules"][0]))
    with pytest.raises(ValueError, match="duplicate rule id"):
        parse_rules(data)


def test_unknown_family_is_rejected() -> None:
    data = _raw()
    data["rules"][0]["family"] = "nope"
    with pytest.raises(ValueError, match="unknown family"):
        parse_rules(data)


def test_every_rule_has_a_known_family_and_a_source() -> None:
    rules = load_rules()
    assert len(rules) > 60
    for rule in rules:
        assert rule.family in rules.families, rule.id
        assert "/" in rule.source or rule.source.endswith((".java", ".ts", ".yml")), rule.id


def _placeholders(template: str) -> set[str]:
    return {name.split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("version", PROFILES)
def test_every_error_template_renders_in_every_version(version: str) -> None:
    profile, rules = load_profile(version), load_rules()
    for rule in rules.applicable(profile):
        if rule.kind != "error":
            continue
        outcome = rule.outcome(profile)
        params = {n: 1 for n in _placeholders(outcome.message) | _placeholders(outcome.stable) if n != "wording"}
        if outcome.status_from is not None:
            params[outcome.status_from] = 404
        expected = rules.expected(rule.id, profile, **params)
        assert expected.reason and "{" not in expected.stable, rule.id
        assert 100 <= expected.status < 600


def test_every_rule_id_raised_in_code_exists_in_the_table() -> None:
    rules = load_rules()
    raised: set[str] = set()
    for path in CONTRACT_DIR.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        raised |= set(re.findall(r'RuleViolation\(\s*"([a-z0-9_.]+)"', text))
        raised |= set(re.findall(r'\.add\(\s*"([a-z0-9_.]+)"', text))
        raised |= set(re.findall(r'rule="([a-z0-9_.]+)"', text))
    assert raised, "no rule id found in the validators"
    missing = sorted(r for r in raised if r not in rules)
    assert not missing, missing


@pytest.mark.parametrize("version", PROFILES)
def test_profiles_load(version: str) -> None:
    profile = load_profile(version)
    assert profile.version == version
    assert set(profile.services) == {"openai", "azureopenai", "amazonbedrock"}
    assert profile.rate_limit_default("openai", "text_embedding") == 3000
    assert profile.rate_limit_default("azureopenai", "completion") == 120
    assert profile.rate_limit_default("amazonbedrock", "text_embedding") == 240
    assert dict(profile.chunking_default) == {"strategy": "sentence", "max_chunk_size": 250, "sentence_overlap": 1}
    assert profile.get_list_key == "endpoints"


def test_profile_differences_are_data() -> None:
    old, new = load_profile("8.18"), load_profile("9.4")
    assert old.chunking_bounds["word"].max_max_chunk_size == 300
    assert new.chunking_bounds["word"].max_max_chunk_size is None
    assert "none" not in old.chunking_strategies and "none" in new.chunking_strategies
    assert not old.supports("azureopenai", "chat_completion") and new.supports("azureopenai", "chat_completion")
    assert old.empty_task_settings == "object" and new.empty_task_settings == "omit"


def test_unknown_profile_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        load_profile("7.17")


def test_rule_violation_str_and_repr_show_only_rule_ids() -> None:
    err = RuleViolation("settings.wrong_type", field="api_key", value="sk-secret", expected_type="String")
    assert "sk-secret" not in str(err) and "sk-secret" not in repr(err)
    assert err.rule_id == "settings.wrong_type"


def test_aggregated_violations_render_validation_failed_list() -> None:
    profile, rules = load_profile("8.18"), load_rules()
    err = RuleViolation.of([
        ("settings.required", {"scope": "service_settings", "field": "resource_name"}),
        ("settings.required", {"scope": "service_settings", "field": "deployment_id"}),
    ])
    status, body = err.render(profile, rules)
    assert status == 400
    assert body["error"]["type"] == "validation_exception"
    assert body["error"]["reason"] == (
        "Validation Failed: 1: [service_settings] does not contain the required setting [resource_name];"
        "2: [service_settings] does not contain the required setting [deployment_id];"
    )
    assert body["error"]["root_cause"] == [{"type": "validation_exception", "reason": body["error"]["reason"]}]
    assert body["status"] == 400


def test_caused_by_becomes_root_cause() -> None:
    profile, rules = load_profile("8.18"), load_rules()
    cause = {"type": "status_exception", "reason": "Received an authentication error status code for request "
             "from inference entity id [e] status [401]"}
    status, body = RuleViolation("validation_call.failed", cause=cause).render(profile, rules)
    assert status == 400
    assert body["error"]["reason"].startswith("Could not complete inference endpoint creation")
    assert body["error"]["caused_by"] == cause
    assert body["error"]["root_cause"] == [cause]


def test_unified_format_rule_renders_openai_style_error() -> None:
    profile, rules = load_profile("9.1"), load_rules()
    status, body = RuleViolation("streaming.chat_completion.only_stream").render(profile, rules)
    assert status == 400
    assert body == {"error": {"code": "bad_request", "type": "status_exception", "message":
                    "The [chat_completion] task type only supports streaming, please try again with the _stream API"}}
