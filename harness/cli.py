"""``harness``: the command line.

* ``harness run``: judge an ``_inference`` implementation (exit 0 conformant, 1 violations, 2 harness or
  connection error with a one-line reason, never a traceback);
* ``harness serve``: run the reference target (``mocks.reference.cli``);
* ``harness mock openai|azure|bedrock|all``: run provider mocks (hook: :func:`add_mock_arguments` /
  :func:`run_mock`);
* ``harness compare-recording DIR --provider P``: a recording (``harness mock --record``) judged against the
  mock (``mocks.record.cli``);
* ``harness diff``: the same seeded cases against two targets or two version profiles; report differences.

``harness run`` reads its settings through :func:`harness.config.load_config` (flags > ``HARNESS_*``
environment > ``harness.toml`` / ``[tool.harness]`` > defaults); every option's help names its default.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from harness.config import DEFAULT_FORMATS, MOCK_OPTIONS, VERSIONS, RunConfig, load_config
from harness.errors import HarnessError
from mocks.cli import add_mock_arguments, run_mock

__all__ = ["add_mock_arguments", "build_parser", "main", "run_mock"]

_DEFAULTS = RunConfig()
_MOCK_NAMES = {"openai": "OpenAI", "azureopenai": "Azure OpenAI", "amazonbedrock": "Amazon Bedrock"}

_DESCRIPTION = """\
Contract tests and provider mocks for the Elasticsearch _inference API.

`harness run` judges an _inference implementation (the embedded reference by default, or a real
cluster with --target) against the rule table, with the OpenAI, Azure OpenAI and Bedrock calls it
makes served by mocks; `harness serve` and `harness mock` run those servers on their own;
`harness rules` shows what each verdict rests on: a rule's message, its Elasticsearch source and evidence."""

_EPILOG = """\
examples:
  # judge the embedded reference target (no Elasticsearch needed), profile 9.1, seed 7
  harness run --es-version 9.1 --seed 7

  # judge a real cluster whose provider calls go to external mocks (see docs/real-elasticsearch.md)
  harness run --target https://localhost:9200 --api-key "$ES_API_KEY" \\
    --openai-mock http://127.0.0.1:8081 --azure-mock https://myres.openai.azure.com \\
    --bedrock-mock https://bedrock-runtime.us-east-1.amazonaws.com --azure-resource myres

  # the rules of Elasticsearch 9.1 with their messages, sources, quoted lines and dated reads
  harness rules --es-version 9.1 --format md

  # serve the reference _inference target (and its three mocks) on port 9200
  harness serve --port 9200

  # run the OpenAI, Azure and Bedrock mocks on ports 8081, 8082, 8083
  harness mock all --port 8081

  # record the real OpenAI API once, replay it in CI, see where the mock differs from it
  harness mock openai --port 8081 --record recordings/openai --upstream https://api.openai.com
  harness mock openai --port 8081 --replay recordings/openai
  harness compare-recording recordings/openai --provider openai

exit codes of `harness run`:
  0  the target is conformant (no rule failed)
  1  violations: at least one rule failed (see reports/report.md)
  2  harness or connection error, bad option or config file (one line on stderr)

configuration:
  `harness run` reads harness.toml (top-level keys) or pyproject.toml [tool.harness] from the current
  directory or the nearest parent (--config FILE picks one). Precedence: flags > HARNESS_* environment
  variables > config file > defaults. Keys: target, api_key_env, user_env, mocks = {openai, azure,
  bedrock}, es_version, seed, max_examples, workers, rules, report_dir, formats, and a [skip] table of
  "rule-glob" = "reason". Secrets are never read from the file: api_key_env names the environment
  variable holding the API key, because config files are committed to git."""

_RUN_EPILOG = """\
settings: flags > HARNESS_* environment variables (HARNESS_TARGET, HARNESS_API_KEY, HARNESS_SEED, ...)
> config file (harness.toml, or [tool.harness] in pyproject.toml) > the defaults shown above.
exit codes: 0 conformant, 1 violations, 2 harness or connection error (one line on stderr).

example harness.toml:
  target = "http://127.0.0.1:9200"
  api_key_env = "ES_API_KEY"          # the key itself stays out of git
  es_version = "9.1"
  mocks = { openai = "http://127.0.0.1:8081" }
  [skip]
  "chunking.*" = "chunking settings not supported by our fork (#123)"
"""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' layout and appends ``(default: X)`` to help that does not name its default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default is argparse.SUPPRESS or not action.option_strings:
            return text
        if isinstance(action, argparse._StoreTrueAction):  # argparse has no public name for it
            return f"{text} (default: off)"
        shown = "none" if action.default in (None, [], ()) else action.default
        return f"{text} (default: {shown})"


class _Parser(argparse.ArgumentParser):
    """Misuse is one line on stderr naming the flag, exit 2 (argparse's default prints the usage block too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _skip_pair(text: str) -> tuple[str, str]:
    pattern, sep, reason = text.partition("=")
    if not sep or not pattern.strip() or not reason.strip():
        raise argparse.ArgumentTypeError(
            f"expected PATTERN=REASON (a rule id glob and why it is skipped), got {text!r}"
        )
    return pattern.strip(), reason.strip()


def _add_run(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    d = _DEFAULTS
    p = sub.add_parser(
        "run",
        help="run the conformance suite against a target (exit 0 conformant, 1 violations, 2 error)",
        description="Judge an _inference implementation against the rule table; write the reports.",
        epilog=_RUN_EPILOG,
        formatter_class=_HelpFormatter,
    )
    p.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="config file: harness.toml or a pyproject.toml with [tool.harness] (default: the nearest "
        "one from the current directory up, or $HARNESS_CONFIG)",
    )
    p.add_argument(
        "--target",
        metavar="URL",
        help="base URL of the _inference implementation, e.g. a real Elasticsearch "
        "(default: start the embedded reference target and mocks)",
    )
    for service, option in MOCK_OPTIONS.items():
        p.add_argument(
            option,
            dest=f"mock_{service}",
            metavar="URL",
            help=f"URL of the external {_MOCK_NAMES[service]} mock the target calls, read through its "
            "/__admin API (default: embedded mock; only with --target)",
        )
    p.add_argument(
        "--api-key",
        metavar="KEY",
        help="sent to the target as Authorization: ApiKey KEY; redacted from every report "
        "(default: none; prefer $HARNESS_API_KEY or api_key_env in the config file)",
    )
    p.add_argument(
        "--monitor-api-key",
        metavar="KEY",
        help="an API key with only monitor_inference, for the security.authz checks (default: created "
        "with POST /_security/api_key when --api-key/--user may; env HARNESS_MONITOR_API_KEY)",
    )
    p.add_argument("--user", metavar="USER:PASSWORD", help="HTTP basic auth for the target (default: none)")
    p.add_argument(
        "--es-version",
        metavar="VERSION",
        help="Elasticsearch version the target is judged against: a release line or a patch release "
        f"(9.1.3 -> profile 9.1); one of {', '.join(VERSIONS)} (default: {d.es_version})",
    )
    p.add_argument("--seed", type=int, help=f"reproduces every generated case and mock output (default: {d.seed})")
    p.add_argument(
        "--azure-resource",
        metavar="NAME",
        help="the Azure resource_name of every endpoint the run creates, so a real cluster needs one hosts entry "
        "(NAME.openai.azure.com; default: drawn per endpoint)",
    )
    p.add_argument(
        "--no-mock-probe",
        action="store_true",
        help="with --target: do not create a probe endpoint per given mock before the run (by default the "
        "run stops with one line when the target's validation call does not reach a mock)",
    )
    p.add_argument(
        "--max-examples",
        type=int,
        metavar="N",
        help=f"generated cases per rule x service x task type (default: {d.max_examples})",
    )
    p.add_argument(
        "--rules",
        action="append",
        metavar="PATTERN",
        help="run only rules whose id matches this glob, e.g. 'chunking.*' (repeatable; default: all)",
    )
    p.add_argument(
        "--skip",
        action="append",
        type=_skip_pair,
        metavar="PATTERN=REASON",
        help="report rules matching PATTERN as skipped with REASON, without running them "
        "(repeatable; adds to the config file's [skip] table; default: none)",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help=f"parallel worker processes, each with its own embedded reference; threads where fork is not "
        f"available (default: {d.workers})",
    )
    p.add_argument(
        "--report-dir", type=Path, metavar="DIR", help=f"where the reports are written (default: {d.report_dir}/)"
    )
    p.add_argument(
        "--format",
        metavar="LIST",
        help=f"report formats, comma-separated, among json,junit,md,html (default: {','.join(DEFAULT_FORMATS)})",
    )
    p.add_argument(
        "--report-not-applicable",
        action="store_true",
        help="list the not-applicable results in report.md too (they are always counted there, and "
        "listed in the JSON, JUnit and HTML reports)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``harness`` argument parser with its subcommands."""
    parser = _Parser(prog="harness", description=_DESCRIPTION, epilog=_EPILOG, formatter_class=_HelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="{run,rules,serve,mock,compare-recording,diff}")
    _add_run(sub)
    from harness.rules_view import add_rules_arguments

    add_rules_arguments(
        sub.add_parser(
            "rules",
            help="list the rules for a release line, each with its message and Elasticsearch evidence",
            description="List the rules that hold on a release line (--es-version) with the message "
            "Elasticsearch answers, the source file in elastic/elasticsearch that decides it, the quoted line, "
            "each version read and how it was dated, and whether the range is verified or inferred.",
            formatter_class=_HelpFormatter,
        )
    )
    serve = sub.add_parser(
        "serve",
        help="run the reference _inference target with its three mocks",
        description="Serve the reference _inference target, wired to OpenAI, Azure and "
        "Bedrock mocks on free ports; print every URL; stop with Ctrl-C.",
        formatter_class=_HelpFormatter,
    )
    try:
        from mocks.reference.cli import add_serve_arguments

        add_serve_arguments(serve)
    except ImportError:
        pass
    add_mock_arguments(
        sub.add_parser(
            "mock",
            help="run provider mocks (openai, azure, bedrock or all)",
            description="Run provider mocks; print their URLs and admin API; stop with Ctrl-C.",
            formatter_class=_HelpFormatter,
        )
    )
    from mocks.record.cli import add_compare_arguments

    add_compare_arguments(
        sub.add_parser(
            "compare-recording",
            help="compare a recording (harness mock --record) with a mock's answers",
            description="Send every recorded request to the provider's mock and report where its answers differ "
            "from the recording: status, header names, body field names and types, stream event order. "
            "Exit 0: no difference, 1: differences, 2: no usable recording.",
            formatter_class=_HelpFormatter,
        )
    )
    diff = sub.add_parser(
        "diff",
        help="run the same seeded cases against two implementations (or two versions) and report differences",
        description="Run the same seeded cases against two targets (--target A --target B) or two version "
        "profiles of the reference (--es-version 8.18 --es-version 9.4) and report where responses and "
        "upstream traces differ. Exit 0: no difference, 1: differences, 2: harness or connection error.",
        formatter_class=_HelpFormatter,
    )
    from harness.diff import add_diff_arguments

    add_diff_arguments(diff)
    return parser


def _config(args: argparse.Namespace) -> RunConfig:
    """The run's settings: the flags given (``None`` = not given) over environment, config file, defaults."""
    flags: dict[str, object] = {
        name: getattr(args, name)
        for name in (
            "target",
            "api_key",
            "user",
            "monitor_api_key",
            "es_version",
            "seed",
            "azure_resource",
            "max_examples",
            "workers",
            "report_dir",
        )
    }
    flags["mocks"] = {s: url for s in MOCK_OPTIONS if (url := getattr(args, f"mock_{s}"))} or None
    flags["probe_mocks"] = False if getattr(args, "no_mock_probe", False) else None
    flags["rules"] = tuple(args.rules) if args.rules else None
    flags["skip"] = dict(args.skip) if args.skip else None
    if args.format is not None:
        flags["formats"] = tuple(f.strip() for f in args.format.split(",") if f.strip())
    return load_config(flags, config_file=args.config)


def _print_failures(report: object, redactor: object) -> None:
    from harness.report import Redactor, RunReport

    assert isinstance(report, RunReport) and isinstance(redactor, Redactor)
    for r in report.failures:
        lines = [f"FAIL {r.key}: {r.reason}", f"  expected: {r.expected!r}", f"  seen:     {r.seen!r}", "  replay:"]
        lines += [f"    {line}" for line in r.replay.splitlines()]
        print(redactor.redact("\n".join(lines)))


def _print_skips(report: object, config: RunConfig) -> None:
    """How many results each ``skip`` pattern turned into ``skipped`` (0 flags a pattern matching nothing)."""
    from harness.report import RunReport

    assert isinstance(report, RunReport)
    if not config.skip:
        return
    per_pattern = dict.fromkeys(config.skip, 0)
    for r in report.results:
        pattern = config.skip_pattern(r.rule_id)
        if pattern is not None and r.outcome == "skipped" and r.reason == config.skip[pattern]:
            per_pattern[pattern] += 1
    print(f"skipped by configuration: {sum(per_pattern.values())} results")
    for pattern, n in per_pattern.items():
        note = "" if n else "  (matches no rule of this run)"
        print(f"  {pattern} ({n}): {config.skip[pattern]}{note}")


def _run(args: argparse.Namespace) -> int:
    from harness.engine.plan import check_rule_patterns
    from harness.report import check_report_dir, write_reports
    from harness.runner import run

    config = _config(args)
    check_rule_patterns(config.rules, config.es_version)  # misuse stops the run before anything starts
    check_report_dir(config.report_dir)
    given = args.es_version or config.es_version
    print(f"Elasticsearch profile: {config.es_version}" + (f" (for {given})" if given != config.es_version else ""))
    if not config.embedded:
        missing = [service for service in MOCK_OPTIONS if service not in config.mocks]
        if missing:  # announced up front: their rules are not checked, never passed
            options = " / ".join(MOCK_OPTIONS[s] for s in missing)
            print(
                f"no mock given for {', '.join(missing)}: the rules that need its upstream are not checked "
                f"(give {options} URL)"
            )
    report, redactor = run(config)
    try:
        paths = write_reports(
            report, config.report_dir, config.formats, redactor=redactor, not_applicable=args.report_not_applicable
        )
        from harness.replay import replay_env, write_env_file

        write_env_file(Path(config.report_dir), replay_env([r.replay for r in report.failures], redactor))
    except OSError as exc:
        raise HarnessError(
            f"--report-dir {config.report_dir}: cannot write the reports: {exc.strerror or exc}"
        ) from None
    _print_failures(report, redactor)
    _print_skips(report, config)
    c = report.counts
    verdict = "conformant" if report.conformant else "NOT conformant"
    source = f"; config: {config.config_file}" if config.config_file else ""
    print(
        f"{verdict}: {c['passed']} passed, {c['failed']} failed, {c['not_applicable']} not applicable, "
        f"{c['not_checked']} not checked, {c['skipped']} skipped ({report.duration:.1f}s); reports: "
        + ", ".join(str(p) for p in paths)
        + source
    )
    return 0 if report.conformant else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``harness`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "rules":
            from harness.rules_view import run_rules

            return run_rules(args)
        if args.command == "serve":
            from mocks.reference.cli import run_serve

            return int(run_serve(args) or 0)
        if args.command == "mock":
            return run_mock(args)
        if args.command == "compare-recording":
            from mocks.record.cli import run_compare

            return run_compare(args)
        if args.command == "diff":
            from harness.diff import run_diff

            return run_diff(args)
    except HarnessError as exc:
        print(f"harness: {exc.reason}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        return 2
    parser.error(f"unknown command {args.command!r}")  # argparse requires a command: never reached


if __name__ == "__main__":
    sys.exit(main())
