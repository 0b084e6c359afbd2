"""``harness run`` against gateways that break the REST layer (issue 24): each defect is caught by its
``rest.*`` rule, and the reference passes every ``rest.*`` rule through the same proxy with no defect."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from broken_targets import Defect, HarnessRun, Stack
from rest_defects import REST_DEFECTS


@pytest.mark.parametrize("defect", list(REST_DEFECTS.values()), ids=list(REST_DEFECTS))
def test_gateway_defect_is_caught_by_its_rest_rule(
    defect: Defect, stack_for: Callable[..., Stack], harness_run: Callable[..., HarnessRun]
) -> None:
    stack = stack_for(defect)
    run = harness_run(stack, rules=defect.rules, max_examples=2)
    assert run.exit_code == 1, f"{defect.description}: not detected\n{run.output[-2000:]}"
    assert set(defect.detected_by) <= run.failed_rules, run.failures()
    caught = [r for r in run.results if r["outcome"] == "failed" and r["rule_id"] in defect.detected_by]
    assert any(defect.reason in r["reason"] for r in caught), [(r["reason"], r["seen"]) for r in caught]
    text = json.dumps(run.report) + run.output
    assert [s for s in stack.proxy.app.all_secrets() if s in text] == []


@pytest.mark.parametrize("es_version", ["8.18", "9.4"])
def test_the_reference_behind_a_transparent_proxy_passes_the_rest_layer(
    es_version: str, stack_for: Callable[..., Stack], harness_run: Callable[..., HarnessRun]
) -> None:
    stack = stack_for(None, es_version=es_version)
    run = harness_run(stack, rules="rest.*", max_examples=2)
    assert run.failures() == [], run.output[-3000:]
    passed = {r["rule_id"] for r in run.results if r["outcome"] == "passed"}
    assert {d.detected_by[0] for d in REST_DEFECTS.values()} <= passed
