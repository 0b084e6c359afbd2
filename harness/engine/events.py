"""What a run tells its listeners, and the fan-out that tells them all.

The engine (:mod:`harness.engine.run`) emits, in this order: ``run_started`` once the session is open (and the
worker processes, if any, are forked); for each plan item ``item_started``, ``example_started`` per generated
example, ``secrets_planted`` for every canary set a scenario plants, ``exchange`` for every HTTP exchange with the
target, ``item_finished`` with its results (in plan order); then ``run_finished``.

``item_started``, ``example_started``, ``secrets_planted`` and ``exchange`` are called on the thread that runs the
item, so a listener may keep per-thread state between them. A listener that needs them sets
:attr:`Listener.needs_item_events`: the engine then runs the items on threads of this process (a worker process's
events would not reach it), unless it also sets :attr:`Listener.forks_with_workers` (it is told in each worker).
``item_finished`` and the run events are called on the driving thread.

Example::

    class Count(Listener):
        def __init__(self) -> None:
            self.failed = 0

        def item_finished(self, item: PlanItem, results: list[Result]) -> None:
            self.failed += sum(r.outcome == "failed" for r in results)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from harness.config import RunConfig
from harness.report.model import Result
from harness.target import Exchanged, Target

if TYPE_CHECKING:
    from harness.engine.plan import PlanItem

__all__ = ["Events", "Listener"]


class Listener:
    """The hooks of a run, each doing nothing here: a listener overrides the ones it needs."""

    #: True when the listener needs the events of an item's own thread (examples, secrets, exchanges)
    needs_item_events: bool = False
    #: True when those events may reach it in a forked worker process (it shares what it keeps across processes
    #: itself, e.g. in ``multiprocessing.Value``): the engine then still uses worker processes
    forks_with_workers: bool = False

    def run_started(self, items: Sequence[PlanItem], config: RunConfig, target: Target) -> None:
        """The plan is made, the run's ``target`` and mocks are up, the workers (if any) exist."""

    def item_started(self, item: PlanItem) -> None:
        """``item`` starts on the current thread."""

    def example_started(self, item: PlanItem, number: int) -> None:
        """The ``number``-th generated example of ``item`` starts (from 0)."""

    def secrets_planted(self, secrets: tuple[str, ...]) -> None:
        """The current example (or pass) planted these canary secrets."""

    def exchange(self, exchanged: Exchanged) -> None:
        """One HTTP exchange with the target (the run's own cleanup excepted)."""

    def item_finished(self, item: PlanItem, results: list[Result]) -> None:
        """``item``'s results, in plan order."""

    def run_finished(self) -> None:
        """Every item has finished (or the run was interrupted)."""


class Events(Listener):
    """Every listener's hook, in the order the listeners were given; ``item_finished`` and the run events are
    serialised (a lock), the per-thread ones are not (each is called on its own item's thread)."""

    def __init__(self, listeners: Sequence[Listener] = ()) -> None:
        self.listeners = tuple(listeners)
        self.needs_item_events = any(lst.needs_item_events for lst in self.listeners)
        #: the items may run on worker processes: no listener needs an item's events in this process
        self.allow_processes = all(lst.forks_with_workers or not lst.needs_item_events for lst in self.listeners)

    def in_workers(self) -> Events:
        """The listeners a forked worker process tells (those that fork with the workers)."""
        return Events([lst for lst in self.listeners if lst.forks_with_workers])

    def observe(self, target: Target) -> None:
        """Have ``target`` tell these listeners every exchange, when one of them needs them."""
        if self.needs_item_events:
            target.observers.append(self.exchange)
        self._lock = threading.Lock()

    def run_started(self, items: Sequence[PlanItem], config: RunConfig, target: Target) -> None:
        """Tell every listener the run started."""
        with self._lock:
            for listener in self.listeners:
                listener.run_started(items, config, target)

    def item_started(self, item: PlanItem) -> None:
        """Tell every listener ``item`` started on this thread."""
        for listener in self.listeners:
            listener.item_started(item)

    def example_started(self, item: PlanItem, number: int) -> None:
        """Tell every listener an example of ``item`` started on this thread."""
        for listener in self.listeners:
            listener.example_started(item, number)

    def secrets_planted(self, secrets: tuple[str, ...]) -> None:
        """Tell every listener the current example planted ``secrets``."""
        for listener in self.listeners:
            listener.secrets_planted(secrets)

    def exchange(self, exchanged: Exchanged) -> None:
        """Tell every listener about one exchange with the target."""
        for listener in self.listeners:
            listener.exchange(exchanged)

    def item_finished(self, item: PlanItem, results: list[Result]) -> None:
        """Tell every listener ``item`` finished with ``results``."""
        with self._lock:
            for listener in self.listeners:
                listener.item_finished(item, results)

    def run_finished(self) -> None:
        """Tell every listener the run is over."""
        with self._lock:
            for listener in self.listeners:
                listener.run_finished()
