"""Executing one plan item: a rule item runs its scenario as a hypothesis property seeded from ``(seed, rule,
service, task type)``, so ``harness run --seed S --rules <id>`` replays exactly the cases of the full run; a
pass item runs the state machine or the schema pass. Whatever the item created and did not delete (an
interrupt between a PUT and its cleanup) is force-deleted after it.
"""

from __future__ import annotations

import threading
import time
import zlib
from typing import Any

from hypothesis import given
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from contract import Profile
from harness.checks import NotApplicable, NotChecked
from harness.config import RunConfig
from harness.engine.plan import PlanItem
from harness.engine.session import Session
from harness.engine.verdicts import fill_failure
from harness.errors import Failure, HarnessError
from harness.gen import EndpointCase, endpoint
from harness.gen.properties import run_settings
from harness.report.model import Result
from harness.scenarios.sending import SCENARIOS

__all__ = ["apply_skips", "execute"]


def execute(item: PlanItem, session: Session) -> list[Result]:
    """Run one plan item on the current thread; never raises for a target misbehaving (only
    :class:`HarnessError`). A rule item has one result; a pass has its own (one per schema operation)."""
    session.events.item_started(item)
    if item.kind == "stateful":
        return _stateful(session)
    if item.kind == "schema":
        return _schema(session)
    return [_rule_item(item, session)]


def _item_seed(seed: int, item: PlanItem) -> int:
    return (seed * 1_000_003 + zlib.crc32(item.key.encode())) % (2**32)


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


def _rule_item(item: PlanItem, session: Session) -> Result:
    config, mocks = session.config, session.mocks
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
    ctx = session.context()
    state: dict[str, Any] = {"examples": 0}
    token = f"{zlib.crc32(item.key.encode()):08x}{config.nonce}"
    strategy = _endpoint_strategy(
        session.profile,
        item.service,
        item.task_type,
        mocks.url_for("openai"),
        mocks.regions(),
        mocks.azure_resource,
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
        session.events.example_started(item, n)
        ctx.plant(*case.secrets.values())
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
        session.target.sweep()
    base.examples = state["examples"]
    base.duration = round(time.monotonic() - started, 3)
    if "failure" in state:
        exchanges = state.get("failure_exchanges", ctx.exchanges)
        fill_failure(base, state["failure"], exchanges, state.get("case"), config, mocks, session.redactor)
    elif "not_applicable" in state:
        base.outcome, base.reason = "not_applicable", state["not_applicable"]
    elif "not_checked" in state:
        base.outcome, base.reason = "not_checked", state["not_checked"]
    return base


def _stateful(session: Session) -> list[Result]:
    """The state machine's result, or a ``skipped`` one without running it when a skip pattern matches."""
    from harness.scenarios.stateful import RULE_ID, TITLE, run_stateful

    reason = session.config.skip_reason(RULE_ID)
    if reason is None:
        return run_stateful(session.context(), session.config)
    return [Result(RULE_ID, None, None, "skipped", title=TITLE, reason=reason)]


def _schema(session: Session) -> list[Result]:
    """The schema pass's results, a skipped rule's replaced by a ``skipped`` one."""
    from harness.scenarios.schema_pass import run_schema_pass

    return apply_skips(run_schema_pass(session.context(), session.config), session.config)


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
