"""Comparing two sides case by case: the :class:`Difference` list (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.diff.normalise import normalise_case
from harness.diff.trace import CaseTrace, SideTrace
from harness.report.redact import Redactor

__all__ = ["Difference", "compare"]

_EXCHANGE_FIELDS = ("status", "content_type", "error.type", "error.reason")


@dataclass(frozen=True)
class Difference:
    """One way the two sides differ: in ``case``, at ``where`` (an exchange or upstream call), ``field`` is
    ``a`` on side A and ``b`` on side B (``None``: absent)."""

    case: str
    where: str
    field: str
    a: Any
    b: Any


def _compare_dicts(
    case: str, where: str, a: Mapping[str, Any], b: Mapping[str, Any], skip: tuple[str, ...] = ()
) -> list[Difference]:
    keys = list(a) + [k for k in b if k not in a]
    return [Difference(case, where, k, a.get(k), b.get(k)) for k in keys if k not in skip and a.get(k) != b.get(k)]


def _compare_case(case: str, a: CaseTrace, b: CaseTrace, ra: Redactor, rb: Redactor) -> list[Difference]:
    out: list[Difference] = []
    ex_a, up_a = normalise_case(a, ra)
    ex_b, up_b = normalise_case(b, rb)
    diverged = False
    for i, (ea, eb) in enumerate(zip(ex_a, ex_b, strict=False)):
        if ea["request"] != eb["request"] or ea["request_body"] != eb["request_body"]:
            # a scenario's next request depends on the answer before it: once the answers differed, the
            # requests that follow differ as a consequence - one difference, not one per request field
            out.append(
                Difference(
                    case,
                    f"exchanges from {i + 1}",
                    "requests",
                    [e["request"] for e in ex_a[i:]],
                    [e["request"] for e in ex_b[i:]],
                )
            )
            diverged = True
            break
        where = f"exchange {i + 1}: {ea['request']}"
        out += _compare_dicts(case, where, {k: ea[k] for k in _EXCHANGE_FIELDS}, {k: eb[k] for k in _EXCHANGE_FIELDS})
        only_a, only_b = sorted(set(ea["shape"]) - set(eb["shape"])), sorted(set(eb["shape"]) - set(ea["shape"]))
        if only_a or only_b:
            out.append(Difference(case, where, "body.keys", only_a, only_b))
    n = min(len(ex_a), len(ex_b))
    if len(ex_a) != len(ex_b) and not diverged:  # one side went on (or stopped: a failed check ends the example)
        out.append(
            Difference(
                case,
                f"exchanges after {n}",
                "exchanges",
                [e["request"] for e in ex_a[n:]],
                [e["request"] for e in ex_b[n:]],
            )
        )
    for i, (ua, ub) in enumerate(zip(up_a, up_b, strict=False)):
        out += _compare_dicts(case, f"upstream {i + 1}: {ua['call']}", ua, ub)
    n = min(len(up_a), len(up_b))
    if len(up_a) != len(up_b):
        out.append(
            Difference(
                case, f"upstream calls after {n}", "calls", [u["call"] for u in up_a[n:]], [u["call"] for u in up_b[n:]]
            )
        )
    if a.verdict != b.verdict:
        out.append(Difference(case, "result", "verdict", a.verdict, b.verdict))
    return out


def compare(a: SideTrace, b: SideTrace) -> list[Difference]:
    """Every difference between the two sides, case by case (pure: no I/O)."""
    out: list[Difference] = []
    names = list(a.cases) + [c for c in b.cases if c not in a.cases]
    for name in names:
        ca, cb = a.cases.get(name, CaseTrace(name)), b.cases.get(name, CaseTrace(name))
        out += _compare_case(name, ca, cb, a.redactor, b.redactor)
    return out
