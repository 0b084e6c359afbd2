"""The sending side of the scenarios: the scenario pair, what a sending step returns, and the requests many
scenarios make (create an endpoint and remove it afterwards, one inference, the upstream calls of a case).

A scenario is two functions (:class:`Scenario`). ``send(ctx, rule_id, case, draw)`` performs the requests
through the :class:`~harness.checks.registry.CheckContext` (the only I/O) and returns what happened as plain
data: :class:`Exchange` values (a request with its answer, the upstream calls the target made for it and the
parameters of the rule's expected error), or a small frozen dataclass of them. ``judge(jc, rule_id, case,
sent)`` is pure: it reads that data, the profile and the rule table of a
:class:`~harness.checks.registry.JudgeContext`, and raises :class:`~harness.errors.Failure` when the data breaks
the rule. A sending step sends its whole plan; it stops early only where the scenario cannot go on: the rule
does not apply (:class:`~harness.checks.registry.NotApplicable`), the harness cannot see what it needs
(:class:`~harness.errors.NotChecked`), or a precondition failed (a valid endpoint could not be created).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from hypothesis import strategies as st

from harness.checks.registry import JudgeContext, NotChecked
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.scenarios.context import CheckContext
from harness.target import Response
from mocks.core.journal import Call

__all__ = [
    "Draw",
    "Exchange",
    "Judge",
    "SCENARIOS",
    "Scenario",
    "Send",
    "SentT",
    "Steps",
    "calls_for",
    "chat_body",
    "endpoint",
    "exchange",
    "forget",
    "infer",
    "inference_body",
    "needs_mock",
    "put_ok",
    "scenario",
    "sent_with_calls",
    "steps_with_calls",
    "stream",
]

Draw = Callable[[st.SearchStrategy[Any]], Any]
SentT = TypeVar("SentT")
Send = Callable[[CheckContext, str, EndpointCase, Draw], SentT]
Judge = Callable[[JudgeContext, str, EndpointCase, SentT], None]


@dataclass(frozen=True)
class Exchange:
    """One request to the target and its answer (``response`` keeps both), the upstream calls the target made
    for it (the case's key, in order), the parameters the rule's expected error is rendered with, and how a
    failure message names the request where the response alone does not (``label``)."""

    response: Response
    calls: tuple[Call, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""


@dataclass(frozen=True)
class Steps:
    """Several exchanges in the order sent, and the upstream calls the case's key made over all of them
    (``None`` when the scenario could not read them: no mock for the service)."""

    exchanges: tuple[Exchange, ...]
    calls: tuple[Call, ...] | None = None


@dataclass(frozen=True)
class Scenario(Generic[SentT]):
    """A rule's scenario: ``send`` performs the requests and returns plain data, ``judge`` (pure) judges it.

    Called like a plain scenario function, ``scenario(ctx, rule_id, case, draw)``: the runner needs no more."""

    send: Send[SentT]
    judge: Judge[SentT]

    def __call__(self, ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
        sent = self.send(ctx, rule_id, case, draw)
        self.judge(ctx.judge_context, rule_id, case, sent)


#: rule id -> the scenario that exercises it (filled by the ``scenarios*`` modules; read by the runner)
SCENARIOS: dict[str, Scenario[Any]] = {}


def scenario(*rule_ids: str, judge: Judge[SentT]) -> Callable[[Send[SentT]], Send[SentT]]:
    """Register the decorated sending step with ``judge`` as the scenario of every rule in ``rule_ids``."""

    def deco(send: Send[SentT]) -> Send[SentT]:
        entry = Scenario(send, judge)
        for rid in rule_ids:
            SCENARIOS[rid] = entry
        return send

    return deco


# ------------------------------------------------------------------------------------------------ endpoints
def put_ok(ctx: CheckContext, rule_id: str, case: EndpointCase) -> Response:
    """PUT the case's valid endpoint; a refusal is a precondition failure (the scenario cannot go on)."""
    resp = ctx.request("PUT", case.path, body=case.body)
    if resp.status != 200:
        raise Failure(
            rule_id,
            "a valid endpoint could not be created (precondition)",
            expected=200,
            seen=f"{resp.status} {resp.text[:300]}",
        )
    return resp


def forget(ctx: CheckContext, inference_id: str) -> None:
    """Force-delete an endpoint the scenario may have created (cleanup: not evidence, errors ignored)."""
    with contextlib.suppress(Exception):
        ctx.target.request("DELETE", f"/_inference/{inference_id}", params={"force": "true"})


@contextlib.contextmanager
def endpoint(ctx: CheckContext, rule_id: str, case: EndpointCase) -> Iterator[Response]:
    """The case's endpoint for the duration of the block (yields the PUT response), force-deleted after."""
    resp = put_ok(ctx, rule_id, case)
    try:
        yield resp
    finally:
        forget(ctx, case.inference_id)


def needs_mock(ctx: CheckContext, case: EndpointCase) -> None:
    """:class:`NotChecked` unless the case's service has a readable mock (a valid endpoint needs the upstream)."""
    if case.service not in ctx.mocks:
        raise NotChecked(f"no readable {case.service} mock: a valid endpoint cannot reach an upstream the harness sees")


def calls_for(ctx: CheckContext, case: EndpointCase) -> list[Call]:
    """The calls the case's mock recorded with the case's key; :class:`NotChecked` without a mock."""
    handle = ctx.mocks.get(case.service)
    if handle is None:
        raise NotChecked(f"no readable {case.service} mock (pass its URL to check upstream requests)")
    return handle.calls(key=case.key)


# ------------------------------------------------------------------------------------------------ inference
def inference_body(case: EndpointCase, inputs: list[str] | None = None) -> dict[str, Any]:
    """The inference body of the case's task type (a list of inputs for embeddings, one text otherwise)."""
    texts = case.inputs if inputs is None else inputs
    return {"input": texts if case.task_type == "text_embedding" else texts[0]}


def chat_body(case: EndpointCase) -> dict[str, Any]:
    """The unified chat_completion body with the case's first input."""
    return {"messages": [{"role": "user", "content": case.inputs[0]}]}


def infer(ctx: CheckContext, case: EndpointCase) -> Response:
    """One inference: POST for text_embedding/completion, ``_stream`` for chat_completion."""
    if case.task_type == "chat_completion":
        return ctx.request("POST", f"/_inference/chat_completion/{case.inference_id}/_stream", body=chat_body(case))
    return ctx.request("POST", case.path, body=inference_body(case))


def stream(ctx: CheckContext, case: EndpointCase) -> Response:
    """A streamed inference: the unified route for chat_completion, ``…/_stream`` otherwise."""
    if case.task_type == "chat_completion":
        return infer(ctx, case)
    return ctx.request("POST", f"{case.path}/_stream", body=inference_body(case))


def exchange(ctx: CheckContext, method: str, path: str, body: Any = None, **params: Any) -> Exchange:
    """Send one request whose answer is judged against the rule's error rendered with ``params``."""
    return Exchange(ctx.request(method, path, body=body), params=params)


def sent_with_calls(ctx: CheckContext, case: EndpointCase, send: Callable[[], Response], **params: Any) -> Exchange:
    """Send one request with ``send`` and keep the upstream calls the case's key made meanwhile."""
    before = len(calls_for(ctx, case))
    resp = send()
    return Exchange(resp, tuple(calls_for(ctx, case)[before:]), params)


def steps_with_calls(ctx: CheckContext, case: EndpointCase, send: Callable[[], Iterable[Exchange]]) -> Steps:
    """Send several requests with ``send`` and keep the upstream calls the case's key made meanwhile."""
    before = len(calls_for(ctx, case))
    sent = tuple(send())
    return Steps(sent, tuple(calls_for(ctx, case)[before:]))
