"""Issue 23: every rule id (each rule of ``specs/rules.yaml`` and each harness check, ``check.*``) has at least one
broken target that makes ``harness run`` fail that rule id, and the reference passes it.

* :func:`test_every_rule_id_has_a_broken_target` enumerates the rule table and the harness checks and fails
  naming every id no defect module covers (a rule added later fails it until it has a defect), unless the rule
  says in the table why it cannot be broken through HTTP (``unbreakable: <reason>``).
* The defects of :mod:`per_rule_defects` are each caught by their own rule id (in process, one rule selected);
  a representative of each kind of defect is also caught with the reference served by ``harness serve`` in its
  own process and ``harness run`` in another, as users meet a target; the reference passes every rule they break,
  on the same profiles (the ``security.*`` ones: ``test_security_detects.py`` on every representative profile).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from broken_targets import DEFECTS, BrokenProxy, Defect, HarnessRun, ProxyServer, Stack
from per_rule_defects import PER_RULE, PER_RULE_SECURITY
from rest_defects import REST_DEFECTS
from security_defects import SECURITY_DEFECTS, SecuredStack, planted

from contract import load_profile, load_rules
from contract.profiles import SPECS_DIR
from harness.checks.registry import HARNESS_RULES
from harness.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "external"))
from external_processes import Serve, harness_run, serve  # noqa: E402

MAX_EXAMPLES = 2

#: every defect module's defects: a rule id any of them is caught by has a broken target
ALL_DEFECTS: tuple[Defect, ...] = (
    *DEFECTS.values(),
    *SECURITY_DEFECTS.values(),
    *REST_DEFECTS.values(),
    *PER_RULE.values(),
    *PER_RULE_SECURITY.values(),
)


def _rule_ids() -> list[str]:
    """Every rule id a run can fail: the rule table's, then the harness checks'."""
    return [r.id for r in load_rules()] + list(HARNESS_RULES)


def _unbreakable() -> dict[str, str]:
    """``rule id -> reason`` of the rules the table marks ``unbreakable`` (no HTTP request can break them)."""
    with open(SPECS_DIR / "rules.yaml", encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return {r["id"]: r["unbreakable"] for r in data["rules"] if "unbreakable" in r}


# ------------------------------------------------------------------------------------------------ enumeration
def test_every_rule_id_has_a_broken_target() -> None:
    covered = {rule_id for defect in ALL_DEFECTS for rule_id in defect.detected_by}
    unbreakable = _unbreakable()
    missing = [rule_id for rule_id in _rule_ids() if rule_id not in covered and rule_id not in unbreakable]
    assert not missing, (
        f"{len(missing)} rule id(s) without a broken target (add a defect, e.g. in tests/broken/per_rule_defects.py, "
        f"or `unbreakable: <why>` in specs/rules.yaml): {', '.join(missing)}"
    )


def test_unbreakable_rules_say_why_and_have_no_defect() -> None:
    covered = {rule_id for defect in ALL_DEFECTS for rule_id in defect.detected_by}
    for rule_id, why in _unbreakable().items():
        assert rule_id in load_rules(), f"unbreakable names an unknown rule {rule_id}"
        assert isinstance(why, str) and len(why.split()) >= 5, f"{rule_id}: say why it cannot be broken"
        assert rule_id not in covered, f"{rule_id} is marked unbreakable but a defect breaks it: drop the mark"


@pytest.mark.parametrize("rule_id", sorted(_unbreakable()))
def test_unbreakable_rules_are_never_exercised(
    rule_id: str, stack_for: Callable[..., Stack], harness_run: Callable[..., HarnessRun]
) -> None:
    """A rule marked unbreakable is one no request can reach: the run reports it not applicable everywhere."""
    stack = stack_for(None, es_version=load_rules().get(rule_id).versions[0])
    run = harness_run(stack, target=stack.reference_url, rules=rule_id, max_examples=1)
    assert run.exit_code == 0, run.output[-2000:]
    assert run.results and {r["outcome"] for r in run.results} == {"not_applicable"}, run.results


def test_every_defect_names_known_rule_ids() -> None:
    known = set(_rule_ids())
    unknown = sorted({(d.name, r) for d in ALL_DEFECTS for r in d.detected_by if r not in known})
    assert unknown == []
    names = [d.name for d in ALL_DEFECTS]
    assert len(names) == len(set(names)), "defect names must be unique across the modules"


def test_each_per_rule_defect_is_judged_where_its_rule_holds() -> None:
    rules = load_rules()
    for defect in (*PER_RULE.values(), *PER_RULE_SECURITY.values()):
        assert defect.detected_by == (defect.rules,), f"{defect.name}: one rule selected, the one it breaks"
        if defect.rules in rules:
            assert defect.es_version in rules.get(defect.rules).versions, defect.name


def test_each_rewritten_error_differs_from_its_rule_in_the_table() -> None:
    """A defect that rewrites a rule's error (reworded, another type or status) changes what the rule table says
    for that rule: the rewording applied to the rule's message template loses its stable text; the type and the
    status differ from the rule's. A rule whose message changes in the table makes its defect fail here first."""
    rules = load_rules()
    for defect in PER_RULE.values():
        rewrite = getattr(defect.handler, "rewrite", None)
        if rewrite is None or defect.rules not in rules:
            continue
        outcome = rules.get(defect.rules).outcome(load_profile(defect.es_version))
        if rewrite["reason"] is not None and outcome.stable in outcome.message:
            assert outcome.stable not in rewrite["reason"](outcome.message), (defect.name, outcome.message)
        if rewrite["error_type"] is not None:
            assert rewrite["error_type"] != outcome.error_type, defect.name
        if isinstance(rewrite["status"], int) and outcome.status is not None:
            assert rewrite["status"] != outcome.status, defect.name


# ------------------------------------------------------------------------------------------------ in process
def _param(defect: Defect) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=f"engine gap: {defect.gap}")] if defect.gap else []
    return pytest.param(defect, id=defect.name, marks=marks)


def _assert_caught(defect: Defect, run: HarnessRun) -> list[dict[str, Any]]:
    assert run.exit_code == 1, f"{defect.description}: not detected\n{run.output[-2000:]}"
    caught = [r for r in run.results if r["outcome"] == "failed" and r["rule_id"] in defect.detected_by]
    assert caught, f"{defect.description}: {defect.detected_by} not among the failures {run.failures()}"
    assert any(defect.reason in r["reason"] and defect.seen in str(r["seen"]) for r in caught), (
        f"{defect.description}: failed for another reason than expected ({defect.reason!r}, seen {defect.seen!r}): "
        f"{[(r['reason'], r['seen']) for r in caught]}"
    )
    if defect.on is not None:
        assert any((r["service"], r["task_type"]) == defect.on for r in caught), run.failures()
    assert all(r["exchanges"] and r["replay"] for r in caught)
    return caught


#: defect -> the harness's redaction gap its failure shows (a planted secret printed in clear in the report): the
#: detection is asserted, the leak is a strict expected failure until the harness is fixed
REDACTION_GAPS: dict[str, str] = {}  # none: every planted secret is redacted (see git history for the last)


@pytest.mark.parametrize("defect", [_param(d) for d in PER_RULE.values()])
def test_per_rule_defect_fails_its_rule(
    defect: Defect, stack_for: Callable[..., Stack], harness_run: Callable[..., HarnessRun]
) -> None:
    stack = stack_for(defect)
    run = harness_run(stack, rules=defect.rules, max_examples=MAX_EXAMPLES)
    _assert_caught(defect, run)
    text = json.dumps(run.report) + run.output
    leaked = [s for s in stack.proxy.app.all_secrets() if s in text]
    if defect.name in REDACTION_GAPS:
        assert leaked, f"redaction gap fixed ({REDACTION_GAPS[defect.name]}): drop {defect.name} from REDACTION_GAPS"
        pytest.xfail(f"harness gap: {REDACTION_GAPS[defect.name]}")
    assert leaked == []


#: the profiles the per-rule defects are judged on, with the rules judged on each
CONTROLS: dict[str, list[str]] = {}
for _defect in PER_RULE.values():
    if not _defect.gap:  # a rule no scenario exercises yet is not passed either
        CONTROLS.setdefault(_defect.es_version, []).append(_defect.rules)


@pytest.mark.parametrize("es_version", sorted(CONTROLS))
def test_reference_passes_every_rule_the_defects_break(
    es_version: str, stack_for: Callable[..., Stack], harness_run: Callable[..., HarnessRun]
) -> None:
    """The control: the clean reference, on the same profile, seed and example count, passes each of those rules
    (every one exercised, none only not applicable), so each failure above is the defect's."""
    stack = stack_for(None, es_version=es_version)
    rules = CONTROLS[es_version]
    run = harness_run(stack, target=stack.reference_url, rules=rules, max_examples=MAX_EXAMPLES)
    assert run.failures() == [], run.output[-3000:]
    assert run.exit_code == 0
    passed = {r["rule_id"] for r in run.results if r["outcome"] == "passed"}
    assert sorted(set(rules) - passed) == []


# ------------------------------------------------------------------------------------------------ security
@pytest.mark.parametrize("defect", [_param(d) for d in PER_RULE_SECURITY.values()])
def test_per_rule_security_defect_fails_its_rule(
    defect: Defect,
    stack_for: Callable[..., Stack],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack = stack_for(defect, kind=SecuredStack)
    report_dir = tmp_path / "report"
    code = main(
        stack.harness_args(stack.url, rules=defect.rules, report_dir=str(report_dir), max_examples=MAX_EXAMPLES)
    )
    output = capsys.readouterr().out
    path = report_dir / "report.json"
    run = HarnessRun(code, json.loads(path.read_text()) if path.exists() else {}, output)
    _assert_caught(defect, run)
    assert planted(run.report, run.output) == []


# ------------------------------------------------------------------------------------------------ out of process
#: one defect of each kind, caught with the reference in a ``harness serve`` process (security on) and
#: ``harness run`` in another: a message reworded, a status passed through, a check skipped, an upstream call
#: made twice, a default not filled in, a header dropped; and gateways breaking the REST layer, secured (issue 24)
OUT_OF_PROCESS = (
    "range_min_grammar_fixed",
    "upstream_500_passed_through",
    "put_is_upsert",
    "upstream_401_retried",
    "one_rate_limit_default",
    "www_authenticate_stripped",
    "product_header_stripped",
    "filter_path_not_applied",
    "compatible_with_normalised",
)


@pytest.fixture(scope="module")
def served() -> Iterator[Serve]:
    """One ``harness serve`` (8.18, security on) for every representative."""
    with serve("8.18") as process:
        yield process


@pytest.mark.parametrize("name", OUT_OF_PROCESS)
def test_representative_caught_out_of_process(name: str, served: Serve, tmp_path: Path) -> None:
    defect = PER_RULE.get(name) or PER_RULE_SECURITY.get(name) or REST_DEFECTS[name]
    assert defect.es_version == "8.18" and not defect.gap
    with ProxyServer(BrokenProxy(served.target, defect)) as proxy:
        run = harness_run(
            [
                "--target",
                proxy.url,
                *served.auth_args(),
                *served.mock_args(),
                "--rules",
                defect.rules,
                "--max-examples",
                str(MAX_EXAMPLES),
            ],
            tmp_path / "report",
        )
        proxy.raise_errors()
        secrets = proxy.app.all_secrets()
    assert run.exit_code == 1, f"{defect.description}: not detected\n{run.output[-2000:]}"
    caught = [r for r in run.failures if r["rule_id"] in defect.detected_by]
    assert caught, run.outcomes("failed")
    assert any(defect.reason in r["reason"] and defect.seen in str(r["seen"]) for r in caught), [
        (r["reason"], r["seen"]) for r in caught
    ]
    assert run.summary["not_checked"] == 0, run.outcomes("not_checked")
    text = json.dumps(run.report) + run.output
    assert [s for s in secrets if s in text] == [] and served.password not in text
