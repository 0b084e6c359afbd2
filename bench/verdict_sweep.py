"""The verdicts of every broken target and of the reference, written down to compare before and after a change.

Every defect of ``tests/broken`` (the proxies that add one defect in front of the reference) is judged by
``harness run`` with its own ``--rules`` pattern, seed 0, 2 examples and one worker (so the evidence, e.g. a
listing, holds no other item's endpoint), on two profiles: its own and another
line's. The clean reference is judged on every rule on the same profiles. Each run's ``report.json`` is kept
with what a refactoring must not move: per result the rule id, service, task type, outcome, title, reason,
expected, seen, replay commands and exchanges (ports written as ``PORT``, what varies between runs masked; durations
and start times dropped). Hypothesis's pool of literals harvested from the project's own modules is held empty, so
the draws depend on the seed only, not on the source lines a change moved.

    python bench/verdict_sweep.py --out /tmp/verdicts-before          # on the old commit
    python bench/verdict_sweep.py --out /tmp/verdicts-after           # on the new one
    python bench/verdict_sweep.py --compare /tmp/verdicts-before /tmp/verdicts-after

``--compare`` prints each difference (file, result key, field) and exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "broken"), str(ROOT / "tests" / "external")]

_PORT = re.compile(r"(127\.0\.0\.1|localhost):\d+")
#: what differs between two runs of the same code: the HTTP date, the provider mocks' ``created`` clocks, the API key
#: ids the secured reference makes up, the temporary report directory (with the replay's canaries file)
_VARYING = (
    (re.compile(r'"Date": "[^"]*"'), '"Date": "DATE"'),
    (re.compile(r'(\\?"created\\?"):\s*\d+'), r"\1: 0"),
    (re.compile(r"API key id \[[^\]]*\]"), "API key id [ID]"),
    (re.compile(r"/tmp/[^/\s\"]+/replay\.env"), "REPORTS/replay.env"),
)
_KEPT = (
    "rule_id",
    "service",
    "task_type",
    "outcome",
    "title",
    "reason",
    "expected",
    "seen",
    "replay",
    "exchanges",
    "upstream",
    "examples",
)


def _normalised(value: Any) -> Any:
    """``value`` with every local port written as ``PORT``."""
    text = _PORT.sub(r"\1:PORT", json.dumps(value, sort_keys=True))
    for pattern, replacement in _VARYING:
        text = pattern.sub(replacement, text)
    return json.loads(text)


def _kept(report: dict[str, Any]) -> dict[str, Any]:
    results = [{k: r.get(k) for k in _KEPT} for r in report.get("results") or []]
    return _normalised({"summary": report.get("summary"), "results": results})


@contextlib.contextmanager
def _no_local_constants() -> Iterator[None]:
    """Hypothesis draws now and then a literal of the project's own modules: none here (see the module's text)."""
    from hypothesis.internal.conjecture import providers

    empty = providers.Constants(
        integers=providers.SortedSet(),
        floats=providers.SortedSet(key=providers.float_to_int),
        bytes=providers.SortedSet(),
        strings=providers.SortedSet(),
    )
    with (
        mock.patch.object(providers, "_get_local_constants", lambda: empty),
        mock.patch.object(providers, "CONSTANTS_CACHE", type(providers.CONSTANTS_CACHE)(1024)),
    ):
        yield


def _runs() -> Iterator[tuple[str, Any, str, type]]:
    """``(name, defect or None, rules pattern, stack class)`` of every run, the control first."""
    from broken_targets import Stack
    from per_rule_defects import PER_RULE_SECURITY
    from security_defects import SECURITY_DEFECTS, SecuredStack
    from test_every_rule_breakable import ALL_DEFECTS

    secured = {d.name for d in (*SECURITY_DEFECTS.values(), *PER_RULE_SECURITY.values())}
    yield "reference", None, "*", Stack
    for defect in ALL_DEFECTS:
        yield defect.name, defect, defect.rules, SecuredStack if defect.name in secured else Stack


def _profiles(own: str) -> list[str]:
    return [own, "9.1" if own.startswith("8.") else "8.18"]


def sweep(out: Path, only: str | None = None) -> int:
    """Run every broken target and the reference; write one JSON file per run under ``out``."""
    from harness.cli import main

    count = 0
    for name, defect, rules, kind in _runs():
        if only and only not in name:
            continue
        for profile in _profiles(defect.es_version if defect else "8.18"):
            with tempfile.TemporaryDirectory() as tmp, kind(defect, es_version=profile) as stack:
                args = [*stack.harness_args(stack.url, rules=rules, report_dir=tmp, max_examples=2), "--workers", "1"]
                # the run nonce (ids and canaries of a run against given mocks) from os.urandom: fixed here
                with contextlib.redirect_stdout(io.StringIO()), mock.patch("os.urandom", bytes), _no_local_constants():
                    code = main(args)
                path = Path(tmp) / "report.json"
                report = json.loads(path.read_text()) if path.exists() else {}
            target = out / profile / f"{name}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps({"exit_code": code, **_kept(report)}, indent=1, sort_keys=True))
            count += 1
            print(f"{profile:>5} {name}: exit {code}", flush=True)
    return count


def compare(before: Path, after: Path) -> list[str]:
    """Every difference between two sweeps (files missing on either side included)."""
    problems: list[str] = []
    names = sorted(
        {p.relative_to(before) for p in before.rglob("*.json")} | {p.relative_to(after) for p in after.rglob("*.json")}
    )
    for name in names:
        a, b = before / name, after / name
        if not a.exists() or not b.exists():
            problems.append(f"{name}: only in {'after' if b.exists() else 'before'}")
            continue
        old, new = json.loads(a.read_text()), json.loads(b.read_text())
        if old.get("exit_code") != new.get("exit_code"):
            problems.append(f"{name}: exit code {old.get('exit_code')} -> {new.get('exit_code')}")
        if old.get("summary") != new.get("summary"):
            problems.append(f"{name}: summary {old.get('summary')} -> {new.get('summary')}")
        olds = {_key(r): r for r in old["results"]}
        news = {_key(r): r for r in new["results"]}
        for key in sorted(olds.keys() | news.keys()):
            if key not in olds or key not in news:
                problems.append(f"{name} {key}: only {'after' if key in news else 'before'}")
                continue
            for field in _KEPT:
                if olds[key].get(field) != news[key].get(field):
                    problems.append(f"{name} {key}: {field} differs")
    return problems


def _key(result: dict[str, Any]) -> str:
    return f"{result['rule_id']}[{result.get('service')}/{result.get('task_type')}]"


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--out DIR`` to sweep, ``--compare BEFORE AFTER`` to compare."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="directory to write the sweep to")
    parser.add_argument("--only", help="only the runs whose name contains this")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        problems = compare(*args.compare)
        files = len(list(args.compare[0].rglob("*.json")))
        for problem in problems:
            print(problem)
        print(f"{files} reports compared: {len(problems)} difference(s)")
        return 1 if problems else 0
    if not args.out:
        parser.error("give --out DIR or --compare BEFORE AFTER")
    print(f"{sweep(args.out, args.only)} reports written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
