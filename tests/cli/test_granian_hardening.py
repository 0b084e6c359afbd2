"""`harness mock openai --server granian`, run as users run it: a free port without --port, and a client that
stalls a chunked upload does not freeze the others (the admin API included). No timing: socket timeouts
are safety nets only; the server is polled until it answers, as a user's script would."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

SAFETY = 30.0


def _wait_until_up(url: str) -> None:
    for _ in range(600):  # bounded: a server that never comes up fails the test
        try:
            requests.get(url + "/__admin/health", timeout=SAFETY)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    pytest.fail(f"{url} never came up")


@pytest.fixture
def granian_mock() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "mock", "openai", "--server", "granian"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        match = re.match(r"openai mock: (http://\S+)", proc.stdout.readline())
        assert match, "no URL printed"
        _wait_until_up(match.group(1))
        yield match.group(1)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def test_granian_without_port_binds_a_free_port(granian_mock: str) -> None:
    port = int(granian_mock.rsplit(":", 1)[1])
    assert port != 8080
    assert requests.get(granian_mock + "/__admin/health", timeout=SAFETY).json()["status"] == "ok"


def test_granian_serves_others_while_one_client_stalls_an_upload(granian_mock: str) -> None:
    host, port = granian_mock.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=SAFETY) as stalled:
        stalled.sendall(
            b"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer sk-t\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"input\": "
        )
        health = requests.get(granian_mock + "/__admin/health", timeout=SAFETY)
        assert health.status_code == 200
        answer = requests.post(
            granian_mock + "/v1/embeddings", json={"model": "text-embedding-3-small", "input": "hi"},
            headers={"Authorization": "Bearer sk-t"}, timeout=SAFETY,
        )
        assert answer.status_code == 200 and answer.json()["data"][0]["embedding"]
        stalled.sendall(b"")  # the stalled upload is still open


def test_granian_reset_fault_breaks_the_answer_instead_of_a_500(granian_mock: str) -> None:
    assert requests.post(granian_mock + "/__admin/faults", json={"kind": "reset", "times": 1}, timeout=SAFETY).ok
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        requests.post(
            granian_mock + "/v1/embeddings", json={"model": "text-embedding-3-small", "input": "hi"},
            headers={"Authorization": "Bearer sk-t"}, timeout=SAFETY,
        )
    assert requests.get(granian_mock + "/__admin/health", timeout=SAFETY).json()["total"] == 1
