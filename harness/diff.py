"""``harness diff``: run the same seeded cases against two ``_inference`` implementations and report where
they behave differently.

Both sides get exactly the requests of ``harness run`` (the runner's plan, scenarios, state machine and
schema pass, generated from side A's version profile and the seed), so any difference comes from the
targets. Per case (one generated example of one *rule × service × task type*) it compares, exchange by
exchange, the response status, the error type, the error message, the content type and the body shape (its
key paths), then the calls the provider mocks recorded for the case (method, path, query, key, status and
every JSON body value), then the runner's verdict.

Values that legitimately vary between two runs are normalised before comparing, so two identical
implementations produce no difference: secrets (first to their ``fp-…`` fingerprint, then to an ordinal
``<secret#n>`` per case, so two targets fed canaries of different runs still compare equal), inference ids chosen by the
harness (``<id#n>`` per case), ports, UUIDs, timestamps and AWS request ids. JSON keys are walked sorted, so
key order never counts.

Sides: ``--target URL`` (0, 1 or 2 times; missing sides are the embedded reference), ``--es-version V``
(0, 1 or 2 times: one version applies to both sides) and ``--openai-mock URL`` … (once: shared by both
external sides; twice: one per side). Exit 0 when no difference, 1 when differences, 2 on a harness or
connection error (one line on stderr).

Example::

    harness diff --es-version 8.18 --es-version 9.4 --rules 'chunking.*' --max-examples 2
    harness diff --target http://127.0.0.1:9200 --openai-mock http://127.0.0.1:8081 --seed 3
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from harness.config import MOCK_OPTIONS, SERVICES, RunConfig, from_env, run_nonce
from harness.errors import ConfigError, HarnessError
from harness.report.redact import Redactor
from mocks.core.journal import Call
from mocks.core.secrets import fingerprint

__all__ = [
    "CaseTrace",
    "DiffReport",
    "Difference",
    "HttpRecord",
    "SideTrace",
    "add_diff_arguments",
    "collect",
    "compare",
    "diff",
    "record_http",
    "run_diff",
]

UNATTRIBUTED = "(unattributed upstream calls)"
_TASK_SEGMENTS = frozenset(
    {"text_embedding", "sparse_embedding", "completion", "chat_completion", "rerank", "embedding"}
)
_FP = re.compile(r"fp-[0-9a-f]{16}")
_VOLATILE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(https?://[^/\s\"'<>:]+):\d{1,5}"), r"\1:<port>"),
    (re.compile(r"\b(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}"), r"\1:<port>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<uuid>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"), "<ts>"),
    (re.compile(r"\b\d{8}T\d{6}Z\b"), "<ts>"),
    (re.compile(r"(Request ID: )[^)\s,;]+"), r"\1<request-id>"),
)
#: JSON keys (in upstream bodies) whose values are per-run by nature.
_VOLATILE_KEYS = frozenset({"created", "created_at", "timestamp", "@timestamp", "took", "request_id", "requestId"})
_EXCHANGE_FIELDS = ("request", "status", "content_type", "error.type", "error.reason")


# ------------------------------------------------------------------------------------------------ recording
@dataclass
class HttpRecord:
    """One HTTP exchange sent through ``requests`` to the recorded base URL.

    ``label``/``example`` name the case it belongs to (set by :func:`collect`), ``elapsed`` is the seconds
    from sending to the whole body read (network + target work).
    """

    method: str
    url: str
    request_body: bytes | None
    status: int | None
    headers: dict[str, str]
    body: bytes
    elapsed: float
    label: str = ""
    example: int = 0


@contextlib.contextmanager
def record_http(base_url: str, sink: Callable[[HttpRecord], None]) -> Iterator[None]:
    """Hand every ``requests`` exchange with a URL under ``base_url`` to ``sink`` while the block runs.

    It wraps ``HTTPAdapter.send`` for the whole process, not one session: the schema pass sends through
    schemathesis' own session, and the point is to see every request of a run. Requests to other URLs
    (mock admin APIs, the reference's own upstream calls) pass through untouched.

    Example::

        records: list[HttpRecord] = []
        with record_http(target_url, records.append):
            requests.get(target_url + "/_inference/_all")
    """
    original = HTTPAdapter.send
    prefix = base_url.rstrip("/")

    def send(self: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        if not url.startswith(prefix):
            return original(self, request, *args, **kwargs)
        started = time.perf_counter()
        response = original(self, request, *args, **kwargs)
        content = response.content  # read here so the timing covers the body; requests keeps it cached
        body = request.body.encode() if isinstance(request.body, str) else request.body
        sink(HttpRecord(str(request.method), url, body if isinstance(body, bytes) else None, response.status_code,
                        dict(response.headers), content or b"", time.perf_counter() - started))
        return response

    HTTPAdapter.send = send  # type: ignore[method-assign]
    try:
        yield
    finally:
        HTTPAdapter.send = original  # type: ignore[method-assign]


class _Cases:
    """Which case the current thread is running, and the exchanges and secrets recorded per case."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self.records: list[HttpRecord] = []
        self.owner: dict[str, tuple[str, int]] = {}  # secret fingerprint -> (label, example)
        self.verdicts: dict[str, str] = {}

    @contextlib.contextmanager
    def running(self, label: str, *, per_example: bool) -> Iterator[None]:
        self._local.label, self._local.example, self._local.per_example = label, -1 if per_example else 0, per_example
        try:
            yield
        finally:
            self._local.label = ""

    def current(self) -> tuple[str, int]:
        return getattr(self._local, "label", ""), max(getattr(self._local, "example", 0), 0)

    def new_example(self, secrets: Iterable[str]) -> None:
        if getattr(self._local, "per_example", False):
            self._local.example += 1
        label, example = self.current()
        if label:
            with self._lock:
                for s in secrets:
                    self.owner.setdefault(fingerprint(s), (label, example))

    def sink(self, record: HttpRecord) -> None:
        record.label, record.example = self.current()
        if record.label:
            with self._lock:
                self.records.append(record)


class _CaseRedactor(Redactor):
    """The run's redactor; each ``add`` marks the start of a new generated example (the runner plants a
    fresh set of canaries per example, the state machine one per PUT)."""

    def __init__(self, cases: _Cases, secrets: Iterable[str] = ()) -> None:
        super().__init__(secrets)
        self._cases = cases

    def add(self, *secrets: str) -> None:
        super().add(*secrets)
        cases = getattr(self, "_cases", None)
        if cases is not None:
            cases.new_example(secrets)


# ------------------------------------------------------------------------------------------------ traces
@dataclass
class CaseTrace:
    """Everything one side did for one case: the exchanges with the target, the upstream calls the mocks
    recorded for the case's keys, and the runner's verdict for the case's plan item."""

    case: str
    exchanges: list[HttpRecord] = field(default_factory=list)
    upstream: list[Call] = field(default_factory=list)
    verdict: str | None = None


@dataclass
class SideTrace:
    """One side of a diff: what was run against it and the traces per case (in plan order)."""

    label: str
    description: str
    es_version: str
    cases: dict[str, CaseTrace]
    redactor: Redactor
    duration: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts for the report (no secret)."""
        return {
            "label": self.label, "target": self.description, "es_version": self.es_version,
            "cases": sum(1 for c in self.cases.values() if c.exchanges or c.upstream),
            "exchanges": sum(len(c.exchanges) for c in self.cases.values()),
            "upstream_calls": sum(len(c.upstream) for c in self.cases.values()),
            "duration": round(self.duration, 3), "warnings": list(self.warnings),
        }


def _case_id(label: str, example: int) -> str:
    return f"{label}#{example}"


def collect(config: RunConfig, *, generate: RunConfig, label: str) -> SideTrace:
    """Run the cases of ``generate`` (its version profile, seed, rules, examples) against the target and
    mocks of ``config``; return the traces per case.

    ``config.es_version`` is the version the side claims (and the embedded reference's version);
    ``generate.es_version`` is the profile the requests are generated from.

    Raises:
        HarnessError: the target or a mock does not answer, or an option is invalid.
    """
    from harness.checks import CheckContext
    from harness.checks.schema import run_schema_pass, schema_selected
    from harness.contract import load_profile, load_rules
    from harness.runner import execute, plan
    from harness.stateful import RULE_ID as STATEFUL_ID
    from harness.stateful import run_stateful
    from harness.target import Environment

    config.validate()
    generate.validate()
    profile, rules = load_profile(generate.es_version), load_rules()
    cases = _Cases()
    redactor = _CaseRedactor(cases, config.secrets())
    items = plan(profile, rules, generate.rules)
    started = time.monotonic()
    with Environment(config) as env:
        marks = {s: max((c.seq for c in env.mocks[s].calls()), default=0) for s in env.mocks}

        def one(item: Any) -> None:
            with cases.running(item.key, per_example=True):
                result = execute(item, config=generate, profile=profile, rules=rules, target=env.target,
                                 mocks=env.mocks, redactor=redactor)
            cases.verdicts[item.key] = result.outcome

        with record_http(env.target.base_url, cases.sink):
            with ThreadPoolExecutor(max_workers=generate.workers) as pool:
                for future in [pool.submit(one, item) for item in items]:
                    future.result()
            ctx = CheckContext(profile, rules, env.target, env.mocks, generate.seed, redactor)
            with cases.running(STATEFUL_ID, per_example=False):
                for result in run_stateful(ctx, generate):
                    cases.verdicts[STATEFUL_ID] = result.outcome
            if schema_selected(generate.rules):
                with cases.running("schema", per_example=False):
                    for result in run_schema_pass(ctx, generate):
                        cases.verdicts[result.rule_id] = result.outcome
        calls = {s: [c for c in env.mocks[s].calls() if c.seq > marks[s]] for s in env.mocks}
        description = (f"embedded reference {config.es_version}" if config.embedded else env.target.base_url)
    side = SideTrace(label, description, config.es_version, {}, redactor, time.monotonic() - started)
    side.cases, side.warnings = _traces(cases, calls, marks, [item.key for item in items])
    return side


def _traces(cases: _Cases, calls: Mapping[str, list[Call]], marks: Mapping[str, int],
            plan_order: list[str]) -> tuple[dict[str, CaseTrace], list[str]]:
    """Group the recorded exchanges and upstream calls per case, in plan order; warn on a lossy journal."""
    traces: dict[str, CaseTrace] = {}
    warnings: list[str] = []
    for record in cases.records:
        case = _case_id(record.label, record.example)
        traces.setdefault(case, CaseTrace(case)).exchanges.append(record)
    for service, service_calls in calls.items():
        if service_calls and service_calls[0].seq > marks[service] + 1:
            warnings.append(f"the {service} mock's journal overflowed: some upstream calls are missing")
        for call in service_calls:
            owner = cases.owner.get(call.key or "")
            case = _case_id(*owner) if owner else UNATTRIBUTED
            traces.setdefault(case, CaseTrace(case)).upstream.append(call)
    for key, outcome in cases.verdicts.items():  # the verdict is per plan item: a case of its own
        traces.setdefault(key, CaseTrace(key)).verdict = outcome
    order = {key: i for i, key in enumerate(plan_order)}

    def position(name: str) -> tuple[int, int]:
        label, _, example = name.partition("#")
        return order.get(label, len(order)), int(example) if example.isdigit() else 1 << 30

    return {name: traces[name] for name in sorted(traces, key=position)}, warnings


# ------------------------------------------------------------------------------------------------ normalising
class _Normaliser:
    """Turns one case's raw data into comparable values (see the module docstring)."""

    def __init__(self, redactor: Redactor, ids: Iterable[str]) -> None:
        self._redactor = redactor
        self._ids: dict[str, str] = {}
        for ident in ids:
            self._ids.setdefault(ident, f"<id#{len(self._ids) + 1}>")
        self._long_ids = sorted((i for i in self._ids if len(i) >= 6), key=len, reverse=True)
        self._secrets: dict[str, str] = {}

    def _secret(self, match: re.Match[str]) -> str:
        return self._secrets.setdefault(match.group(0), f"<secret#{len(self._secrets) + 1}>")

    def text(self, value: str) -> str:
        out = self._redactor.redact(value)
        for ident in self._long_ids:
            if ident in out:
                out = out.replace(ident, self._ids[ident])
        out = _FP.sub(self._secret, out)
        for pattern, repl in _VOLATILE:
            out = pattern.sub(repl, out)
        return out

    def path(self, url: str) -> str:
        parts = urlsplit(url)
        segments = [self._ids.get(unquote(s)) or self.text(unquote(s)) for s in parts.path.split("/")]
        query = "&".join(f"{k}={self.text(v)}" for k, v in parse_qsl(parts.query, keep_blank_values=True))
        return "/".join(segments) + (f"?{query}" if query else "")

    def flat(self, value: Any, prefix: str = "") -> dict[str, Any]:
        """``{dotted.path: normalised scalar}`` of a JSON value, keys walked sorted."""
        out: dict[str, Any] = {}
        if isinstance(value, dict):
            for key in sorted(value, key=str):
                name = f"{prefix}.{self.text(str(key))}" if prefix else self.text(str(key))
                if str(key) in _VOLATILE_KEYS and not isinstance(value[key], (dict, list)):
                    out[name] = "<volatile>"
                else:
                    out.update(self.flat(value[key], name))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                out.update(self.flat(item, f"{prefix}[{i}]"))
            if not value:
                out[prefix or "$"] = []
        else:
            out[prefix or "$"] = self.text(value) if isinstance(value, str) else value
        return out

    def shape(self, value: Any, prefix: str = "") -> set[str]:
        """Key paths of a JSON value (list items merged as ``[]``)."""
        out: set[str] = set()
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{prefix}.{self.text(str(key))}" if prefix else self.text(str(key))
                out.add(name)
                out |= self.shape(item, name)
        elif isinstance(value, list):
            for item in value:
                out |= self.shape(item, f"{prefix}[]")
        return out


def _ids_of(url: str) -> list[str]:
    """Inference ids in an ``/_inference/...`` path (segments that are neither task types nor ``_x``)."""
    segments = [unquote(s) for s in urlsplit(url).path.split("/") if s]
    if not segments or segments[0] != "_inference":
        return []
    return [s for s in segments[1:3] if s not in _TASK_SEGMENTS and not s.startswith("_")]


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _sse_shape(norm: _Normaliser, body: bytes) -> set[str]:
    out: set[str] = set()
    for line in body.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        value = value.strip()
        if name == "event":
            out.add(f"sse.event:{value}")
        elif name == "data":
            parsed = _json(value.encode())
            out |= {"sse[DONE]"} if value == "[DONE]" else norm.shape(parsed, "sse[]") | {"sse[]"}
    return out


def _exchange(norm: _Normaliser, record: HttpRecord) -> dict[str, Any]:
    ctype = next((v for k, v in record.headers.items() if k.lower() == "content-type"), "")
    ctype = ctype.split(";")[0].strip().lower()
    parsed = _json(record.body)
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if ctype == "text/event-stream":
        shape = _sse_shape(norm, record.body)
    else:
        shape = norm.shape(parsed) if parsed is not None else ({"<text>"} if record.body.strip() else set())
    sent = _json(record.request_body or b"")
    return {
        "request": f"{record.method} {norm.path(record.url)}",
        "request_body": norm.flat(sent, "request.body") if sent is not None else {},
        "status": record.status,
        "content_type": ctype,
        "error.type": error.get("type") if isinstance(error, dict) else None,
        "error.reason": (norm.text(str(error.get("reason"))) if isinstance(error, dict) and "reason" in error
                         else norm.text(error) if isinstance(error, str) else None),
        "shape": sorted(shape),
    }


def _upstream(norm: _Normaliser, call: Call) -> dict[str, Any]:
    parsed = call.json
    body = norm.flat(parsed) if parsed is not None else (
        {"$": norm.text(call.body.decode("utf-8", "replace"))} if call.body else {})
    return {
        "call": f"{call.service} {call.method} {norm.path(call.path)}",
        "status": call.status,
        "key": norm.text(call.key) if call.key else None,
        **{f"query.{k}": norm.text(v) for k, v in sorted(call.query)},
        **{f"body.{k}" if k != "$" else "body": v for k, v in body.items()},
    }


def _normalise(case: CaseTrace, redactor: Redactor) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    ids = [i for r in case.exchanges for i in _ids_of(r.url)]
    norm = _Normaliser(redactor, ids)
    for record in case.exchanges:  # number secrets in the order the harness sent them (same on both sides)
        norm.text((record.request_body or b"").decode("utf-8", "replace"))
    exchanges = [_exchange(norm, r) for r in case.exchanges]
    upstream = [_upstream(norm, c) for c in case.upstream]
    if case.case == UNATTRIBUTED:  # no per-case order to rely on: compare as a sorted multiset
        upstream.sort(key=lambda u: json.dumps(u, sort_keys=True, default=str))
    return exchanges, upstream


# ------------------------------------------------------------------------------------------------ comparing
@dataclass(frozen=True)
class Difference:
    """One way the two sides differ: in ``case``, at ``where`` (an exchange or upstream call), ``field`` is
    ``a`` on side A and ``b`` on side B (``None``: absent)."""

    case: str
    where: str
    field: str
    a: Any
    b: Any


def _compare_dicts(case: str, where: str, a: Mapping[str, Any], b: Mapping[str, Any],
                   skip: tuple[str, ...] = ()) -> list[Difference]:
    keys = list(a) + [k for k in b if k not in a]
    return [Difference(case, where, k, a.get(k), b.get(k)) for k in keys if k not in skip and a.get(k) != b.get(k)]


def _compare_case(case: str, a: CaseTrace, b: CaseTrace, ra: Redactor, rb: Redactor) -> list[Difference]:
    out: list[Difference] = []
    ex_a, up_a = _normalise(a, ra)
    ex_b, up_b = _normalise(b, rb)
    for i, (ea, eb) in enumerate(zip(ex_a, ex_b, strict=False)):
        where = f"exchange {i + 1}: {ea['request']}"
        out += _compare_dicts(case, where, ea["request_body"], eb["request_body"])
        out += _compare_dicts(case, where, {k: ea[k] for k in _EXCHANGE_FIELDS}, {k: eb[k] for k in _EXCHANGE_FIELDS})
        only_a, only_b = sorted(set(ea["shape"]) - set(eb["shape"])), sorted(set(eb["shape"]) - set(ea["shape"]))
        if only_a or only_b:
            out.append(Difference(case, where, "body.keys", only_a, only_b))
    n = min(len(ex_a), len(ex_b))
    if len(ex_a) != len(ex_b):  # one side went on (or stopped: a failed check ends the example) - one difference
        out.append(Difference(case, f"exchanges after {n}", "exchanges",
                              [e["request"] for e in ex_a[n:]], [e["request"] for e in ex_b[n:]]))
    for i, (ua, ub) in enumerate(zip(up_a, up_b, strict=False)):
        out += _compare_dicts(case, f"upstream {i + 1}: {ua['call']}", ua, ub)
    n = min(len(up_a), len(up_b))
    if len(up_a) != len(up_b):
        out.append(Difference(case, f"upstream calls after {n}", "calls",
                              [u["call"] for u in up_a[n:]], [u["call"] for u in up_b[n:]]))
    if a.verdict != b.verdict:
        out.append(Difference(case, "result", "verdict", a.verdict, b.verdict))
    return out


def compare(a: SideTrace, b: SideTrace) -> list[Difference]:
    """Every difference between the two sides, case by case (pure: no I/O)."""
    out: list[Difference] = []
    names = list(a.cases) + [c for c in b.cases if c not in a.cases]
    for name in names:
        ca, cb = a.cases.get(name, CaseTrace(name)), b.cases.get(name, CaseTrace(name))
        out += _compare_case(name, ca, cb, a.redactor, b.redactor)
    return out


# ------------------------------------------------------------------------------------------------ report
def _redact_all(text: str, redactors: Iterable[Redactor]) -> str:
    for r in redactors:
        text = r.redact(text)
    return text


@dataclass
class DiffReport:
    """The outcome of ``harness diff``: both sides' summaries and the differences, grouped per case.

    :meth:`to_dict` is the JSON report (every value normalised: secrets are ``<secret#n>`` placeholders).
    """

    seed: int
    generated_with: str
    options: dict[str, Any]
    a: dict[str, Any]
    b: dict[str, Any]
    differences: list[Difference]
    cases_compared: int = 0
    redactors: list[Redactor] = field(default_factory=list, repr=False)

    @property
    def identical(self) -> bool:
        """True when the two sides behaved the same."""
        return not self.differences

    def by_case(self) -> dict[str, list[Difference]]:
        """Case -> its differences, in order."""
        out: dict[str, list[Difference]] = {}
        for d in self.differences:
            out.setdefault(d.case, []).append(d)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON diff report."""
        fields_count: dict[str, int] = {}
        for d in self.differences:
            fields_count[_category(d)] = fields_count.get(_category(d), 0) + 1
        cases = []
        for case, diffs in self.by_case().items():
            rule_id, service, task_type = (case.split("#")[0].split("/") + [None, None])[:3]
            cases.append({"case": case, "rule_id": rule_id, "service": service, "task_type": task_type,
                          "differences": [{k: v for k, v in asdict(d).items() if k != "case"} for d in diffs]})
        return {
            "tool": "inference-contract-harness", "kind": "diff", "schema_version": "1",
            "seed": self.seed, "generated_with": self.generated_with, "options": self.options,
            "a": self.a, "b": self.b, "identical": self.identical,
            "summary": {"cases_compared": self.cases_compared, "cases_differing": len(cases),
                        "differences": len(self.differences), "by_field": fields_count},
            "cases": cases,
        }

    def write(self, path: Path) -> Path:
        """Write the JSON report to ``path`` (every registered secret redacted once more); return it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_redact_all(json.dumps(self.to_dict(), indent=2, default=str), self.redactors) + "\n")
        return path


def diff(a: RunConfig, b: RunConfig) -> DiffReport:
    """Run the cases generated from ``a``'s version profile, seed, rules and example count against both
    sides (one after the other) and compare them.

    Example::

        report = diff(RunConfig(es_version="8.18", rules=("chunking.*",)), RunConfig(es_version="9.4"))
        report.identical

    Raises:
        HarnessError: a side or one of its mocks does not answer, or an option is invalid.
    """
    b = b.with_(seed=a.seed, max_examples=a.max_examples, rules=a.rules, workers=a.workers)
    # external mocks keep earlier calls: each side gets its own id suffix (normalised away in the comparison)
    a, b = a.with_(nonce=run_nonce(a)), b.with_(nonce=run_nonce(b))
    side_a = collect(a, generate=a, label="A")
    side_b = collect(b, generate=b.with_(es_version=a.es_version, nonce=b.nonce), label="B")
    options = {"max_examples": a.max_examples, "rules": list(a.rules), "workers": a.workers}
    return DiffReport(a.seed, a.es_version, options, side_a.summary(), side_b.summary(), compare(side_a, side_b),
                      len(set(side_a.cases) | set(side_b.cases)), [side_a.redactor, side_b.redactor])


# ------------------------------------------------------------------------------------------------ CLI
def add_diff_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``harness diff`` options to ``parser``."""
    parser.add_argument("--target", action="append", default=[], metavar="URL",
                        help="an _inference implementation (twice: A and B; once: the embedded reference is A)")
    for service, option in MOCK_OPTIONS.items():
        parser.add_argument(option, dest=f"mock_{service}", action="append", default=[], metavar="URL",
                            help=f"{service} mock the target calls (once: shared; twice: A's then B's)")
    parser.add_argument("--es-version", action="append", default=[], choices=["8.18", "9.1", "9.4"],
                        help="version profile (once: both sides; twice: A's then B's; cases come from A's)")
    parser.add_argument("--api-key", help="sent to both targets as Authorization: ApiKey <key>")
    parser.add_argument("--user", metavar="USER:PASSWORD", help="HTTP basic auth for both targets")
    parser.add_argument("--seed", type=int, help="reproduces every generated case (default 0)")
    parser.add_argument("--max-examples", type=int, default=5, help="generated cases per rule x service x task type")
    parser.add_argument("--rules", action="append", default=[], metavar="PATTERN", help="rule id glob (repeatable)")
    parser.add_argument("--workers", type=int, default=2, help="parallel threads (default 2)")
    parser.add_argument("--report-dir", type=Path, default=Path("reports"),
                        help="where diff.json goes (default reports/)")


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
    side_targets: list[str | None] = [None, None] if not targets else ([None, targets[0]] if len(targets) == 1
                                                                         else list(targets))
    version_a, version_b = _pick(list(args.es_version), "--es-version")
    default_version = str(env.get("es_version") or "8.18")
    versions = (version_a or default_version, version_b or default_version)
    mocks: tuple[dict[str, str], dict[str, str]] = ({}, {})
    for service in SERVICES:
        urls = list(getattr(args, f"mock_{service}")) or ([env_mocks[service]] if service in env_mocks else [])
        first, last = _pick(urls, MOCK_OPTIONS[service])
        if first and last:
            mocks[0][service], mocks[1][service] = first, last
    common: dict[str, Any] = {
        "seed": args.seed if args.seed is not None else int(env.get("seed", 0) or 0),  # type: ignore[call-overload]
        "max_examples": args.max_examples, "rules": tuple(args.rules), "workers": args.workers,
        "api_key": args.api_key or env.get("api_key"), "user": args.user or env.get("user"),
        "report_dir": args.report_dir, "formats": ("json",),
    }
    sides = tuple(
        RunConfig(target=t, es_version=v, mocks=m if t else {}, **common).validate()
        for t, v, m in zip(side_targets, versions, mocks, strict=True)
    )
    return sides[0], sides[1]


def _short(value: Any, width: int = 100) -> str:
    text = "(absent)" if value is None else (value if isinstance(value, str) else json.dumps(value, default=str))
    return text if len(text) <= width else text[: width - 1] + "…"


def _category(d: Difference) -> str:
    """``exchange.status``, ``exchange.extra``, ``upstream.body``, ``result.verdict`` …"""
    where = next((w for w in ("exchange", "upstream") if d.where.startswith(w)), "result")
    name = "extra" if d.field in ("exchanges", "calls") else d.field
    for prefix in ("request.body", "body", "query"):
        if name.startswith(prefix + ".") and name != "body.keys":
            name = prefix
    return f"{where}.{name}"


def _print_summary(report: DiffReport, path: Path, *, limit: int = 20) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)

    def say(text: str) -> None:
        console.print(_redact_all(text, report.redactors))

    for side in (report.a, report.b):
        say(f"{side['label']}: {escape(side['target'])} ({side['es_version']}): {side['cases']} cases, "
            f"{side['exchanges']} exchanges, {side['upstream_calls']} upstream calls, {side['duration']:.1f}s")
        for warning in side["warnings"]:
            say(f"[yellow]warning:[/] {escape(warning)}")
    tail = f"(seed {report.seed}, cases generated from {report.generated_with}); report: {escape(str(path))}"
    if report.identical:
        say(f"[green]no differences[/] in {report.cases_compared} cases {tail}")
        return
    by_case = report.by_case()
    for case, diffs in list(by_case.items())[:limit]:
        say(f"[bold]{escape(case)}[/]")
        where = None
        for d in diffs:
            if d.where != where:
                where = d.where
                say(f"  {escape(where)}")
            say(f"    {escape(d.field)}\n      [red]A: {escape(_short(d.a))}[/]\n      [green]B: {escape(_short(d.b))}[/]")
    if len(by_case) > limit:
        say(f"… {len(by_case) - limit} more cases in the JSON report")
    requests = sum(1 for d in report.differences if d.field.startswith("request"))
    if requests:
        say(f"[yellow]warning:[/] {requests} differences are in the requests the harness sent (the generated cases "
            "diverged), not in the targets' answers")
    say(f"[red]{len(report.differences)} differences[/] in {len(by_case)} of {report.cases_compared} cases {tail}")


def run_diff(args: argparse.Namespace) -> int:
    """``harness diff``: exit 0 when no difference, 1 when differences, 2 on a harness/connection error."""
    try:
        report = diff(*_configs(args))
        path = report.write(Path(args.report_dir) / "diff.json")
    except HarnessError as exc:
        print(f"harness: {exc.reason}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"harness: cannot write the diff report: {exc.strerror or exc}", file=sys.stderr)
        return 2
    _print_summary(report, path)
    return 0 if report.identical else 1
