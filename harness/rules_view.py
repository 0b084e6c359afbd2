"""``harness rules``: the rules that apply to a release line, each with its message and its evidence.

What a user reads before trusting a verdict: for every rule of the table that holds on the chosen line,
the message Elasticsearch answers there, the file in ``elastic/elasticsearch`` that decides it, the quoted
source line, each version of that source that was read (and how it was dated) and whether the version
range is ``verified`` or ``inferred`` (then what is missing). The same entries are in every report's
``rules`` section (:func:`rule_entry`), so a failed rule links to its evidence.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
from collections.abc import Iterable
from typing import Any

from contract import PROFILES, load_profile, load_rules, resolve_version
from contract.profiles import UnknownVersionError
from contract.rules import Rule, RuleTable
from harness.errors import HarnessError

__all__ = ["add_rules_arguments", "evidence_markdown", "render_rules", "rule_entry", "run_rules"]

FORMATS = ("text", "md", "json")


def rule_entry(rule: Rule, version: str | None = None) -> dict[str, Any]:
    """One rule's evidence as plain data (the JSON of ``harness rules`` and of the reports' ``rules``).

    ``message`` is the rule's message template on ``version`` (``{param}`` fields unfilled), absent for a
    rule without an error outcome.
    """
    ev = rule.evidence
    entry: dict[str, Any] = {
        "title": rule.title,
        "source": rule.source,
        "symbol": ev.symbol if ev else "",
        "versions": rule.version_range,
        "range": rule.range_status,
    }
    if rule.expected is not None:
        outcome = rule.outcome(load_profile(version or rule.versions[-1]))
        entry["status"] = outcome.status if outcome.status is not None else f"from {outcome.status_from}"
        entry["error_type"] = outcome.error_type
        entry["message"] = outcome.message
    if ev is not None:
        entry["quote"] = ev.quote
        entry["reads"] = [
            {"repo": r.repo, "path": r.path, "version": r.version, "line": r.line, "how": r.how} for r in ev.reads
        ]
        if ev.missing:
            entry["missing"] = ev.missing
        if ev.tests:
            entry["tests"] = list(ev.tests)
    return entry


def _selected(rules: RuleTable, version: str | None, patterns: Iterable[str], status: str | None) -> list[Rule]:
    chosen = []
    pats = list(patterns)
    for rule in rules:
        if version is not None and version not in rule.versions:
            continue
        if pats and not any(fnmatch.fnmatchcase(rule.id, p) for p in pats):
            continue
        if status is not None and rule.range_status != status:
            continue
        chosen.append(rule)
    return chosen


def _text(rule_id: str, e: dict[str, Any]) -> list[str]:
    lines = [f"{rule_id}  [{e['versions']}, {e['range']}]", f"  {e['title']}"]
    if "message" in e:
        lines.append(f"  answers: {e['status']} {e['error_type']}: {e['message']}")
    lines.append(f"  source:  {e['source']}" + (f" ({e['symbol']})" if e["symbol"] else ""))
    if e.get("quote"):
        lines.append("  quote:")
        lines += [f"    {q}" for q in e["quote"].splitlines()]
    for r in e.get("reads", []):
        repo = "" if r["repo"] == "elastic/elasticsearch" else f"{r['repo']}: "
        lines.append(f"  read:    {repo}{r['path']} @ {r['version']}, dated {r['line']}: {r['how']}")
    if e.get("missing"):
        lines.append(f"  missing: {e['missing']}")
    return lines


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def evidence_markdown(e: dict[str, Any]) -> list[str]:
    """A rule entry's evidence as Markdown list items and a code block: source, each dated read, what is
    missing, the quote (``harness rules --format md`` and each failure of ``report.md``)."""
    lines = [f"- source: `{e['source']}`" + (f" `{e['symbol']}`" if e.get("symbol") else "")]
    for r in e.get("reads", []):
        lines.append(f"- read: `{r['path']}` @ {r['version']}, dated **{r['line']}**: {_md_cell(r['how'])}")
    if e.get("missing"):
        lines.append(f"- missing: {_md_cell(e['missing'])}")
    if e.get("quote"):
        lines += ["", "```java", e["quote"], "```"]
    return [*lines, ""]


def _md(rule_id: str, e: dict[str, Any]) -> list[str]:
    lines = [f"### `{rule_id}`", "", f"{e['title']} — versions {e['versions']}, range **{e['range']}**", ""]
    if "message" in e:
        lines.append(f"- answers: {e['status']} `{e['error_type']}`: `{e['message']}`")
    return lines + evidence_markdown(e)


def render_rules(version: str | None, fmt: str, patterns: Iterable[str] = (), status: str | None = None) -> str:
    """The applicable rules (all rules when ``version`` is ``None``) rendered as ``text``, ``md`` or ``json``."""
    rules = load_rules()
    chosen = _selected(rules, version, patterns, status)
    entries = {r.id: rule_entry(r, version) for r in chosen}
    verified = sum(1 for e in entries.values() if e["range"] == "verified")
    scope = f"Elasticsearch {version}" if version else "every release line"
    head = f"{len(entries)} rules for {scope}: {verified} verified, {len(entries) - verified} inferred"
    if fmt == "json":
        return json.dumps({"es_version": version, "summary": head, "rules": entries}, indent=2) + "\n"
    if fmt == "md":
        lines = [f"# Rules: {scope}", "", head, ""]
        for rule_id, e in entries.items():
            lines += _md(rule_id, e)
        return "\n".join(lines)
    lines = [head, ""]
    for rule_id, e in entries.items():
        lines += [*_text(rule_id, e), ""]
    return "\n".join(lines)


def add_rules_arguments(p: argparse.ArgumentParser) -> None:
    """The ``harness rules`` options."""
    p.add_argument(
        "--es-version",
        metavar="V",
        help=f"only the rules that hold on this release line ({', '.join(PROFILES)}; 9.1.3 picks 9.1); default: all",
    )
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument(
        "--rule", "-r", action="append", default=[], metavar="PATTERN", help="only rule ids matching this glob"
    )
    p.add_argument("--status", choices=("verified", "inferred"), help="only rules whose range is this")


def run_rules(args: argparse.Namespace) -> int:
    """Print the rules; exit 0 (an unknown ``--es-version``: :class:`HarnessError`, exit 2)."""
    try:
        version = resolve_version(args.es_version) if args.es_version else None
    except UnknownVersionError as exc:
        raise HarnessError(f"--es-version: {exc}") from None
    print(render_rules(version, args.format, args.rule, args.status), end="")
    return 0
