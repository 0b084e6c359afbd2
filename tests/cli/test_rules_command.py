"""``harness rules`` (issue 20): the rules of a release line with their message and evidence, as a user reads
them before trusting a verdict; run as users run it (the console script in a subprocess) and in process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from contract import load_rules
from harness.cli import main


def test_json_lists_exactly_the_rules_of_the_line_with_their_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--es-version", "9.1.3", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rules = load_rules()
    assert doc["es_version"] == "9.1"
    assert set(doc["rules"]) == {r.id for r in rules if "9.1" in r.versions}
    entry = doc["rules"]["input.completion.single"]
    assert entry["message"] == "{service_title} only accepts 1 input"
    assert entry["source"].startswith("x-pack/") and entry["quote"] and entry["reads"]
    assert all({"path", "version", "line", "how"} <= set(r) for r in entry["reads"])
    assert entry["range"] in ("verified", "inferred") and (entry["range"] == "verified" or entry["missing"])


def test_a_rule_of_another_line_is_not_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--es-version", "8.18", "--format", "json", "-r", "input.query.*"]) == 0
    assert json.loads(capsys.readouterr().out)["rules"] == {}
    assert main(["rules", "--es-version", "9.3", "--format", "json", "-r", "input.query.*"]) == 0
    assert list(json.loads(capsys.readouterr().out)["rules"]) == ["input.query.not_for_task"]


def test_text_and_markdown_show_message_quote_and_reads(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "-r", "crud.update.unknown_fields"]) == 0
    text = capsys.readouterr().out
    assert "Request contained fields which cannot be updated" in text
    assert "quote:" in text and "read:" in text and "dated" in text
    assert main(["rules", "--format", "md", "--status", "inferred", "-r", "crud.update.*"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Rules: every release line") and "### `crud.update.unknown_fields`" in md
    assert "```java" in md and "- missing:" in md


def test_an_unknown_version_is_one_line_and_exit_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "harness", "rules", "--es-version", "7.1"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "harness: --es-version: unknown Elasticsearch version '7.1'; supported: 8.18, 8.19, 9.0, 9.1, 9.2, 9.3, 9.4, 9.5"]
    assert "Traceback" not in proc.stderr


def test_the_console_script_prints_the_summary_line() -> None:
    proc = subprocess.run([sys.executable, "-m", "harness", "rules", "--es-version", "9.5"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    count = sum(1 for r in load_rules() if "9.5" in r.versions)
    assert first.startswith(f"{count} rules for Elasticsearch 9.5: ")
