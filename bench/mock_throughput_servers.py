"""The servers ``mock_throughput.py`` loads, each behind a :class:`Target`: the OpenAI embeddings mock on
werkzeug (in-process) and under granian (``harness mock openai --server granian``), the reference target's
inference path (``harness serve --server granian --mock-server granian``), and pytest-httpserver (the peer).

A target says how to read its server's CPU time (this process's, or a process tree's from ``/proc``) and how
many calls its journal recorded (through the admin API), and which wrk script loads it (:data:`LUA`:
``POST /v1/embeddings`` with a new input per request).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import orjson

from mocks.core import embedding_bytes, embedding_for
from mocks.core.serving import free_port
from mocks.openai import OpenAIMock

__all__ = [
    "DIMS",
    "LUA",
    "MODEL",
    "Target",
    "granian_mock",
    "granian_reference",
    "pytest_httpserver_peer",
    "werkzeug_mock",
]

DIMS = 1536
MODEL = "text-embedding-3-small"
# Each wrk thread gets an id in setup(); the run's nonce comes as the script argument. Together with a
# per-thread counter they make every input of the whole benchmark unique.
LUA = r"""
local counter = 0
local nthreads = 0
function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
end
function init(args)
  nonce = (args[1] or "run") .. "-" .. tostring(tid)
end
request = function()
  counter = counter + 1
  local body = '{"model":"text-embedding-3-small","input":"bench input ' .. nonce .. ' number ' .. counter .. '"%s}'
  local headers = {["Content-Type"]="application/json", ["Authorization"]="Bearer sk-bench"}
  return wrk.format("POST", "/v1/embeddings", headers, body)
end
"""


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _descendants(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout.split()
    return [d for c in children for d in (int(c), *_descendants(int(c)))]


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` and all its descendants, from ``/proc`` (live
    processes only: a process that exits during the run takes its CPU time with it)."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid, *_descendants(pid)]
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


class Target:
    """A running server: its URL, how to read its CPU time and recorded-call count, and the wrk script
    that loads it (default: ``POST /v1/embeddings``)."""

    def __init__(
        self, url: str, cpu: Callable[[], float], recorded: Callable[[], int] | None = None, lua: str | None = None
    ) -> None:
        self.url, self.cpu, self.recorded, self.lua = url, cpu, recorded, lua


@contextmanager
def werkzeug_mock() -> Iterator[Target]:
    """Our OpenAI mock in-process on werkzeug's threaded server (journal on)."""
    with OpenAIMock(seed=1) as mock:
        yield Target(mock.url, _own_cpu, lambda: mock.journal.recorded)


@contextmanager
def granian_mock() -> Iterator[Target]:
    """The same WSGI app under granian (``harness mock openai --server granian``; journal on)."""
    port = free_port("127.0.0.1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "mock", "openai", "--server", "granian", "--port", str(port), "--seed", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(port)
        yield Target(url, lambda: _tree_cpu(proc.pid), lambda: _last_seq(url))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def granian_reference() -> Iterator[Target]:
    """The reference target's inference path: ``harness serve --server granian --mock-server granian`` (the
    target in a granian worker, each mock in a granian process of its own), one openai text_embedding
    endpoint, and
    ``POST /_inference/text_embedding/bench`` with a new input per request: the target parses, calls the
    OpenAI mock (which computes and records the vector) and answers Elasticsearch's JSON."""
    port = free_port("127.0.0.1")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "harness", "serve", "--server", "granian", "--mock-server", "granian"),
            *("--port", str(port), "--seed", "1"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        openai = re.search(r"openai mock:\s+(\S+)", "".join(lines)).group(1)  # type: ignore[union-attr]
        _wait_for(port, timeout=60.0)
        _put_json(
            url + "/_inference/text_embedding/bench",
            {
                "service": "openai",
                "service_settings": {"api_key": "sk-bench", "model_id": MODEL, "url": openai + "/v1/embeddings"},
            },
        )
        lua = (
            LUA.replace('"/v1/embeddings"', '"/_inference/text_embedding/bench"')
            .replace('\'{"model":"text-embedding-3-small","input":"bench input \'', '\'{"input":"bench input \'')
            .replace('"%s}', '"}')
            .replace(', ["Authorization"]="Bearer sk-bench"', "")
        )
        yield Target(url, lambda: _tree_cpu(proc.pid), lambda: _last_seq(openai), lua)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _put_json(url: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="PUT", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


def _peer_body(encoding: str) -> dict[str, Any]:
    if encoding == "base64":
        value: Any = base64.b64encode(embedding_bytes("x", model=MODEL, dimensions=DIMS)).decode("ascii")
    else:
        value = embedding_for("x", model=MODEL, dimensions=DIMS)
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": value}],
        "model": MODEL,
        "usage": {"prompt_tokens": 4, "total_tokens": 4},
    }


def pytest_httpserver_peer(encoding: str) -> AbstractContextManager[Target]:
    """pytest-httpserver (default: one request at a time) with an equivalent precomputed body."""

    @contextmanager
    def run() -> Iterator[Target]:
        from pytest_httpserver import HTTPServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # its default server logs every request
        server = HTTPServer(host="127.0.0.1", port=0)
        # The same compact bytes our mock writes (respond_with_json would indent them to ~56 kB).
        body = orjson.dumps(_peer_body(encoding))
        server.expect_request("/v1/embeddings", method="POST").respond_with_data(body, content_type="application/json")
        server.start()
        try:
            yield Target(f"http://127.0.0.1:{server.port}", _own_cpu)
        finally:
            server.clear()
            server.stop()

    return run()


def _last_seq(url: str) -> int:
    """The sequence number of the mock's last recorded call (= calls recorded so far), via the admin API."""
    calls = _get_json(url + "/__admin/calls")["calls"]
    return int(calls[-1]["seq"]) if calls else 0


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _wait_for(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start")
