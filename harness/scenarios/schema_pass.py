"""The ``schema.*`` pass: schemathesis positive cases for the read / inference / delete operations of
``specs/inference-<version>.yaml`` against the target, checking *not a server error* and *response
conforms to the schema*. One result per operation, ``schema.<operationId>``.

PUT and ``_update`` are left to the rule scenarios: a schema-valid random PUT would make the target call
whatever ``url`` was generated.
"""

from __future__ import annotations

import time
from typing import Any

from hypothesis import given
from hypothesis import seed as hypothesis_seed

from harness.config import RunConfig
from harness.gen.properties import run_settings
from harness.replay import harness_command
from harness.report.failed import mark_failed
from harness.report.model import Result
from harness.scenarios.context import CheckContext
from harness.selection import selected

__all__ = ["run_schema_pass"]

_SKIP_METHODS = ("PUT",)


def run_schema_pass(ctx: CheckContext, config: RunConfig) -> list[Result]:
    """Run schemathesis on each selected operation; return one :class:`Result` per operation."""
    try:
        import schemathesis.checks as st_checks
        from schemathesis.openapi import from_path
        from schemathesis.specs.openapi.checks import response_schema_conformance

        import specs
    except ImportError as exc:
        return [Result("schema.all", None, None, "not_checked", reason=f"schemathesis unavailable: {exc}")]
    schema = from_path(str(specs.path(f"inference-{config.es_version}.yaml")))
    results: list[Result] = []
    for op_result in schema.get_all_operations():
        op = op_result.ok()  # type: ignore[union-attr]  # an invalid operation raises here, as it should
        op_id = str((op.definition.raw or {}).get("operationId") or op.label).replace("/", "_")
        rule_id = f"schema.{op_id}"
        if not selected(rule_id, config.rules):
            continue
        result = Result(rule_id, None, None, "passed", title=f"{op.label}: no server error, response matches the spec")
        if op.method.upper() in _SKIP_METHODS or op.path.endswith("/_update"):
            result.outcome, result.reason = "skipped", "PUT operations are exercised by the rule scenarios"
            results.append(result)
            continue
        started = time.monotonic()
        state: dict[str, Any] = {"n": 0}

        @hypothesis_seed(config.seed)
        @run_settings(config.max_examples)
        @given(op.as_strategy())
        def prop(case: Any) -> None:  # called once, within this iteration: the loop variables are current
            state["n"] += 1  # noqa: B023
            response = case.call(
                base_url=ctx.target.base_url,
                session=ctx.target.tool_session(),
                headers=ctx.target.headers(),
                timeout=30,
            )
            try:
                case.validate_response(response, checks=[st_checks.not_a_server_error, response_schema_conformance])
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - schemathesis raises (base) exception groups
                state.setdefault("failure", (exc, case))  # noqa: B023

        try:
            prop()
        except Exception as exc:  # noqa: BLE001
            state.setdefault("failure", (exc, None))
        result.examples = state["n"]
        result.duration = round(time.monotonic() - started, 3)
        if "failure" in state:
            error, case = state["failure"]
            subs = getattr(error, "exceptions", None) or [error]
            curl = case.as_curl_command(headers=None) if case is not None else ""
            mark_failed(
                result,
                reason=ctx.redactor.redact(
                    f"[{rule_id}] {str(error).splitlines()[0] if str(error) else type(error).__name__}"
                )[:500],
                expected="no 5xx; response conforms to the spec",
                seen=ctx.redactor.redact(
                    "; ".join(f"{type(e).__name__}: {' '.join(str(e).split())[:400]}" for e in subs)
                )[:2000],
                replay=f"{curl}\n{harness_command(config, rule_id)}".strip(),
                redactor=ctx.redactor,
            )
        results.append(result)
    return results
