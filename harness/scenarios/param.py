"""``param.*``: a boolean query parameter that is not ``true``/``false``."""

from __future__ import annotations

import string

from hypothesis import strategies as st

from harness.gen.cases import EndpointCase
from harness.scenarios.common import judge_errors_then, maybe_endpoint, send_raw
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import Draw, Exchange, Steps, scenario
from harness.target import Response

__all__ = []


@scenario("param.boolean", judge=judge_errors_then)
def _send_param_boolean(
    ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw
) -> tuple[Steps, Response | None, int, str]:
    # Booleans.parseBoolean: only "true"/"false" (and "" = true, blank = default); case matters
    drawn = draw(
        st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8).filter(
            lambda v: v not in ("true", "false")
        )
    )
    path = f"/_inference/{case.inference_id}"
    with maybe_endpoint(ctx, rule_id, case):
        steps = Steps(
            tuple(
                Exchange(send_raw(ctx, "DELETE", path, params={name: value}), params={"value": value})
                for name in ("dry_run", "force")
                for value in ("maybe", "True", "1", drawn)
            )
        )
        get = ctx.request("GET", path) if case.service in ctx.mocks else None
    return steps, get, 200, "GET after DELETEs with invalid boolean parameters (nothing deleted)"
