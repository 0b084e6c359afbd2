"""``stateful.crud``: a hypothesis state machine over PUT / GET / POST / _update / DELETE / duplicate PUT.

The model is a dict ``inference_id -> (case, rendered config)``. After every step the listing must hold
exactly the model's endpoints (among the ones this machine created). Steps are bounded by
``RunConfig.stateful_steps``; examples by ``RunConfig.max_examples``.

Ids and canaries derive from the seed only (``hsm<seed>-<n>``, canaries suffixed ``S<n>``), never from the
clock, so two runs with one seed send the same requests. On a long-lived external target an interrupted
earlier run may have left ``hsm<seed>-*`` endpoints behind: they are force-deleted before the machine
starts instead of being dodged with a time-derived prefix.
"""

from __future__ import annotations

import itertools
import time
from typing import Any, NoReturn

from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from harness.config import RunConfig
from harness.errors import Failure, HarnessError
from harness.gen import EndpointCase, endpoint
from harness.gen.properties import run_settings
from harness.replay import harness_command
from harness.report.failed import mark_failed
from harness.report.model import Result
from harness.scenarios.context import CheckContext
from harness.selection import selected

__all__ = ["RULE_ID", "TITLE", "make_machine", "run_stateful"]

RULE_ID = "stateful.crud"
TITLE = "random sequences of PUT / GET / POST / _update / DELETE / duplicate PUT keep a consistent state"


def make_machine(ctx: CheckContext, *, prefix: str) -> type[RuleBasedStateMachine]:
    """A state machine class bound to ``ctx`` whose endpoints' ids start with ``prefix``."""
    combos = [(s, t) for s in ctx.profile.services for t in ctx.profile.task_types[s] if s in ctx.mocks]
    counter, key = itertools.count(), ctx.profile.get_list_key

    class CrudMachine(RuleBasedStateMachine):
        endpoints = Bundle("endpoints")

        def __init__(self) -> None:
            super().__init__()
            self.model: dict[str, tuple[EndpointCase, Any]] = {}

        @rule(target=endpoints, data=st.data())
        def put(self, data: st.DataObject) -> str:
            case = _draw_case(ctx, data, data.draw(st.sampled_from(combos)), prefix, next(counter))
            resp = ctx.request("PUT", case.path, body=case.body)
            if resp.status != 200:
                _fail("PUT of a valid endpoint", 200, f"{resp.status} {resp.text[:200]}")
            self.model[case.inference_id] = (case, resp.json)
            return case.inference_id

        @rule(ident=endpoints)
        def duplicate_put(self, ident: str) -> None:
            if ident not in self.model:
                return
            case, _ = self.model[ident]
            resp = ctx.request("PUT", case.path, body=case.body)
            if resp.status != 400 or "already exists" not in resp.text:
                _fail("duplicate PUT", "400 already exists", f"{resp.status} {resp.text[:200]}")

        @rule(ident=endpoints)
        def get(self, ident: str) -> None:
            resp = ctx.request("GET", f"/_inference/{ident}")
            if ident not in self.model:
                if resp.status != 404:
                    _fail("GET of a deleted endpoint", 404, resp.status)
                return
            if resp.status != 200 or _items(resp.json, key) != [self.model[ident][1]]:
                _fail("GET returns the stored endpoint", self.model[ident][1], resp.text[:300])

        @rule(ident=endpoints)
        def infer(self, ident: str) -> None:
            if ident not in self.model:
                return
            case, _ = self.model[ident]
            resp = _send_inference(ctx, case)
            if resp.status != 200:
                _fail("inference on a stored endpoint", 200, f"{resp.status} {resp.text[:200]}")

        @rule(ident=endpoints, user=st.sampled_from(["alice", "bob"]))
        def update(self, ident: str, user: str) -> None:
            if ident not in self.model:
                return
            case, _ = self.model[ident]
            if case.service == "amazonbedrock":
                return
            resp = ctx.request("PUT", f"{case.path}/_update", body={"task_settings": {"user": user}})
            if resp.status != 200 or (resp.json or {}).get("task_settings", {}).get("user") != user:
                _fail("_update of task_settings.user", user, f"{resp.status} {resp.text[:200]}")
            self.model[ident] = (case, resp.json)

        @rule(ident=consumes(endpoints))
        def delete(self, ident: str) -> None:
            resp = ctx.request("DELETE", f"/_inference/{ident}")
            expected = 200 if ident in self.model else 404
            if resp.status != expected:
                _fail("DELETE", expected, f"{resp.status} {resp.text[:200]}")
            self.model.pop(ident, None)

        @invariant()
        def listing_matches_model(self) -> None:
            listed = _listed_ids(ctx.request("GET", "/_inference/_all").json, key, prefix)
            if listed != sorted(self.model):
                _fail("listing = endpoints created and not deleted", sorted(self.model), listed)

        def teardown(self) -> None:
            _force_delete(ctx, list(self.model))

    return CrudMachine


def _draw_case(ctx: CheckContext, data: st.DataObject, combo: tuple[str, str], prefix: str, n: int) -> EndpointCase:
    """The ``n``-th endpoint of the machine: a valid case for ``combo`` named ``<prefix>-<n>``, canaries
    suffixed ``s<n>`` and registered with the redactor."""
    service, task_type = combo
    openai_url = ctx.mocks.url_for("openai")
    regions = ctx.mocks.regions()
    case = data.draw(
        endpoint(
            ctx.profile,
            service,
            task_type,
            openai_url=openai_url,
            regions=regions,
            azure_resource=ctx.mocks.azure_resource,
        )
    )
    case.inference_id = f"{prefix}-{n}"
    case.uniquify(f"s{n}")
    ctx.plant(*case.secrets.values())
    return case


def _fail(title: str, expected: Any, seen: Any) -> NoReturn:
    raise Failure(RULE_ID, title, expected=expected, seen=seen)


def _send_inference(ctx: CheckContext, case: EndpointCase) -> Any:
    """One inference on a stored endpoint: the unified ``_stream`` for chat_completion, else ``POST``."""
    if case.task_type == "chat_completion":
        return ctx.request(
            "POST",
            f"/_inference/chat_completion/{case.inference_id}/_stream",
            body={"messages": [{"role": "user", "content": case.inputs[0]}]},
        )
    body = {"input": case.inputs if case.task_type == "text_embedding" else case.inputs[0]}
    return ctx.request("POST", case.path, body=body)


def _items(listing: Any, key: str) -> Any:
    """The endpoint list of a GET answer's JSON (``None`` when it is not an object)."""
    return (listing or {}).get(key) if isinstance(listing, dict) else None


def _listed_ids(listing: Any, key: str, prefix: str) -> list[str]:
    """The sorted ids of a GET listing that this machine created (``<prefix>-…``)."""
    return sorted(
        e.get("inference_id", "")
        for e in _items(listing, key) or []
        if isinstance(e, dict) and str(e.get("inference_id", "")).startswith(prefix + "-")
    )


def _remove_leftovers(ctx: CheckContext, prefix: str) -> None:
    """Force-delete endpoints named ``<prefix>-…`` (left by an interrupted run on a long-lived target)."""
    listing = ctx.target.request("GET", "/_inference/_all").json
    _force_delete(ctx, _listed_ids(listing, ctx.profile.get_list_key, prefix))


def _force_delete(ctx: CheckContext, idents: list[str]) -> None:
    for ident in idents:
        ctx.target.request("DELETE", f"/_inference/{ident}", params={"force": "true"})


def run_stateful(ctx: CheckContext, config: RunConfig) -> list[Result]:
    """Run the state machine (when ``stateful.crud`` is selected); return its one result."""
    if not selected(RULE_ID, config.rules):
        return []
    result = Result(RULE_ID, None, None, "passed", title=TITLE)
    if not any(s in ctx.mocks for s in ctx.profile.services):
        result.outcome, result.reason = "not_checked", "no readable mock: endpoints cannot be created"
        return [result]
    started = time.monotonic()
    prefix = f"hsm{config.seed}"
    _remove_leftovers(ctx, prefix)
    machine = hypothesis_seed(config.seed)(make_machine(ctx, prefix=prefix))
    try:
        run_state_machine_as_test(
            machine,
            settings=run_settings(config.max_examples, explicit=False, stateful_step_count=config.stateful_steps),
        )
    except HarnessError:
        raise
    except Failure as failure:
        replay = harness_command(config, RULE_ID)
        mark_failed(
            result,
            reason=f"[{RULE_ID}] {failure.title}",
            expected=str(failure.expected),
            seen=str(failure.seen),
            replay=replay,
            redactor=ctx.redactor,
        )
    except Exception as exc:  # noqa: BLE001
        reason = f"[{RULE_ID}] {type(exc).__name__}: {exc}"[:500]
        replay = harness_command(config, RULE_ID)
        mark_failed(result, reason=reason, expected=None, seen=None, replay=replay, redactor=ctx.redactor)
    result.examples = config.max_examples
    result.duration = round(time.monotonic() - started, 3)
    return [result]
