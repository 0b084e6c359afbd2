"""The one transport: every exchange with the target, sent by a scenario (requests or the direct path) or by a
tool with its own session (schemathesis), reaches the target's observers; the run's cleanup does not."""

from __future__ import annotations

from harness.config import RunConfig
from harness.environment import Environment
from harness.target import Exchanged


def test_observers_see_requests_tool_sessions_and_not_the_sweep() -> None:
    seen: list[Exchanged] = []
    with Environment(RunConfig()) as env:
        target = env.target
        target.observers.append(seen.append)
        target.request("GET", "/_inference/_all")
        target.tool_session().get(target.base_url + "/_inference/_all", headers=target.headers(), timeout=10)
        put = target.request("PUT", "/_inference/text_embedding/observed-1", body={"service": "nope"})
        target.leftovers.before("PUT", "/_inference/text_embedding/observed-2")  # as if a PUT was cut off
        before_sweep = len(seen)
        target.sweep()
    assert put.status == 400
    assert [(e.method, e.status) for e in seen] == [("GET", 200), ("GET", 200), ("PUT", 400)]
    assert len(seen) == before_sweep
    assert all(e.url.startswith(target.base_url) and e.elapsed > 0 for e in seen)
    assert seen[2].request_body == b'{"service": "nope"}' and b"error" in seen[2].body


def test_no_observer_no_cost() -> None:
    """Without observers nothing is built per exchange (the direct path stays as fast as it was)."""
    with Environment(RunConfig()) as env:
        assert env.target.observers == []
        assert env.target.request("GET", "/_inference/_all").status == 200
