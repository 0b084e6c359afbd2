"""The mock-reachability probe (``harness.preflight``, issue 21 item 1) against the reference on port 0:
a mock the target reaches passes and its journal is read from after the probe on; a target that cannot reach
it stops the run with one line carrying what the target answered; no probe secret reaches that line."""

from __future__ import annotations

import pytest

from harness.errors import ConfigError
from harness.mock_handles import MockHandles, RemoteMock
from harness.preflight import probe_body, probe_mocks
from harness.target import Target
from mocks.azure import AzureMock
from mocks.bedrock import BedrockMock
from mocks.openai import OpenAIMock
from mocks.reference import ReferenceConfig, ReferenceServer


def _handles(**mocks: object) -> MockHandles:
    return MockHandles({s: RemoteMock(s, m.url, 0, run="t").connect() for s, m in mocks.items()})  # type: ignore[attr-defined]


def test_every_reached_mock_passes_and_its_journal_starts_after_the_probe() -> None:
    with OpenAIMock() as openai, AzureMock() as azure, BedrockMock() as bedrock:
        config = ReferenceConfig(azure_base_url=azure.url, bedrock_base_url=bedrock.url)
        with ReferenceServer(config) as reference:
            handles = _handles(openai=openai, azureopenai=azure, amazonbedrock=bedrock)
            planted = probe_mocks(Target(reference.url), handles, seed=3, nonce="n1")
            listing = Target(reference.url).request("GET", "/_inference/_all").json
        assert [len(m.app.journal.calls) for m in (openai, azure, bedrock)] == [1, 1, 1]
        assert all(handles[s].calls() == [] for s in handles)  # the run's reads start after the probe
    assert listing["endpoints"] == []  # the probe endpoints are gone
    assert len(planted) == 4 and all(planted)  # two keys and an AWS key pair, for the redactor


def test_a_target_that_cannot_reach_the_mock_is_one_line_with_its_answer() -> None:
    with AzureMock() as azure:
        config = ReferenceConfig(azure_base_url="http://127.0.0.1:9", retry_timeout_s=0.5)  # nothing listens
        with ReferenceServer(config) as reference:
            handles = _handles(azureopenai=azure)
            with pytest.raises(ConfigError) as caught:
                probe_mocks(Target(reference.url), handles, seed=0, nonce="n2")
        url = azure.url
    body, key = probe_body("azureopenai", handles["azureopenai"], seed=0, nonce="n2", azure_resource=None)
    line = caught.value.reason
    assert line.startswith(f"--azure-mock {url}: the target did not reach this mock while creating"), line
    assert "answered 400 Could not complete inference endpoint creation" in line, line
    assert "(caused by connect_exception: Connection refused)" in line, line
    assert "\n" not in line and key not in line and body["service_settings"]["api_key"] not in line


def test_the_probe_body_is_a_valid_endpoint_per_service() -> None:
    with BedrockMock(regions=("eu-west-1",)) as bedrock:
        handle = RemoteMock("amazonbedrock", bedrock.url, 0).connect()
        body, key = probe_body("amazonbedrock", handle, seed=1, nonce="x", azure_resource="myres")
    assert body["service_settings"]["region"] == "eu-west-1" and body["service_settings"]["access_key"] == key
    azure, _ = probe_body("azureopenai", handle, seed=1, nonce="x", azure_resource="myres")
    assert azure["service_settings"]["resource_name"] == "myres"
