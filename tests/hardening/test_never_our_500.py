"""Never our 500: schemathesis drives every server with its own OpenAPI document, all checks, bounded examples.

Each mock runs with fixed credentials (so schemathesis's auth checks mean something) and the reference runs
wired to the three mocks. Besides schemathesis's checks, every answer must not be *our* 5xx: a mock never
answers 5xx here (no fault is scheduled), the reference never answers its catch-all ``internal error``, and no
server keeps an unexpected exception (``app.errors``). A 5xx the reference means (Elasticsearch's own 500 for
an upstream failure, say) passes.

Excluded checks: ``positive_data_acceptance`` (the documents cannot say which model ids, deployments or
endpoints exist, so a schema-valid request for an unknown model is rightly a 4xx) and, for the reference,
``negative_data_rejection``: it does not validate every query parameter Elasticsearch parses (``timeout``
on PUT, README "known limits"). The reference runs the newest representative version's document only, to
keep this file short; the other versions share its code paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, not_a_server_error, positive_data_acceptance

import specs
from mocks.azure import AzureMock
from mocks.bedrock import BedrockMock
from mocks.core import MockServer
from mocks.openai import OpenAIMock
from mocks.reference import ReferenceConfig, ReferenceServer

EXAMPLES = 8  # per operation and generation mode: the whole file stays well under a minute on 2 cores
EXCLUDED = [positive_data_acceptance, not_a_server_error]  # the second is replaced by _not_our_5xx


@pytest.fixture(scope="module")
def mocks() -> Iterator[dict[str, MockServer]]:
    with (
        OpenAIMock(seed=3, api_keys={"sk-st"}) as openai,
        AzureMock(seed=3, api_keys={"az-st"}, entra_tokens={"entra-st"}) as azure,
        BedrockMock(seed=3) as bedrock,
    ):
        yield {"openai": openai, "azure": azure, "bedrock": bedrock}


def _not_our_5xx(server: MockServer, response: requests.Response, *, mock: bool) -> str | None:
    if mock and response.status_code >= 500:
        return f"a mock answered {response.status_code} with no fault scheduled: {response.text[:300]}"
    if response.status_code >= 500 and "internal error" in response.text:
        return f"the reference's catch-all 500: {response.text[:300]}"
    if server.app.errors:
        return f"unexpected exception kept by the server: {server.app.errors[0]!r}"
    return None


def _drive(server: MockServer, document: str, headers: dict[str, str], *, mock: bool) -> list[str]:
    """Every operation, positive and negative cases; the failures found (one line each, deduplicated)."""
    excluded = EXCLUDED if mock else [*EXCLUDED, negative_data_rejection]
    failures: dict[str, None] = {}
    schema = schemathesis.openapi.from_path(specs.path(document))
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def run(case: Any) -> None:
                response = case.call(base_url=server.url, headers=headers, timeout=60)
                ours = _not_our_5xx(server, response, mock=mock)
                if ours:
                    failures[f"{operation.label} [{mode.name}]: {ours}"] = None
                    server.app.errors.clear()
                try:
                    case.validate_response(response, excluded_checks=excluded, headers=headers)
                except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported below
                    for failure in getattr(exc, "exceptions", [exc]):
                        lines = [line for line in str(failure).strip().splitlines() if line.strip()]
                        title = " | ".join(lines[:4]) or type(failure).__name__
                        failures[f"{operation.label} [{mode.name}]: {title} ({response.status_code})"] = None

            try:
                run()
            except Unsatisfiable:  # nothing to break in this operation (negative mode)
                pass
    return list(failures)


@pytest.mark.parametrize(
    ("name", "document", "headers"),
    [
        ("openai", specs.UPSTREAM_SPECS["openai"], {"Authorization": "Bearer sk-st"}),
        ("azure", specs.UPSTREAM_SPECS["azureopenai"], {"api-key": "az-st"}),
        ("bedrock", specs.UPSTREAM_SPECS["amazonbedrock"], {"Authorization": "Bearer ABSK-st"}),
    ],
)
def test_mock_never_answers_our_500(mocks: dict[str, MockServer], name: str, document: str, headers: dict[str, str]) -> None:
    server = mocks[name]
    server.clear()
    assert _drive(server, document, headers, mock=True) == []


def test_reference_never_answers_our_500(mocks: dict[str, MockServer]) -> None:
    version = specs.REPRESENTATIVE_VERSIONS[-1]
    config = ReferenceConfig(
        es_version=version, skip_validation=True, azure_base_url=mocks["azure"].url,
        bedrock_base_url=mocks["bedrock"].url, retry_initial_delay_s=0.0, retry_max_delay_s=0.0,
    )
    with ReferenceServer(config) as server:
        assert _drive(server, specs.inference_spec_name(version), {}, mock=False) == []
