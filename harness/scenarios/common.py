"""What the scenarios of several families share: the judge of a list of expected errors, sending helpers and the
indexes a scenario creates."""

from __future__ import annotations

import contextlib
import string
from collections.abc import Iterator, Sequence

from harness.checks.registry import JudgeContext, NotApplicable, NotChecked
from harness.checks.responses import (
    expected_error,
    status_is,
)
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import (
    Draw,
    Exchange,
    Judge,
    Steps,
    calls_for,
    endpoint,
    needs_mock,
)
from harness.target import Response

__all__ = [
    "ASCII_NAME",
    "forget_created",
    "get_endpoint",
    "judge_errors",
    "judge_errors_then",
    "maybe_endpoint",
    "not_chat",
    "other_task",
    "refused_before_upstream",
    "semantic_index",
    "send_put_get",
    "send_raw",
]


_TASKS = ("text_embedding", "completion", "chat_completion")


def judge_errors(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Exchange]) -> None:
    """Each exchange is the rule's error (rendered with the exchange's parameters), in the order sent."""
    for exchange in sent:
        expected_error(jc, rule_id, exchange.response, **exchange.params)


def other_task(case: EndpointCase, *, exclude_chat: bool = False) -> str:
    """A task type other than the case's (the first one, for the same run on every target)."""
    options = [t for t in _TASKS if t != case.task_type and not (exclude_chat and t == "chat_completion")]
    return options[0]


def get_endpoint(ctx: CheckContext, case: EndpointCase) -> Response:
    return ctx.request("GET", f"/_inference/{case.inference_id}")


def refused_before_upstream(what: str) -> Judge[Steps]:
    """A judge: each exchange is the rule's error, and none of ``what`` (the requests, as a failure names them)
    reached the upstream (when the sending step could read the calls)."""

    def judge(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Steps) -> None:
        judge_errors(jc, rule_id, case, sent.exchanges)
        if sent.calls:
            raise Failure(rule_id, f"{what} reached the upstream", expected=[], seen=[c.summary() for c in sent.calls])

    return judge


def send_put_get(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, Response]:
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case) as put:
        return put, get_endpoint(ctx, case)


@contextlib.contextmanager
def semantic_index(ctx: CheckContext, rule_id: str, case: EndpointCase) -> Iterator[tuple[str, int]]:
    """The case's endpoint and a semantic_text index bound to it (NotChecked without an index API; a refused
    index is a precondition failure); yields the index name and how many upstream calls the case's key had
    made before the index was created; deletes both afterwards."""
    if case.task_type != "text_embedding":
        raise NotApplicable("semantic_text binds text_embedding endpoints")
    needs_mock(ctx, case)
    index = f"h-idx-{case.inference_id}"[:200]
    mapping = {"mappings": {"properties": {"content": {"type": "semantic_text", "inference_id": case.inference_id}}}}
    with endpoint(ctx, rule_id, case):
        before = len(calls_for(ctx, case))
        resp = ctx.request("PUT", f"/{index}", body=mapping)
        if resp.status in (404, 405, 501) or (resp.status >= 400 and "semantic_text" not in resp.text):
            raise NotChecked(f"the target has no index API for semantic_text (PUT /{index} -> {resp.status})")
        try:
            status_is(ctx, rule_id, resp, 200, "create a semantic_text index")  # precondition
            yield index, before
        finally:
            ctx.target.request("DELETE", f"/{index}")


def not_chat(case: EndpointCase) -> None:
    if case.task_type == "chat_completion":
        raise NotApplicable("chat_completion endpoints only answer _stream")


def forget_created(ctx: CheckContext, resp: Response, case: EndpointCase) -> None:
    """Delete the endpoint a PUT the scenario expected to fail created after all (cleanup, not evidence)."""
    if resp.status == 200:
        ctx.target.request("DELETE", f"/_inference/{case.inference_id}")


ASCII_NAME = string.ascii_lowercase + string.digits


def send_raw(
    ctx: CheckContext, method: str, path: str, raw: bytes | None = None, params: dict[str, str] | None = None
) -> Response:
    """Send verbatim bytes (or no body at all) and keep the exchange as evidence."""
    resp = ctx.target.request(method, path, raw=raw, params=params)
    ctx.exchanges.append(resp)
    return resp


@contextlib.contextmanager
def maybe_endpoint(ctx: CheckContext, rule_id: str, case: EndpointCase) -> Iterator[None]:
    """Create the case's endpoint when its mock is readable (a valid PUT needs the upstream); else nothing."""
    if case.service not in ctx.mocks:
        yield
        return
    with endpoint(ctx, rule_id, case):
        yield


def judge_errors_then(
    jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Steps, Response | None, int, str]
) -> None:
    """Each exchange is the rule's error; then the GET (when sent) has the given status."""
    steps, get, status, what = sent
    judge_errors(jc, rule_id, case, steps.exchanges)
    if get is not None:
        status_is(jc, rule_id, get, status, what)
