"""Throughput and latency of the OpenAI embeddings mock, side by side with pytest-httpserver.

Every server answers ``POST /v1/embeddings`` with a 1536-dimension embedding. Ours computes the
deterministic vector for a different input on every request and records every call in its journal;
the peer (pytest-httpserver, default settings) returns one precomputed body of the same size.

Load comes from ``wrk`` (Debian package ``wrk``) with a Lua script that puts a fresh input in each
request. Figures move with the machine: compare the rows of one run, not runs of different days.

Usage::

    python bench/mock_throughput.py [--duration 5] [--concurrency 1 8 64]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mocks.core import embedding_for
from mocks.openai import OpenAIMock

DIMS = 1536
MODEL = "text-embedding-3-small"

LUA = r"""
local counter = 0
request = function()
  counter = counter + 1
  local body = '{"model":"text-embedding-3-small","input":"bench input number ' .. counter .. ' thread ' .. tostring(math.random(1000000)) .. '"}'
  return wrk.format("POST", "/v1/embeddings", {["Content-Type"]="application/json", ["Authorization"]="Bearer sk-bench"}, body)
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def werkzeug_mock() -> Iterator[str]:
    """Our OpenAI mock in-process on werkzeug's threaded server (journal on)."""
    with OpenAIMock(seed=1) as mock:
        yield mock.url


@contextmanager
def granian_mock() -> Iterator[str]:
    """The same WSGI app under granian (one worker process; journal on, read via /__admin/)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "mock", "openai", "--server", "granian", "--port", str(port), "--seed", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def pytest_httpserver_peer() -> Iterator[str]:
    """pytest-httpserver (default: one request at a time) with an equivalent precomputed body."""
    from pytest_httpserver import HTTPServer

    body = {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": embedding_for("x", model=MODEL, dimensions=DIMS)}],
        "model": MODEL,
        "usage": {"prompt_tokens": 4, "total_tokens": 4},
    }
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # its default server logs every request
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/v1/embeddings", method="POST").respond_with_json(body)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.clear()
        server.stop()


def _wait_for(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start")


_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return float("nan")
    return float(m.group(1)) * _UNIT[m.group(2)]


def run_wrk(url: str, concurrency: int, duration: int, script: Path) -> dict[str, float]:
    """One wrk run; returns requests/s, p50 and p99 in milliseconds, and the error count."""
    threads = min(concurrency, 2)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{duration}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "errors": float(errors.group(1)) if errors else 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement (default 5)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk not found: install it (apt-get install wrk)", file=sys.stderr)
        return 2
    servers: dict[str, Callable[[], contextmanager]] = {  # type: ignore[type-arg]
        "openai mock, werkzeug threaded": werkzeug_mock,
        "openai mock, granian 1 worker": granian_mock,
        "pytest-httpserver (peer)": pytest_httpserver_peer,
    }
    results: dict[str, dict[int, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "req.lua"
        script.write_text(LUA)
        for name, factory in servers.items():
            results[name] = {}
            with factory() as url:
                run_wrk(url, 2, 1, script)  # warm-up
                for c in args.concurrency:
                    results[name][c] = run_wrk(url, c, args.duration, script)
                    r = results[name][c]
                    print(f"  {name:34} c={c:<3} {r['rps']:9.0f} req/s  p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms"
                          f"  non-2xx {int(r['errors'])}", flush=True)
    print()
    header = f"{'server':34} " + " ".join(f"{'c=' + str(c) + ' req/s':>12} {'p50 ms':>8} {'p99 ms':>8}" for c in args.concurrency)
    print(header)
    for name, per_c in results.items():
        print(f"{name:34} " + " ".join(
            f"{per_c[c]['rps']:12.0f} {per_c[c]['p50']:8.2f} {per_c[c]['p99']:8.2f}" for c in args.concurrency))
    peer = results["pytest-httpserver (peer)"]
    for c in args.concurrency:
        for name in list(servers)[:2]:
            print(f"ratio at c={c}: {name} / pytest-httpserver = {results[name][c]['rps'] / peer[c]['rps']:.2f}x")
    print(f"(cpus: {os.cpu_count()}; figures move between machines: compare within one run)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
