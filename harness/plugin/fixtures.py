"""The provider-mock fixtures and ``inference_target`` (the target under test and the mocks behind it).

Function-scoped handles on session-scoped servers: each test starts with an empty journal, no faults and no
collected server errors, and an error raised inside a server thread is re-raised at the test's teardown.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from harness.plugin.options import InferenceSettings

if TYPE_CHECKING:  # imported lazily at run time: the plugin must cost nothing when unused
    from harness.mock_handles import MockHandles

__all__ = ["InferenceTarget", "azure_mock", "bedrock_mock", "inference_target", "openai_mock"]


@contextlib.contextmanager
def _serving(server: Any) -> Iterator[Any]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def _handle(server: Any) -> Iterator[Any]:
    """A clean server for one test; its server-thread errors are raised at teardown."""
    server.clear()
    yield server
    server.raise_errors()


@pytest.fixture(scope="session")
def _inference_openai_server(inference_settings: InferenceSettings) -> Iterator[Any]:
    from mocks.openai import OpenAIMock

    with _serving(OpenAIMock(seed=inference_settings.seed)) as server:
        yield server


@pytest.fixture(scope="session")
def _inference_azure_server(inference_settings: InferenceSettings) -> Iterator[Any]:
    from mocks.azure import AzureMock

    with _serving(AzureMock(seed=inference_settings.seed)) as server:
        yield server


@pytest.fixture(scope="session")
def _inference_bedrock_server(inference_settings: InferenceSettings) -> Iterator[Any]:
    from mocks.bedrock import BedrockMock

    with _serving(BedrockMock(seed=inference_settings.seed)) as server:
        yield server


@pytest.fixture
def openai_mock(_inference_openai_server: Any) -> Iterator[Any]:
    """An OpenAI mock (:class:`mocks.openai.OpenAIMock`), journal and faults cleared; any key accepted.

    Example::

        def test_embed(openai_mock):
            client = openai.OpenAI(api_key="sk-test", base_url=openai_mock.base_url, max_retries=0)
            client.embeddings.create(model="text-embedding-3-small", input="hi")
            openai_mock.journal.assert_called(times=1, path="/v1/embeddings")
    """
    with _handle(_inference_openai_server) as server:
        yield server


@pytest.fixture
def azure_mock(_inference_azure_server: Any) -> Iterator[Any]:
    """An Azure OpenAI mock (:class:`mocks.azure.AzureMock`), journal and faults cleared; any key/deployment."""
    with _handle(_inference_azure_server) as server:
        yield server


@pytest.fixture
def bedrock_mock(_inference_bedrock_server: Any) -> Iterator[Any]:
    """A Bedrock Runtime mock (:class:`mocks.bedrock.BedrockMock`), journal and faults cleared; any signature."""
    with _handle(_inference_bedrock_server) as server:
        yield server


@dataclass
class InferenceTarget:
    """The ``_inference`` implementation a test talks to, and the mocks behind it.

    Attributes:
        url: base URL (``http://127.0.0.1:PORT`` for the embedded reference).
        es_version: the version profile.
        embedded: True for the embedded reference target.
        openai / azure / bedrock: the mock servers (embedded mocks; a real Elasticsearch reaches the OpenAI mock
            through the endpoint's ``url`` setting, see ``openai_url``).
        mocks: the same mocks as the harness sees them (``harness.target.MockHandles``), external mocks
            (``--inference-*-mock``) included.

    Example::

        def test_put(inference_target):
            es = inference_target.client()
            es.inference.put(task_type="text_embedding", inference_id="e1", inference_config={
                "service": "openai",
                "service_settings": {"api_key": "sk-x", "model_id": "text-embedding-3-small",
                                     "url": inference_target.openai_url("embeddings")}})
            inference_target.openai.journal.assert_called(path="/v1/embeddings")
    """

    url: str
    es_version: str
    embedded: bool
    openai: Any
    azure: Any
    bedrock: Any
    mocks: MockHandles
    server: Any = None

    def openai_url(self, kind: str = "embeddings") -> str:
        """The OpenAI mock's URL for ``embeddings`` or ``chat/completions`` (the endpoint's ``url`` setting)."""
        return f"{self.openai.url}/v1/{kind.strip('/')}"

    def client(self, **kwargs: Any) -> Any:
        """An official ``elasticsearch.Elasticsearch`` client for :attr:`url` (needs the ``elasticsearch`` package)
        asking for the profile's major in ``compatible-with``, as that major's client does (an 8.x line refuses
        a 9.x client's ``compatible-with=9``)."""
        from harness.es_client import official_client

        return official_client(self.url, self.es_version, **kwargs)


@pytest.fixture(scope="session")
def _inference_reference_server(
    inference_settings: InferenceSettings,
    _inference_azure_server: Any,
    _inference_bedrock_server: Any,
) -> Iterator[Any]:
    from mocks.reference.config import ReferenceConfig
    from mocks.reference.server import ReferenceServer

    config = ReferenceConfig(
        es_version=inference_settings.es_version,
        azure_base_url=_inference_azure_server.url,
        bedrock_base_url=_inference_bedrock_server.url,
        seed=inference_settings.seed,
        retry_initial_delay_s=0.01,
        retry_max_delay_s=0.05,
    )
    with _serving(ReferenceServer(config)) as server:
        yield server


def _mock_handles(settings: InferenceSettings, local: dict[str, Any]) -> MockHandles:
    from harness.mock_handles import LocalMock, MockHandles, RemoteMock

    handles: dict[str, Any] = {}
    for service, server in local.items():
        url = settings.mocks.get(service)
        handles[service] = (
            RemoteMock(service, url, settings.seed).connect() if url else LocalMock(service, server, settings.seed)
        )
    return MockHandles(handles)


@pytest.fixture
def inference_target(
    request: pytest.FixtureRequest,
    inference_settings: InferenceSettings,
    openai_mock: Any,
    azure_mock: Any,
    bedrock_mock: Any,
) -> Iterator[InferenceTarget]:
    """The target under test: the embedded reference wired to the three mocks, or ``--inference-target``.

    Endpoints a test creates on the embedded reference are deleted at its teardown, so tests do not see each
    other's endpoints; an error inside the reference's server thread fails the test at teardown.
    """
    mocks = _mock_handles(
        inference_settings, {"openai": openai_mock, "azureopenai": azure_mock, "amazonbedrock": bedrock_mock}
    )
    common: dict[str, Any] = {
        "es_version": inference_settings.es_version,
        "openai": openai_mock,
        "azure": azure_mock,
        "bedrock": bedrock_mock,
        "mocks": mocks,
    }
    if inference_settings.target:
        yield InferenceTarget(url=inference_settings.target, embedded=False, **common)
        return
    server = request.getfixturevalue("_inference_reference_server")
    server.clear()
    before = {e.inference_id for e in server.store.list()}
    yield InferenceTarget(url=server.url, embedded=True, server=server, **common)
    for endpoint in server.store.list():
        if endpoint.inference_id not in before:
            server.store.delete(endpoint.inference_id)
    server.raise_errors()
