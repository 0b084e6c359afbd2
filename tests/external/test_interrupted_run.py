"""Ctrl-C during a run against an external target leaves nothing on the cluster (issue 21): ``harness serve``
and ``harness run`` in their own processes, SIGINT to the run's process group as a terminal sends it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from external_processes import serve

from harness.target import Target


def _ids(target: Target) -> list[str]:
    return [e["inference_id"] for e in target.request("GET", "/_inference/_all").json["endpoints"]]


def test_an_interrupted_run_leaves_no_endpoint(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) once rules are running: exit 2,
    "interrupted", and the cluster holds no endpoint of the run."""
    with serve("8.18") as served:
        cmd = [sys.executable, "-m", "harness", "run", "--target", served.target, *served.auth_args(),
               *served.mock_args(), "--rules", "check.*", "--rules", "crud.*", "--report-dir", str(tmp_path)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        assert proc.stdout is not None
        for line in proc.stdout:  # the first finished family: endpoints are being created now
            if line.startswith("[") and "%]" in line:
                break
        os.killpg(proc.pid, signal.SIGINT)
        output = line + proc.stdout.read()
        assert proc.wait(timeout=300) == 2, output[-2000:]
        target = Target(served.target, user=served.auth_args()[1])
        assert _ids(target) == [], output[-2000:]
    assert "harness: interrupted" in output
