"""JUnit XML writer: one ``<testcase>`` per *(rule, service, task type)*.

``failed`` results become ``<failure message=…>`` (expected, seen and the replay command in the text);
``not_applicable``, ``not_checked`` and ``skipped`` results become ``<skipped message=…>``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.report.model import Result, RunReport, write_report_file
from harness.report.redact import Redactor

__all__ = ["render_junit", "write_junit"]

_SKIPPED = ("not_applicable", "not_checked", "skipped")


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)


def _testcase(suite: ET.Element, result: Result) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        name=result.key,
        classname=f"inference.{result.rule_id}",
        time=f"{result.duration:.3f}",
    )
    if result.outcome == "failed":
        failure = ET.SubElement(case, "failure", message=result.reason or result.title, type=result.rule_id)
        lines = [f"rule: {result.rule_id}", f"expected: {_text(result.expected)}", f"seen: {_text(result.seen)}"]
        if result.replay:
            lines += ["replay:", result.replay]
        failure.text = "\n".join(lines)
    elif result.outcome in _SKIPPED:
        ET.SubElement(case, "skipped", message=f"{result.outcome}: {result.reason}".strip())


def render_junit(report: RunReport, *, redactor: Redactor | None = None) -> str:
    """Return the report as JUnit XML text (one ``<testsuite>`` named after the version profile)."""
    counts = report.counts
    root = ET.Element("testsuites", name="inference-contract-harness")
    suite = ET.SubElement(
        root,
        "testsuite",
        name=f"inference-{report.es_version}",
        tests=str(len(report.results)),
        failures=str(counts["failed"]),
        errors="0",
        skipped=str(sum(counts[o] for o in _SKIPPED)),
        time=f"{report.duration:.3f}",
        timestamp=report.started,
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (("seed", report.seed), ("target", report.target), ("es_version", report.es_version)):
        ET.SubElement(props, "property", name=name, value=str(value))
    for result in report.results:
        _testcase(suite, result)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode", xml_declaration=True)
    return redactor.redact(text) if redactor else text


def write_junit(report: RunReport, path: str | Path, *, redactor: Redactor | None = None) -> Path:
    """Write the JUnit XML report to ``path`` (parents created); return the path."""
    return write_report_file(path, render_junit(report, redactor=redactor) + "\n")
