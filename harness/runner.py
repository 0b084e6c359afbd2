"""The conformance run: plan the (rule, service, task type) items, execute them, build the report.

``run(config)`` starts (or connects to) the target and mocks, executes every planned item with
``config.workers`` threads and returns a :class:`~harness.report.RunReport`. Each item runs its rule's
scenario as a hypothesis property seeded from ``(config.seed, rule, service, task type)``, so
``harness run --seed S --rules <id>`` replays exactly the cases of the full run.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from contract import Profile, RuleTable, load_profile, load_rules
from harness.checks import HARNESS_RULES, SCENARIOS, CheckContext, NotApplicable, NotChecked
from harness.config import RunConfig, run_nonce
from harness.environment import Environment
from harness.errors import ConfigError, Failure, HarnessError
from harness.gen import EndpointCase, endpoint
from harness.gen.properties import run_settings
from harness.progress import Progress, family
from harness.replay import curl_command, harness_command
from harness.report.model import Exchange, Result, RunReport, UpstreamCall
from harness.report.redact import Redactor
from harness.target import MockHandles, Response, Target

__all__ = [
    "PlanItem",
    "apply_skips",
    "check_rule_patterns",
    "execute",
    "known_rule_ids",
    "plan",
    "run",
    "stateful_pass",
]

_EVIDENCE = 6


@dataclass(frozen=True)
class PlanItem:
    """One (rule, service, task type) to judge; ``not_applicable`` holds the reason when it is not run."""

    rule_id: str
    service: str | None
    task_type: str | None
    title: str
    not_applicable: str = ""

    @property
    def key(self) -> str:
        """``rule/service/task_type``: seeds the item's generation."""
        return f"{self.rule_id}/{self.service}/{self.task_type}"


def _selected(rule_id: str, patterns: tuple[str, ...]) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(rule_id, p) or rule_id == p for p in patterns)


def known_rule_ids(es_version: str) -> list[str]:
    """Every id a run of ``es_version`` can report: the rule table, the harness checks, the state machine and
    the schema pass's ``schema.<operationId>``."""
    import specs
    from harness.stateful import RULE_ID as STATEFUL_ID

    ids = [r.id for r in load_rules().all()] + list(HARNESS_RULES) + [STATEFUL_ID, "schema.all"]
    for operations in specs.load_spec(specs.inference_spec_name(es_version)).get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and operation.get("operationId"):
                ids.append("schema." + str(operation["operationId"]).replace("/", "_"))
    return ids


def check_rule_patterns(patterns: tuple[str, ...], es_version: str) -> None:
    """Raise :class:`ConfigError` naming the first ``--rules`` pattern that matches no rule id (a typo would
    otherwise make a green run that checked nothing)."""
    if not patterns:
        return
    ids = known_rule_ids(es_version)
    for pattern in patterns:
        if not any(_selected(rule_id, (pattern,)) for rule_id in ids):
            families = sorted({rule_id.split(".", 1)[0] + ".*" for rule_id in ids})
            raise ConfigError(
                f"--rules {pattern!r} matches no rule id; families: {', '.join(families)} (ids in specs/rules.yaml)"
            )


def plan(profile: Profile, rules: RuleTable, patterns: tuple[str, ...] = ()) -> list[PlanItem]:
    """Every (rule, service, task type) of ``profile`` for rules matching the glob ``patterns``.

    Rules of the table come first (in table order), then the harness checks (``check.*``); a rule that
    does not hold for a combination becomes a ``not_applicable`` item.
    """
    items: list[PlanItem] = []
    table = [(r.id, r.title, r) for r in rules.all()]
    harness = [(rid, title, None) for rid, (title, _) in HARNESS_RULES.items()]
    for rule_id, title, rule in [*table, *harness]:
        if not _selected(rule_id, patterns):
            continue
        for service in profile.services:
            for task_type in profile.task_types[service]:
                reason = ""
                if rule is not None and not rule.applies(profile, service, task_type):
                    reason = f"rule does not apply to {service} {task_type} in {profile.version}"
                items.append(PlanItem(rule_id, service, task_type, title, reason))
    return items


def _item_seed(seed: int, item: PlanItem) -> int:
    return (seed * 1_000_003 + zlib.crc32(item.key.encode())) % (2**32)


def _exchange(resp: Response, redactor: Redactor) -> Exchange:
    body = resp.request_text
    return Exchange(
        method=resp.method,
        url=resp.url,
        request_body=redactor.redact(body) if body else body,
        status=resp.status,
        response_headers={k: redactor.redact(v) for k, v in resp.headers.items()},
        response_body=redactor.redact(resp.text[:4000]),
    )


def _replay(resp: Response | None, item: PlanItem, config: RunConfig, redactor: Redactor) -> str:
    lines = []
    if resp is not None:
        lines.append(curl_command(resp.method, resp.url, resp.request_text, config=config, redactor=redactor))
    lines.append(harness_command(config, item.rule_id))
    return "\n".join(lines)


def _failing_exchange(failure: Failure, exchanges: list[Response], redactor: Redactor) -> Response | None:
    """The exchange the failure names in ``seen`` (``METHOD URL -> STATUS``, else ``METHOD URL``), else the
    last one: what the replay sends."""
    seen = redactor.redact(str(failure.seen))
    for named in (lambda r: f"{r.method} {r.url} -> {r.status}", lambda r: f"{r.method} {r.url}"):
        for resp in reversed(exchanges):
            if named(resp) in seen:
                return resp
    return exchanges[-1] if exchanges else None


def _jsonable(value: Any, redactor: Redactor) -> Any:
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = json.dumps(str(value))
    return json.loads(redactor.redact(text))


_STRATEGIES: dict[tuple[Any, ...], tuple[Profile, st.SearchStrategy[EndpointCase]]] = {}
_STRATEGIES_LOCK = threading.Lock()


def _endpoint_strategy(
    profile: Profile,
    service: str,
    task_type: str,
    openai_url: str | None,
    regions: tuple[str, ...],
    azure_resource: str | None = None,
) -> st.SearchStrategy[EndpointCase]:
    """:func:`harness.gen.endpoint`, built once per combination: hypothesis computes a strategy's
    properties on first use, so a reused strategy draws the same values for less work."""
    key = (id(profile), service, task_type, openai_url, regions, azure_resource)
    with _STRATEGIES_LOCK:
        cached = _STRATEGIES.get(key)
        if cached is None or cached[0] is not profile:  # the profile is kept, so its id cannot be reused
            if len(_STRATEGIES) > 256:
                _STRATEGIES.clear()
            strategy = endpoint(
                profile, service, task_type, openai_url=openai_url, regions=regions, azure_resource=azure_resource
            )
            cached = _STRATEGIES[key] = (profile, strategy)
    return cached[1]


def execute(
    item: PlanItem,
    *,
    config: RunConfig,
    profile: Profile,
    rules: RuleTable,
    target: Target,
    mocks: MockHandles,
    redactor: Redactor,
) -> Result:
    """Run one plan item; never raises for a target misbehaving (only :class:`HarnessError`). Whatever the
    item created and did not delete (an interrupt between a PUT and its cleanup) is force-deleted after it."""
    started = time.monotonic()
    base = Result(item.rule_id, item.service, item.task_type, "passed", title=item.title)
    skip = config.skip_reason(item.rule_id)
    if skip is not None:  # before anything runs: a skipped rule costs nothing
        base.outcome, base.reason = "skipped", skip
        return base
    if item.not_applicable:
        base.outcome, base.reason = "not_applicable", item.not_applicable
        return base
    scenario = SCENARIOS.get(item.rule_id)
    if scenario is None:
        base.outcome, base.reason = "skipped", "no scenario exercises this rule yet"
        return base
    assert item.service is not None and item.task_type is not None
    ctx = CheckContext(profile, rules, target, mocks, config.seed, redactor)
    state: dict[str, Any] = {"examples": 0}
    token = f"{zlib.crc32(item.key.encode()):08x}{config.nonce}"
    strategy = _endpoint_strategy(
        profile, item.service, item.task_type, mocks.url_for("openai"), mocks.regions(), mocks.azure_resource
    )

    @hypothesis_seed(_item_seed(config.seed, item))
    @run_settings(config.max_examples, report_multiple_bugs=False)
    @given(st.data())
    def prop(data: st.DataObject) -> None:
        # every example runs to the end (no early return once a verdict is known): hypothesis requires the
        # same choices to draw the same data, and an early return would draw less on a replayed prefix
        n = state["examples"]
        state["examples"] += 1
        case: EndpointCase = data.draw(strategy).uniquify(f"{token}{n}")
        redactor.add(*case.secrets.values())
        state["case"] = case
        try:
            scenario(ctx, item.rule_id, case, data.draw)
        except Failure as failure:
            state.setdefault("failure", failure)
            state.setdefault("failure_exchanges", ctx.evidence(failure))
        except NotApplicable as exc:
            state.setdefault("not_applicable", exc.reason)
        except NotChecked as exc:
            state.setdefault("not_checked", exc.reason)

    # no example database, so no key for it: hypothesis would otherwise hash prop's source (inspect + tokenize)
    # on every item, as its own find() avoids the same way
    prop._hypothesis_internal_database_key = None  # type: ignore[attr-defined]
    try:
        prop()
    except HarnessError:
        raise
    except Exception as exc:  # noqa: BLE001 - a crash inside a scenario is reported, not raised
        state["failure"] = Failure(item.rule_id, f"harness error while checking: {type(exc).__name__}: {exc}")
    finally:
        target.sweep()
    base.examples = state["examples"]
    base.duration = round(time.monotonic() - started, 3)
    if "failure" in state:
        exchanges = state.get("failure_exchanges", ctx.exchanges)
        _fill_failure(base, state["failure"], exchanges, state.get("case"), item, config, mocks, redactor)
    elif "not_applicable" in state:
        base.outcome, base.reason = "not_applicable", state["not_applicable"]
    elif "not_checked" in state:
        base.outcome, base.reason = "not_checked", state["not_checked"]
    return base


def _fill_failure(
    base: Result,
    failure: Failure,
    exchanges: list[Any],
    case: EndpointCase | None,
    item: PlanItem,
    config: RunConfig,
    mocks: MockHandles,
    redactor: Redactor,
) -> None:
    """Mark ``base`` failed with ``failure``: reason, expected/seen, replay command, the exchanges that show it
    and the upstream calls of the failing case (all redacted)."""
    last = _failing_exchange(failure, exchanges, redactor)
    base.outcome = "failed"
    base.reason = redactor.redact(f"[{failure.rule_id}] {failure.title}")
    base.expected = _jsonable(failure.expected, redactor)
    base.seen = _jsonable(failure.seen, redactor)
    base.replay = failure.replay or _replay(last, item, config, redactor)
    evidence = exchanges[-_EVIDENCE:]
    if last is not None and all(r is not last for r in evidence):
        evidence = [last, *evidence[1:]]  # the exchange the failure names is always part of the evidence
    base.exchanges = [_exchange(r, redactor) for r in evidence]
    if case is not None and item.service is not None and item.service in mocks:
        try:
            calls = mocks[item.service].calls(key=case.key)[-_EVIDENCE:]
        except (HarnessError, NotChecked):
            calls = []
        base.upstream = [
            UpstreamCall(
                c.service,
                c.method,
                c.path,
                c.status,
                "&".join(f"{k}={v}" for k, v in c.query),
                c.key,
                redactor.redact(c.body.decode("utf-8", "replace")[:2000]),
            )
            for c in calls
        ]


def stateful_pass(ctx: CheckContext, config: RunConfig) -> list[Result]:
    """The state machine's result, or a ``skipped`` one without running it when a skip pattern matches."""
    from harness.stateful import RULE_ID, TITLE, run_stateful

    reason = config.skip_reason(RULE_ID)
    if reason is None or not _selected(RULE_ID, config.rules):
        return run_stateful(ctx, config)
    return [Result(RULE_ID, None, None, "skipped", title=TITLE, reason=reason)]


def apply_skips(results: list[Result], config: RunConfig) -> list[Result]:
    """``results`` with those of a skipped rule replaced by ``skipped`` ones (their evidence dropped).

    For passes that produce their rule ids as they go (the schema pass), so they ran before the skip applies.
    """
    out = []
    for r in results:
        reason = config.skip_reason(r.rule_id)
        out.append(
            r if reason is None else Result(r.rule_id, r.service, r.task_type, "skipped", title=r.title, reason=reason)
        )
    return out


def _execute_all(
    items: list[PlanItem],
    config: RunConfig,
    env: Environment,
    kwargs: dict[str, Any],
    progress: Progress,
    start: Callable[[], None],
    pool: Any,
) -> list[Result]:
    """Every item's result in plan order: on ``config.workers`` processes (``pool``: embedded workers; else
    when the mocks are reachable by URL, see :mod:`harness.parallel`), otherwise on as many threads.
    ``start`` (the progress display) is called once the workers exist: they are forked before this process
    starts a thread of its own."""
    from harness.parallel import can_use_processes, execute_in_processes

    results: list[Result] = []
    if pool is not None or (config.workers > 1 and can_use_processes(env.mocks)):
        # closed here, also on Ctrl-C: the workers are done before the environment sweeps and stops
        with contextlib.closing(
            execute_in_processes(items, execute=execute, started=start, pool=pool, **kwargs)
        ) as run:
            for result in run:
                results.append(result)
                progress.advance(result)
        return results
    start()
    with ThreadPoolExecutor(max_workers=config.workers) as pool:
        for future in [pool.submit(execute, item, **kwargs) for item in items]:
            results.append(future.result())
            progress.advance(results[-1])
    return results


def run(
    config: RunConfig, *, extra: Callable[[CheckContext], list[Result]] | None = None
) -> tuple[RunReport, Redactor]:
    """Execute a whole conformance run; return the report and the redactor holding every planted secret.

    Raises:
        HarnessError: the target or a mock is unreachable, or the configuration is invalid.
    """
    config.validate()
    check_rule_patterns(config.rules, config.es_version)
    if not config.nonce:
        config = config.with_(nonce=run_nonce(config))
    profile, rules = load_profile(config.es_version), load_rules()
    redactor = Redactor(config.secrets())
    items = plan(profile, rules, config.rules)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.monotonic()
    from harness.parallel import can_use_processes, start_embedded_workers

    # embedded: each worker process gets its own reference and mocks, forked before any server thread here
    pool = start_embedded_workers(config) if config.embedded and config.workers > 1 and can_use_processes() else None
    with contextlib.ExitStack() as cleanup:
        if pool is not None:
            cleanup.callback(pool.shutdown)
        env = cleanup.enter_context(Environment(config))
        from harness.checks.schema import schema_selected

        auth = env.target.headers().get("Authorization", "")  # a target may echo it: never in a report
        redactor.add(*env.secrets, auth, auth.partition(" ")[2])
        report = RunReport(
            config.es_version,
            env.target.base_url if not config.embedded else "embedded reference",
            config.seed,
            config.embedded,
            started,
            options={
                "max_examples": config.max_examples,
                "rules": list(config.rules),
                "workers": config.workers,
                "mocks": sorted(env.mocks),
                "skip": dict(config.skip),
            },
            rules=rule_evidence(rules, {item.rule_id for item in items}, profile.version),
        )
        from harness.stateful import RULE_ID as STATEFUL_ID

        passes = [
            p
            for p, on in (
                (STATEFUL_ID, _selected(STATEFUL_ID, config.rules)),
                ("schema.all", schema_selected(config.rules)),
            )
            if on
        ]
        progress = Progress([item.rule_id for item in items] + passes)
        then = f", then the {' and '.join(family(p) for p in passes)} pass{'es' if len(passes) > 1 else ''}"
        headline = (
            f"{len(items)} rule x service x task type checks{then if passes else ''} "
            f"(profile {config.es_version}, seed {config.seed}, {config.workers} workers)"
        )

        def start() -> None:
            progress.start(headline)

        kwargs = dict(
            config=config, profile=profile, rules=rules, target=env.target, mocks=env.mocks, redactor=redactor
        )
        ctx = CheckContext(profile, rules, env.target, env.mocks, config.seed, redactor)
        # while worker processes judge the items, this process's own reference is idle: the stateful and schema
        # passes run against it meanwhile (on a thread started after the fork); their results still come last
        side = cleanup.enter_context(ThreadPoolExecutor(1, thread_name_prefix="passes")) if pool is not None else None
        later = side.submit(_passes, ctx, config) if side is not None else None
        try:
            results = _execute_all(items, config, env, kwargs, progress, start, pool)
            stateful, schema = later.result() if later is not None else _passes(ctx, config)
            if STATEFUL_ID in passes:
                progress.advance(stateful, planned_as=STATEFUL_ID)
            results += stateful
            if schema is not None:
                progress.advance(schema, planned_as="schema.all")
                results += schema
        finally:
            progress.stop()
        report.results = results
    report.duration = round(time.monotonic() - t0, 3)
    return report, redactor


def _passes(ctx: CheckContext, config: RunConfig) -> tuple[list[Result], list[Result] | None]:
    """The stateful pass's results, then the schema pass's (``None`` when no ``schema.*`` rule is selected)."""
    from harness.checks.schema import run_schema_pass, schema_selected

    stateful = stateful_pass(ctx, config)
    if not schema_selected(config.rules):
        return stateful, None
    return stateful, apply_skips(run_schema_pass(ctx, config), config)


def rule_evidence(rules: RuleTable, rule_ids: set[str], version: str | None = None) -> dict[str, dict[str, Any]]:
    """For the report: each rule's citation, quote, reads and whether its version range is verified or inferred."""
    from harness.rules_view import rule_entry

    return {rule.id: rule_entry(rule, version) for rule in rules if rule.id in rule_ids}
