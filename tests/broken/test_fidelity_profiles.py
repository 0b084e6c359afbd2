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


#: issue 20: each old answer on the first and the last profile its rule covers (every profile for the
#: reference itself is in tests/reference/test_es_source_fidelity_issue20.py)
ISSUE20 = {
    "openai_dimensions_set_by_user_not_allowed": "settings.unknown",
    "completion_prefix_of_the_removed_action": "input.completion.single",
    "none_chunking_with_keys_refused": "chunking.none.extra_keys_ignored",
    "update_unknown_fields_dropped": "crud.update.unknown_fields",
    "unknown_body_field_old_parser_name": "input.unknown_field",
    "class_cast_as_bad_request": "settings.not_an_object",
    "input_type_ignored_on_8_19": "input.input_type.rejected",
    "rerank_options_ignored": "input.rerank_option.not_for_task",
    "semantic_text_task_type_invented_message": "index.semantic_text.task_type",
}
ENDS = [
    pytest.param(name, version, id=f"{name}-{version}")
    for name, rule_id in ISSUE20.items()
    for version in dict.fromkeys((load_rules().get(rule_id).versions[0], load_rules().get(rule_id).versions[-1]))
]


@pytest.mark.parametrize(("name", "version"), ENDS)
def test_issue20_old_answer_fails_at_both_ends(
    name: str, version: str, stack_for: Callable[..., Stack], harness_run: Callable[..., HarnessRun]
) -> None:
    rule_id = ISSUE20[name]
    defect = replace(DEFECTS[name], es_version=version, rules=rule_id)
    run = harness_run(stack_for(defect), rules=rule_id, max_examples=2)
    assert run.exit_code == 1, run.output[-2000:]
    caught = [r for r in run.results if r["outcome"] == "failed" and r["rule_id"] == rule_id]
    assert caught and any(defect.reason in r["reason"] for r in caught), run.failures()
