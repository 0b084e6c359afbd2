"""HTML report writer: one self-contained file (inline CSS and JS, no network) a person can read.

The page shows, in a sticky header, the verdict, the target, the version profile, the seed and the totals;
then every failure as a ``<details>`` with the requests to the target, its responses, the upstream calls
the mocks recorded, expected vs seen, and the replay command with a copy button; then the whole matrix of
rules x services x task types (every cell a colour, a symbol and a word; failing rules first; the page
scrolls, not a box inside it; not-applicable cells collapsed to their symbol until ticked), with the checks
that do not depend on a service in a small table of their own. A filter box and status checkboxes narrow
both. The page works without JavaScript (everything shown); a Content-Security-Policy forbids any request.

Every piece of text is passed through the run's :class:`~harness.report.redact.Redactor` (and request /
response bodies and headers through the mocks' field redaction) *before* it is escaped, and the final
document through the redactor again, so no secret reaches the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from harness.report.model import OUTCOMES, Exchange, Result, RunReport, UpstreamCall, write_report_file
from harness.report.redact import Redactor
from mocks.core.secrets import SECRET_BODY_FIELDS, SECRET_HEADERS, fingerprint, redact_body, redact_header

__all__ = ["OUTCOME_LABELS", "render_html", "write_html"]

#: outcome -> (symbol, short word shown in a cell, full label).
OUTCOME_LABELS: dict[str, tuple[str, str, str]] = {
    "passed": ("\u2713", "pass", "passed"),
    "failed": ("\u2717", "fail", "failed"),
    "not_applicable": ("\u2013", "n/a", "not applicable"),
    "not_checked": ("?", "unchecked", "not checked"),
    "skipped": ("\u21b7", "skipped", "skipped"),
}
# Worst first: when two results share a cell, the cell shows the worst.
_SEVERITY = {"failed": 0, "not_checked": 1, "skipped": 2, "passed": 3, "not_applicable": 4}
_TASK_ORDER = ("text_embedding", "sparse_embedding", "rerank", "completion", "chat_completion")
_MAX_TEXT = 16_000
_FP = re.compile(r"fp-[0-9a-f]{16}")
# Free text (a replay command, a reason) may quote a JSON secret field or a secret header: fingerprint them
# even when the run's redactor does not know the value.
_FIELD_IN_TEXT = re.compile(
    r'(\\?"(?:' + "|".join(sorted(SECRET_BODY_FIELDS)) + r')\\?"\s*:\s*\\?")((?:[^"\\]|\\[^"])*)(\\?")'
)
_HEADER_IN_TEXT = re.compile(
    r"(?i)\b(" + "|".join(re.escape(h) for h in sorted(SECRET_HEADERS)) + r")(\s*:\s*)([^'\"\n\r]+)"
)
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


@dataclass
class _Ctx:
    """Per-render state: the redactor and the failure anchors."""

    redactor: Redactor | None
    anchors: dict[int, str] = field(default_factory=dict)

    def text(self, value: object) -> str:
        """Redacted, escaped text of ``value`` (JSON-able values pretty-printed)."""
        return escape(self.plain(value), quote=True)

    def plain(self, value: object) -> str:
        """Redacted text of ``value``, not escaped."""
        if value is None:
            text = ""
        elif isinstance(value, str):
            text = value
        else:
            text = json.dumps(value, indent=2, ensure_ascii=False, default=str, sort_keys=True)
        text = self.redactor.redact(text) if self.redactor else text
        return _redact_free_text(text)


def _redact_free_text(text: str) -> str:
    """Fingerprint secret JSON fields and secret header values quoted in free text (idempotent)."""
    if not text:
        return text

    def field(m: re.Match[str]) -> str:
        value = m.group(2)
        return m.group(0) if not value or _FP.fullmatch(value) else m.group(1) + fingerprint(value) + m.group(3)

    def header(m: re.Match[str]) -> str:
        value = m.group(3).strip()
        if not value or _FP.search(value):
            return m.group(0)
        return m.group(1) + m.group(2) + redact_header(m.group(1), value)

    return _HEADER_IN_TEXT.sub(header, _FIELD_IN_TEXT.sub(field, text))


def _asset(name: str) -> str:
    return resources.files("harness.report.templates").joinpath(name).read_text(encoding="utf-8")


def _pretty_body(body: str | None) -> str:
    """A body as shown: secret JSON fields fingerprinted, JSON pretty-printed, long text cut."""
    if not body:
        return ""
    raw = redact_body(body.encode("utf-8", "surrogateescape")).decode("utf-8", "replace")
    try:
        text = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except ValueError:
        text = raw
    if len(text) > _MAX_TEXT:
        text = f"{text[:_MAX_TEXT]}\n\u2026 ({len(text) - _MAX_TEXT} more characters)"
    return text


def _label(outcome: str) -> tuple[str, str, str]:
    return OUTCOME_LABELS.get(outcome, ("\u2022", outcome, outcome))


def _chip(outcome: str, *, short: bool = False, count: int | None = None) -> str:
    sym, word, full = _label(outcome)
    text = word if short else full
    n = f'<span class="n">{count}</span> ' if count is not None else ""
    return (
        f'<span class="chip o-{escape(outcome)}"><span class="sym" aria-hidden="true">{sym}</span>'
        f"{n}{escape(text)}</span>"
    )


def _columns(results: Iterable[Result]) -> list[tuple[str | None, list[str | None]]]:
    """Services in plan order (service-independent first), each with its task types in a canonical order."""
    services: dict[str | None, list[str | None]] = {}
    for r in results:
        tasks = services.setdefault(r.service, [])
        if r.task_type not in tasks:
            tasks.append(r.task_type)

    def task_key(task: str | None) -> tuple[int, str]:
        if task is None:
            return (-1, "")
        return (_TASK_ORDER.index(task), task) if task in _TASK_ORDER else (len(_TASK_ORDER), task)

    ordered = sorted(services.items(), key=lambda kv: (kv[0] is not None,))
    return [(svc, sorted(tasks, key=task_key)) for svc, tasks in ordered]


def _group(rule_id: str) -> str:
    return rule_id.split(".", 1)[0] if "." in rule_id else "other"


def _header(report: RunReport, ctx: _Ctx) -> str:
    counts = report.counts
    failed = counts.get("failed", 0)
    verdict = (
        '<span class="verdict ok">\u2713 Conformant</span>'
        if report.conformant
        else f'<span class="verdict bad">\u2717 {failed} violation{"s" if failed != 1 else ""}</span>'
    )
    target = ctx.text(report.target) + (" (embedded reference)" if report.embedded else "")
    meta = [
        ("Target", target),
        ("ES profile", ctx.text(report.es_version)),
        ("Seed", ctx.text(str(report.seed))),
        ("Started", ctx.text(report.started)),
        ("Duration", f"{report.duration:.1f}\u202fs"),
        ("Results", str(len(report.results))),
    ]
    meta_html = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in meta)
    totals = "".join(
        f'<li class="o-{o}" aria-label="{counts[o]} {_label(o)[2]}">'
        f'<span class="sym" aria-hidden="true">{_label(o)[0]}</span> '
        f'<span class="n">{counts[o]}</span> {_label(o)[2]}</li>'
        for o in OUTCOMES
    )
    checks = "".join(
        f'<label><input type="checkbox" data-outcome="{o}"{"" if o == "not_applicable" else " checked"}> '
        f'<span class="tick t-{o}" aria-hidden="true">{_label(o)[0]}</span>{_label(o)[2]}</label>'
        for o in OUTCOMES
    )
    judged = len(report.results) - counts.get("not_applicable", 0)
    unchecked = counts.get("not_checked", 0)
    warning = (
        f'<p class="warn" role="note">{unchecked} of {judged} checks were <b>not checked</b> (no readable mock, '
        "or a precondition the run could not meet): the verdict covers only what was checked.</p>"
        if unchecked and judged and unchecked * 10 >= judged
        else ""
    )
    return (
        '<header class="top"><div class="top-inner">'
        f'<div class="title-row"><h1>Inference contract report</h1>{verdict}</div>{warning}'
        f'<dl class="meta">{meta_html}</dl>'
        f'<ul class="totals" aria-label="Totals">{totals}</ul>'
        '<div class="toolbar" id="toolbar" role="search" hidden>'
        '<label class="sr-only" for="filter">Filter</label>'
        '<input type="search" id="filter" placeholder="Filter: rule id, title, service, task type\u2026" '
        'autocomplete="off" spellcheck="false">'
        f"<fieldset><legend>Show</legend>{checks}</fieldset>"
        '<span class="shown" id="shown" aria-live="polite"></span>'
        "</div></div></header>"
    )


def _cell(results: list[Result], ctx: _Ctx, *, first: bool) -> str:
    cls = "c first" if first else "c"
    if not results:
        return f'<td class="{cls} empty" aria-label="not planned">\u00b7</td>'
    worst = min(results, key=lambda r: _SEVERITY.get(r.outcome, 9))
    sym, word, full = _label(worst.outcome)
    note = ctx.plain(worst.reason or worst.title)
    title = escape(f"{full}: {note}" if note else full, quote=True)
    inner = f'<span class="sym" aria-hidden="true">{sym}</span><span class="txt">{escape(word)}</span>'
    anchor = ctx.anchors.get(id(worst))
    if anchor:
        body = f'<a class="o-{worst.outcome}" href="#{anchor}" title="{title}">{inner}</a>'
    else:
        body = f'<span class="o-{worst.outcome}" title="{title}">{inner}</span>'
    return f'<td class="{cls}" data-o="{escape(worst.outcome)}" aria-label="{escape(full)}">{body}</td>'


_Cells = dict[tuple[str | None, str | None], list[Result]]


def _by_rule(results: Iterable[Result]) -> dict[str, _Cells]:
    """Rule -> its results per (service, task type); rules with a failure first, then in plan order."""
    by_rule: dict[str, _Cells] = {}
    for r in results:
        by_rule.setdefault(r.rule_id, {}).setdefault((r.service, r.task_type), []).append(r)
    failing = [
        rule for rule, cells in by_rule.items() if any(r.outcome == "failed" for rs in cells.values() for r in rs)
    ]
    return {rule: by_rule[rule] for rule in failing + [rule for rule in by_rule if rule not in failing]}


def _rows(by_rule: dict[str, _Cells], flat: list[tuple[str | None, str | None]], ctx: _Ctx) -> list[str]:
    """Table rows: a group header per family (failing rules first, under their own header), a row per rule."""
    body: list[str] = []
    current_group = None
    span = len(flat) + 1
    for rule_id, cells in by_rule.items():
        results = [r for rs in cells.values() for r in rs]
        failing = any(r.outcome == "failed" for r in results)
        group = "failing" if failing else _group(rule_id)
        if group != current_group:
            current_group = group
            label = "failing rules" if failing else group
            body.append(
                f'<tr class="group" data-group="{ctx.text(group)}"><th colspan="{span}" scope="rowgroup">'
                f"{ctx.text(label)}</th></tr>"
            )
        title = next((r.title for r in results if r.title), "")
        search = " ".join(
            [rule_id, title] + [f"{r.service or ''} {r.task_type or ''} {r.outcome} {r.reason}" for r in results]
        ).lower()
        tds = []
        previous_svc: object = object()
        for svc, task in flat:
            tds.append(_cell(cells.get((svc, task), []), ctx, first=svc != previous_svc))
            previous_svc = svc
        body.append(
            f'<tr class="rule" data-group="{ctx.text(group)}" data-search="{ctx.text(search)}">'
            f'<th scope="row"><code>{ctx.text(rule_id)}</code>'
            f"{f'<span class=rt>{ctx.text(title)}</span>' if title else ''}</th>{''.join(tds)}</tr>"
        )
    return body


def _across(results: list[Result], ctx: _Ctx) -> str:
    """Checks that do not depend on a service (schema pass, state machine): a small table of their own, rather
    than a mostly empty column of the matrix."""
    if not results:
        return ""
    body = _rows(_by_rule(results), [(None, None)], ctx)
    return (
        '<h3 class="sub" id="across-h">Checks across all services</h3>'
        '<table class="matrix across" aria-labelledby="across-h">'
        '<thead><tr><th scope="col" class="rule-col">Rule</th><th scope="col">Outcome</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _matrix(report: RunReport, ctx: _Ctx) -> str:
    per_service = [r for r in report.results if r.service is not None]
    across = [r for r in report.results if r.service is None]
    columns = _columns(per_service)
    flat = [(svc, task) for svc, tasks in columns for task in tasks]
    by_rule = _by_rule(per_service)
    svc_row = "".join(
        f'<th scope="colgroup" colspan="{len(tasks)}" class="svc">{ctx.text(svc)}</th>' for svc, tasks in columns
    )
    task_row = "".join(
        f'<th scope="col">{ctx.text(task).replace("_", "_<wbr>") if task else "any task"}</th>'
        for _svc, tasks in columns
        for task in tasks
    )
    table = ""
    if by_rule:
        table = (
            '<table class="matrix">'
            f"<caption>{len(by_rule)} rules, {len(per_service)} results; failing rules first. A failed cell links to "
            "its evidence; hover a cell for its reason. Not-applicable cells are collapsed to \u2013 "
            "(tick \u201cnot applicable\u201d above to spell them out).</caption>"
            f'<thead><tr><th scope="col" rowspan="2" class="rule-col">Rule</th>{svc_row}</tr>'
            f"<tr>{task_row}</tr></thead>"
            f"<tbody>{''.join(_rows(by_rule, flat, ctx))}</tbody></table>"
        )
    legend = "".join(f"<li>{_chip(o)}</li>" for o in OUTCOMES) + (
        '<li><span aria-hidden="true">\u00b7</span> not planned</li>'
    )
    return (
        '<section class="panel" id="matrix" aria-labelledby="matrix-h">'
        '<div class="section-head"><h2 id="matrix-h">Rules \u00d7 services \u00d7 task types</h2></div>'
        f'<ul class="legend" aria-label="Legend">{legend}</ul>'
        f'<div class="grid">{table}{_across(across, ctx)}</div>'
        '<p class="none" id="no-match" hidden>No rule matches the filter.</p>'
        "</section>"
    )


def _status(status: int | None) -> str:
    if status is None:
        return '<span class="status s0">no response</span>'
    return f'<span class="status s{str(status)[0]}">{status}</span>'


def _exchange(ex: Exchange, ctx: _Ctx) -> str:
    headers = "\n".join(f"{k}: {redact_header(k, str(v))}" for k, v in (ex.response_headers or {}).items())
    request = _pretty_body(ex.request_body)
    response = _pretty_body(ex.response_body)
    req_html = f"<pre>{ctx.text(request)}</pre>" if request else '<p class="label">no body</p>'
    resp_text = "\n\n".join(p for p in (headers, response) if p)
    resp_html = f"<pre>{ctx.text(resp_text)}</pre>" if resp_text else '<p class="label">no body</p>'
    return (
        '<div class="exchange">'
        f'<div class="line"><span class="method">{ctx.text(ex.method)}</span><code>{ctx.text(ex.url)}</code>'
        f'<span class="label">\u2192</span>{_status(ex.status)}</div>'
        f'<div class="grid2"><div><div class="label">Request</div>{req_html}</div>'
        f'<div><div class="label">Response</div>{resp_html}</div></div>'
        "</div>"
    )


def _upstream(calls: list[UpstreamCall], ctx: _Ctx) -> str:
    rows = []
    for call in calls:
        target = call.path + (f"?{call.query}" if call.query else "")
        body = _pretty_body(call.body)
        body_html = (
            f"<details><summary>{len(body)} chars</summary><pre>{ctx.text(body)}</pre></details>" if body else "\u2013"
        )
        key = call.key or "\u2013"
        rows.append(
            f"<tr><td>{ctx.text(call.service)}</td><td><span class=method>{ctx.text(call.method)}</span></td>"
            f"<td><code>{ctx.text(target)}</code></td><td>{_status(call.status)}</td>"
            f"<td><code>{ctx.text(key)}</code></td><td>{body_html}</td></tr>"
        )
    return (
        '<table class="up"><thead><tr><th scope="col">Mock</th><th scope="col">Method</th>'
        '<th scope="col">Path</th><th scope="col">Status</th><th scope="col">Key</th><th scope="col">Body</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _evidence(e: dict[str, Any] | None, ctx: _Ctx) -> str:
    """A failed rule's evidence in Elasticsearch's source (the entry ``harness rules`` prints)."""
    if not e:
        return ""
    symbol = f" <code>{ctx.text(e['symbol'])}</code>" if e.get("symbol") else ""
    where = f"<code>{ctx.text(e['source'])}</code>{symbol}"
    reads = "".join(
        f"<li><code>{ctx.text(r['path'])}</code> @ {ctx.text(r['version'])}, dated <b>{ctx.text(r['line'])}</b>: "
        f"{ctx.text(r['how'])}</li>"
        for r in e.get("reads", [])
    )
    missing = f"<p>Missing: {ctx.text(e['missing'])}</p>" if e.get("missing") else ""
    quote = f"<pre><code>{ctx.text(e['quote'])}</code></pre>" if e.get("quote") else ""
    return (
        f'<h4>Evidence</h4><div class="evidence"><p>{where}; versions {ctx.text(e["versions"])}, range '
        f"<b>{ctx.text(e['range'])}</b></p>{quote}{f'<ul>{reads}</ul>' if reads else ''}{missing}</div>"
    )


def _failure(result: Result, anchor: str, ctx: _Ctx, evidence: dict[str, Any] | None = None) -> str:
    scope = " \u00b7 ".join(p for p in (result.service, result.task_type) if p) or "all services"
    why = result.reason or result.title
    search = f"{result.rule_id} {result.service or ''} {result.task_type or ''} {result.title} {result.reason}"
    parts = []
    if result.title and result.title != why:
        parts.append(f"<p>{ctx.text(result.title)}</p>")
    parts.append(
        '<div class="ev">'
        f'<figure class="exp"><figcaption>Expected</figcaption><pre>{ctx.text(result.expected)}</pre></figure>'
        f'<figure class="seen"><figcaption>Seen</figcaption><pre>{ctx.text(result.seen)}</pre></figure>'
        "</div>"
    )
    if result.exchanges:
        parts.append("<h4>Requests to the target</h4>" + "".join(_exchange(e, ctx) for e in result.exchanges))
    if result.upstream:
        parts.append("<h4>Upstream calls recorded by the mocks</h4>" + _upstream(result.upstream, ctx))
    if result.replay:
        parts.append(
            f'<h4>Replay</h4><div class="replay"><pre><code id="{anchor}-replay">{ctx.text(result.replay)}</code></pre>'
            f'<button type="button" class="copy" data-copy="{anchor}-replay" '
            f'aria-label="Copy the replay command">Copy</button></div>'
        )
    parts.append(_evidence(evidence, ctx))
    return (
        f'<details class="failure" id="{anchor}" data-search="{ctx.text(search.lower())}">'
        f"<summary>{_chip('failed')}<code>{ctx.text(result.rule_id)}</code>"
        f'<span class="scope">{ctx.text(scope)}</span>'
        f'<span class="why">{ctx.text(why)}</span></summary>'
        f'<div class="fbody">{"".join(parts)}</div></details>'
    )


def _failures(report: RunReport, ctx: _Ctx) -> str:
    failures = report.failures
    if not failures:
        return (
            '<section class="panel" id="failures" aria-labelledby="failures-h"><h2 id="failures-h">Failures</h2>'
            '<p class="none">No rule was broken.</p></section>'
        )
    items = "".join(_failure(r, ctx.anchors[id(r)], ctx, report.rules.get(r.rule_id)) for r in failures)
    return (
        '<section class="panel" id="failures" aria-labelledby="failures-h"><div class="section-head">'
        f'<h2 id="failures-h">Failures ({len(failures)})</h2><div class="tools">'
        '<button type="button" data-expand="open">Expand all</button>'
        '<button type="button" data-expand="close">Collapse all</button></div></div>'
        f"{items}</section>"
    )


def render_html(report: RunReport, *, redactor: Redactor | None = None) -> str:
    """Return the HTML report of ``report`` as one self-contained document, redacted.

    Example::

        html = render_html(report, redactor=Redactor(["sk-canary"]))
        assert "sk-canary" not in html
    """
    ctx = _Ctx(redactor)
    for n, r in enumerate(report.failures, 1):
        ctx.anchors[id(r)] = f"failure-{n}"
    verdict = "conformant" if report.conformant else f"{report.counts['failed']} violation(s)"
    doc = (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>Inference contract report: {escape(verdict)} ({ctx.text(report.es_version)})</title>"
        f"<style>{_asset('report.css')}</style></head>"
        f'<body data-verdict="{"conformant" if report.conformant else "violations"}">'
        f"{_header(report, ctx)}<main>{_failures(report, ctx)}{_matrix(report, ctx)}</main>"
        f"<footer>{ctx.text(report.tool)} \u00b7 report schema {ctx.text(report.schema_version)} \u00b7 "
        "self-contained file, no network access</footer>"
        f"<script>{_asset('report.js')}</script></body></html>\n"
    )
    return redactor.redact(doc) if redactor else doc


def write_html(report: RunReport, path: str | Path, *, redactor: Redactor | None = None) -> Path:
    """Write the HTML report to ``path`` (parents created); return the path."""
    return write_report_file(path, render_html(report, redactor=redactor))
