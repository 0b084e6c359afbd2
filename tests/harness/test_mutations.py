"""Every one-rule mutation breaks exactly its rule: the pure validator (contract) agrees with the
params the generator predicts, so the harness's expected error has no false positives."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from contract import Profile, RuleViolation, load_profile, load_rules
from contract.validate import parse_put, validate_inference_id
from harness.gen import MUTATIONS, InvalidCase, endpoint, mutate, variants

RULES = load_rules()
COMBOS = [
    pytest.param(v, s, t, id=f"{v}-{s}-{t}")
    for v in ("8.18", "9.1", "9.4")
    for s in load_profile(v).services
    for t in load_profile(v).task_types[s]
]


def _problem(profile: Profile, rule_id: str, invalid: InvalidCase) -> str:
    """Why ``invalid`` does not break exactly ``rule_id`` with the predicted message ('' when it does)."""
    segments = invalid.path.split("/")[2:]
    try:
        validate_inference_id(segments[-1])
        parse_put(profile, url_task_type=segments[0] if len(segments) == 2 else None,
                  inference_id=segments[-1], body=invalid.body)
    except RuleViolation as err:
        _, _, reason = err.message(profile, RULES)
        want = RULES.expected(rule_id, profile, **invalid.params).reason
        if err.rule_ids != (rule_id,) or reason != want:
            return f"{invalid.note}: {err.rule_ids} {reason!r} != {want!r}"
        return ""
    return f"accepted: {invalid.note}"


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
            plan = variants(rule_id, case, profile)
            if plan is None:
                assert mutate(rule_id, case, profile) is None
                continue
            assert plan.fixed or plan.extra is not None, rule_id
            extra = [data.draw(plan.extra)] if plan.extra is not None else []
            for invalid in (*plan.fixed, *extra, data.draw(plan.strategy())):
                problem = _problem(profile, rule_id, invalid)
                if problem:
                    problems.setdefault(rule_id, problem)

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


@pytest.mark.parametrize(
    ("version", "service", "expected"),
    [
        pytest.param("8.18", "azureopenai", ["chat_completion", "sparse_embedding", "rerank"], id="8.18-azure"),
        pytest.param("8.18", "amazonbedrock", ["chat_completion", "sparse_embedding", "rerank"], id="8.18-bedrock"),
        pytest.param("9.1", "amazonbedrock", ["chat_completion", "sparse_embedding", "rerank"], id="9.1-bedrock"),
        pytest.param("9.4", "azureopenai", ["sparse_embedding", "rerank"], id="9.4-azure"),
        pytest.param("8.18", "openai", ["sparse_embedding", "rerank"], id="8.18-openai"),
    ],
)
def test_every_unsupported_task_type_is_a_fixed_variant(version: str, service: str, expected: list[str]) -> None:
    """Each one is tried in every example, the ones another version supports first (the likeliest bug)."""
    profile = load_profile(version)
    case = find(endpoint(profile, service, "completion", openai_url="http://x"), lambda c: True)
    plan = variants("service.unsupported_task_type", case, profile)
    assert plan is not None and plan.extra is None
    assert [v.params["task_type"] for v in plan.fixed] == expected
    assert [v.path.split("/")[2] for v in plan.fixed] == expected


@pytest.mark.parametrize(
    ("rule_id", "values"),
    [
        pytest.param("chunking.max_chunk_size.min", [("word", 9), ("sentence", 19)], id="min-9-19"),
        pytest.param("chunking.max_chunk_size.max", [("word", 301), ("sentence", 301)], id="max-301"),
        pytest.param("chunking.overlap.max", [("word", 10), ("word", 11), ("word", 299), ("word", 300)], id="overlap"),
        pytest.param("chunking.sentence_overlap.value", [("sentence", 100)], id="sentence-overlap-2"),
    ],
)
def test_chunking_bounds_are_fixed_variants(rule_id: str, values: list[tuple[str, int]]) -> None:
    """The first invalid value of each bound is tried in every example (8.18 caps at 300)."""
    profile = load_profile("8.18")
    case = find(endpoint(profile, "openai", "text_embedding", openai_url="http://x"), lambda c: True)
    plan = variants(rule_id, case, profile)
    assert plan is not None and plan.extra is not None
    chunks = [v.body["chunking_settings"] for v in plan.fixed]
    assert [(c["strategy"], c["max_chunk_size"]) for c in chunks] == values
    if rule_id == "chunking.overlap.max":
        assert [c["overlap"] for c in chunks] == [6, 6, 150, 151]
    if rule_id == "chunking.sentence_overlap.value":
        assert chunks[0]["sentence_overlap"] == 2
