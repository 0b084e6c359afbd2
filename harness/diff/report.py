"""``diff``: run both sides and compare them; the :class:`DiffReport` it returns and its JSON form."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.config import RunConfig, run_nonce
from harness.diff.comparison import Difference, compare
from harness.diff.trace import collect, is_case
from harness.report.redact import Redactor

__all__ = ["DiffReport", "Distinct", "diff", "redact_all"]


@dataclass
class Distinct:
    """One distinct difference of a plan item: its first occurrence, the cases showing it, how often it occurred."""

    first: Difference
    cases: list[str] = field(default_factory=list)
    occurrences: int = 0


_ORDINAL = re.compile(r"<(id|secret)#\d+>")
_STEP = re.compile(r"^(exchange|upstream) \d+: ")


def _pattern(d: Difference) -> str:
    """What makes a difference distinct: where (without its exchange number), the field and both values, with
    per-case ordinals of ids and secrets blanked."""
    return _ORDINAL.sub(
        r"<\1>", json.dumps([_STEP.sub(r"\1: ", d.where), d.field, d.a, d.b], default=str, sort_keys=True)
    )


@dataclass
class DiffReport:
    """The outcome of ``harness diff``: both sides' summaries and the differences, grouped per case.

    :meth:`to_dict` is the JSON report (every value normalised: secrets are ``<secret#n>`` placeholders).
    """

    seed: int
    generated_with: str
    options: dict[str, Any]
    a: dict[str, Any]
    b: dict[str, Any]
    differences: list[Difference]
    cases_compared: int = 0
    redactors: list[Redactor] = field(default_factory=list, repr=False)
    #: plan item (``rule/service/task type``) -> how many cases (generated examples) it had on either side
    item_cases: dict[str, int] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        """True when the two sides behaved the same."""
        return not self.differences

    def by_case(self) -> dict[str, list[Difference]]:
        """Case -> its differences, in order."""
        out: dict[str, list[Difference]] = {}
        for d in self.differences:
            out.setdefault(d.case, []).append(d)
        return out

    def by_item(self) -> dict[str, list[Distinct]]:
        """Plan item -> each distinct difference once, with the cases (``#0``, ``#1`` …) showing it.

        The examples of one rule x service x task type usually differ in the same way, and a case may repeat
        a difference at several exchanges (the state machine's PUT after PUT); the difference is reported
        once, with its cases and how often it occurred. Exchange numbers and the per-case ordinals of ids and
        secrets (``<id#2>``) do not make a difference distinct.
        """
        out: dict[str, dict[str, Distinct]] = {}
        for d in self.differences:
            item, _, example = d.case.partition("#")
            entries = out.setdefault(item, {})
            key = _pattern(d)
            entry = entries.get(key) or entries.setdefault(key, Distinct(d))
            entry.occurrences += 1
            if example and f"#{example}" not in entry.cases:
                entry.cases.append(f"#{example}")
        return {item: list(entries.values()) for item, entries in out.items()}

    @property
    def cases_differing(self) -> int:
        """How many cases (generated examples, not the per-item verdicts) show a difference."""
        return len({d.case for d in self.differences if is_case(d.case)})

    def to_dict(self) -> dict[str, Any]:
        """The JSON diff report."""
        fields_count: dict[str, int] = {}
        for d in self.differences:
            fields_count[_category(d)] = fields_count.get(_category(d), 0) + 1
        cases = []
        for case, diffs in self.by_case().items():
            rule_id, service, task_type = (case.split("#")[0].split("/") + [None, None])[:3]
            cases.append(
                {
                    "case": case,
                    "rule_id": rule_id,
                    "service": service,
                    "task_type": task_type,
                    "differences": [{k: v for k, v in asdict(d).items() if k != "case"} for d in diffs],
                }
            )
        return {
            "tool": "inference-contract-harness",
            "kind": "diff",
            "schema_version": "1",
            "seed": self.seed,
            "generated_with": self.generated_with,
            "options": self.options,
            "a": self.a,
            "b": self.b,
            "identical": self.identical,
            "summary": {
                "cases_compared": self.cases_compared,
                "cases_differing": self.cases_differing,
                "items_compared": len(self.item_cases),
                "items_differing": len(self.by_item()),
                "differences": len(self.differences),
                "distinct_differences": sum(len(v) for v in self.by_item().values()),
                "by_field": fields_count,
            },
            "cases": cases,
        }

    def write(self, path: Path) -> Path:
        """Write the JSON report to ``path`` (every registered secret redacted once more); return it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(redact_all(json.dumps(self.to_dict(), indent=2, default=str), self.redactors) + "\n")
        return path


def diff(a: RunConfig, b: RunConfig) -> DiffReport:
    """Run the cases generated from ``a``'s version profile, seed, rules and example count against both
    sides (one after the other) and compare them.

    Example::

        report = diff(RunConfig(es_version="8.18", rules=("chunking.*",)), RunConfig(es_version="9.4"))
        report.identical

    Raises:
        HarnessError: a side or one of its mocks does not answer, or an option is invalid.
    """
    b = b.with_(seed=a.seed, max_examples=a.max_examples, rules=a.rules, workers=a.workers)
    # external mocks keep earlier calls: each side gets its own id suffix (normalised away in the comparison)
    a, b = a.with_(nonce=run_nonce(a)), b.with_(nonce=run_nonce(b))
    side_a = collect(a, generate=a, label="A")
    side_b = collect(b, generate=b.with_(es_version=a.es_version, nonce=b.nonce), label="B")
    options = {"max_examples": a.max_examples, "rules": list(a.rules), "workers": a.workers}
    names = set(side_a.cases) | set(side_b.cases)
    item_cases: dict[str, int] = {}
    for name in sorted(names):
        item = name.partition("#")[0]
        item_cases[item] = item_cases.get(item, 0) + (1 if is_case(name) else 0)
    return DiffReport(
        a.seed,
        a.es_version,
        options,
        side_a.summary(),
        side_b.summary(),
        compare(side_a, side_b),
        sum(1 for n in names if is_case(n)),
        [side_a.redactor, side_b.redactor],
        item_cases,
    )


def redact_all(text: str, redactors: Iterable[Redactor]) -> str:
    """``text`` with the secrets of every redactor in ``redactors`` redacted."""
    for r in redactors:
        text = r.redact(text)
    return text


def _category(d: Difference) -> str:
    """``exchange.status``, ``exchange.extra``, ``upstream.body``, ``result.verdict`` …"""
    where = next((w for w in ("exchange", "upstream") if d.where.startswith(w)), "result")
    name = "extra" if d.field in ("exchanges", "calls") else d.field
    for prefix in ("request.body", "body", "query"):
        if name.startswith(prefix + ".") and name != "body.keys":
            name = prefix
    return f"{where}.{name}"
