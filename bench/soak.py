"""Soak: many requests at high concurrency against each server, run as users run it (a subprocess on loopback).

For each target the script prints the requests sent, the errors (transport failures and unexpected
statuses), the exact count the server recorded (the mock's admin ``total``, or for the reference the OpenAI
mock's ``total`` behind it: one upstream call per inference) and the server's RSS (its process tree) before
and after.

* each mock (``harness mock openai|azure|bedrock``, werkzeug; ``--server granian`` for the granian option):
  ``--requests`` (default 100,000) embeddings calls at ``--concurrency`` (default 64);
* the reference (``harness serve``): ``--reference-requests`` (default 20,000) ``POST /_inference/{id}``
  to an OpenAI embeddings endpoint.

The run passes when every target shows 0 errors and an exact count; RSS is printed for the reader to judge
(the journal keeps at most 10,000 calls, so memory should level off). Loopback only; every loop is bounded.

Usage::

    python bench/soak.py [--requests 100000] [--reference-requests 20000] [--concurrency 64]
                         [--targets openai azure bedrock reference] [--server werkzeug|granian]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from mocks.core.processes import stop_process

SAFETY = 60.0


@dataclass
class Target:
    """A server under soak: how to call it and where to read its exact count."""

    name: str
    proc: subprocess.Popen[str]
    send: Callable[[requests.Session], requests.Response]
    count_url: str
    expected_status: int = 200
    extra: dict[str, Any] = field(default_factory=dict)


def _rss_kib(pid: int) -> int:
    """RSS of ``pid`` and its descendants (granian serves from a worker process), in KiB."""
    total = 0
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                total += sum(_rss_kib(int(child)) for child in fh.read().split())
    except OSError:  # the process ended meanwhile
        pass
    return total


def _start(args: list[str], last: str) -> tuple[subprocess.Popen[str], str]:
    """Start ``harness ARGS``; its banner up to the line that starts with ``last``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    banner = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        banner += line
        if line.startswith(last):
            break
    return proc, banner


def _url(banner: str, pattern: str) -> str:
    match = re.search(pattern, banner)
    if match is None:
        raise SystemExit(f"no URL matching {pattern!r} in:\n{banner}")
    return match.group(1)


def _wait_up(url: str) -> None:
    for _ in range(600):
        try:
            requests.get(url, timeout=SAFETY)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise SystemExit(f"{url} never came up")


def _total(url: str) -> int:
    return int(requests.get(url, timeout=SAFETY).json()["total"])


def _mock_target(kind: str, server: str) -> Target:
    proc, banner = _start(["mock", kind, "--server", server], f"{kind} mock:")
    url = _url(banner, rf"{kind} mock: (http://\S+)")
    _wait_up(url + "/__admin/health")
    if kind == "openai":
        path, headers = "/v1/embeddings", {"Authorization": "Bearer sk-soak"}
        body = {"model": "text-embedding-3-small", "input": "soak", "dimensions": 8}
    elif kind == "azure":
        path, headers = "/openai/deployments/embed/embeddings?api-version=2024-10-21", {"api-key": "soak"}
        body = {"input": "soak", "dimensions": 8}
    else:
        path, headers = "/model/amazon.titan-embed-text-v2:0/invoke", {"Authorization": "Bearer ABSK-soak"}
        body = {"inputText": "soak", "dimensions": 256}
    data = json.dumps(body).encode()
    headers = {**headers, "Content-Type": "application/json"}
    return Target(
        kind, proc, lambda s: s.post(url + path, data=data, headers=headers, timeout=SAFETY), url + "/__admin/health"
    )


def _reference_target() -> Target:
    proc, banner = _start(["serve", "--port", "0", "--skip-validation"], "bedrock mock:")
    es = _url(banner, r"elasticsearch _inference \([^)]*\): (http://\S+)")
    openai = _url(banner, r"openai mock:\s+(http://\S+)")
    _wait_up(es)
    settings = {"api_key": "sk-soak", "model_id": "text-embedding-3-small", "url": openai + "/v1/embeddings"}
    created = requests.put(
        es + "/_inference/text_embedding/soak", json={"service": "openai", "service_settings": settings}, timeout=SAFETY
    )
    created.raise_for_status()
    data = json.dumps({"input": "soak"}).encode()
    headers = {"Content-Type": "application/json"}
    return Target(
        "reference",
        proc,
        lambda s: s.post(es + "/_inference/soak", data=data, headers=headers, timeout=SAFETY),
        openai + "/__admin/health",
    )


def _load(target: Target, total: int, concurrency: int) -> tuple[Counter[str], float]:
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    remaining = [total]

    def worker() -> None:
        session = requests.Session()
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            try:
                status = target.send(session).status_code
                if status != target.expected_status:
                    with lock:
                        errors[f"status {status}"] += 1
            except requests.RequestException as exc:
                with lock:
                    errors[type(exc).__name__] += 1

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors, time.monotonic() - start


def soak(target: Target, total: int, concurrency: int) -> bool:
    """Run one soak; print its line; whether it had 0 errors and an exact count."""
    rss_before, count_before = _rss_kib(target.proc.pid), _total(target.count_url)
    errors, seconds = _load(target, total, concurrency)
    counted = _total(target.count_url) - count_before
    rss_after = _rss_kib(target.proc.pid)
    ok = not errors and counted == total
    print(
        f"{target.name:<10} sent {total:>7}  errors {sum(errors.values()):>5} {dict(errors) or ''}  "
        f"counted {counted:>7} ({'exact' if counted == total else 'MISMATCH'})  "
        f"RSS {rss_before / 1024:.1f} -> {rss_after / 1024:.1f} MiB  {total / seconds:,.0f} req/s  "
        f"{'OK' if ok else 'FAIL'}",
        flush=True,
    )
    return ok


def _stop(proc: subprocess.Popen[str]) -> None:
    stop_process(proc, signal.SIGINT, timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000, help="requests per mock (default 100000)")
    parser.add_argument(
        "--reference-requests", type=int, default=20_000, help="requests to the reference (default 20000)"
    )
    parser.add_argument("--concurrency", type=int, default=64, help="concurrent clients (default 64)")
    parser.add_argument(
        "--targets",
        nargs="+",
        default=["openai", "azure", "bedrock", "reference"],
        choices=["openai", "azure", "bedrock", "reference"],
    )
    parser.add_argument("--server", choices=["werkzeug", "granian"], default="werkzeug", help="mocks' server")
    args = parser.parse_args(argv)
    print(
        f"soak: concurrency {args.concurrency}, mocks on {args.server}; the machine is shared, so req/s is noisy",
        flush=True,
    )
    results = []
    for name in args.targets:
        target = _reference_target() if name == "reference" else _mock_target(name, args.server)
        try:
            results.append(
                soak(target, args.reference_requests if name == "reference" else args.requests, args.concurrency)
            )
        finally:
            _stop(target.proc)
    print("PASS: 0 errors and exact counts everywhere" if all(results) else "FAIL", flush=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
