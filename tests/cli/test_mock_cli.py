"""`harness mock …` on the command line: prints its URLs, serves the official SDKs, stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import openai
import pytest
import requests


def _start(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "mock", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    urls: dict[str, str] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        match = re.match(r"(\w+) mock: (https?://\S+)", line)
        if match:
            urls[match.group(1)] = match.group(2)
        if line.startswith("Press Ctrl-C"):
            break
    return proc, urls


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    return proc.returncode, out + err


def test_mock_all_prints_loopback_urls_serves_sdks_and_stops_cleanly() -> None:
    proc, urls = _start("all", "--seed", "7", "--api-key", "sk-cli-test")
    try:
        assert set(urls) == {"openai", "azure", "bedrock"}
        assert all(url.startswith("http://127.0.0.1:") for url in urls.values())
        client = openai.OpenAI(api_key="sk-cli-test", base_url=urls["openai"] + "/v1", max_retries=0)
        emb = client.embeddings.create(model="text-embedding-3-small", input="hello", dimensions=8)
        assert len(emb.data[0].embedding) == 8
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(api_key="sk-wrong", base_url=urls["openai"] + "/v1", max_retries=0).embeddings.create(
                model="text-embedding-3-small", input="hello"
            )
        health = requests.get(urls["openai"] + "/__admin/health", timeout=5).json()
        assert health["seed"] == 7 and health["calls"] == 2
    finally:
        code, output = _stop(proc)
    assert code == 0, output
    assert "Traceback" not in output
    assert "sk-cli-test" not in output


def test_mock_reports_a_port_in_use_in_one_line() -> None:
    proc, urls = _start("openai")
    try:
        port = urls["openai"].rsplit(":", 1)[1]
        second = subprocess.run(
            [sys.executable, "-m", "harness", "mock", "openai", "--port", port],
            capture_output=True, text=True, timeout=20,
        )
        assert second.returncode == 2
        assert "cannot listen on" in second.stderr and "Traceback" not in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1, second.stderr
    finally:
        _stop(proc)


def test_mock_tls_serves_https_with_the_test_ca(tmp_path) -> None:  # type: ignore[no-untyped-def]
    proc, urls = _start("openai", "--tls", "--ca-dir", str(tmp_path))
    try:
        assert urls["openai"].startswith("https://127.0.0.1:")
        ca = tmp_path / "mock-ca.pem"
        assert ca.is_file()
        health = requests.get(urls["openai"] + "/__admin/health", verify=str(ca), timeout=5)
        assert health.json()["service"] == "openai"
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(urls["openai"] + "/__admin/health", timeout=5)  # not trusted without the CA
    finally:
        code, output = _stop(proc)
    assert code == 0, output
