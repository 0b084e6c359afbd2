"""The report model: plain dataclasses every writer (JSON, JUnit, Markdown, HTML) renders.

A run produces one :class:`RunReport`. It holds one :class:`Result` per *(rule, service, task type)* of the
plan (``service``/``task_type`` are ``None`` for rules that do not depend on them, e.g. ``schema.*``).
A failed result carries the evidence: the HTTP exchanges with the target (:class:`Exchange`), the calls
the mocks recorded (:class:`UpstreamCall`), expected vs seen, and a replay command.

Invariants (relied upon by the writers and by a later HTML writer):

* the model never holds a secret: the runner builds results from redacted text (canaries and
  user-given keys replaced by their ``fp-…`` fingerprints); writers redact their final text again;
* ``outcome`` is one of :data:`OUTCOMES`; ``reason`` explains every outcome other than ``passed``
  and ``failed``;
* :meth:`RunReport.to_dict` is the JSON report (validated by ``harness/report/report.schema.json``) and
  :meth:`RunReport.from_dict` reads it back, so a writer may work from either.

Example::

    report = RunReport.from_dict(json.load(open("reports/report.json")))
    for result in report.failures:
        print(result.rule_id, result.expected, result.seen)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "OUTCOMES",
    "SCHEMA_VERSION",
    "Exchange",
    "Outcome",
    "Result",
    "RunReport",
    "UpstreamCall",
    "write_report_file",
]

Outcome = Literal["passed", "failed", "not_applicable", "not_checked", "skipped"]
#: Every outcome, in the order summaries list them.
OUTCOMES: tuple[str, ...] = ("passed", "failed", "not_applicable", "not_checked", "skipped")
#: Version of the JSON report format (bump on incompatible changes).
SCHEMA_VERSION = "1"


def _field_values(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``data`` that name a field of the dataclass ``cls`` (unknown keys are ignored)."""
    return {f.name: data[f.name] for f in fields(cls) if f.name in data}


@dataclass
class Exchange:
    """One HTTP request to the target and its response (bodies as text, already redacted)."""

    method: str
    url: str
    request_body: str | None = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        """Inverse of ``asdict``."""
        return cls(**_field_values(cls, data))


@dataclass
class UpstreamCall:
    """One request a mock provider received (from the mock's journal; secrets are fingerprints)."""

    service: str
    method: str
    path: str
    status: int
    query: str = ""
    key: str | None = None
    body: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UpstreamCall:
        """Inverse of ``asdict``."""
        return cls(**_field_values(cls, data))


@dataclass
class Result:
    """The verdict for one *(rule, service, task type)*.

    Attributes:
        rule_id: rule of ``specs/rules.yaml`` or a harness check id (``schema.*``, ``stateful.*``).
        service / task_type: the combination checked (``None`` when not applicable to the rule).
        outcome: one of :data:`OUTCOMES`.
        title: what the rule says, one line.
        reason: why it was not applicable / not checked / skipped, or the failure title.
        expected / seen: JSON-able values (failures only).
        replay: shell commands reproducing the failure (a curl of the request + ``harness run …``).
        exchanges: requests to the target made for this result (failures keep the evidence).
        upstream: calls the mocks recorded for those requests.
        examples: how many generated cases were run.
        duration: seconds spent.
    """

    rule_id: str
    service: str | None
    task_type: str | None
    outcome: Outcome
    title: str = ""
    reason: str = ""
    expected: Any = None
    seen: Any = None
    replay: str = ""
    exchanges: list[Exchange] = field(default_factory=list)
    upstream: list[UpstreamCall] = field(default_factory=list)
    examples: int = 0
    duration: float = 0.0

    @property
    def key(self) -> str:
        """``rule_id[service/task_type]``: a readable id (JUnit test name, Markdown rows)."""
        scope = "/".join(p for p in (self.service, self.task_type) if p)
        return f"{self.rule_id}[{scope}]" if scope else self.rule_id

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """Inverse of :meth:`RunReport.to_dict` for one result."""
        kwargs = _field_values(cls, data)
        kwargs["exchanges"] = [Exchange.from_dict(e) for e in data.get("exchanges") or []]
        kwargs["upstream"] = [UpstreamCall.from_dict(u) for u in data.get("upstream") or []]
        return cls(**kwargs)


@dataclass
class RunReport:
    """A whole run: options, target, and one :class:`Result` per planned item."""

    es_version: str
    target: str
    seed: int
    embedded: bool
    started: str
    duration: float = 0.0
    options: dict[str, Any] = field(default_factory=dict)
    results: list[Result] = field(default_factory=list)
    #: rule id -> its evidence (``harness.rules_view.rule_entry``): ``source`` (path in elastic/elasticsearch),
    #: ``symbol``, ``versions`` (the range, e.g. ``9.2+``), ``range`` (``verified`` or ``inferred``), ``message``,
    #: ``quote``, ``reads`` and ``missing``, for the rules of the table the run used
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    tool: str = "inference-contract-harness"
    schema_version: str = SCHEMA_VERSION

    @property
    def counts(self) -> dict[str, int]:
        """Outcome -> number of results (every outcome present, zeros included)."""
        c: Counter[str] = Counter(r.outcome for r in self.results)
        return {o: c[o] for o in OUTCOMES}

    @property
    def failures(self) -> list[Result]:
        """The failed results, in plan order."""
        return [r for r in self.results if r.outcome == "failed"]

    @property
    def conformant(self) -> bool:
        """True when no result failed."""
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (see ``report.schema.json``)."""
        data = asdict(self)
        data["summary"] = {**self.counts, "total": len(self.results), "conformant": self.conformant}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        """Read a JSON report back into the model."""
        kwargs = {f.name: data[f.name] for f in fields(cls) if f.name in data and f.name != "results"}
        return cls(**kwargs, results=[Result.from_dict(r) for r in data.get("results", [])])


def write_report_file(path: str | Path, text: str) -> Path:
    """Write one report's ``text`` to ``path`` as UTF-8 (parent directories created); return the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
