"""The one run engine: plan the items, open the session, execute every item, tell the listeners, build the report.

:class:`Engine` is what ``harness run`` (:mod:`harness.runner`), ``harness diff`` (:mod:`harness.diff.trace`) and
the pytest plugin (:mod:`harness.plugin.conformance`, item by item) drive; the progress display and the diff's
case traces are listeners (:mod:`harness.engine.events`). Items run on ``config.workers`` worker processes when
the mocks are reachable by URL and no listener needs an item's own events (:mod:`harness.engine.processes`),
otherwise on as many threads; results come back in plan order either way, because each item is seeded from the run
seed and its own key.

Example::

    report, redactor = Engine(RunConfig(rules=("chunking.*",)), [MyListener()]).run()
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from contract import RuleTable, load_profile, load_rules
from harness.config import RunConfig, run_nonce
from harness.engine.events import Events, Listener
from harness.engine.execute import execute
from harness.engine.plan import PlanItem, check_rule_patterns, pass_items, plan
from harness.engine.session import Session, open_session
from harness.environment import Environment
from harness.report.model import Result, RunReport
from harness.report.redact import Redactor

__all__ = ["Engine", "rule_evidence"]


class Engine:
    """One run of ``config`` (profile, seed, rules, examples, workers) with ``listeners``.

    ``environment`` is the configuration of the target and mocks to run against when it differs from ``config``
    (``harness diff`` generates one side's requests from the other side's profile).
    """

    def __init__(
        self, config: RunConfig, listeners: Sequence[Listener] = (), *, environment: RunConfig | None = None
    ) -> None:
        config.validate()
        check_rule_patterns(config.rules, config.es_version)
        if not config.nonce:
            config = config.with_(nonce=run_nonce(config))
        self.config = config
        self.environment = environment.validate() if environment is not None else config
        self.events = Events(listeners)

    def plan(self) -> list[PlanItem]:
        """The rule items of the profile the rules select, then the selected passes."""
        profile = load_profile(self.config.es_version)
        return [*plan(profile, load_rules(), self.config.rules), *pass_items(self.config.rules)]

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """The target and mocks started or connected (stopped afterwards), every exchange with the target told
        to the listeners that need it."""
        with Environment(self.environment) as env:
            session = open_session(self.config, env, self.events)
            self.events.observe(env.target)
            yield session

    def run(self) -> tuple[RunReport, Redactor]:
        """Execute every item; return the report and the redactor holding every planted secret.

        Raises:
            HarnessError: the target or a mock is unreachable, or the configuration is invalid.
        """
        from harness.engine.processes import can_use_processes, start_embedded_workers

        config, items = self.config, self.plan()
        started = datetime.now(UTC).isoformat(timespec="seconds")
        t0 = time.monotonic()
        processes = config.workers > 1 and self.events.allow_processes
        # embedded: each worker process gets its own reference and mocks, forked before any server thread here
        embedded = processes and config.embedded and can_use_processes()
        pool = start_embedded_workers(config, self.events.in_workers()) if embedded else None
        with contextlib.ExitStack() as cleanup:
            if pool is not None:
                cleanup.callback(pool.shutdown)
            session = cleanup.enter_context(self.session())
            report = _report(session, items, started)
            report.results = self.execute_all(items, session, pool=pool)
        report.duration = round(time.monotonic() - t0, 3)
        return report, session.redactor

    def execute_all(self, items: list[PlanItem], session: Session, *, pool: Any = None) -> list[Result]:
        """Every item's results in plan order, each told to the listeners as it comes, between ``run_started`` and
        ``run_finished``: the rule items on worker processes (``pool``: embedded workers; else forked now when the
        mocks are reachable by URL and no listener needs an item's own events) or threads, the passes in this
        process (meanwhile, on a thread, when embedded worker processes judge the rule items; else after them)."""
        try:
            return self._execute_all(items, session, pool)
        finally:
            self.events.run_finished()

    def _execute_all(self, items: list[PlanItem], session: Session, pool: Any) -> list[Result]:
        from harness.engine.processes import can_use_processes, execute_in_processes

        rules = [i for i in items if i.kind == "rule"]
        passes = [i for i in items if i.kind != "rule"]
        results: list[Result] = []

        def finished(item: PlanItem, got: list[Result]) -> None:
            self.events.item_finished(item, got)
            results.extend(got)

        def started() -> None:
            self.events.run_started(items, session.config, session.target)

        processes = session.config.workers > 1 and self.events.allow_processes
        if pool is not None or (processes and can_use_processes(session.mocks)):
            with contextlib.ExitStack() as stack:
                # with embedded workers (forked already) the state machine and the schema pass use this process's
                # own target, idle meanwhile, on a thread; else they wait: workers forked now must not inherit a
                # running thread. Closed here, also on Ctrl-C: the workers are done before the sweep
                later = []
                if pool is not None:
                    side = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="passes"))
                    later = [side.submit(execute, p, session) for p in passes]
                run = stack.enter_context(
                    contextlib.closing(
                        execute_in_processes(
                            rules, session=session, events=self.events.in_workers(), started=started, pool=pool
                        )
                    )
                )
                for item, got in zip(rules, run, strict=True):
                    finished(item, got)
                for item, future in zip(passes, later, strict=False):
                    finished(item, future.result())
            for item in passes[len(later) :]:
                finished(item, execute(item, session))
            return results
        started()
        with ThreadPoolExecutor(max_workers=session.config.workers) as threads:
            for item, future in [(item, threads.submit(execute, item, session)) for item in rules]:
                finished(item, future.result())
        for item in passes:
            finished(item, execute(item, session))
        return results


def _report(session: Session, items: list[PlanItem], started: str) -> RunReport:
    config = session.config
    return RunReport(
        config.es_version,
        session.target.base_url if not config.embedded else "embedded reference",
        config.seed,
        config.embedded,
        started,
        options={
            "max_examples": config.max_examples,
            "rules": list(config.rules),
            "workers": config.workers,
            "mocks": sorted(session.mocks),
            "skip": dict(config.skip),
        },
        rules=rule_evidence(session.rules, {item.rule_id for item in items}, session.profile.version),
    )


def rule_evidence(rules: RuleTable, rule_ids: set[str], version: str | None = None) -> dict[str, dict[str, Any]]:
    """For the report: each rule's citation, quote, reads and whether its version range is verified or inferred."""
    from harness.rules_view import rule_entry

    return {rule.id: rule_entry(rule, version) for rule in rules if rule.id in rule_ids}
