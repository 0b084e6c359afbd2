"""`harness mock openai --record DIR --upstream URL`, then `--replay DIR`, as users run them (subprocesses)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import openai
import pytest

from mocks.bedrock import BedrockMock
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


UP_KEY, UP_SECRET = "AKIAUPSTREAMCANARY01", "upstreamSecretCanary0123456789abcdefghij"
CLIENT_KEY, CLIENT_SECRET = "AKIACLIENTCANARY0001", "clientSecretCanary0123456789abcdefghijkl"


def _titan(url: str) -> Any:
    import boto3
    from botocore.config import Config

    client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=url,
                          aws_access_key_id=CLIENT_KEY, aws_secret_access_key=CLIENT_SECRET,
                          config=Config(retries={"total_max_attempts": 1}))
    return client.invoke_model(modelId="amazon.titan-embed-text-v2:0", body=json.dumps({"inputText": "resign"}))


def _start_env(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], str, str]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return _start(*args)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_resign_for_a_signature_checking_upstream_that_is_not_aws(tmp_path: Path) -> None:
    """Issue 21: the Bedrock recorder in front of a SigV4-checking upstream that is not ``*.amazonaws.com``
    forwarded the client's signature (made for the recorder's host) and recorded a 403; with ``--resign`` and
    that upstream's credentials in the environment it signs again, and the cassette holds the 200."""
    from botocore.exceptions import ClientError

    aws_env = {"AWS_ACCESS_KEY_ID": UP_KEY, "AWS_SECRET_ACCESS_KEY": UP_SECRET, "AWS_EC2_METADATA_DISABLED": "true"}
    with BedrockMock(seed=1, credentials={UP_KEY: UP_SECRET}) as upstream:
        plain_dir, resign_dir = tmp_path / "forwarded", tmp_path / "resigned"
        proc, url, _ = _start_env(aws_env, "bedrock", "--record", str(plain_dir), "--upstream", upstream.url)
        try:
            with pytest.raises(ClientError) as refused:
                _titan(url)
        finally:
            _stop(proc)
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        proc, url, banner = _start_env(aws_env, "bedrock", "--record", str(resign_dir), "--upstream", upstream.url,
                                       "--resign")
        assert "SigV4 signed again for it" in banner
        try:
            answer = _titan(url)
        finally:
            output = _stop(proc)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200 and json.loads(answer["body"].read())["embedding"]
    (cassette,) = resign_dir.iterdir()
    assert json.loads(cassette.read_text())["response"]["status"] == 200
    text = cassette.read_text() + output
    assert [s for s in (UP_KEY, UP_SECRET, CLIENT_KEY, CLIENT_SECRET) if s in text] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bedrock", "--resign"], "--resign is only used with bedrock --record"),
        (["openai", "--record", "x", "--upstream", "http://h", "--resign"], "--resign is only used with bedrock"),
        (["bedrock", "--record", "x", "--upstream", "http://h", "--resign"], "--resign found no AWS credentials"),
    ],
)
def test_resign_misuse_is_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.cli import main

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    assert main(["mock", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
