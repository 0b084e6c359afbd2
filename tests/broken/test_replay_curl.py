"""A failure's replay reproduces it: the curl taken from the JSON report, run by a shell against the broken
target, gets the same wrong answer; the report itself holds no secret (the curl reads the run's canaries
from ``replay.env``, which the run writes beside the report with mode 0600) and names the target."""

from __future__ import annotations

import json
import re
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import requests
from broken_targets import DEFECTS, HarnessRun, Stack

from mocks.core.secrets import fingerprint


def _env_values(env_file: Path) -> list[str]:
    return [line.split("=", 1)[1].strip("'") for line in env_file.read_text().splitlines()
            if line.startswith("export ")]


def test_replay_curl_from_the_report_gets_the_same_wrong_answer(
    stack_for: Callable[..., Stack], harness_run: Callable[..., HarnessRun]
) -> None:
    stack = stack_for(DEFECTS["key_leaked_in_put_response"])
    run = harness_run(stack, rules="secrets.never_returned", max_examples=1)
    assert run.exit_code == 1
    failure = next(r for r in run.results if r["outcome"] == "failed" and r["seen"].startswith("PUT "))
    replay = failure["replay"]
    # the replay sends the request the failure names (not merely the item's last one)
    sent = next(e for e in failure["exchanges"]
                if failure["seen"].startswith(f"{e['method']} {e['url']} -> {e['status']} "))
    # the replay names the target it ran against and reads the canaries from the env file it names
    assert f"--target {stack.url}" in replay
    env_line = next(line for line in replay.splitlines() if line.startswith(". "))
    env_file = Path(env_line.split()[1])
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    canaries = _env_values(env_file)
    assert canaries and "${HARNESS_CANARY_" in replay
    assert [c for c in canaries if c in json.dumps(run.report)] == []
    # the endpoint the failing PUT created is gone (the scenario cleans up), so the replayed PUT meets the
    # same state; delete it if a run left it behind
    path = re.search(r"/_inference/\S+?(?=['\s])", replay)
    assert path is not None
    requests.delete(stack.url + path.group(0), timeout=10)
    curl = "\n".join(line for line in replay.splitlines() if not line.startswith("harness run"))
    out = subprocess.run(["bash", "-c", curl + " -w '\\n%{http_code}'"], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    body, _, status = out.rpartition("\n")
    assert int(status) == sent["status"] == 200
    leaked = [c for c in canaries if c in body]
    assert leaked, "the replayed request did not carry the canaries the target echoes"
    for canary in canaries:
        body = body.replace(canary, fingerprint(canary))
    assert json.loads(body) == json.loads(sent["response_body"])
