"""Every one-rule mutation breaks exactly its rule: the pure validator (harness.contract) agrees with the
params the generator predicts, so the harness's expected error has no false positives."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from harness.contract import RuleViolation, load_profile, load_rules
from harness.contract.validate import parse_put, validate_inference_id
from harness.gen import MUTATIONS, endpoint, mutate

RULES = load_rules()
COMBOS = [
    pytest.param(v, s, t, id=f"{v}-{s}-{t}")
    for v in ("8.18", "9.1", "9.4")
    for s in load_profile(v).services
    for t in load_profile(v).task_types[s]
]


@pytest.mark.parametrize(("version", "service", "task_type"), COMBOS)
def test_each_mutation_breaks_exactly_its_rule(version: str, service: str, task_type: str) -> None:
    profile = load_profile(version)
    problems: dict[str, str] = {}

    @settings(max_examples=10, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def prop(data: st.DataObject) -> None:
        case = data.draw(endpoint(profile, service, task_type, openai_url="http://127.0.0.1:9"))
        for rule_id in MUTATIONS:
            if not RULES.get(rule_id).applies(profile, service, task_type):
                continue
            strategy = mutate(rule_id, case, profile)
            if strategy is None:
                continue
            invalid = data.draw(strategy)
            segments = invalid.path.split("/")[2:]
            try:
                validate_inference_id(segments[-1])
                parse_put(profile, url_task_type=segments[0] if len(segments) == 2 else None,
                          inference_id=segments[-1], body=invalid.body)
                problems.setdefault(rule_id, f"accepted: {invalid.note}")
            except RuleViolation as err:
                _, _, reason = err.message(profile, RULES)
                want = RULES.expected(rule_id, profile, **invalid.params).reason
                if err.rule_ids != (rule_id,) or reason != want:
                    problems.setdefault(rule_id, f"{err.rule_ids} {reason!r} != {want!r}")

    prop()
    assert problems == {}


@pytest.mark.parametrize("version", ["8.18", "9.1", "9.4"])
def test_valid_endpoints_pass_the_pure_validator(version: str) -> None:
    profile = load_profile(version)

    @settings(max_examples=25, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def prop(data: st.DataObject) -> None:
        service = data.draw(st.sampled_from(profile.services))
        task_type = data.draw(st.sampled_from(profile.task_types[service]))
        case = data.draw(endpoint(profile, service, task_type, openai_url="http://127.0.0.1:9"))
        parse_put(profile, url_task_type=task_type, inference_id=case.inference_id, body=case.body)

    prop()


def test_case_repr_hides_canaries() -> None:
    profile = load_profile("8.18")
    case = find(endpoint(profile, "openai", "text_embedding", openai_url="http://x"), lambda c: True)
    assert case.auth_secret.startswith("sk-canary-")
    assert case.auth_secret not in repr(case)
