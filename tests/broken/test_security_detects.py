"""``harness run`` against secured targets with one security defect each (issue 10): each is caught by the
right ``security.*`` rule (exit 1), no credential reaches the report, and the clean secured reference passes
every ``security.*`` rule on every profile."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from broken_targets import Defect, HarnessRun, Stack
from security_defects import SECURITY_DEFECTS, SecuredStack, planted

from contract import REPRESENTATIVE_PROFILES, load_rules
from harness.cli import main

MAX_EXAMPLES = 2


@pytest.fixture
def secured_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stack_for: Callable[..., Stack]
) -> Callable[..., HarnessRun]:
    runs = iter(range(1, 1_000))

    def run(defect: Defect | None, *, rules: str, es_version: str = "8.18", direct: bool = False,
            anonymous: bool = False) -> HarnessRun:
        stack = stack_for(defect, es_version=es_version, kind=SecuredStack)
        report_dir = tmp_path / f"report-{next(runs)}"
        target = stack.reference_url if direct else stack.url
        args = stack.harness_args(target, rules=rules, report_dir=str(report_dir), max_examples=MAX_EXAMPLES)
        code = main(args[:-2] if anonymous else args)  # the last two: --user elastic:<password>
        output = capsys.readouterr().out
        path = report_dir / "report.json"
        return HarnessRun(code, json.loads(path.read_text()) if path.exists() else {}, output)

    return run


@pytest.mark.parametrize("defect", list(SECURITY_DEFECTS.values()), ids=list(SECURITY_DEFECTS))
def test_harness_detects_security_defect(defect: Defect, secured_run: Callable[..., HarnessRun]) -> None:
    run = secured_run(defect, rules=defect.rules)

    assert run.exit_code == 1, f"{defect.description}: not detected\n{run.output[-2000:]}"
    missing = set(defect.detected_by) - run.failed_rules
    assert not missing, f"{defect.description}: {sorted(missing)} not among the failures {run.failures()}"
    caught = [r for r in run.results if r["outcome"] == "failed" and r["rule_id"] in defect.detected_by]
    assert any(defect.reason in r["reason"] and defect.seen in str(r["seen"]) for r in caught), (
        [(r["reason"], r["seen"]) for r in caught])
    assert all(r["exchanges"] and r["replay"] for r in caught)
    assert planted(run.report, run.output) == []


@pytest.mark.parametrize("es_version", REPRESENTATIVE_PROFILES)
def test_secured_reference_passes_every_security_rule(es_version: str, secured_run: Callable[..., HarnessRun]) -> None:
    run = secured_run(None, rules="security.*", es_version=es_version, direct=True)

    assert run.failures() == [], run.output[-3000:]
    assert run.exit_code == 0
    outcomes = {r["rule_id"]: r["outcome"] for r in run.results}
    assert set(outcomes) == {r.id for r in load_rules() if r.family == "security"}
    assert set(outcomes.values()) == {"passed"}


def test_without_credentials_a_secured_target_stops_the_run(secured_run: Callable[..., HarnessRun]) -> None:
    """No --user/--api-key against a target that answers 401: one line naming the options, exit 2, before any
    rule runs (issue 21: a misconfigured run is never the target's failure)."""
    run = secured_run(None, rules="security.*", direct=True, anonymous=True)

    assert run.exit_code == 2, run.output[-2000:]  # the line itself: tests/external/test_preflight.py
    assert not run.results
