"""The ``schema.*`` pass (placeholder until the schemathesis pass lands)."""
from __future__ import annotations
import fnmatch
from harness.checks.registry import CheckContext
from harness.config import RunConfig
from harness.report.model import Result

def schema_selected(patterns: tuple[str, ...]) -> bool:
    return not patterns or any(fnmatch.fnmatchcase("schema.x", p) or p.startswith("schema") for p in patterns)

def run_schema_pass(ctx: CheckContext, config: RunConfig) -> list[Result]:
    return []
