"""One side of a diff: run the cases against a target and trace what happened, per case.

A *case* is one generated example of one plan item (``<rule>/<service>/<task type>#<example>``); the
stateful and schema passes are a case each. Exchanges are attributed to the case of the thread that sent
them, upstream calls to the case whose canary key they carry.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from harness.config import RunConfig
from harness.diff.record import HttpRecord, record_http
from harness.progress import Progress
from harness.report.model import Result
from harness.report.redact import Redactor
from mocks.core.journal import Call
from mocks.core.secrets import fingerprint

__all__ = ["UNATTRIBUTED", "CaseTrace", "SideTrace", "collect", "is_case"]

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
    exchanges: list[HttpRecord] = field(default_factory=list)
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


class _Cases:
    """Which case the current thread is running, and the exchanges and secrets recorded per case."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self.records: list[HttpRecord] = []
        self.owner: dict[str, tuple[str, int]] = {}  # secret fingerprint -> (label, example)
        self.verdicts: dict[str, str] = {}

    @contextlib.contextmanager
    def running(self, label: str, *, per_example: bool) -> Iterator[None]:
        self._local.label, self._local.example, self._local.per_example = label, -1 if per_example else 0, per_example
        try:
            yield
        finally:
            self._local.label = ""

    def current(self) -> tuple[str, int]:
        return getattr(self._local, "label", ""), max(getattr(self._local, "example", 0), 0)

    def new_example(self, secrets: Iterable[str]) -> None:
        if getattr(self._local, "per_example", False):
            self._local.example += 1
        label, example = self.current()
        if label:
            with self._lock:
                for s in secrets:
                    self.owner.setdefault(fingerprint(s), (label, example))

    def sink(self, record: HttpRecord) -> None:
        record.label, record.example = self.current()
        if record.label:
            with self._lock:
                self.records.append(record)


class _CaseRedactor(Redactor):
    """The run's redactor; each ``add`` marks the start of a new generated example (the runner plants a
    fresh set of canaries per example, the state machine one per PUT)."""

    def __init__(self, cases: _Cases, secrets: Iterable[str] = ()) -> None:
        super().__init__(secrets)
        self._cases = cases

    def add(self, *secrets: str) -> None:
        super().add(*secrets)
        cases = getattr(self, "_cases", None)
        if cases is not None:
            cases.new_example(secrets)


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
    from contract import load_profile, load_rules
    from harness.checks import CheckContext
    from harness.checks.schema import run_schema_pass, schema_selected
    from harness.environment import Environment
    from harness.runner import execute, plan
    from harness.stateful import RULE_ID as STATEFUL_ID
    from harness.stateful import run_stateful

    config.validate()
    generate.validate()
    profile, rules = load_profile(generate.es_version), load_rules()
    cases = _Cases()
    redactor = _CaseRedactor(cases, config.secrets())
    items = plan(profile, rules, generate.rules)
    started = time.monotonic()
    with Environment(config) as env:
        marks = {s: max((c.seq for c in env.mocks[s].calls()), default=0) for s in env.mocks}

        def one(item: Any) -> None:
            with cases.running(item.key, per_example=True):
                result = execute(
                    item,
                    config=generate,
                    profile=profile,
                    rules=rules,
                    target=env.target,
                    mocks=env.mocks,
                    redactor=redactor,
                )
            cases.verdicts[item.key] = result.outcome

        progress = Progress([item.rule_id for item in items], name=f"diff {label}")
        progress.start(
            f"{len(items)} rule x service x task type items against "
            f"{'the embedded reference ' + config.es_version if config.embedded else env.target.base_url}"
        )
        with record_http(env.target.base_url, cases.sink):
            try:
                with ThreadPoolExecutor(max_workers=generate.workers) as pool:
                    for item, future in [(item, pool.submit(one, item)) for item in items]:
                        future.result()
                        progress.advance(
                            Result(item.rule_id, item.service, item.task_type, cases.verdicts.get(item.key, "passed"))  # type: ignore[arg-type]
                        )
            finally:
                progress.stop()
            ctx = CheckContext(profile, rules, env.target, env.mocks, generate.seed, redactor)
            with cases.running(STATEFUL_ID, per_example=False):
                for result in run_stateful(ctx, generate):
                    cases.verdicts[STATEFUL_ID] = result.outcome
            if schema_selected(generate.rules):
                with cases.running("schema", per_example=False):
                    for result in run_schema_pass(ctx, generate):
                        cases.verdicts[result.rule_id] = result.outcome
        calls = {s: [c for c in env.mocks[s].calls() if c.seq > marks[s]] for s in env.mocks}
        description = f"embedded reference {config.es_version}" if config.embedded else env.target.base_url
    side = SideTrace(label, description, config.es_version, {}, redactor, time.monotonic() - started)
    side.cases, side.warnings = _traces(cases, calls, marks, [item.key for item in items])
    return side


def _traces(
    cases: _Cases, calls: Mapping[str, list[Call]], marks: Mapping[str, int], plan_order: list[str]
) -> tuple[dict[str, CaseTrace], list[str]]:
    """Group the recorded exchanges and upstream calls per case, in plan order; warn on a lossy journal."""
    traces: dict[str, CaseTrace] = {}
    warnings: list[str] = []
    for record in cases.records:
        case = _case_id(record.label, record.example)
        traces.setdefault(case, CaseTrace(case)).exchanges.append(record)
    for service, service_calls in calls.items():
        if service_calls and service_calls[0].seq > marks[service] + 1:
            warnings.append(f"the {service} mock's journal overflowed: some upstream calls are missing")
        for call in service_calls:
            owner = cases.owner.get(call.key or "")
            case = _case_id(*owner) if owner else UNATTRIBUTED
            traces.setdefault(case, CaseTrace(case)).upstream.append(call)
    for key, outcome in cases.verdicts.items():  # the verdict is per plan item: a case of its own
        traces.setdefault(key, CaseTrace(key)).verdict = outcome
    order = {key: i for i, key in enumerate(plan_order)}

    def position(name: str) -> tuple[int, int]:
        label, _, example = name.partition("#")
        return order.get(label, len(order)), int(example) if example.isdigit() else 1 << 30

    return {name: traces[name] for name in sorted(traces, key=position)}, warnings
