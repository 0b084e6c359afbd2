"""Progress a user sees: plain lines in a CI log or a pipe (a line per rule family), a bar on a terminal that is
green while everything passes; the setup script says what it does before the long install."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness import progress as progress_module
from harness.progress import Progress
from harness.report.model import Result

REPO = Path(__file__).resolve().parents[2]


def test_piped_run_prints_a_line_per_rule_family(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARNESS_")}
    result = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--rules", "id_format.*", "--rules", "crud.*", "--rules", "stateful.*",
         "--max-examples", "1", "--report-dir", str(tmp_path / "reports")],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("conformance: ") and "checks" in lines[0], lines
    progress = [re.fullmatch(r"\[\s*(\d+)/(\d+)\s+(\d+)%\] (\w+): (.+) \(\d+\.\ds\)", line) for line in lines[1:]]
    assert all(progress), lines
    progress = [m for m in progress if m and not m.group(5).startswith("running")]  # heartbeats on a slow machine
    families = [m.group(4) for m in progress if m]
    assert families == ["id_format", "crud", "stateful"], lines
    done = [int(m.group(1)) for m in progress if m]
    assert done == sorted(done) and done[-1] == int(progress[-1].group(2))  # type: ignore[union-attr]
    assert all("passed" in m.group(5) for m in progress if m)
    assert "\x1b[" not in result.stderr  # no terminal control codes in a log


def _result(outcome: str, rule_id: str = "crud.put") -> Result:
    return Result(rule_id, "openai", "completion", outcome)  # type: ignore[arg-type]


def test_terminal_bar_is_green_while_everything_passes_and_red_after_a_failure() -> None:
    stream = io.StringIO()
    progress = Progress(["crud.a", "crud.b", "crud.c"], stream=stream, terminal=True)
    progress.start("3 checks")
    try:
        progress.advance(_result("passed"))
        progress.advance(_result("not_applicable"))
        assert (progress._column.complete_style, progress._column.finished_style) == ("green", "green")
        progress.advance(_result("failed"))
        assert progress._column.complete_style == progress._column.finished_style == "red"
    finally:
        progress.stop()


def test_a_long_family_still_prints_a_line_every_few_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "HEARTBEAT_S", 0.0)  # every result is "a few seconds" later
    stream = io.StringIO()
    progress = Progress(["crud.a", "crud.b", "crud.c", "index.a"], stream=stream, terminal=False)
    progress.start("4 checks")
    for rule, outcome in (("crud.a", "passed"), ("crud.b", "failed"), ("crud.c", "passed"), ("index.a", "skipped")):
        progress.advance(_result(outcome, rule))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "conformance: 4 checks"
    assert lines[1].startswith("[1/4  25%] crud: running, 1 passed so far")
    assert lines[2].startswith("[2/4  50%] crud: running, 1 passed, 1 failed so far")
    assert lines[3].startswith("[3/4  75%] crud: 2 passed, 1 failed (")
    assert lines[4].startswith("[4/4 100%] index: 1 skipped (")


def test_a_silent_stretch_still_prints_a_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "HEARTBEAT_S", 0.0)  # "a few seconds" have always passed; no ticker
    stream = io.StringIO()
    progress = Progress(["crud.a", "crud.b", "index.a"], stream=stream, terminal=False)
    progress.start("3 checks")
    progress.tick()  # nothing finished yet: the family about to run is named
    progress.advance(_result("passed", "crud.a"))
    progress.tick()
    progress.stop()
    lines = stream.getvalue().splitlines()
    assert lines[1].startswith("[0/3   0%] crud: running (")
    assert lines[2].startswith("[1/3  33%] crud: running, 1 passed so far")
    assert lines[3].startswith("[1/3  33%] crud: running, 1 passed so far")  # the tick after it


def test_the_heartbeat_thread_stops_with_the_run() -> None:
    progress = Progress(["crud.a"], stream=io.StringIO(), terminal=False)
    progress.start("1 check")
    ticker = progress._ticker
    assert ticker is not None and ticker.is_alive()
    progress.advance(_result("passed", "crud.a"))
    progress.stop()
    assert not ticker.is_alive()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_setup_script_says_what_it_installs_before_the_install(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "setup.sh", tmp_path / "scripts" / "setup.sh")
    stub = tmp_path / ".venv" / "bin" / "python"
    stub.parent.mkdir(parents=True)
    calls = tmp_path / "calls.log"
    stub.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')  # stands in for pip: records, installs nothing
    stub.chmod(0o755)
    result = subprocess.run(["bash", str(tmp_path / "scripts" / "setup.sh"), "test"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("setup: installing the harness with [test] into .venv"), lines
    assert lines[-1].startswith("setup: done")
    assert "install" in calls.read_text() and "-e .[test]" in calls.read_text()
