"""``harness --help`` and every subcommand's help: each option explained with its default; examples, exit codes."""

from __future__ import annotations

import argparse

import pytest

from harness.cli import build_parser, main


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_top_level_help_has_examples_exit_codes_and_config(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for needle in [
        "Elasticsearch _inference API",
        "harness run --es-version",                    # embedded run
        "harness run --target https://localhost:9200",  # a real cluster with external mocks
        "--openai-mock http://127.0.0.1:8081",
        "harness serve --port 9200",
        "harness mock all --port 8081",
        "0  the target is conformant",
        "1  violations",
        "2  harness or connection error",
        "harness.toml", "[tool.harness]", "api_key_env", "HARNESS_",
    ]:
        assert needle in text, needle
    for name in ("run", "serve", "mock", "diff"):
        assert f"    {name} " in text


@pytest.mark.parametrize("command", ["run", "serve", "mock", "diff"])
def test_every_option_has_help_naming_its_default(command: str) -> None:
    sub = _subparsers(build_parser())[command]
    formatter = sub._get_formatter()
    text = sub.format_help()
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help, f"{command} {action.dest} has no help"
        for option in action.option_strings:
            assert option in text
        if action.option_strings:  # positional arguments have no default
            assert "default" in formatter._get_help_string(action), f"{command} {action.option_strings} has no default"


def test_run_help_mentions_every_option_and_the_config(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # help is wrapped to the terminal's width
    for option in ["--config", "--target", "--openai-mock", "--azure-mock", "--bedrock-mock", "--api-key", "--user",
                   "--es-version", "--seed", "--max-examples", "--rules", "--skip", "--workers", "--report-dir",
                   "--format"]:
        assert option in text, option
    for needle in ["(default: 8.18)", "(default: 0)", "(default: 5)", "(default: 2)", "(default: reports/)",
                   "(default: json,junit,md,html)", "exit codes: 0 conformant, 1 violations, 2",
                   "flags > HARNESS_* environment variables", "harness.toml", "[skip]"]:
        assert needle in text, needle
