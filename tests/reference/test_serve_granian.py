"""``harness serve --server granian``: the reference target in a granian worker, as a user runs it.

The server runs as a subprocess; the test reads the printed URLs, creates an OpenAI endpoint with the
official elasticsearch client and runs inference through it: the answer carries the mock's deterministic
vector and the OpenAI mock recorded the call. Each test runs with the mocks on werkzeug (the default) and
with ``--mock-server granian`` (each mock a granian process of its own)."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests
from reference_helpers import azure_settings, bedrock_settings

from harness.es_client import official_client
from mocks.core import embedding_for

pytest.importorskip("granian")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module", params=["werkzeug", "granian"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """The target under granian, the mocks on werkzeug threads (default) or in granian processes."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "harness", "serve", "--server", "granian", "--mock-server", request.param),
            *("--port", str(port), "--seed", "4"),
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        head = proc.stdout.readline() + proc.stdout.readline()
        openai = re.search(r"openai mock:\s+(\S+)", head)
        assert openai, f"no openai mock URL printed: {head!r}"
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:  # the granian worker process starts after the URLs are printed
            try:
                requests.get(url + "/_inference/_all", timeout=5)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, "harness serve --server granian did not start"
                time.sleep(0.2)
        yield url, openai.group(1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_granian_target_answers_inference_through_the_mock(served: tuple[str, str]) -> None:
    url, openai = served
    es = official_client(url, "8.18")
    es.inference.put(task_type="text_embedding", inference_id="g1", inference_config={
        "service": "openai",
        "service_settings": {"api_key": "sk-granian-test", "model_id": "text-embedding-3-small",
                             "url": openai + "/v1/embeddings"},
    })
    answer = es.inference.inference(task_type="text_embedding", inference_id="g1", input=["hello granian"])
    vector = answer["text_embedding"][0]["embedding"]
    assert vector == pytest.approx(embedding_for("hello granian", model="text-embedding-3-small",
                                                 dimensions=len(vector), seed=4))
    calls = requests.get(openai + "/__admin/calls", params={"path": "/v1/embeddings"}, timeout=10).json()["calls"]
    assert any("hello granian" in (c.get("body") or "") for c in calls)


def test_granian_target_answers_errors_in_elasticsearch_format(served: tuple[str, str]) -> None:
    url, _ = served
    response = requests.get(url + "/_inference/text_embedding/missing", timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "resource_not_found_exception"


@pytest.mark.parametrize(
    ("mock", "service", "settings"),
    [
        ("azure", "azureopenai", azure_settings()),
        ("bedrock", "amazonbedrock", bedrock_settings("text_embedding", region="eu-west-1")),
    ],
)
def test_granian_target_reaches_the_azure_and_bedrock_mocks(
    served: tuple[str, str], mock: str, service: str, settings: dict[str, str]
) -> None:
    """The Azure and Bedrock mocks answer the target's calls; the Bedrock mock serves every region of the
    test certificate on either server."""
    url, _ = served
    inference_id = f"g-{mock}"
    created = requests.put(
        f"{url}/_inference/text_embedding/{inference_id}", json={"service": service, "service_settings": settings},
        timeout=60,
    )
    assert created.status_code == 200, created.text
    answer = requests.post(f"{url}/_inference/text_embedding/{inference_id}", json={"input": "hi"}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["text_embedding"][0]["embedding"]) == created.json()["service_settings"]["dimensions"]


def test_granian_mocks_refuse_tls(tmp_path: object) -> None:
    """granian-served mocks have no test-CA certificates: the combination is refused before anything starts."""
    done = subprocess.run(
        [sys.executable, "-m", "harness", "serve", "--mock-server", "granian", "--tls", "--port", "0"],
        capture_output=True, text=True, timeout=120, cwd=str(tmp_path),
    )
    assert done.returncode == 2
    assert "--tls needs --mock-server werkzeug" in done.stderr
    assert done.stdout == ""
