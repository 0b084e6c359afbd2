"""``--es-version``: one list of supported versions (specs/profiles.yaml), patch releases map to their line,
the run says which profile it used, an unknown version is a one-line error listing the supported ones."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

import specs
from contract import PROFILES, UnknownVersionError, load_profile, load_rules, resolve_version
from harness import config as harness_config
from harness.cli import build_parser, main
from mocks.reference import app as reference_app
from mocks.reference.cli import es_version_arg


def test_every_consumer_reads_the_one_version_list() -> None:
    listed = tuple(specs.profiles_document()["versions"])
    assert PROFILES == specs.SPEC_VERSIONS == harness_config.VERSIONS == listed
    assert tuple(reference_app._INFO) == listed
    assert [load_profile(v).version for v in listed] == list(listed)
    for name in ("run", "diff", "serve"):
        parser = build_parser()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
        option = next(a for a in sub._actions if "--es-version" in a.option_strings)
        assert option.choices is None  # argparse must not refuse a patch release


@pytest.mark.parametrize(("given", "profile"), [("9.1.3", "9.1"), ("9.1", "9.1"), ("8.19.11", "8.19"),
                                                ("9.4.0", "9.4"), (" 8.18 ", "8.18")])
def test_a_patch_release_maps_to_its_line(given: str, profile: str) -> None:
    assert resolve_version(given) == profile
    assert es_version_arg(given) == profile


@pytest.mark.parametrize("given", ["7.17", "9", "9.1.3.4", "9.x", "10.0.1", ""])
def test_an_unknown_version_names_the_supported_ones(given: str) -> None:
    with pytest.raises(UnknownVersionError) as err:
        resolve_version(given)
    assert str(err.value) == f"unknown Elasticsearch version {given!r}; supported: {', '.join(PROFILES)}"


def test_unknown_version_on_the_command_line_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--es-version", "7.17.2", "--report-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"harness: unknown Elasticsearch version '7.17.2'; supported: {', '.join(PROFILES)}"]


def test_the_run_says_which_profile_it_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--es-version", "9.1.3", "--rules", "id_format.invalid", "--max-examples", "1",
                 "--format", "json", "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.splitlines()[0] == "Elasticsearch profile: 9.1 (for 9.1.3)"
    assert json.loads((tmp_path / "r" / "report.json").read_text())["es_version"] == "9.1"


def test_serve_help_names_the_elasticsearch_setting_skip_validation_mirrors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--skip-validation" in text
    assert "xpack.inference.skip_validate_and_start" in text


def test_the_report_shows_each_rules_evidence_and_range_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import jsonschema

    from harness.report.json import load_schema

    monkeypatch.chdir(tmp_path)
    code = main(["run", "--es-version", "9.4", "--rules", "input.query.not_for_task", "--rules",
                 "streaming.chat_completion.only_stream", "--max-examples", "1", "--format", "json,md",
                 "--report-dir", str(tmp_path / "r")])
    assert code == 0, capsys.readouterr().out
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    jsonschema.validate(report, load_schema())
    rules = load_rules()
    entry = report["rules"]["input.query.not_for_task"]
    assert {k: entry[k] for k in ("source", "symbol", "versions", "range")} == {
        "source": "x-pack/plugin/core/src/main/java/org/elasticsearch/xpack/core/inference/action/InferenceAction.java",
        "symbol": "InferenceAction.Request#validate", "versions": "9.2-9.4",
        "range": rules.get("input.query.not_for_task").range_status}
    # the report carries the same evidence `harness rules` prints: the quote and every dated read
    assert entry["quote"] == rules.get("input.query.not_for_task").evidence.quote
    assert [r["line"] for r in entry["reads"]] == [r.line for r in rules.get("input.query.not_for_task").evidence.reads]
    markdown = (tmp_path / "r" / "report.md").read_text()
    verified = sum(rules.get(r).range_status == "verified"
                   for r in ("input.query.not_for_task", "streaming.chat_completion.only_stream"))
    assert f"## Evidence ({verified} of 2 rules with a verified version range)" in markdown
    assert f"| `input.query.not_for_task` | 9.2-9.4 | {entry['range']} |" in markdown


class _Config:
    """The few pytest.Config members InferenceSettings.from_config reads."""

    def __init__(self, tmp_path: Path, version: str) -> None:
        self._options = {"inference_es_version": version}
        self.invocation_params = argparse.Namespace(dir=tmp_path)

    def getoption(self, name: str) -> object:
        return self._options.get(name)

    def getini(self, name: str) -> object:
        return "" if name != "inference_conformance" else False


@pytest.mark.parametrize(("given", "profile"), [("9.1.3", "9.1"), ("8.19", "8.19")])
def test_the_pytest_plugin_takes_a_patch_release(tmp_path: Path, given: str, profile: str) -> None:
    from harness.plugin.options import InferenceSettings

    assert InferenceSettings.from_config(_Config(tmp_path, given)).es_version == profile  # type: ignore[arg-type]


def test_the_pytest_plugin_refuses_an_unknown_version_in_one_line(tmp_path: Path) -> None:
    from harness.plugin.options import InferenceSettings

    with pytest.raises(pytest.UsageError) as err:
        InferenceSettings.from_config(_Config(tmp_path, "7.17"))  # type: ignore[arg-type]
    assert str(err.value) == f"inference_es_version: unknown Elasticsearch version '7.17'; supported: {', '.join(PROFILES)}"
