"""``harness run`` against deliberately broken targets (issue 4): each defect is caught by the right rule,
and the unmodified reference (directly and through a transparent proxy) passes the same families.

Each test starts a fresh stack (three mocks, the reference wired to them, a proxy) on port 0 and calls
``harness.cli.main`` in process with a small ``--max-examples`` and a ``--rules`` pattern selecting the
family under test.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from broken_targets import DEFECTS, Defect, HarnessRun, Stack

from contract import load_rules

MAX_EXAMPLES = 3

#: Every (family pattern, version) the defects use (the controls run them on the clean reference).
FAMILIES = sorted({(d.rules, d.es_version) for d in DEFECTS.values()})


def _param(defect: Defect) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=f"engine gap: {defect.gap}")] if defect.gap else []
    return pytest.param(defect, id=defect.name, marks=marks)


@pytest.mark.parametrize("defect", [_param(d) for d in DEFECTS.values()])
def test_harness_detects_defect(
    defect: Defect, stack_for: Callable[..., Stack], harness_run: Callable[..., HarnessRun]
) -> None:
    stack = stack_for(defect)
    run = harness_run(stack, rules=defect.rules, max_examples=MAX_EXAMPLES)

    assert run.exit_code == 1, f"{defect.description}: not detected\n{run.output[-2000:]}"
    assert run.report["summary"]["conformant"] is False
    missing = set(defect.detected_by) - run.failed_rules
    assert not missing, f"{defect.description}: {sorted(missing)} not among the failures {run.failures()}"
    caught = [r for r in run.results if r["outcome"] == "failed" and r["rule_id"] in defect.detected_by]
    assert any(defect.reason in r["reason"] and defect.seen in str(r["seen"]) for r in caught), (
        f"{defect.description}: failed for another reason than expected ({defect.reason!r}, seen "
        f"{defect.seen!r}): {[(r['reason'], r['seen']) for r in caught]}"
    )
    if defect.on is not None:
        service, task_type = defect.on
        assert any(r["service"] == service and r["task_type"] == task_type for r in caught), (
            f"{defect.description}: not caught on {service}/{task_type}: {run.failures()}"
        )
    # the failure carries its evidence, and no planted secret reaches the report or the console, even when
    # the target leaked it (the harness shows fingerprints)
    assert all(r["exchanges"] and r["replay"] for r in caught)
    planted = stack.proxy.app.all_secrets()
    assert planted
    text = json.dumps(run.report) + run.output
    assert [s for s in planted if s in text] == []


@pytest.mark.parametrize(("rules", "es_version"), [pytest.param(p, v, id=f"{p}-{v}") for p, v in FAMILIES])
def test_reference_is_conformant(
    rules: str, es_version: str, stack_for: Callable[..., Stack], harness_run: Callable[..., HarnessRun]
) -> None:
    stack = stack_for(None, es_version=es_version)
    run = harness_run(stack, target=stack.reference_url, rules=rules, max_examples=MAX_EXAMPLES)

    assert run.failures() == [], run.output[-3000:]
    assert run.exit_code == 0
    assert run.report["summary"]["passed"] > 0, "the family was not exercised at all"


def test_transparent_proxy_is_conformant(
    stack_for: Callable[..., Stack], harness_run: Callable[..., HarnessRun]
) -> None:
    """The proxy without a defect passes every family the defects use: each failure above comes from the
    defect, never from the proxy."""
    stack = stack_for(None)
    run = harness_run(stack, rules=[p for p, _ in FAMILIES], max_examples=MAX_EXAMPLES)

    assert run.failures() == [], run.output[-3000:]
    assert run.exit_code == 0
    passed = {r["rule_id"] for r in run.results if r["outcome"] == "passed"}
    rules = load_rules()
    elsewhere = {r.id for r in rules if stack.es_version not in r.versions}  # e.g. a 9.2+ rule on 8.18
    assert passed >= {rule for d in DEFECTS.values() for rule in d.detected_by if rule not in elsewhere}
