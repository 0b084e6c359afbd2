"""The diff's listener: exchanges and planted secrets belong to the example of the item running on their thread;
secrets planted in the middle of an example (an ``_update``'s new canaries) stay in that example."""

from __future__ import annotations

from harness.diff.trace import CaseTracer
from harness.engine.plan import PlanItem
from harness.report.model import Result
from harness.target import Exchanged
from mocks.core.secrets import fingerprint

ITEM = PlanItem("check.update", "openai", "text_embedding", "t")


def _exchange(path: str) -> Exchanged:
    return Exchanged("PUT", "http://127.0.0.1:1" + path, b"{}", 200, {}, b"{}", 0.01)


def test_cases_are_items_then_examples() -> None:
    tracer = CaseTracer()
    tracer.exchange(_exchange("/before"))  # no item on this thread: not a case's
    tracer.item_started(ITEM)
    tracer.example_started(ITEM, 0)
    tracer.secrets_planted(("first-canary",))
    tracer.exchange(_exchange("/a"))
    tracer.secrets_planted(("updated-canary",))  # the _update's new key, planted mid-example
    tracer.exchange(_exchange("/b"))
    tracer.example_started(ITEM, 1)
    tracer.secrets_planted(("second-canary",))
    tracer.exchange(_exchange("/c"))
    tracer.item_finished(ITEM, [Result("check.update", "openai", "text_embedding", "failed")])
    key = ITEM.key
    assert [(case, e.url[-2:]) for case, e in tracer.records] == [(f"{key}#0", "/a"), (f"{key}#0", "/b"),
                                                                  (f"{key}#1", "/c")]
    assert tracer.owner == {fingerprint("first-canary"): f"{key}#0", fingerprint("updated-canary"): f"{key}#0",
                            fingerprint("second-canary"): f"{key}#1"}
    assert tracer.verdicts == {key: "failed"}


def test_a_pass_is_one_case_and_its_verdicts_are_per_result() -> None:
    tracer = CaseTracer()
    schema = PlanItem("schema.all", None, None, "t", kind="schema")
    tracer.item_started(schema)
    tracer.exchange(_exchange("/x"))
    tracer.item_finished(schema, [Result("schema.get", None, None, "passed"), Result("schema.post", None, None, "failed")])
    assert [case for case, _ in tracer.records] == ["schema.all#0"]
    assert tracer.verdicts == {"schema.get": "passed", "schema.post": "failed"}
