"""JSON report writer (the format is described by ``report.schema.json`` next to this file)."""

from __future__ import annotations

import json as _json
from importlib import resources
from pathlib import Path
from typing import Any

from harness.report.model import RunReport, write_report_file
from harness.report.redact import Redactor

__all__ = ["load_schema", "render_json", "write_json"]


def render_json(report: RunReport, *, redactor: Redactor | None = None) -> str:
    """Return the report as indented JSON text, redacted."""
    text = _json.dumps(report.to_dict(), indent=2, sort_keys=False, default=str, ensure_ascii=False)
    return redactor.redact(text) if redactor else text


def write_json(report: RunReport, path: str | Path, *, redactor: Redactor | None = None) -> Path:
    """Write the JSON report to ``path`` (parents created); return the path."""
    return write_report_file(path, render_json(report, redactor=redactor) + "\n")


def load_schema() -> dict[str, Any]:
    """Return the JSON Schema of the JSON report."""
    text = resources.files("harness.report").joinpath("report.schema.json").read_text(encoding="utf-8")
    return dict(_json.loads(text))
