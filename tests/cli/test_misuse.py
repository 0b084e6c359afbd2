"""Misuse of the command line, as a user meets it: one line on stderr naming the flag, exit 2, nothing started.

Every case runs ``python -m harness`` in a subprocess (as a shell or a CI job runs it), in an empty directory
so no config file applies.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests


def _harness(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARNESS_")}
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=timeout)


def _one_line_exit_2(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        pytest.param(["run", "--rules", "nonexistent.*"], ["--rules", "'nonexistent.*'", "matches no rule"],
                     id="rules-typo"),
        pytest.param(["run", "--rules", "chunking.*", "--rules", "chunkin.*"], ["--rules", "'chunkin.*'"],
                     id="second-rules-typo"),
        pytest.param(["run", "--openai-mock", "http://127.0.0.1:9"], ["--openai-mock", "needs --target"],
                     id="mock-without-target"),
        pytest.param(["run", "--bedrock-mock", "http://127.0.0.1:9"], ["--bedrock-mock", "needs --target"],
                     id="bedrock-mock-without-target"),
        pytest.param(["run", "--max-examples", "many"], ["argument --max-examples", "many"], id="not-an-int"),
        pytest.param(["mock", "openai", "--port", "80000"], ["argument --port", "80000", "1-65535"], id="mock-port-big"),
        pytest.param(["mock", "openai", "--port", "-1"], ["argument --port", "-1"], id="mock-port-negative"),
        pytest.param(["mock", "openai", "--port", "http"], ["argument --port", "'http'"], id="mock-port-word"),
        pytest.param(["mock", "all", "--port", "65534"], ["--port", "65534-65536", "65535"], id="mock-all-overflow"),
        pytest.param(["mock", "azure", "--deployment", "embed"], ["argument --deployment", "NAME=MODEL", "'embed'"],
                     id="deployment-without-model"),
        pytest.param(["mock", "bedrock", "--aws-credentials", "wJalrXUtnSECRETcanary"],
                     ["argument --aws-credentials", "ACCESS_KEY:SECRET_KEY"], id="credentials-without-colon"),
        pytest.param(["mock", "openai", "--tls", "--ca-dir", "a-file-that-is-not/there/x", "--port", "0"],
                     ["--ca-dir", "cannot keep the test CA"], id="ca-dir-unusable"),
        pytest.param(["serve", "--port", "80000"], ["argument --port", "80000"], id="serve-port-big"),
        pytest.param(["serve", "--port", "-5"], ["argument --port", "-5"], id="serve-port-negative"),
        pytest.param(["serve", "--port", "0", "--security-config", "no-such-dir"], ["--security-config", "no-such-dir"],
                     id="serve-security-config-missing"),
        pytest.param(["diff"], ["nothing to compare", "--es-version A --es-version B"], id="bare-diff"),
        pytest.param(["diff", "--es-version", "9.1", "--es-version", "9.1"], ["both sides", "9.1"], id="diff-self"),
        pytest.param(["diff", "--es-version", "8.18", "--es-version", "9.4", "--rules", "nope"], ["--rules", "'nope'"],
                     id="diff-rules-typo"),
        pytest.param([], ["harness --help"], id="no-command"),
        # issue 21: each names the real cause and the option
        pytest.param(["run", "--workers", "0"], ["--workers must be >= 1, got 0"], id="workers-zero"),
        pytest.param(["serve", "--port", "0", "--storage", "/nonexistent/dir/f.json"],
                     ["--storage /nonexistent/dir/f.json", "no such file or directory"], id="storage-dir-missing"),
        pytest.param(["serve", "--port", "0", "--host", "10.255.255.1"],
                     ["cannot assign requested address", "--host must be an address of this machine"],
                     id="host-not-here"),
        pytest.param(["mock", "openai", "--port", "0", "--record", "/proc/nope", "--upstream", "http://127.0.0.1:9"],
                     ["--record /proc/nope", "no such file or directory"], id="record-dir-unusable"),
        pytest.param(["rules", "--es-version", "7.1"], ["--es-version", "'7.1'"], id="rules-unknown-version"),
        pytest.param(["serve", "--port", "0", "--security-config", "."], ["--security-config", "no users file"],
                     id="security-config-without-users"),
    ],
)
def test_misuse_is_one_line_and_exit_2(tmp_path: Path, args: list[str], needles: list[str]) -> None:
    if "a-file-that-is-not/there/x" in args:
        (tmp_path / "a-file-that-is-not").write_text("a file, not a directory")
    result = _harness(*args, cwd=tmp_path)
    _one_line_exit_2(result, *needles)
    assert "SECRETcanary" not in result.stderr + result.stdout  # a mistyped secret is not echoed
    assert [p.name for p in tmp_path.iterdir()] in ([], ["a-file-that-is-not"])  # nothing ran: no report dir


@pytest.mark.parametrize("command", ["run", "diff"])
def test_unwritable_report_dir_is_refused_before_the_run(tmp_path: Path, command: str) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    extra = ["--es-version", "8.18", "--es-version", "9.4"] if command == "diff" else []
    result = _harness(command, *extra, "--report-dir", "a-file/reports", cwd=tmp_path, timeout=30)
    line = _one_line_exit_2(result, "--report-dir", "a-file/reports")
    assert "passed" not in result.stdout and "cases" not in result.stdout, line  # refused before any case ran


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize("args", [["serve"], ["mock", "openai"], ["mock", "all"]], ids=["serve", "mock", "mock-all"])
def test_busy_port_is_the_same_clean_line_from_serve_and_mock(tmp_path: Path, busy_port: int, args: list[str]) -> None:
    result = _harness(*args, "--port", str(busy_port), cwd=tmp_path)
    line = _one_line_exit_2(result, f"127.0.0.1:{busy_port}", "address already in use", "--port")
    assert re.fullmatch(rf"harness (serve|mock): cannot listen on 127\.0\.0\.1:{busy_port}: .*", line)
    assert result.stdout == ""  # no URL printed for a stack that did not start


def test_serve_banner_urls_work_as_service_settings_url(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "harness", "serve", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline() for _ in range(4)]
        target = re.search(r"(http://127\.0\.0\.1:\d+)", banner[0]).group(1)  # type: ignore[union-attr]
        urls = re.findall(r"(http://\S+/v1/\S+) for (\w+)", banner[1])
        assert [task for _url, task in urls] == ["text_embedding", "completion"], banner[1]
        models = {"text_embedding": "text-embedding-3-small", "completion": "gpt-4o-mini"}
        for url, task in urls:
            settings = {"api_key": "sk-banner-test", "model_id": models[task], "url": url}
            body = {"service": "openai", "service_settings": settings}
            put = requests.put(f"{target}/_inference/{task}/banner-{task}", json=body, timeout=30)
            assert put.status_code == 200, put.text
            answer = requests.post(f"{target}/_inference/{task}/banner-{task}", json={"input": "hello"}, timeout=30)
            assert answer.status_code == 200, answer.text
            assert json.dumps(answer.json()) and "sk-banner-test" not in answer.text
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err, err
