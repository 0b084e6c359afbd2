"""placeholder"""
from __future__ import annotations
from harness.checks.registry import CheckContext
from harness.config import RunConfig
from harness.report.model import Result

def run_stateful(ctx: CheckContext, config: RunConfig) -> list[Result]:
    return []
