"""`harness mock openai --record DIR --upstream URL`, then `--replay DIR`, as users run them (subprocesses)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import openai
import pytest

from mocks.openai import OpenAIMock

KEY = "sk-cli-record-canary-41f0"


def _start(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "mock", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url, banner = "", ""
    assert proc.stdout is not None
    for line in proc.stdout:
        banner += line
        match = re.match(r"\w+ mock: (https?://\S+)", line)
        url = match.group(1) if match else url
        if line.startswith("Press Ctrl-C"):
            break
    return proc, url, banner


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, out + err
    return out + err


def _calls(url: str) -> list[object]:
    with openai.OpenAI(api_key=KEY, base_url=url + "/v1", max_retries=0) as client:
        out: list[object] = [client.embeddings.create(model="text-embedding-3-small", input="cli").model_dump()]
        stream = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}], stream=True)
        out.append([c.model_dump() for c in stream])
    return out


def test_record_then_replay_on_the_command_line(tmp_path: Path) -> None:
    with OpenAIMock(seed=2, api_keys={KEY}) as upstream:
        proc, url, banner = _start("openai", "--record", str(tmp_path), "--upstream", upstream.url)
        assert f"recording to {tmp_path}/ from {upstream.url}" in banner
        try:
            recorded = _calls(url)
        finally:
            output = _stop(proc)
    assert KEY not in output and "Traceback" not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0001-post-v1-embeddings.json", "0002-post-v1-chat-completions.json"]
    assert not [p for p in tmp_path.iterdir() if KEY in p.read_text()]
    proc, url, banner = _start("openai", "--replay", str(tmp_path))
    assert "replaying 2 recorded exchange(s)" in banner
    try:
        assert _calls(url) == recorded
    finally:
        _stop(proc)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--record", "x"], "--record needs --upstream URL"),
        (["--record", "x", "--upstream", "ftp://h"], "expected an http(s) URL"),
        (["--record", "x", "--replay", "y", "--upstream", "http://h"], "exclude each other"),
        (["--replay", "/nonexistent-dir"], "no directory"),
    ],
)
def test_record_misuse_is_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    from harness.cli import main

    assert main(["mock", "openai", *args]) == 2  # rejected before anything listens
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
