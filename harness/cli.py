"""``harness``: the command line.

* ``harness run``: judge an ``_inference`` implementation (exit 0 conformant, 1 violations, 2 harness or
  connection error with a one-line reason, never a traceback);
* ``harness serve``: run the reference target (``mocks.reference.cli``);
* ``harness mock openai|azure|bedrock|all``: run provider mocks (hook: :func:`add_mock_arguments` /
  :func:`run_mock`);
* ``harness diff``: compare two reports (placeholder).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from harness.config import DEFAULT_FORMATS, MOCK_OPTIONS, RunConfig, from_env
from harness.errors import HarnessError
from mocks.cli import add_mock_arguments, run_mock

__all__ = ["add_mock_arguments", "build_parser", "main", "run_mock"]


def _add_run(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("run", help="run the conformance suite against a target")
    p.add_argument("--target", help="base URL of the _inference implementation (default: embedded reference)")
    for service, option in MOCK_OPTIONS.items():
        p.add_argument(option, dest=f"mock_{service}", metavar="URL", help=f"URL of the {service} mock the target calls")
    p.add_argument("--api-key", help="sent to the target as Authorization: ApiKey <key>")
    p.add_argument("--user", metavar="USER:PASSWORD", help="HTTP basic auth for the target")
    p.add_argument("--es-version", choices=["8.18", "9.1", "9.4"], help="version profile (default 8.18)")
    p.add_argument("--seed", type=int, help="reproduces every generated case (default 0)")
    p.add_argument("--max-examples", type=int, default=5, help="generated cases per rule x service x task type")
    p.add_argument("--rules", action="append", default=[], metavar="PATTERN", help="rule id glob (repeatable)")
    p.add_argument("--workers", type=int, default=2, help="parallel threads (default 2)")
    p.add_argument("--report-dir", type=Path, default=Path("reports"), help="where reports go (default reports/)")
    p.add_argument("--format", default=",".join(DEFAULT_FORMATS), help="report formats, comma-separated: json,junit,md,html (default: all)")


def build_parser() -> argparse.ArgumentParser:
    """The ``harness`` argument parser with its subcommands."""
    parser = argparse.ArgumentParser(prog="harness", description="Contract tests for the Elasticsearch _inference API")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    serve = sub.add_parser("serve", help="run the reference _inference target")
    try:
        from mocks.reference.cli import add_serve_arguments

        add_serve_arguments(serve)
    except ImportError:
        pass
    add_mock_arguments(sub.add_parser("mock", help="run provider mocks"))
    diff = sub.add_parser("diff", help="compare two run reports")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    return parser


def _config(args: argparse.Namespace) -> RunConfig:
    env = from_env()
    mocks = dict(env.pop("mocks", {}) or {})  # type: ignore[arg-type]
    for service in MOCK_OPTIONS:
        url = getattr(args, f"mock_{service}")
        if url:
            mocks[service] = url
    values: dict[str, object] = {**env, "mocks": mocks}
    for name in ("target", "api_key", "user", "es_version", "seed"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    return RunConfig(
        max_examples=args.max_examples, rules=tuple(args.rules), workers=args.workers, report_dir=args.report_dir,
        formats=formats, **values,  # type: ignore[arg-type]
    ).validate()


def _print_failures(report: object, redactor: object) -> None:
    from harness.report import Redactor, RunReport

    assert isinstance(report, RunReport) and isinstance(redactor, Redactor)
    for r in report.failures:
        lines = [f"FAIL {r.key}: {r.reason}", f"  expected: {r.expected!r}", f"  seen:     {r.seen!r}", "  replay:"]
        lines += [f"    {line}" for line in r.replay.splitlines()]
        print(redactor.redact("\n".join(lines)))


def _run(args: argparse.Namespace) -> int:
    from harness.report import write_reports
    from harness.runner import run

    config = _config(args)
    report, redactor = run(config)
    paths = write_reports(report, config.report_dir, config.formats, redactor=redactor)
    _print_failures(report, redactor)
    c = report.counts
    verdict = "conformant" if report.conformant else "NOT conformant"
    print(f"{verdict}: {c['passed']} passed, {c['failed']} failed, {c['not_applicable']} not applicable, "
          f"{c['not_checked']} not checked, {c['skipped']} skipped ({report.duration:.1f}s); reports: "
          + ", ".join(str(p) for p in paths))
    return 0 if report.conformant else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``harness`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "serve":
            from mocks.reference.cli import run_serve

            return int(run_serve(args) or 0)
        if args.command == "mock":
            return run_mock(args)
        print("harness: `harness diff` is not implemented yet", file=sys.stderr)
        return 2
    except HarnessError as exc:
        print(f"harness: {exc.reason}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
