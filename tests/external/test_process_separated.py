"""The external path as users run it: ``harness serve`` in its own process, ``harness run --target …
--openai-mock … --azure-mock … --bedrock-mock …`` in another, the mocks reached only by URL (issue 8).

The unmodified reference must come out conformant with nothing left unchecked: 8.18 at the default size,
9.1 and 9.4 with one example per item; the same with the mocks on HTTPS and through a byte-transparent
proxy in front of the target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from external_processes import RunResult, TcpProxy, harness_run, serve


def _assert_conformant(run: RunResult, password: str) -> None:
    assert run.summary.get("failed") == 0, "\n".join(run.outcomes("failed")[:20]) + run.output[-2000:]
    assert run.summary.get("not_checked") == 0, "\n".join(run.outcomes("not_checked")[:20])
    assert run.exit_code == 0, run.output[-2000:]
    assert run.summary.get("passed", 0) > 100
    assert run.report["embedded"] is False
    # the user's own secret (the --user password) never reaches the report or the console
    assert password not in json.dumps(run.report) + run.output


@pytest.mark.parametrize(("es_version", "max_examples"), [("8.18", None), ("9.1", "1"), ("9.4", "1")])
def test_reference_served_in_its_own_process_is_conformant(
    es_version: str, max_examples: str | None, tmp_path: Path
) -> None:
    size = ["--max-examples", max_examples] if max_examples else []  # None: the default size
    with serve(es_version) as served:
        run = harness_run(["--target", served.target, *served.auth_args(), *served.mock_args(),
                           "--es-version", es_version, "--seed", "1", *size], tmp_path / "report")
    _assert_conformant(run, served.password)
    # the run read only its own calls, and it saw the Bedrock calls it planted keys for
    assert run.report["options"]["mocks"] == ["amazonbedrock", "azureopenai", "openai"]


def test_mocks_on_https_are_conformant(tmp_path: Path) -> None:
    """A faithful target behind ``harness serve --tls`` is conformant with no option (issue 21): a TCP reset
    mid-stream under TLS is not judged (its TLS-layer wording in Elasticsearch was not read), with the reason."""
    with serve("8.18", tls_dir=tmp_path / "ca") as served:
        assert served.ca_pem and all(served.urls[m].startswith("https://") for m in ("openai", "azure", "bedrock"))
        run = harness_run(["--target", served.target, *served.auth_args(), *served.mock_args(), "--seed", "2",
                           "--max-examples", "1"], tmp_path / "report", env={"REQUESTS_CA_BUNDLE": served.ca_pem})
    _assert_conformant(run, served.password)
    reset = [r for r in run.report["results"] if r["rule_id"] == "upstream.stream.connection_reset"]
    assert reset and {r["outcome"] for r in reset} <= {"not_applicable"}
    assert any("under TLS" in r["reason"] for r in reset)


def test_without_the_ca_the_certificate_error_is_one_whole_line(tmp_path: Path) -> None:
    with serve("8.18", tls_dir=tmp_path / "ca") as served:
        run = harness_run(["--target", served.target, *served.auth_args(), *served.mock_args(),
                           "--rules", "crud.not_found", "--max-examples", "1"], tmp_path / "report",
                          env={"REQUESTS_CA_BUNDLE": ""})
    assert run.exit_code == 2, run.output[-2000:]
    line = next(ln for ln in run.output.splitlines() if ln.startswith("harness: "))
    assert "TLS certificate verify failed" in line and "$REQUESTS_CA_BUNDLE" in line


def test_byte_transparent_proxy_in_front_of_the_target_is_conformant(tmp_path: Path) -> None:
    with serve("8.18") as served, TcpProxy(served.target) as proxy:
        run = harness_run(["--target", proxy.url, *served.auth_args(), *served.mock_args(), "--seed", "3",
                           "--max-examples", "1"], tmp_path / "report")
        assert proxy.connections > 0
    _assert_conformant(run, served.password)
    assert run.report["target"] == proxy.url


def test_second_run_against_the_same_mocks_reads_only_its_own_calls(tmp_path: Path) -> None:
    """Long-lived mocks keep the calls of earlier runs; a re-run with the same seed is judged on its own."""
    args = ["--seed", "4", "--max-examples", "1", "--rules", "check.*", "--es-version", "9.4"]
    with serve("9.4") as served:
        base = ["--target", served.target, *served.auth_args(), *served.mock_args(), *args]
        first = harness_run(base, tmp_path / "one")
        second = harness_run(base, tmp_path / "two")
    for run in (first, second):
        assert run.summary.get("failed") == 0 and run.summary.get("not_checked") == 0, run.outcomes("failed")
        assert run.exit_code == 0
