"""Markdown summary writer: counts, a table per outcome, and every failure with its replay command."""

from __future__ import annotations

import json
from pathlib import Path

from harness.report.model import RunReport
from harness.report.redact import Redactor

__all__ = ["render_markdown", "write_markdown"]


def _cell(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 160 else text[:157] + "..."


def render_markdown(report: RunReport, *, redactor: Redactor | None = None) -> str:
    """Return the Markdown summary of ``report``, redacted."""
    counts = report.counts
    verdict = "conformant" if report.conformant else f"{counts['failed']} violation(s)"
    lines = [
        f"# Inference contract run: {verdict}",
        "",
        f"- target: `{report.target}`{' (embedded reference)' if report.embedded else ''}",
        f"- Elasticsearch profile: `{report.es_version}`; seed: `{report.seed}`; started: {report.started}",
        f"- duration: {report.duration:.1f}s",
        "",
        "| outcome | count |",
        "|---|---|",
        *(f"| {name} | {count} |" for name, count in counts.items()),
        "",
    ]
    if report.failures:
        lines += ["## Failures", ""]
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
    lines += ["## Results", "", "| rule | service | task type | outcome | note |", "|---|---|---|---|---|"]
    for r in report.results:
        note = r.reason if r.outcome != "passed" else (r.title or "")
        lines.append(
            f"| `{r.rule_id}` | {r.service or '-'} | {r.task_type or '-'} | {r.outcome} | {_cell(note)} |"
        )
    text = "\n".join(lines) + "\n"
    return redactor.redact(text) if redactor else text


def write_markdown(report: RunReport, path: str | Path, *, redactor: Redactor | None = None) -> Path:
    """Write the Markdown summary to ``path`` (parents created); return the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_markdown(report, redactor=redactor), encoding="utf-8")
    return out
