"""Report writers: JSON validates against its schema, JUnit has one testcase per result, Markdown lists
failures with their replay command, and every writer redacts planted secrets."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from harness.report import Exchange, Redactor, Result, RunReport, UpstreamCall, load_schema, write_reports
from mocks.core.secrets import fingerprint

CANARY = "sk-canary-0123456789abcdef"


def _report() -> RunReport:
    failed = Result(
        "secrets.never_returned", "openai", "text_embedding", "failed", title="secrets never returned",
        reason="[secrets.never_returned] a secret was returned", expected="no secret", seen=f"body has {CANARY}",
        replay=f"curl -X GET http://t/_inference/x -d '{{\"api_key\": \"{CANARY}\"}}'\nharness run --seed 1",
        exchanges=[Exchange("GET", "http://t/_inference/x", None, 200, {"X": CANARY}, f'{{"api_key":"{CANARY}"}}')],
        upstream=[UpstreamCall("openai", "POST", "/v1/embeddings", 200, "", fingerprint(CANARY), '{"input":["a"]}')],
    )
    return RunReport(
        "8.18", "embedded reference", 1, True, "2025-01-01T00:00:00+00:00", 1.5,
        results=[
            Result("crud.not_found", "openai", "completion", "passed", examples=2, duration=0.1),
            failed,
            Result("upstream.401", "amazonbedrock", "completion", "not_applicable", reason="openai/azure only"),
            Result("upstream.stream_error", "openai", "completion", "not_checked", reason="no fault kind"),
            Result("check.x", None, None, "skipped", reason="no scenario"),
        ],
    )


@pytest.fixture()
def written(tmp_path: Path) -> dict[str, Path]:
    paths = write_reports(_report(), tmp_path, redactor=Redactor([CANARY]))
    return {p.suffix: p for p in paths}


def test_json_report_validates_and_round_trips(written: dict[str, Path]) -> None:
    data = json.loads(written[".json"].read_text())
    jsonschema.validate(data, load_schema())
    assert data["summary"] == {"passed": 1, "failed": 1, "not_applicable": 1, "not_checked": 1, "skipped": 1,
                               "total": 5, "conformant": False}
    assert [r["rule_id"] for r in data["results"] if r["outcome"] == "failed"] == ["secrets.never_returned"]
    assert RunReport.from_dict(data).to_dict() == data


def test_json_schema_rejects_a_failure_without_replay(written: dict[str, Path]) -> None:
    data = json.loads(written[".json"].read_text())
    data["results"][1]["replay"] = ""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, load_schema())


def test_junit_has_one_testcase_per_result(written: dict[str, Path]) -> None:
    root = ET.parse(written[".xml"]).getroot()
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "5" and suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases][0] == "crud.not_found[openai/completion]"
    assert len(cases) == 5
    assert sum(1 for c in cases if c.find("failure") is not None) == 1
    assert sum(1 for c in cases if c.find("skipped") is not None) == 3
    failure = cases[1].find("failure")
    assert failure is not None and "harness run --seed 1" in (failure.text or "")


def test_markdown_lists_failures_with_replay(written: dict[str, Path]) -> None:
    text = written[".md"].read_text()
    assert "1 violation(s)" in text
    assert "### `secrets.never_returned[openai/text_embedding]`" in text
    assert "```sh" in text


def test_markdown_leads_with_failures_and_a_summary_per_family(written: dict[str, Path]) -> None:
    text = written[".md"].read_text()
    assert text.index("## Failures (1)") < text.index("## By family") < text.index("## Results")
    assert "| secrets **(failing)** | 1 | 0 | 1 | 0 | 0 | 0 |" in text
    assert "| **all** | 5 | 1 | 1 | 1 | 1 | 1 |" in text
    results = text.split("## Results", 1)[1]
    rows = [line for line in results.splitlines() if line.startswith("| `")]
    assert rows[0].startswith("| `secrets.never_returned` |")  # the failure first
    assert "upstream.401" not in results  # not applicable: counted, not listed
    assert "1 not-applicable results are counted above, not listed" in results


def test_markdown_lists_not_applicable_results_when_asked(tmp_path: Path) -> None:
    paths = write_reports(_report(), tmp_path, ("md",), redactor=Redactor([CANARY]), not_applicable=True)
    results = paths[0].read_text().split("## Results", 1)[1]
    assert "| `upstream.401` | amazonbedrock | completion | not_applicable | openai/azure only |" in results
    assert "counted above, not listed" not in results


def test_markdown_collapses_passed_results_to_a_row_per_rule(tmp_path: Path) -> None:
    results = [Result("crud.get", s, t, "passed", title="GET returns the endpoint")
               for s in ("openai", "azureopenai") for t in ("text_embedding", "completion")]
    report = RunReport("8.18", "embedded reference", 0, True, "2025-01-01T00:00:00+00:00", results=results)
    text = write_reports(report, tmp_path, ("md",))[0].read_text()
    assert ("| `crud.get` | openai, azureopenai | text_embedding, completion | passed (4) | GET returns the endpoint |"
            in text)
    assert "## Failures" not in text and "# Inference contract run: conformant" in text


def test_every_writer_redacts_the_canary(written: dict[str, Path]) -> None:
    for path in written.values():
        text = path.read_text()
        assert CANARY not in text, path.name
        assert fingerprint(CANARY) in text, path.name


def test_a_failed_rule_links_to_its_evidence_in_markdown_and_html(tmp_path: Path) -> None:
    """Issue 20: the Markdown and HTML reports show a failed rule's evidence as ``harness rules`` prints it:
    the source, the range and its status, the quoted line and each dated read."""
    from contract import load_rules
    from harness.engine.run import rule_evidence

    report = _report()
    report.rules = rule_evidence(load_rules(), {"secrets.never_returned", "crud.not_found"}, "8.18")
    paths = {p.suffix: p for p in write_reports(report, tmp_path, redactor=Redactor([CANARY]))}
    entry = report.rules["secrets.never_returned"]
    md = paths[".md"].read_text()
    failure = md[md.index("### `secrets.never_returned"): md.index("## By family")]
    assert f"- source: `{entry['source']}`" in failure and f"range **{entry['range']}**" in failure
    assert entry["quote"].splitlines()[0] in failure
    assert all(f"dated **{r['line']}**" in failure for r in entry["reads"])
    html = paths[".html"].read_text()
    assert "<h4>Evidence</h4>" in html and entry["source"] in html
    assert all(r["line"] in html for r in entry["reads"])
    jsonschema.validate(json.loads(paths[".json"].read_text()), load_schema())


def test_html_calls_out_a_run_where_many_checks_were_not_checked(tmp_path: Path) -> None:
    """Issue 21: a run where a tenth or more of the judged checks were not checked says so under the verdict."""
    report = _report()
    report.results += [Result("check.y", "azureopenai", "completion", "not_checked", reason="no azure mock")] * 3
    html = {p.suffix: p for p in write_reports(report, tmp_path, formats=("html",))}[".html"].read_text()
    assert "4 of 7 checks were <b>not checked</b>" in html
    quiet = RunReport("8.18", "embedded reference", 1, True, "2025-01-01T00:00:00+00:00", 1.0,
                      results=[Result("crud.not_found", "openai", "completion", "passed")])
    assert "not checked</b>" not in {p.suffix: p for p in write_reports(quiet, tmp_path / "q", formats=("html",))}[
        ".html"].read_text()
