"""Each family of broken target caught in the process-separated configuration (issue 8): the broken proxy in
front of a ``harness serve`` SUBPROCESS, ``harness run`` as another subprocess, the mocks reached only by the
URLs ``harness serve`` printed. One representative defect per family keeps the time bounded; every defect is
also caught in-process by ``test_harness_detects.py``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from broken_targets import DEFECTS, BrokenProxy, Defect, ProxyServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "external"))
from external_processes import Serve, harness_run, serve  # noqa: E402

#: one defect per family: secrets, chunking, service/streaming, errors, upstream (SigV4 through external
#: mocks), oracle, crud, stream faults, _update, request bodies
REPRESENTATIVES = ("key_leaked_in_put_response", "word_max_chunk_size_301_accepted", "chat_completion_without_stream",
                   "bad_request_as_500", "aws_secret_key_altered", "embeddings_reversed",
                   "delete_acknowledged_not_done", "stream_error_dropped", "update_keeps_old_key_upstream",
                   "malformed_json_as_500")


@pytest.fixture(scope="module")
def served() -> Iterator[Serve]:
    """One ``harness serve`` (8.18, security on) for every defect: long-lived mocks, as a user's would be."""
    with serve("8.18") as process:
        yield process


@pytest.mark.parametrize("name", REPRESENTATIVES)
def test_defect_caught_with_target_and_mocks_in_other_processes(name: str, served: Serve, tmp_path: Path) -> None:
    defect: Defect = DEFECTS[name]
    assert defect.es_version == "8.18" and not defect.gap
    with ProxyServer(BrokenProxy(served.target, defect)) as proxy:
        run = harness_run(["--target", proxy.url, *served.auth_args(), *served.mock_args(), "--rules", defect.rules,
                           "--max-examples", "3"], tmp_path / "report")
        proxy.raise_errors()
        planted = proxy.app.all_secrets()
    assert run.exit_code == 1, f"{defect.description}: not detected\n{run.output[-2000:]}"
    failed = {r["rule_id"] for r in run.failures}
    assert set(defect.detected_by) <= failed, f"{defect.description}: {run.outcomes('failed')}"
    caught = [r for r in run.failures if r["rule_id"] in defect.detected_by]
    assert any(defect.reason in r["reason"] and defect.seen in str(r["seen"]) for r in caught), (
        [(r["reason"], r["seen"]) for r in caught])
    assert run.summary["not_checked"] == 0, run.outcomes("not_checked")
    text = json.dumps(run.report) + run.output
    assert [s for s in planted if s in text] == [] and served.password not in text
