"""Markdown summary writer: the verdict, every failure with its replay command, a summary per rule family,
then the results (not-applicable ones counted, not listed, unless asked)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from harness.report.model import OUTCOMES, Result, RunReport, write_report_file
from harness.report.redact import Redactor

__all__ = ["render_markdown", "write_markdown"]

#: Results table order: what needs a look first.
_ORDER = {"failed": 0, "not_checked": 1, "skipped": 2, "passed": 3, "not_applicable": 4}


def _cell(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 160 else text[:157] + "..."


def _family(rule_id: str) -> str:
    return rule_id.split(".", 1)[0]


def _failures(report: RunReport) -> list[str]:
    lines = [f"## Failures ({len(report.failures)})", ""]
    for r in report.failures:
        lines += [
            f"### `{r.key}`: {r.reason or r.title}",
            "",
            f"- expected: `{_cell(r.expected)}`",
            f"- seen: `{_cell(r.seen)}`",
            "",
        ]
        if r.replay:
            lines += ["```sh", r.replay, "```", ""]
        lines += _rule_evidence(report.rules.get(r.rule_id))
    return lines


def _rule_evidence(e: dict[str, Any] | None) -> list[str]:
    """A failed rule's evidence (as ``harness rules`` prints it): source, range, reads, quote."""
    if not e:
        return []
    from harness.rules_view import evidence_markdown

    return [f"Evidence (versions {e['versions']}, range **{e['range']}**):", "", *evidence_markdown(e)]


def _families(report: RunReport) -> list[str]:
    """One row per rule family (in plan order) and a total row."""
    names = {o: o.replace("_", " ") for o in OUTCOMES}
    per: dict[str, Counter[str]] = {}
    rules: dict[str, set[str]] = {}
    for r in report.results:
        per.setdefault(_family(r.rule_id), Counter())[r.outcome] += 1
        rules.setdefault(_family(r.rule_id), set()).add(r.rule_id)
    head = "| family | rules | " + " | ".join(names.values()) + " |"
    lines = ["## By family", "", head, "|---" * (len(OUTCOMES) + 2) + "|"]
    for family, counts in per.items():
        flag = " **(failing)**" if counts["failed"] else ""
        lines.append(
            f"| {family}{flag} | {len(rules[family])} | " + " | ".join(str(counts[o]) for o in OUTCOMES) + " |"
        )
    total = report.counts
    lines.append(
        f"| **all** | {sum(len(v) for v in rules.values())} | " + " | ".join(str(total[o]) for o in OUTCOMES) + " |"
    )
    return lines + [""]


def _rows(results: list[Result]) -> list[str]:
    """Failed, not checked and skipped results one row each; passed ones one row per rule."""
    rows: list[str] = []
    passed: dict[str, list[Result]] = {}
    for r in sorted(results, key=lambda r: _ORDER.get(r.outcome, 9)):  # stable: plan order within an outcome
        if r.outcome == "passed":
            passed.setdefault(r.rule_id, []).append(r)
            continue
        note = r.reason or r.title or ""
        rows.append(f"| `{r.rule_id}` | {r.service or '-'} | {r.task_type or '-'} | {r.outcome} | {_cell(note)} |")
    for rule_id, group in passed.items():
        services = ", ".join(dict.fromkeys(r.service for r in group if r.service)) or "-"
        tasks = ", ".join(dict.fromkeys(r.task_type for r in group if r.task_type)) or "-"
        outcome = "passed" if len(group) == 1 else f"passed ({len(group)})"
        rows.append(f"| `{rule_id}` | {services} | {tasks} | {outcome} | {_cell(group[0].title or '')} |")
    return rows


def _evidence(report: RunReport) -> list[str]:
    """Each rule's Elasticsearch source and whether its version range is verified or inferred."""
    if not report.rules:
        return []
    verified = sum(1 for e in report.rules.values() if e.get("range") == "verified")
    lines = [
        "",
        f"## Evidence ({verified} of {len(report.rules)} rules with a verified version range)",
        "",
        "| rule | versions | range | source (elastic/elasticsearch) |",
        "|---|---|---|---|",
    ]
    for rule_id, e in report.rules.items():
        where = f"`{e['source']}`" + (f" {e['symbol']}" if e.get("symbol") else "")
        lines.append(f"| `{rule_id}` | {e['versions']} | {e['range']} | {_cell(where)} |")
    return lines


def render_markdown(report: RunReport, *, redactor: Redactor | None = None, not_applicable: bool = False) -> str:
    """Return the Markdown summary of ``report``, redacted.

    Args:
        not_applicable: list the not-applicable results too (default: counted in the summary, not listed).
    """
    counts = report.counts
    verdict = "conformant" if report.conformant else f"{counts['failed']} violation(s)"
    lines = [
        f"# Inference contract run: {verdict}",
        "",
        f"- target: {'embedded reference' if report.embedded else f'`{report.target}`'}",
        f"- Elasticsearch profile: `{report.es_version}`; seed: `{report.seed}`; started: {report.started}",
        f"- duration: {report.duration:.1f}s",
        "- " + ", ".join(f"{counts[o]} {o.replace('_', ' ')}" for o in OUTCOMES),
        "",
    ]
    if report.failures:
        lines += _failures(report)
    lines += _families(report)
    shown = [r for r in report.results if not_applicable or r.outcome != "not_applicable"]
    lines += ["## Results", ""]
    if len(shown) < len(report.results):
        lines += [
            f"{len(report.results) - len(shown)} not-applicable results are counted above, not listed "
            "(`harness run --report-not-applicable` lists them).",
            "",
        ]
    lines += ["| rule | service | task type | outcome | note |", "|---|---|---|---|---|", *_rows(shown)]
    lines += _evidence(report)
    text = "\n".join(lines) + "\n"
    return redactor.redact(text) if redactor else text


def write_markdown(
    report: RunReport, path: str | Path, *, redactor: Redactor | None = None, not_applicable: bool = False
) -> Path:
    """Write the Markdown summary to ``path`` (parents created); return the path."""
    return write_report_file(path, render_markdown(report, redactor=redactor, not_applicable=not_applicable))
