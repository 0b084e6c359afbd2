"""A rule item's :class:`~harness.errors.Failure` turned into a failed :class:`Result`: reason, expected and seen
(:func:`harness.report.failed.mark_failed`, which the passes use too), the replay commands and the evidence, all
redacted."""

from __future__ import annotations

from harness.config import RunConfig
from harness.errors import Failure, HarnessError, NotChecked
from harness.gen import EndpointCase
from harness.mock_handles import MockHandles
from harness.replay import curl_command, harness_command
from harness.report.failed import mark_failed
from harness.report.model import Exchange, Result, UpstreamCall
from harness.report.redact import Redactor
from harness.target import Response

__all__ = ["EVIDENCE", "fill_failure"]

#: how many exchanges (and upstream calls) a failed result keeps as evidence
EVIDENCE = 6


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


def _failing_exchange(failure: Failure, exchanges: list[Response], redactor: Redactor) -> Response | None:
    """The exchange the failure names in ``seen`` (``METHOD URL -> STATUS``, else ``METHOD URL``), else the
    last one: what the replay sends."""
    seen = redactor.redact(str(failure.seen))
    for named in (lambda r: f"{r.method} {r.url} -> {r.status}", lambda r: f"{r.method} {r.url}"):
        for resp in reversed(exchanges):
            if named(resp) in seen:
                return resp
    return exchanges[-1] if exchanges else None


def fill_failure(
    result: Result,
    failure: Failure,
    exchanges: list[Response],
    case: EndpointCase | None,
    config: RunConfig,
    mocks: MockHandles,
    redactor: Redactor,
) -> None:
    """Mark a rule item's ``result`` failed with ``failure``: reason, expected/seen, the replay (a curl of the
    exchange the failure names, then ``harness run``), the exchanges that show it and the upstream calls of the
    failing case."""
    last = _failing_exchange(failure, exchanges, redactor)
    lines = (
        []
        if last is None
        else [curl_command(last.method, last.url, last.request_text, config=config, redactor=redactor)]
    )
    replay = failure.replay or "\n".join([*lines, harness_command(config, result.rule_id)])
    mark_failed(
        result,
        reason=f"[{failure.rule_id}] {failure.title}",
        expected=failure.expected,
        seen=failure.seen,
        replay=replay,
        redactor=redactor,
    )
    evidence = exchanges[-EVIDENCE:]
    if last is not None and all(r is not last for r in evidence):
        evidence = [last, *evidence[1:]]  # the exchange the failure names is always part of the evidence
    result.exchanges = [_exchange(r, redactor) for r in evidence]
    if case is not None and result.service is not None and result.service in mocks:
        try:
            calls = mocks[result.service].calls(key=case.key)[-EVIDENCE:]
        except (HarnessError, NotChecked):
            calls = []
        result.upstream = [
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
