"""The run engine and its listeners: every item told in plan order (the passes last), the item's own events on the
item's thread in this process when a listener needs them, in every worker process when it forks with them."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Sequence

from harness.config import RunConfig
from harness.engine.events import Listener
from harness.engine.plan import PlanItem
from harness.engine.run import Engine
from harness.report.model import Result
from harness.target import Exchanged, Target

RULES = ("id_format.*", "crud.not_found", "stateful.crud")


class _Everything(Listener):
    """Records what a run tells it, and where (the pid, the item running on the thread)."""

    needs_item_events = True

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.finished: list[tuple[str, list[str]]] = []
        self.exchanges: list[tuple[int, str]] = []
        self.planted: list[tuple[str, int]] = []
        self._local = threading.local()

    def run_started(self, items: Sequence[PlanItem], config: RunConfig, target: Target) -> None:
        self.calls.append(f"run_started {len(items)}")

    def item_started(self, item: PlanItem) -> None:
        self._local.item, self._local.example = item.key, 0

    def example_started(self, item: PlanItem, number: int) -> None:
        assert item.key == self._local.item  # on the item's own thread
        self._local.example = number

    def secrets_planted(self, secrets: tuple[str, ...]) -> None:
        self.planted.append((self._local.item, self._local.example))

    def exchange(self, exchanged: Exchanged) -> None:
        self.exchanges.append((os.getpid(), getattr(self._local, "item", "")))

    def item_finished(self, item: PlanItem, results: list[Result]) -> None:
        self.finished.append((item.key, [r.rule_id for r in results]))

    def run_finished(self) -> None:
        self.calls.append("run_finished")


def test_every_item_in_plan_order_passes_last_and_item_events_in_this_process() -> None:
    listener = _Everything()
    engine = Engine(RunConfig(rules=RULES, max_examples=2, workers=2), [listener])
    planned = engine.plan()
    report, _ = engine.run()
    assert [key for key, _ in listener.finished] == [item.key for item in planned]
    assert planned[-1].kind == "stateful" and all(item.kind == "rule" for item in planned[:-1])
    assert [rid for _, rids in listener.finished for rid in rids] == [r.rule_id for r in report.results]
    assert listener.calls == [f"run_started {len(planned)}", "run_finished"]
    # a listener needing the items' own events keeps them in this process, each exchange told on its item's thread
    assert listener.exchanges and {pid for pid, _ in listener.exchanges} == {os.getpid()}
    assert all(item for _, item in listener.exchanges)
    # every rule item that ran planted its canaries in each example; the state machine planted per PUT
    assert {item for item, _ in listener.planted} >= {i.key for i in planned if i.kind == "rule" and not i.not_applicable}
    assert any(item == "stateful.crud" for item, _ in listener.planted)


class _CountsInWorkers(Listener):
    """Counts exchanges in shared memory, and how many came from another process than the parent."""

    needs_item_events = True
    forks_with_workers = True

    def __init__(self) -> None:
        self.parent = os.getpid()
        self.total = multiprocessing.Value("q", 0)
        self.elsewhere = multiprocessing.Value("q", 0)

    def exchange(self, exchanged: Exchanged) -> None:
        with self.total.get_lock():
            self.total.value += 1
        if os.getpid() != self.parent:
            with self.elsewhere.get_lock():
                self.elsewhere.value += 1


def test_a_listener_forking_with_the_workers_is_told_there() -> None:
    listener = _CountsInWorkers()
    report, _ = Engine(RunConfig(rules=("id_format.*",), max_examples=2, workers=2), [listener]).run()
    assert report.results and not report.failures
    assert listener.elsewhere.value > 0  # the rule items ran on the worker processes, which told it
    assert listener.total.value >= listener.elsewhere.value


def test_without_listeners_needing_item_events_the_items_run_on_workers() -> None:
    """The control of the tests above: the same run with a results-only listener forks workers, whose exchanges
    this process never sees."""
    seen: list[int] = []

    class Results(Listener):
        def item_finished(self, item: PlanItem, results: list[Result]) -> None:
            seen.append(len(results))

    engine = Engine(RunConfig(rules=("id_format.*",), max_examples=2, workers=2), [Results()])
    assert engine.events.allow_processes and not engine.events.needs_item_events
    report, _ = engine.run()
    assert sum(seen) == len(report.results) > 0
