"""How long a default ``harness run`` takes against the embedded reference, and where the time goes,
side by side with plain schemathesis on the same spec and the same target.

Schemathesis sends through ``requests``, the harness through urllib3 directly to the embedded reference
(the same bytes as its requests session); a listener of the harness's engine (told every exchange, also in the
forked workers) and, for schemathesis, a wrapper of ``requests``' adapter time every exchange with the target
from sending to the last body byte. That time is the *target* share (HTTP
round trip + the reference's own work, including its calls to the provider mocks); the rest of the wall
time is the *tool* share (case generation, checks, journal reads, reports). With ``--workers N`` (N > 1)
the plan items run on N forked processes, each with its own embedded reference and mocks (the stateful
and schema passes then run in the parent against its own); within a process, harness and reference share
one GIL, so read the split as "where the wall time goes", not as CPU time. ``cpu s`` is the CPU time of
the whole process tree (user + system): on a loaded machine it is steadier than the wall time.

Profile (py-spy, 2 cores, default run, before issue 14): one process did everything, so the run used one
core; werkzeug's server closes every connection (a new TCP connection and thread per request, 27% of the
samples), hypothesis rebuilt the endpoint strategy of every item (its properties recomputed: 8%), and
requests looked up ``~/.netrc`` and proxy variables on every request (4%). Now the items run on
``--workers`` processes, the strategy is built once per (service, task type), and the environment is read
once per session: the same CPU work, spread over the cores.

Profile of the default run (issue 14 must-have 1; ``py-spy record --subprocesses``, 2 cores, the same 2947
cases), where the 51.6-61.4 CPU seconds went, of the busy samples:

* the parent process (~20%): writing the reports took 4 s of CPU *after* the workers had finished, nearly
  all of it in :class:`~harness.report.Redactor` (one regular expression alternating ~12,000 canaries:
  2 s to compile, ~10 s per MB to match), then the stateful and schema passes (~3.7 s) also after the
  workers, then stopping four servers one after the other (up to 0.5 s each, werkzeug's poll interval);
  its embedded servers' modules were imported again by each forked worker (~0.5 s CPU each);
* each worker (~40% each): the harness's client side about a third (``requests``: request preparation,
  cookie jar, adapter lookup, ~0.5 ms per request over urllib3; ``send_as`` opened a new requests session,
  with ``~/.netrc`` and proxy lookups, per request), the werkzeug server about a third (a TCP connection
  and a thread per request; the reference app itself ~12%), hypothesis' engine ~10% and the checks' own
  work (generation, journal reads: each ``calls(key=)`` re-parsed every journal entry's headers) the rest.
  The security rules paid one PBKDF2 hash (10,000 rounds, ~10 ms) per request with a wrong password.

Cut since (same cases, same results, reports byte-identical but for times): the redactor indexes the secrets
by their first six characters (4 s -> 0.03 s); the stateful and schema passes run in the parent while the
workers judge the items; the servers stop at once; the workers inherit the imports; the embedded reference
keeps connections alive (``ReferenceServer(keep_alive=True)``, :mod:`mocks.core.keepalive`: werkzeug's
answers without its forced close; ~2 ms -> 0.7 ms of CPU per request, client and server together); the
embedded target is reached through urllib3 directly with exactly the requests session's request line,
headers and body (tests/harness/test_target_direct.py compares them on the wire); ``send_as`` shares one
session per thread; the reference's verify cache remembers refused secrets (as keyed digests) too; journal
keys are computed once per call; hypothesis no longer hashes the property's source per item.

Measured on the shared machine (load average 3 to 6 on 2 cores), full default runs interleaved with the code
before: 55.5 and 60.0 CPU s before, 33.9 and 37.2 after (about 38% less); wall 44.2 and 49.2 s before,
28.7 and 40.0 s after. Then the embedded provider mocks kept their connections alive too (the reference's
upstream calls no longer pay a TCP connection and a server thread each; a mock still closes after a fault):
on the idle machine, 23.5-26.5 user CPU s and 15.3-16.9 s wall for the process (the run's own clock:
14.2-15.6 s), against 23.7-28.2 CPU s and 16.4-18.5 s before that change, same results (the 828 results
of report.json equal). ``py-spy record --gil --subprocesses`` of that run, share of the samples holding an
interpreter lock: hypothesis' engine and our strategies ~40% (draws ~29%, of which faker ~4%; entropy
save/restore per test ~4%; strategy validation ~5%), the harness's HTTP client ~17% (email-package header
parsing ~3%), the werkzeug servers ~21% (the reference app ~11%, the mocks ~4%), the schema and stateful
passes in the parent ~9%, startup imports ~2%. After that, the harness's direct path parses response heads
without the email package (``mocks.core.fast_head``) and the mocks' reset fault no longer frees its
descriptor number early; from a fresh clone on the idle machine this bench then gave 14.0 s wall and
23.1 CPU s for the default run (12.2 s in a second run of that row), and ``harness run`` alone 12.2-12.8 s
on its own clock: the 15 s aim is met. No single cost left is worth more than a few percent.

Rows:

* ``harness run`` with its defaults (``--max-examples 5 --workers 2``): the headline wall time and cases/s.
  With two workers the summed HTTP time can exceed the wall time, so this row reports it as a share of
  ``workers × wall``.
* ``harness run --workers 1``: the same cases on one thread, where wall = target + tool exactly.
* ``harness run --max-examples 20``: four times the examples; time should grow about linearly.
* ``harness run --target … --openai-mock … --azure-mock … --bedrock-mock …``: the SAME cases (same seed,
  version, examples, workers) in external mode: ``harness serve`` in its own process (security on, as the
  embedded reference), the harness reaching the target and the mocks only by URL (journals read through
  ``/__admin/calls?since=``, credentials registered through ``/__admin/credentials``). The last line prints
  external / embedded wall time (issue 8 aims at most 1.3x). The target is then in another process, so
  it no longer competes with the harness for one GIL; on a busy machine both rows move.
* ``st run specs/inference-8.18.yaml`` (schemathesis CLI, in process, one worker, ``--max-examples`` N,
  PUT operations excluded as in the harness's own schema pass: a generated PUT would make the target call
  whatever ``url`` was generated).

A "case" is one generated example: for the harness one example of one rule x service x task type (it sends
several requests: PUT, inference, GET, DELETE …), for schemathesis one request. Figures move with the
machine: compare the rows of one run. Never run as a test.

Usage::

    python bench/conformance_run.py [--max-examples 5] [--st-max-examples 20] [--skip-sequential]
        [--skip-schemathesis] [--skip-external] [--skip-scale]

The last line compares the default run's requests/s with schemathesis' (goal: at least 1.00).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import resource
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from harness.config import RunConfig
from harness.engine.events import Listener
from harness.target import Exchanged


@dataclass
class Row:
    """One measured run."""

    name: str
    wall: float
    cases: int
    requests: int
    http: float
    threads: int
    cpu: float = 0.0

    @property
    def target_share(self) -> float:
        """Fraction of the threads' time spent waiting on the target."""
        return min(self.http / (self.wall * self.threads), 1.0) if self.wall else 0.0

    def line(self) -> str:
        tool = self.wall * self.threads - self.http
        return (
            f"{self.name:<44} {self.wall:8.1f} {self.cpu:7.1f} {self.cases:7d} {self.cases / self.wall:8.1f} "
            f"{self.requests:8d} {self.requests / self.wall:8.1f} {self.http:8.1f} {max(tool, 0.0):8.1f} "
            f"{self.target_share:7.0%}"
        )


HEADER = (
    f"{'run':<44} {'wall s':>8} {'cpu s':>7} {'cases':>7} {'cases/s':>8} {'requests':>8} {'req/s':>8} "
    f"{'target s':>8} {'tool s':>8} {'target%':>7}"
)


class _Timer(Listener):
    """Sum of the exchanges with the target: a listener of the run told every exchange, also in the forked
    worker processes (the sums are shared memory)."""

    needs_item_events = True
    forks_with_workers = True

    def __init__(self) -> None:
        self._count = multiprocessing.Value("q", 0)
        self._seconds = multiprocessing.Value("d", 0.0)

    @property
    def count(self) -> int:
        return int(self._count.value)

    @property
    def seconds(self) -> float:
        return float(self._seconds.value)

    def add(self, elapsed: float) -> None:
        """Count one exchange that took ``elapsed`` seconds."""
        with self._count.get_lock():
            self._count.value += 1
        with self._seconds.get_lock():
            self._seconds.value += elapsed

    def exchange(self, exchanged: Exchanged) -> None:
        """Count one exchange of the harness with the target."""
        self.add(exchanged.elapsed)


def _cpu() -> float:
    """CPU seconds of this process and its waited-for children (worker processes, once joined)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextlib.contextmanager
def _peer_timed(base_url: str) -> Iterator[_Timer]:
    """Time every ``requests`` exchange with ``base_url`` while the block runs: how the peer (schemathesis, which
    offers no hook of its own on the command line) is measured from outside."""
    from requests.adapters import HTTPAdapter

    timer, original = _Timer(), HTTPAdapter.send

    def send(self: HTTPAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        response = original(self, request, *args, **kwargs)
        if (request.url or "").startswith(base_url):
            _ = response.content  # the timing covers the body
            timer.add(time.perf_counter() - started)
        return response

    HTTPAdapter.send = send  # type: ignore[method-assign]
    try:
        yield timer
    finally:
        HTTPAdapter.send = original  # type: ignore[method-assign]


def bench_harness(max_examples: int, workers: int) -> Row:
    """``harness run`` (embedded reference, 8.18) with ``max_examples`` and ``workers``."""
    from harness.runner import run

    config = RunConfig(max_examples=max_examples, workers=workers)
    timer = _Timer()
    cpu0, started = _cpu(), time.perf_counter()
    report, _ = run(config, listeners=[timer])
    wall, cpu = time.perf_counter() - started, _cpu() - cpu0
    cases = sum(r.examples for r in report.results)
    name = f"harness run --max-examples {max_examples} --workers {workers}"
    return Row(name, wall, cases, timer.count, timer.seconds, workers, cpu)


def bench_external(max_examples: int, workers: int) -> Row:
    """The same run as :func:`bench_harness` against ``harness serve`` in a subprocess, mocks by URL."""
    import os
    import re
    import subprocess
    import sys

    from harness.runner import run

    password = "bench-" + os.urandom(6).hex()
    cmd = [sys.executable, "-m", "harness", "serve", "--port", "0", "--elastic-password", password]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    urls: dict[str, str] = {}
    try:
        assert proc.stdout is not None
        while len(urls) < 4:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("harness serve exited early")
            found = re.search(r"https?://[0-9.:]+", line)
            if found and line.split()[0] in ("elasticsearch", "openai", "azure", "bedrock"):
                urls[line.split()[0]] = found.group(0)
        mocks = {"openai": urls["openai"], "azureopenai": urls["azure"], "amazonbedrock": urls["bedrock"]}
        config = RunConfig(
            target=urls["elasticsearch"],
            user=f"elastic:{password}",
            mocks=mocks,
            max_examples=max_examples,
            workers=workers,
        )
        timer = _Timer()
        cpu0, started = _cpu(), time.perf_counter()
        report, _ = run(config, listeners=[timer])
        wall, cpu = time.perf_counter() - started, _cpu() - cpu0  # the serve subprocess not included
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    cases = sum(r.examples for r in report.results)
    c = report.counts
    name = f"external: serve subprocess, mocks by URL (w{workers})"
    if c["failed"] or c["not_checked"]:
        name += f" [{c['failed']} failed, {c['not_checked']} not checked]"
    return Row(name, wall, cases, timer.count, timer.seconds, workers, cpu)


def bench_schemathesis(max_examples: int) -> Row:
    """``st run`` on specs/inference-8.18.yaml against an embedded reference (PUT excluded)."""
    from schemathesis.cli import schemathesis

    import specs
    from harness.environment import Environment

    with Environment(RunConfig()) as env:
        argv = [
            "run",
            str(specs.path("inference-8.18.yaml")),
            "--url",
            env.target.base_url,
            "--max-examples",
            str(max_examples),
            "--workers",
            "1",
            "--seed",
            "0",
            "--exclude-method",
            "PUT",
            "--phases",
            "examples,coverage,fuzzing",
            "--suppress-health-check",
            "all",
        ]
        with _peer_timed(env.target.base_url) as timer, contextlib.redirect_stdout(io.StringIO()):
            cpu0, started = _cpu(), time.perf_counter()
            try:
                schemathesis.main(args=argv, standalone_mode=False)
            except SystemExit:
                pass
            wall, cpu = time.perf_counter() - started, _cpu() - cpu0
    name = f"st run --max-examples {max_examples} --workers 1"
    return Row(name, wall, timer.count, timer.count, timer.seconds, 1, cpu)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print one row each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--max-examples", type=int, default=5, help="harness examples per item (default 5)")
    parser.add_argument("--st-max-examples", type=int, default=20, help="schemathesis examples per operation")
    parser.add_argument("--skip-sequential", action="store_true", help="skip the --workers 1 harness row")
    parser.add_argument("--skip-schemathesis", action="store_true", help="skip the schemathesis row")
    parser.add_argument("--skip-external", action="store_true", help="skip the external-mode row")
    parser.add_argument("--skip-scale", action="store_true", help="skip the --max-examples x4 row")
    args = parser.parse_args(argv)
    runs: dict[str, Callable[[], Row]] = {"default": lambda: bench_harness(args.max_examples, 2)}
    if not args.skip_external:
        runs["external"] = lambda: bench_external(args.max_examples, 2)
    if not args.skip_sequential:
        runs["sequential"] = lambda: bench_harness(args.max_examples, 1)
    if not args.skip_scale:
        runs["scale"] = lambda: bench_harness(args.max_examples * 4, 2)
    if not args.skip_schemathesis:
        runs["schemathesis"] = lambda: bench_schemathesis(args.st_max_examples)
    print(HEADER, flush=True)
    rows: dict[str, Row] = {}
    for key, bench in runs.items():
        rows[key] = bench()
        print(rows[key].line(), flush=True)
    print(
        "target s = summed time inside HTTP exchanges with the target; tool s = workers x wall - target s; "
        "cpu s = CPU time of the harness's process tree"
    )
    default = rows["default"]
    print(
        f"default run (--max-examples {args.max_examples} --workers 2): {default.wall:.1f} s wall, "
        f"{default.cpu:.1f} s cpu (goal <= 15 s wall on 2 idle cores)"
    )
    if "external" in rows:
        external = rows["external"]
        print(
            f"external / embedded wall time, same cases ({default.cases} vs {external.cases}): "
            f"{external.wall / default.wall:.2f}x (issue 8 aims at <= 1.3x)"
        )
    if "scale" in rows:
        print(
            f"--max-examples x4: wall x{rows['scale'].wall / default.wall:.2f}, cpu x"
            f"{rows['scale'].cpu / default.cpu:.2f}, cases x{rows['scale'].cases / default.cases:.2f}"
        )
    if "schemathesis" in rows:
        st_rate = rows["schemathesis"].requests / rows["schemathesis"].wall
        print(f"ratio harness/schemathesis requests per second: {default.requests / default.wall / st_rate:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
