"""Issue 9: a target keeping the reference's old behaviour on the three disagreements with Elasticsearch's
source fails ``harness run`` with the right rule id on EVERY profile the rule covers (the defects in
broken_targets.py run on one profile; here each runs on all of them, with a single rule selected).

The profiles come from the rule table's version ranges, so a new release line is covered without an edit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from broken_targets import DEFECTS, HarnessRun, Stack

from contract import load_rules

#: defect -> the rule it breaks (a single rule id, so one run is small)
FIDELITY = {
    "chat_body_parsed_before_stream_check": "streaming.chat_completion.only_stream",
    "query_accepted_for_text_embedding": "input.query.not_for_task",
    "recursive_separators_and_group_accepted": "chunking.recursive.separators_conflict",
    "recursive_empty_separators_accepted": "chunking.recursive.separators_empty",
}
CASES = [pytest.param(name, version, id=f"{name}-{version}")
         for name, rule_id in FIDELITY.items() for version in load_rules().get(rule_id).versions]


@pytest.mark.parametrize(("name", "version"), CASES)
def test_old_behaviour_fails_on_every_affected_profile(
    name: str, version: str, stack_for: Callable[..., Stack], harness_run: Callable[..., HarnessRun]
) -> None:
    rule_id = FIDELITY[name]
    defect = replace(DEFECTS[name], es_version=version, rules=rule_id)
    run = harness_run(stack_for(defect), rules=rule_id, max_examples=1)
    assert run.exit_code == 1, run.output[-2000:]
    caught = [r for r in run.results if r["outcome"] == "failed" and r["rule_id"] == rule_id]
    assert caught, run.failures()
    assert any(defect.reason in r["reason"] for r in caught), [r["reason"] for r in caught]
