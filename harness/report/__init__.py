"""Run reports: the model (:mod:`harness.report.model`) and its writers (JSON, JUnit XML, Markdown, HTML).

Every writer takes a :class:`RunReport`, a path and an optional :class:`Redactor` that replaces every
known secret by its fingerprint in the final text. :func:`write_reports` writes the formats asked for.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from harness.errors import ConfigError
from harness.report.html import render_html, write_html
from harness.report.json import load_schema, render_json, write_json
from harness.report.junit import render_junit, write_junit
from harness.report.markdown import render_markdown, write_markdown
from harness.report.model import OUTCOMES, Exchange, Result, RunReport, UpstreamCall
from harness.report.redact import Redactor

__all__ = [
    "FORMATS",
    "OUTCOMES",
    "Exchange",
    "Redactor",
    "Result",
    "RunReport",
    "UpstreamCall",
    "check_report_dir",
    "load_schema",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "write_html",
    "write_json",
    "write_junit",
    "write_markdown",
    "write_reports",
]

#: Report format -> (file name, writer).
FORMATS = {
    "json": ("report.json", write_json),
    "junit": ("junit.xml", write_junit),
    "md": ("report.md", write_markdown),
    "html": ("report.html", write_html),
}


def check_report_dir(directory: str | Path, option: str = "--report-dir") -> Path:
    """Create ``directory`` and prove a file can be written there, before a run spends minutes.

    Raises:
        ConfigError: one line naming ``option``, the directory and why it cannot be written.
    """
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".harness-write-check-"):
            pass
    except OSError as exc:
        raise ConfigError(f"{option} {directory}: cannot write reports there: {exc.strerror or exc}") from None
    return path


def write_reports(
    report: RunReport,
    directory: str | Path,
    formats: tuple[str, ...] = ("json", "junit", "md", "html"),
    *,
    redactor: Redactor | None = None,
    not_applicable: bool = False,
) -> list[Path]:
    """Write ``report`` in each of ``formats`` (keys of :data:`FORMATS`) into ``directory``; return the paths.

    ``not_applicable`` lists the not-applicable results in the Markdown report too (they are always in the
    JSON, JUnit and HTML reports).
    """
    out = []
    for fmt in formats:
        name, writer = FORMATS[fmt]
        if fmt == "md":
            out.append(write_markdown(report, Path(directory) / name, redactor=redactor, not_applicable=not_applicable))
        else:
            out.append(writer(report, Path(directory) / name, redactor=redactor))
    return out
