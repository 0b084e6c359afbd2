"""``harness run``'s driver of the engine: one conformance run with its progress display, returning the report.

``run(config)`` starts (or connects to) the target and mocks, executes every planned item (see
:mod:`harness.engine`) and returns a :class:`~harness.report.RunReport`. Each item is seeded from
``(config.seed, rule, service, task type)``, so ``harness run --seed S --rules <id>`` replays exactly the
cases of the full run.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.config import RunConfig
from harness.engine.events import Listener
from harness.engine.plan import PlanItem
from harness.engine.run import Engine
from harness.progress import ProgressListener, family
from harness.report.model import RunReport
from harness.report.redact import Redactor
from harness.target import Target

__all__ = ["headline", "run"]


def headline(items: Sequence[PlanItem], config: RunConfig, target: Target) -> str:
    """What the progress display says a run will do: its rule items, then its passes, on which profile."""
    rules = sum(1 for item in items if item.kind == "rule")
    passes = [item.rule_id for item in items if item.kind != "rule"]
    then = f", then the {' and '.join(family(p) for p in passes)} pass{'es' if len(passes) > 1 else ''}"
    return (
        f"{rules} rule x service x task type checks{then if passes else ''} "
        f"(profile {config.es_version}, seed {config.seed}, {config.workers} workers)"
    )


def run(config: RunConfig, *, listeners: Sequence[Listener] = ()) -> tuple[RunReport, Redactor]:
    """Execute a whole conformance run with a progress display on stderr (and ``listeners``); return the report
    and the redactor holding every planted secret.

    Raises:
        HarnessError: the target or a mock is unreachable, or the configuration is invalid.
    """
    return Engine(config, [ProgressListener(headline), *listeners]).run()
