"""The ``harness diff`` command: its options (two sides from repeated flags), the run and the summary."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from harness.config import MOCK_OPTIONS, SERVICES, VERSIONS, RunConfig, from_env, profile_of
from harness.diff.report import DiffReport, Distinct, diff, redact_all
from harness.errors import ConfigError, HarnessError

__all__ = ["add_diff_arguments", "run_diff"]


def add_diff_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``harness diff`` options to ``parser``."""
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="URL",
        help="an _inference implementation (twice: A and B; once: the embedded reference is A)",
    )
    for service, option in MOCK_OPTIONS.items():
        parser.add_argument(
            option,
            dest=f"mock_{service}",
            action="append",
            default=[],
            metavar="URL",
            help=f"{service} mock the target calls (once: shared; twice: A's then B's)",
        )
    parser.add_argument(
        "--es-version",
        action="append",
        default=[],
        metavar="VERSION",
        help="Elasticsearch version, one of " + ", ".join(VERSIONS) + " or a patch release of one "
        "(once: both sides, compared with a --target; twice: A's then B's; cases come from "
        "A's; two identical sides are refused)",
    )
    parser.add_argument("--api-key", help="sent to both targets as Authorization: ApiKey <key>")
    parser.add_argument("--user", metavar="USER:PASSWORD", help="HTTP basic auth for both targets")
    parser.add_argument("--seed", type=int, help="reproduces every generated case (default 0)")
    parser.add_argument("--max-examples", type=int, default=5, help="generated cases per rule x service x task type")
    parser.add_argument("--rules", action="append", default=[], metavar="PATTERN", help="rule id glob (repeatable)")
    parser.add_argument("--workers", type=int, default=2, help="parallel threads (default 2)")
    parser.add_argument(
        "--report-dir", type=Path, default=Path("reports"), help="where diff.json goes (default reports/)"
    )


def _pick(values: list[str], option: str) -> tuple[str | None, str | None]:
    if len(values) > 2:
        raise ConfigError(f"{option} given {len(values)} times; at most twice (A and B)")
    if not values:
        return None, None
    return values[0], values[-1]


def _configs(args: argparse.Namespace) -> tuple[RunConfig, RunConfig]:
    env = from_env()
    env_mocks = dict(env.pop("mocks", {}) or {})  # type: ignore[call-overload]
    targets = list(args.target)
    if len(targets) > 2:
        raise ConfigError(f"--target given {len(targets)} times; at most twice (A and B)")
    if not targets and env.get("target"):
        targets = [str(env["target"])]
    side_targets: list[str | None] = (
        [None, None] if not targets else ([None, targets[0]] if len(targets) == 1 else list(targets))
    )
    version_a, version_b = _pick(list(args.es_version), "--es-version")
    default_version = str(env.get("es_version") or RunConfig.es_version)
    versions = (profile_of(version_a or default_version), profile_of(version_b or default_version))
    mocks: tuple[dict[str, str], dict[str, str]] = ({}, {})
    for service in SERVICES:
        urls = list(getattr(args, f"mock_{service}")) or ([env_mocks[service]] if service in env_mocks else [])
        first, last = _pick(urls, MOCK_OPTIONS[service])
        if first and last:
            mocks[0][service], mocks[1][service] = first, last
    common: dict[str, Any] = {
        "seed": args.seed if args.seed is not None else int(env.get("seed", 0) or 0),  # type: ignore[call-overload]
        "max_examples": args.max_examples,
        "rules": tuple(args.rules),
        "workers": args.workers,
        "api_key": args.api_key or env.get("api_key"),
        "user": args.user or env.get("user"),
        "report_dir": args.report_dir,
        "formats": ("json",),
    }
    sides = tuple(
        RunConfig(target=t, es_version=v, mocks=m if t else {}, **common).validate()
        for t, v, m in zip(side_targets, versions, mocks, strict=True)
    )
    if (
        sides[0].target == sides[1].target
        and sides[0].es_version == sides[1].es_version
        and sides[0].mocks == sides[1].mocks
    ):
        what = sides[0].target or f"the embedded reference {versions[0]}"
        raise ConfigError(
            f"nothing to compare: both sides are {what}; give two sides with --target A --target B, "
            "--target B (A: the embedded reference) or --es-version A --es-version B"
        )
    return sides[0], sides[1]


def _short(value: Any, width: int = 100) -> str:
    text = "(absent)" if value is None else (value if isinstance(value, str) else json.dumps(value, default=str))
    return text if len(text) <= width else text[: width - 1] + "…"


def _examples(cases: list[str]) -> str:
    """``#0-#4`` for a run of consecutive examples, else ``#0, #2``."""
    numbers = sorted(int(c[1:]) for c in cases if c[1:].isdigit())
    if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"#{numbers[0]}\u2013#{numbers[-1]}"
    return ", ".join(f"#{n}" for n in numbers)


def _print_item(say: Any, item: str, entries: list[Distinct], total: int) -> None:
    from rich.markup import escape

    differing = sorted({c for e in entries for c in e.cases}, key=lambda c: int(c[1:]) if c[1:].isdigit() else 0)
    if differing:
        verb = "differs" if len(differing) == 1 else "differ"
        say(
            f"[bold]{escape(item)}[/]: {len(differing)} of {total} case{'s' if total != 1 else ''} {verb} "
            f"({_examples(differing)}); each difference once:"
        )
    else:
        say(f"[bold]{escape(item)}[/]")
    where = None
    for e in entries:
        d = e.first
        if d.where != where:
            where = d.where
            say(f"  {escape(where)}")
        notes = []
        if e.cases and len(e.cases) < len(differing):
            notes.append(f"only {_examples(e.cases)}")
        if e.occurrences > len(e.cases or [""]):
            notes.append(f"{e.occurrences} times")
        note = f"  ({'; '.join(notes)})" if notes else ""
        say(
            f"    {escape(d.field)}{note}\n      [red]A: {escape(_short(d.a))}[/]\n"
            f"      [green]B: {escape(_short(d.b))}[/]"
        )


def _print_summary(report: DiffReport, path: Path, *, limit: int = 20) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)

    def say(text: str) -> None:
        console.print(redact_all(text, report.redactors))

    for side in (report.a, report.b):
        say(
            f"{side['label']}: {escape(side['target'])} ({side['es_version']}): {side['cases']} cases, "
            f"{side['exchanges']} exchanges, {side['upstream_calls']} upstream calls, {side['duration']:.1f}s"
        )
        for warning in side["warnings"]:
            say(f"[yellow]warning:[/] {escape(warning)}")
    tail = f"(seed {report.seed}, cases generated from {report.generated_with}); report: {escape(str(path))}"
    if report.identical:
        say(f"[green]no differences[/] in {report.cases_compared} cases {tail}")
        return
    by_item = report.by_item()
    for item, entries in list(by_item.items())[:limit]:
        _print_item(say, item, entries, report.item_cases.get(item, 0))
    if len(by_item) > limit:
        say(f"\u2026 {len(by_item) - limit} more rule x service x task type items in the JSON report")
    diverged = sum(1 for d in report.differences if d.field == "requests")
    if diverged:
        say(
            f"note: in {diverged} case{'s' if diverged != 1 else ''} the two targets answered differently and the "
            "harness's next requests differ as a consequence (a scenario's next step depends on the answer); "
            "shown once per case as `requests`, the requests each side received from there on"
        )
    distinct = sum(len(entries) for entries in by_item.values())
    say(
        f"[red]{distinct} distinct differences[/] ({len(report.differences)} in all) in {report.cases_differing} of "
        f"{report.cases_compared} cases, {len(by_item)} of {len(report.item_cases)} rule x service x task type items "
        f"{tail}"
    )


def run_diff(args: argparse.Namespace) -> int:
    """``harness diff``: exit 0 when no difference, 1 when differences, 2 on a harness/connection error."""
    from harness.engine.plan import check_rule_patterns
    from harness.report import check_report_dir

    try:
        side_a, side_b = _configs(args)
        check_rule_patterns(side_a.rules, side_a.es_version)
        check_report_dir(args.report_dir)
        report = diff(side_a, side_b)
        path = report.write(Path(args.report_dir) / "diff.json")
    except HarnessError as exc:
        print(f"harness: {exc.reason}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"harness: cannot write the diff report: {exc.strerror or exc}", file=sys.stderr)
        return 2
    _print_summary(report, path)
    return 0 if report.identical else 1
