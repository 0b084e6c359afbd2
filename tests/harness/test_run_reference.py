"""`harness run` against the embedded reference target: conformant for every version profile and two
seeds, reports valid, no canary secret in any output, and CLI exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from harness.cli import main
from harness.config import RunConfig
from harness.report import load_schema, write_reports
from harness.runner import run


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("version", ["8.18", "9.1", "9.4"])
def test_reference_is_conformant(version: str, seed: int, tmp_path: Path) -> None:
    report, redactor = run(RunConfig(es_version=version, seed=seed, max_examples=1, workers=2))
    failures = [f"{r.key}: {r.reason} expected={r.expected!r} seen={r.seen!r}" for r in report.failures]
    assert failures == []
    assert report.counts["passed"] > 100
    # every planted canary stays out of every report
    paths = write_reports(report, tmp_path, redactor=redactor)
    canaries = redactor.secrets
    assert len(canaries) > 50
    for path in paths:
        text = path.read_text()
        leaked = [c for c in canaries if c in text]
        assert leaked == [], path.name
    data = json.loads((tmp_path / "report.json").read_text())
    jsonschema.validate(data, load_schema())
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None and int(suite.get("tests", "0")) == len(report.results)


def test_same_seed_generates_the_same_cases() -> None:
    def ids() -> list[tuple[str, int]]:
        report, redactor = run(RunConfig(seed=5, max_examples=2, rules=("check.crud_consistency",)))
        return sorted(redactor.secrets), [(r.key, r.examples) for r in report.results]  # type: ignore[return-value]

    assert ids() == ids()


def test_cli_exit_0_on_the_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--rules", "crud.*", "--max-examples", "1", "--report-dir", str(tmp_path), "--format", "json"])
    assert code == 0
    assert "conformant" in capsys.readouterr().out
    data = json.loads((tmp_path / "report.json").read_text())
    assert {r["rule_id"] for r in data["results"]} == {
        "crud.not_found", "crud.task_type.mismatch", "crud.duplicate", "crud.delete.referenced", "crud.update.task_type",
        "crud.update.empty_body", "crud.update.unknown_fields",
    }


def test_cli_exit_2_on_unreachable_target(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--target", "http://127.0.0.1:9", "--report-dir", str(tmp_path)],
        check=False, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "127.0.0.1:9" in lines[0]
    assert "Traceback" not in proc.stderr


def test_cli_exit_2_on_bad_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--target", "not-a-url"]) == 2
    assert "--target must be an http(s) URL" in capsys.readouterr().err
