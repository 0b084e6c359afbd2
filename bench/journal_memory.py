"""Memory of a mock's journal over 100,000 calls: it stays flat once the journal is full.

Drives the OpenAI mock's WSGI app in-process (werkzeug's test client, so no socket cost) with a
different input per request, and prints traced Python memory every 10,000 calls, for a bounded
journal (the default, 10,000 calls) side by side with pytest-httpserver's unbounded request log
fed the same requests.

Usage::

    python bench/journal_memory.py [--calls 100000] [--maxlen 10000]
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc

from werkzeug.test import Client

from mocks.openai import OpenAIConfig, create_app


def _mib(n: int) -> float:
    return n / (1024 * 1024)


def measure_mock(calls: int, maxlen: int, step: int) -> list[tuple[int, float, int]]:
    """(calls made, traced MiB, journal length) every ``step`` calls."""
    app = create_app(OpenAIConfig(seed=1, journal_maxlen=maxlen))
    client = Client(app)
    rows = []
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i in range(1, calls + 1):
        client.post(
            "/v1/embeddings",
            json={"model": "text-embedding-3-small", "input": f"input {i}", "dimensions": 8},
            headers={"Authorization": "Bearer sk-bench"},
        )
        if i % step == 0:
            gc.collect()
            rows.append((i, _mib(tracemalloc.get_traced_memory()[0] - base), len(app.journal)))
    tracemalloc.stop()
    return rows


def measure_peer(calls: int, step: int) -> list[tuple[int, float, int]]:
    """pytest-httpserver's request log, fed the same requests through its WSGI app."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/v1/embeddings", method="POST").respond_with_json({"object": "list", "data": []})
    from werkzeug.wrappers import Request

    client = Client(Request.application(server.application))
    rows = []
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i in range(1, calls + 1):
        client.post(
            "/v1/embeddings",
            json={"model": "text-embedding-3-small", "input": f"input {i}"},
            headers={"Authorization": "Bearer sk-bench"},
        )
        if i % step == 0:
            gc.collect()
            rows.append((i, _mib(tracemalloc.get_traced_memory()[0] - base), len(server.log)))
    tracemalloc.stop()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--maxlen", type=int, default=10_000, help="journal bound (default 10,000)")
    parser.add_argument("--step", type=int, default=10_000)
    parser.add_argument("--no-peer", action="store_true", help="skip pytest-httpserver")
    args = parser.parse_args(argv)
    ours = measure_mock(args.calls, args.maxlen, args.step)
    peer = [] if args.no_peer else measure_peer(args.calls, args.step)
    print(f"{'calls':>8} {'mock MiB':>10} {'journal':>8}   {'pytest-httpserver MiB':>22} {'log':>8}")
    for k, row in enumerate(ours):
        line = f"{row[0]:8d} {row[1]:10.2f} {row[2]:8d}"
        if peer:
            line += f"   {peer[k][1]:22.2f} {peer[k][2]:8d}"
        print(line)
    full = [r[1] for r in ours if r[0] >= args.maxlen * 2]
    if len(full) >= 2:
        print(
            f"growth of the mock after the journal filled: {full[-1] - full[0]:+.2f} MiB "
            f"over {ours[-1][0] - args.maxlen * 2} calls"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
