"""Fixtures for the broken-target tests: a fresh stack per test and an in-process ``harness run``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from broken_targets import Defect, HarnessRun, Stack

from harness.cli import main


@pytest.fixture
def stack_for() -> Iterator[Callable[..., Stack]]:
    """``stack_for(defect=None, es_version=None, kind=Stack)``: a started :class:`Stack` (or a subclass, such
    as ``security_defects.SecuredStack``), stopped at teardown."""
    stacks: list[Stack] = []

    def make(defect: Defect | None = None, *, es_version: str | None = None, kind: type[Stack] = Stack) -> Stack:
        stack = kind(defect, es_version=es_version).__enter__()
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.close()
    for stack in stacks:
        stack.proxy.raise_errors()


@pytest.fixture
def harness_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., HarnessRun]:
    """``harness_run(stack, target=url, rules=pattern, max_examples=3)``: ``harness.cli.main`` in process,
    returning the exit code and the JSON report it wrote."""
    counter = iter(range(1000))

    def run(stack: Stack, *, target: str | None = None, rules: str | Sequence[str], max_examples: int = 3,
            ) -> HarnessRun:
        report_dir = tmp_path / f"report-{next(counter)}"
        code = main(stack.harness_args(target or stack.url, rules=rules, report_dir=str(report_dir),
                                       max_examples=max_examples))
        output = capsys.readouterr().out
        path = report_dir / "report.json"
        report = json.loads(path.read_text()) if path.exists() else {}
        return HarnessRun(code, report, output)

    return run
