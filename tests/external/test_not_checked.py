"""What the harness cannot judge through the external path is ``not checked`` with the reason, never failed
or passed: here the OpenAI mock serves the target but its journal cannot be read (``/__admin/calls``
answers 500), so every check that needs the OpenAI journal is not checked; Azure and Bedrock are judged."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.errors import NotChecked
from harness.mock_handles import RemoteMock
from mocks.azure import AzureMock
from mocks.bedrock import BedrockMock
from mocks.core.server import MockServer
from mocks.openai import OpenAIMock
from mocks.reference import ReferenceConfig, ReferenceServer


class UnreadableJournal:
    """A mock's WSGI app whose ``GET /__admin/calls`` fails; everything else passes through."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:  # journal, faults, service, errors … of the wrapped app
        return getattr(self.app, name)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/__admin/calls":
            start_response("500 Internal Server Error", [("Content-Type", "application/json")])
            return [b'{"error": "journal unavailable"}']
        return self.app(environ, start_response)  # type: ignore[no-any-return]


def test_unreadable_journal_is_not_checked_never_failed_or_passed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    openai = MockServer(UnreadableJournal(OpenAIMock().app))  # type: ignore[arg-type]
    with openai, AzureMock() as azure, BedrockMock(regions=("us-east-1", "us-west-2", "eu-west-1", "eu-central-1",
                                                            "ap-southeast-2")) as bedrock:
        config = ReferenceConfig(azure_base_url=azure.url, bedrock_base_url=bedrock.url, retry_initial_delay_s=0.01)
        with ReferenceServer(config) as reference:
            code = main(["run", "--target", reference.url, "--openai-mock", openai.url, "--azure-mock", azure.url,
                         "--bedrock-mock", bedrock.url, "--rules", "check.upstream_request", "--max-examples", "1",
                         "--report-dir", str(tmp_path), "--format", "json"])
    capsys.readouterr()
    results = json.loads((tmp_path / "report.json").read_text())["results"]
    by_service = {(r["service"], r["task_type"]): r for r in results}
    openai_results = [r for (service, _), r in by_service.items() if service == "openai"]
    assert openai_results and all(r["outcome"] == "not_checked" for r in openai_results), openai_results
    assert all("--openai-mock" in r["reason"] and "500" in r["reason"] for r in openai_results)
    others = [r for (service, _), r in by_service.items() if service != "openai"]
    assert others and all(r["outcome"] == "passed" for r in others)
    assert code == 0  # nothing failed: the unjudged part is reported, not counted as a violation


def test_a_mock_that_stopped_answering_is_not_checked() -> None:
    with OpenAIMock() as mock:
        remote = RemoteMock("openai", mock.url, 0).connect()
    with pytest.raises(NotChecked, match=r"--openai-mock .* did not answer GET /__admin/calls"):
        remote.calls(key="fp-0000000000000000")
