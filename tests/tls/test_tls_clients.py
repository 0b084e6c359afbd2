"""HTTPS mocks reached by the official SDKs under the real host names, trusting only the local test CA.

The host names (``api.openai.com``, ``myres.openai.azure.com``, ``bedrock-runtime.us-east-1.amazonaws.com``)
are resolved to 127.0.0.1 by patching ``socket.getaddrinfo``, the way a hosts-file entry would; the TLS
handshake then carries the real name as SNI and the certificate must match it.
"""

from __future__ import annotations

import json
import socket
import ssl
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import openai
import pytest
from botocore.config import Config
from botocore.exceptions import SSLError as BotoSSLError

from mocks.azure import AzureConfig
from mocks.azure import create_app as azure_app
from mocks.bedrock import BedrockConfig
from mocks.bedrock import create_app as bedrock_app
from mocks.openai import OpenAIConfig
from mocks.openai import create_app as openai_app
from mocks.tls import MockCA, TLSMockServer, main, mock_hostnames

OPENAI_KEY = "sk-tls-test-openai-0001"
AZURE_KEY = "azure-tls-test-key-0002"
AWS_KEY_ID = "AKIATLSTEST000000001"
AWS_SECRET = "tls-test-secret-access-key-0003"
_LOOPBACK_SUFFIXES = (".openai.azure.com", ".amazonaws.com", "api.openai.com", ".example.invalid")


@pytest.fixture(scope="module")
def ca() -> MockCA:
    return MockCA()


@pytest.fixture(scope="module")
def ca_pem(ca: MockCA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ca.write_ca_pem(tmp_path_factory.mktemp("ca") / "mock-ca.pem")


@pytest.fixture
def loopback_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolve the providers' host names to 127.0.0.1, like a hosts-file entry."""
    real = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and name.endswith(_LOOPBACK_SUFFIXES):
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.fixture
def openai_tls(ca: MockCA) -> Iterator[TLSMockServer]:
    with TLSMockServer(openai_app(OpenAIConfig(seed=3, api_keys=frozenset({OPENAI_KEY}))), ca=ca) as server:
        yield server


@pytest.fixture
def azure_tls(ca: MockCA) -> Iterator[TLSMockServer]:
    config = AzureConfig(seed=3, api_keys=frozenset({AZURE_KEY}), deployments={"myres/embed": "text-embedding-3-small", "myres/chat": "gpt-4o"})
    with TLSMockServer(azure_app(config), ca=ca) as server:
        yield server


@pytest.fixture
def bedrock_tls(ca: MockCA) -> Iterator[TLSMockServer]:
    config = BedrockConfig(seed=3, regions=("us-east-1",), credentials={AWS_KEY_ID: AWS_SECRET})
    with TLSMockServer(bedrock_app(config), ca=ca) as server:
        yield server


def _http_client(ca_pem: Path) -> openai.DefaultHttpxClient:
    # verify= an SSL context built from the CA *file*, exactly what a user does with the written PEM.
    return openai.DefaultHttpxClient(verify=ssl.create_default_context(cafile=str(ca_pem)))


@pytest.mark.usefixtures("loopback_dns")
def test_openai_sdk_over_https_as_api_openai_com(openai_tls: TLSMockServer, ca_pem: Path) -> None:
    base = openai_tls.url_for("api.openai.com") + "/v1"
    with openai.OpenAI(api_key=OPENAI_KEY, base_url=base, max_retries=0, http_client=_http_client(ca_pem)) as client:
        result = client.embeddings.create(model="text-embedding-3-small", input=["over tls"])
    assert len(result.data) == 1 and result.data[0].embedding
    call = openai_tls.journal.assert_called(times=1, path="/v1/embeddings")[0]
    assert call.header("host") == f"api.openai.com:{openai_tls.port}"
    assert OPENAI_KEY not in repr(call) and OPENAI_KEY not in openai_tls.journal.to_json().decode()


@pytest.mark.usefixtures("loopback_dns")
def test_azure_sdk_over_https_with_the_resource_host(azure_tls: TLSMockServer, ca_pem: Path) -> None:
    endpoint = azure_tls.url_for("myres.openai.azure.com")
    with openai.AzureOpenAI(
        api_key=AZURE_KEY, azure_endpoint=endpoint, api_version="2024-10-21", max_retries=0,
        http_client=_http_client(ca_pem),
    ) as client:
        result = client.embeddings.create(model="embed", input="hello")
        chat = client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hi"}])
    assert result.data[0].embedding
    assert chat.choices[0].message.content
    call = azure_tls.journal.assert_called(times=1, path="/openai/deployments/embed/embeddings")[0]
    assert call.header("host") == f"myres.openai.azure.com:{azure_tls.port}"


@pytest.mark.usefixtures("loopback_dns")
def test_boto3_bedrock_runtime_over_https(bedrock_tls: TLSMockServer, ca_pem: Path) -> None:
    client = boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=bedrock_tls.url_for("bedrock-runtime.us-east-1.amazonaws.com"),
        aws_access_key_id=AWS_KEY_ID,
        aws_secret_access_key=AWS_SECRET,
        verify=str(ca_pem),
        config=Config(retries={"total_max_attempts": 1}),
    )
    response = client.invoke_model(modelId="amazon.titan-embed-text-v2:0", body=json.dumps({"inputText": "hi"}))
    body = json.loads(response["body"].read())
    assert body["embedding"]
    call = bedrock_tls.journal.assert_called(times=1, method="POST")[0]
    assert call.header("host") == f"bedrock-runtime.us-east-1.amazonaws.com:{bedrock_tls.port}"
    assert AWS_SECRET not in bedrock_tls.journal.to_json().decode()


@pytest.mark.usefixtures("loopback_dns")
def test_system_trust_store_rejects_the_mock(openai_tls: TLSMockServer) -> None:
    # Without the test CA the certificate is not trusted: the TLS is real, not a plain-HTTP shortcut.
    with openai.OpenAI(api_key=OPENAI_KEY, base_url=openai_tls.url_for("api.openai.com") + "/v1",
                       max_retries=0) as client, pytest.raises(openai.APIConnectionError):
        client.models.list()
    assert openai_tls.journal.count() == 0


@pytest.mark.usefixtures("loopback_dns")
def test_a_name_outside_the_certificate_is_rejected(bedrock_tls: TLSMockServer, ca_pem: Path) -> None:
    client = boto3.client(
        "bedrock-runtime", region_name="us-east-1", endpoint_url=bedrock_tls.url_for("mock.example.invalid"),
        aws_access_key_id=AWS_KEY_ID, aws_secret_access_key=AWS_SECRET, verify=str(ca_pem),
        config=Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(BotoSSLError):
        client.invoke_model(modelId="amazon.titan-embed-text-v2:0", body=b'{"inputText": "hi"}')


def test_loopback_url_is_https_and_verifies(openai_tls: TLSMockServer, ca: MockCA) -> None:
    assert openai_tls.url.startswith("https://127.0.0.1:")
    http = openai.DefaultHttpxClient(verify=ca.client_context())
    with openai.OpenAI(api_key=OPENAI_KEY, base_url=openai_tls.url + "/v1", max_retries=0, http_client=http) as c:
        assert c.models.list().data


def test_certificate_names() -> None:
    names = mock_hostnames(azure_resources=["myres"], regions=["eu-west-1"])
    assert "*.openai.azure.com" in names and "myres.openai.azure.com" in names
    assert "bedrock-runtime.eu-west-1.amazonaws.com" in names
    assert {"localhost", "127.0.0.1", "api.openai.com"} <= set(names)
    assert "bedrock-runtime.us-east-1.amazonaws.com" in mock_hostnames()


def test_persistent_ca_is_reused(tmp_path: Path) -> None:
    first = MockCA.load_or_create(tmp_path / "ca")
    second = MockCA.load_or_create(tmp_path / "ca")
    assert first.cert_pem == second.cert_pem
    assert (tmp_path / "ca" / "mock-ca.pem").read_bytes() == first.cert_pem
    mode = stat.S_IMODE((tmp_path / "ca" / "mock-ca.key").stat().st_mode)
    assert mode == 0o600
    assert MockCA().cert_pem != first.cert_pem


def test_cli_writes_the_ca(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == str(tmp_path / "mock-ca.pem")
    assert Path(printed).read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert main([]) == 2
