"""Credentials a harness run registers through ``/__admin/credentials`` (and forgets at its end), the
journal read from a sequence number (``/__admin/calls?since=``), and what ``/__admin/health`` announces."""

from __future__ import annotations

import boto3
import botocore.exceptions
import pytest
import requests
from botocore.config import Config

from mocks.azure import AzureMock
from mocks.bedrock import BedrockMock
from mocks.core.secrets import fingerprint
from mocks.openai import OpenAIMock

CANARY = "sk-canary-77aa00bb11cc22dd"
EMBED = {"model": "text-embedding-3-small", "input": ["hello"]}


def _embed(url: str, key: str) -> int:
    return requests.post(f"{url}/v1/embeddings", json=EMBED, headers={"Authorization": f"Bearer {key}"},
                         timeout=5).status_code


def test_openai_mock_restricting_keys_accepts_a_registered_key_until_its_run_is_forgotten() -> None:
    with OpenAIMock(api_keys={"sk-configured"}) as mock:
        assert requests.get(mock.url + "/__admin/health", timeout=5).json()["accepts_any_key"] is False
        assert _embed(mock.url, CANARY) == 401
        resp = requests.post(mock.url + "/__admin/credentials", json={"api_key": CANARY, "run": "r1"}, timeout=5)
        assert resp.status_code == 200 and CANARY not in resp.text
        assert resp.json() == {"registered": fingerprint(CANARY)}
        assert _embed(mock.url, CANARY) == 200
        assert _embed(mock.url, "sk-configured") == 200
        # another run's forget leaves r1's key alone; r1's forget removes it
        assert requests.delete(mock.url + "/__admin/credentials", params={"run": "r2"}, timeout=5).json() == {
            "forgotten": 0}
        assert _embed(mock.url, CANARY) == 200
        assert requests.delete(mock.url + "/__admin/credentials", params={"run": "r1"}, timeout=5).json() == {
            "forgotten": 1}
        assert _embed(mock.url, CANARY) == 401
        assert _embed(mock.url, "sk-configured") == 200


def test_azure_mock_restricting_tokens_accepts_a_registered_entra_token() -> None:
    token = "eyJcanary.0123456789abcdef01234567.entra"
    with AzureMock(entra_tokens={"eyJconfigured"}) as mock:
        url = f"{mock.url}/openai/deployments/dep/embeddings?api-version=2024-02-01"

        def status() -> int:
            return requests.post(url, json={"input": ["hi"]}, headers={"Authorization": f"Bearer {token}"},
                                 timeout=5).status_code

        assert status() == 401
        requests.post(mock.url + "/__admin/credentials", json={"entra_token": token, "run": "r"}, timeout=5)
        assert status() == 200
        requests.delete(mock.url + "/__admin/credentials", params={"run": "r"}, timeout=5)
        assert status() == 401


def _bedrock(url: str, secret: str) -> int:
    client = boto3.client("bedrock-runtime", endpoint_url=url, region_name="eu-west-1",
                          aws_access_key_id="AKIACANARYRUN1", aws_secret_access_key=secret,
                          config=Config(retries={"total_max_attempts": 1}))
    try:
        out = client.invoke_model(modelId="amazon.titan-embed-text-v1", body='{"inputText": "hi"}')
    except botocore.exceptions.ClientError as err:
        return int(err.response["ResponseMetadata"]["HTTPStatusCode"])
    return int(out["ResponseMetadata"]["HTTPStatusCode"])


def test_bedrock_key_pair_is_verified_for_its_run_only() -> None:
    with BedrockMock(regions=("us-east-1", "eu-west-1")) as mock:
        assert requests.get(mock.url + "/__admin/health", timeout=5).json()["regions"] == ["us-east-1", "eu-west-1"]
        requests.post(mock.url + "/__admin/credentials",
                      json={"access_key": "AKIACANARYRUN1", "secret_key": "canary-secret-1", "run": "r"}, timeout=5)
        assert _bedrock(mock.url, "canary-secret-1") == 200
        assert _bedrock(mock.url, "another-secret") == 403  # verified against the registered secret
        assert requests.delete(mock.url + "/__admin/credentials", params={"run": "r"}, timeout=5).json() == {
            "forgotten": 1}
        assert _bedrock(mock.url, "another-secret") == 200  # forgotten: back to the permissive default


@pytest.mark.parametrize("body", [{}, {"run": "r"}, {"api_key": ""}, {"access_key": "A"}, {"api_key": 3}])
def test_bad_registration_is_a_400(body: dict[str, object]) -> None:
    with OpenAIMock() as mock:
        assert requests.post(mock.url + "/__admin/credentials", json=body, timeout=5).status_code == 400


def test_calls_since_a_sequence_number_and_by_key() -> None:
    with OpenAIMock() as mock:
        for key in ("sk-a-000000", "sk-b-000000", "sk-a-000000"):
            assert _embed(mock.url, key) == 200
        health = requests.get(mock.url + "/__admin/health", timeout=5).json()
        assert health["last_seq"] == 3
        later = requests.get(mock.url + "/__admin/calls", params={"since": "1"}, timeout=5).json()
        assert [c["seq"] for c in later["calls"]] == [2, 3]
        mine = requests.get(mock.url + "/__admin/calls", params={"since": "1", "key": fingerprint("sk-a-000000")},
                            timeout=5).json()
        assert [c["seq"] for c in mine["calls"]] == [3]
        assert requests.get(mock.url + "/__admin/calls", params={"since": "3"}, timeout=5).json()["calls"] == []
        assert requests.get(mock.url + "/__admin/calls", params={"since": "x"}, timeout=5).status_code == 400
        assert [c.seq for c in mock.journal.since(2)] == [3]
