"""One side of a diff: run the cases against a target and trace what happened, per case.

A *case* is one generated example of one plan item (``<rule>/<service>/<task type>#<example>``); the
stateful and schema passes are a case each. Exchanges are attributed to the case of the thread that sent
them, upstream calls to the case whose canary key they carry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.config import RunConfig
from harness.engine.events import Listener
from harness.engine.plan import PlanItem
from harness.engine.run import Engine
from harness.progress import ProgressListener
from harness.report.model import Result
from harness.report.redact import Redactor
from harness.target import Exchanged, Target
from mocks.core.journal import Call
from mocks.core.secrets import fingerprint

__all__ = ["UNATTRIBUTED", "CaseTrace", "CaseTracer", "SideTrace", "collect", "is_case"]

UNATTRIBUTED = "(unattributed upstream calls)"


def is_case(name: str) -> bool:
    """True for a case (``rule/service/task#n``, a pass's ``stateful.crud#0``, the unattributed calls); false
    for the per-item verdict entries (``rule/service/task``), which are not cases of their own."""
    return "#" in name or name == UNATTRIBUTED


@dataclass
class CaseTrace:
    """Everything one side did for one case: the exchanges with the target, the upstream calls the mocks
    recorded for the case's keys, and the runner's verdict for the case's plan item."""

    case: str
    exchanges: list[Exchanged] = field(default_factory=list)
    upstream: list[Call] = field(default_factory=list)
    verdict: str | None = None


@dataclass
class SideTrace:
    """One side of a diff: what was run against it and the traces per case (in plan order)."""

    label: str
    description: str
    es_version: str
    cases: dict[str, CaseTrace]
    redactor: Redactor
    duration: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts for the report (no secret)."""
        return {
            "label": self.label,
            "target": self.description,
            "es_version": self.es_version,
            "cases": sum(1 for name in self.cases if is_case(name)),
            "exchanges": sum(len(c.exchanges) for c in self.cases.values()),
            "upstream_calls": sum(len(c.upstream) for c in self.cases.values()),
            "duration": round(self.duration, 3),
            "warnings": list(self.warnings),
        }


class CaseTracer(Listener):
    """The engine's listener tracing one side: which case each thread runs (an item, then each generated
    example of it), the exchanges it sends, the secrets it plants (upstream calls carrying their fingerprint
    belong to it) and each item's verdicts."""

    needs_item_events = True

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self.records: list[tuple[str, Exchanged]] = []
        self.owner: dict[str, str] = {}  # secret fingerprint -> case
        self.verdicts: dict[str, str] = {}

    def item_started(self, item: PlanItem) -> None:
        """Exchanges and secrets of this thread belong to ``item``'s first example from now on."""
        self._local.label, self._local.example = item.key, 0

    def example_started(self, item: PlanItem, number: int) -> None:
        """Exchanges and secrets of this thread belong to example ``number`` of ``item`` from now on."""
        self._local.example = number

    def _case(self) -> str:
        label = getattr(self._local, "label", "")
        return _case_id(label, getattr(self._local, "example", 0)) if label else ""

    def secrets_planted(self, secrets: tuple[str, ...]) -> None:
        """Upstream calls authenticated with these secrets belong to the current case."""
        case = self._case()
        if case:
            with self._lock:
                for s in secrets:
                    self.owner.setdefault(fingerprint(s), case)

    def exchange(self, exchanged: Exchanged) -> None:
        """Keep one exchange of the current case."""
        case = self._case()
        if case:
            with self._lock:
                self.records.append((case, exchanged))

    def item_finished(self, item: PlanItem, results: list[Result]) -> None:
        """A rule item's verdict under its key; a pass's under each result's rule id."""
        if item.kind == "rule":
            self.verdicts[item.key] = results[0].outcome if results else "passed"
        for r in results if item.kind != "rule" else ():
            self.verdicts[r.rule_id] = r.outcome


def _case_id(label: str, example: int) -> str:
    return f"{label}#{example}"


def collect(config: RunConfig, *, generate: RunConfig, label: str) -> SideTrace:
    """Run the cases of ``generate`` (its version profile, seed, rules, examples) against the target and
    mocks of ``config``; return the traces per case.

    ``config.es_version`` is the version the side claims (and the embedded reference's version);
    ``generate.es_version`` is the profile the requests are generated from.

    Raises:
        HarnessError: the target or a mock does not answer, or an option is invalid.
    """
    tracer = CaseTracer()

    def headline(items: Sequence[PlanItem], _config: RunConfig, target: Target) -> str:
        rules = sum(1 for item in items if item.kind == "rule")
        where = f"the embedded reference {config.es_version}" if config.embedded else target.base_url
        return f"{rules} rule x service x task type items against {where}"

    engine = Engine(generate, [tracer, ProgressListener(headline, name=f"diff {label}")], environment=config)
    items = engine.plan()
    started = time.monotonic()
    with engine.session() as session:
        mocks = session.mocks
        marks = {s: max((c.seq for c in mocks[s].calls()), default=0) for s in mocks}
        engine.execute_all(items, session)
        calls = {s: [c for c in mocks[s].calls() if c.seq > marks[s]] for s in mocks}
        description = f"embedded reference {config.es_version}" if config.embedded else session.target.base_url
        redactor = session.redactor
    side = SideTrace(label, description, config.es_version, {}, redactor, time.monotonic() - started)
    side.cases, side.warnings = _traces(tracer, calls, marks, [item.key for item in items])
    return side


def _traces(
    tracer: CaseTracer, calls: Mapping[str, list[Call]], marks: Mapping[str, int], plan_order: list[str]
) -> tuple[dict[str, CaseTrace], list[str]]:
    """Group the recorded exchanges and upstream calls per case, in plan order; warn on a lossy journal."""
    traces: dict[str, CaseTrace] = {}
    warnings: list[str] = []
    for case, exchanged in tracer.records:
        traces.setdefault(case, CaseTrace(case)).exchanges.append(exchanged)
    for service, service_calls in calls.items():
        if service_calls and service_calls[0].seq > marks[service] + 1:
            warnings.append(f"the {service} mock's journal overflowed: some upstream calls are missing")
        for call in service_calls:
            case = tracer.owner.get(call.key or "") or UNATTRIBUTED
            traces.setdefault(case, CaseTrace(case)).upstream.append(call)
    for key, outcome in tracer.verdicts.items():  # the verdict is per plan item: a case of its own
        traces.setdefault(key, CaseTrace(key)).verdict = outcome
    order = {key: i for i, key in enumerate(plan_order)}

    def position(name: str) -> tuple[int, int]:
        label, _, example = name.partition("#")
        return order.get(label, len(order)), int(example) if example.isdigit() else 1 << 30

    return {name: traces[name] for name in sorted(traces, key=position)}, warnings
