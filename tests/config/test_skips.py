"""Skips (``[skip]`` in the config file, ``--skip`` on the command line) reach every report of a real run.

A small embedded run (three crud rules, one example each, and the state machine; two of the rules and the
state machine skipped) takes a few seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.cli import main

FILE_REASON = "tracked upstream in elastic/elasticsearch#1 (file)"
FLAG_REASON = "flaky on our fork, see #7 (flag)"


@pytest.fixture(scope="module")
def skipped_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    root = tmp_path_factory.mktemp("skips")
    (root / "harness.toml").write_text(
        'rules = ["crud.not_found", "crud.duplicate", "crud.task_type.mismatch", "stateful.*"]\nmax_examples = 1\nreport_dir = "out"\n'
        'formats = ["json", "junit", "md", "html"]\n'
        f'[skip]\n"crud.not_*" = "{FILE_REASON}"\n"stateful.*" = "{FILE_REASON}"\n"nothing.matches" = "unused"\n',
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["run", "--skip", f"crud.duplicate={FLAG_REASON}", "--workers", "1"])
    return code, out.getvalue(), root / "out"


def test_run_prints_the_number_of_skips(skipped_run: tuple[int, str, Path]) -> None:
    code, out, _ = skipped_run
    assert code == 0, out
    assert "skipped by configuration: 15 results" in out  # 7 + 7 plan items and the state machine
    assert f"crud.not_* (7): {FILE_REASON}" in out
    assert f"crud.duplicate (7): {FLAG_REASON}" in out
    assert "nothing.matches (0): unused  (matches no rule of this run)" in out


def test_json_report_has_skipped_results_with_the_reason(skipped_run: tuple[int, str, Path]) -> None:
    data = json.loads((skipped_run[2] / "report.json").read_text())
    by_rule: dict[str, set[tuple[str, str]]] = {}
    for r in data["results"]:
        by_rule.setdefault(r["rule_id"], set()).add((r["outcome"], r["reason"]))
        if r["outcome"] == "skipped":
            assert r["examples"] == 0 and not r["exchanges"]  # never executed
    ran = {outcome for outcome, _ in by_rule.pop("crud.task_type.mismatch")}  # not skipped: it really ran
    assert "passed" in ran and "skipped" not in ran
    assert by_rule == {
        "crud.not_found": {("skipped", FILE_REASON)},
        "crud.duplicate": {("skipped", FLAG_REASON)},
        "stateful.crud": {("skipped", FILE_REASON)},
    }
    assert data["options"]["skip"]["crud.duplicate"] == FLAG_REASON


def test_junit_has_skipped_elements_with_the_reason(skipped_run: tuple[int, str, Path]) -> None:
    root = ET.parse(skipped_run[2] / "junit.xml").getroot()
    messages = [s.get("message") for s in root.iter("skipped")]
    assert sum(m.startswith("skipped: ") for m in messages) == 15
    assert messages.count(f"skipped: {FILE_REASON}") == 8
    assert messages.count(f"skipped: {FLAG_REASON}") == 7


def test_markdown_and_html_show_the_reason(skipped_run: tuple[int, str, Path]) -> None:
    md = (skipped_run[2] / "report.md").read_text()
    assert f"| `crud.duplicate` | openai | text_embedding | skipped | {FLAG_REASON} |" in md
    assert f"| `stateful.crud` | - | - | skipped | {FILE_REASON} |" in md
    assert "0 not checked, 15 skipped" in md
    html = (skipped_run[2] / "report.html").read_text()
    assert FLAG_REASON in html and FILE_REASON in html


def test_schema_pass_results_are_skipped_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--rules", "schema.inference-get*", "--max-examples", "1", "--format", "json",
                 "--skip", "schema.inference-get-all*=list operations not served by our proxy"])
    assert code == 0, capsys.readouterr().out
    data = json.loads((tmp_path / "reports" / "report.json").read_text())
    outcomes = {r["rule_id"]: (r["outcome"], r["reason"]) for r in data["results"]}
    assert outcomes["schema.inference-get-all"] == ("skipped", "list operations not served by our proxy")
    assert outcomes["schema.inference-get-all-explicit"] == ("skipped", "list operations not served by our proxy")
    assert outcomes["schema.inference-get"] == ("passed", "")
