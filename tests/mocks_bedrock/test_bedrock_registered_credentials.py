"""Credentials registered at run time: signatures with that access key are verified, others still pass."""

from __future__ import annotations

import boto3
import botocore.exceptions
import pytest
import requests
from botocore.config import Config

from mocks.bedrock import BedrockMock

BODY = '{"inputText": "hello"}'
CANARY_SECRET = "canary-secret-3f9a1c"


def _client(url: str, access_key: str, secret_key: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        "bedrock-runtime", endpoint_url=url, region_name="us-east-1", aws_access_key_id=access_key,
        aws_secret_access_key=secret_key, config=Config(retries={"total_max_attempts": 1}),
    )


def test_registered_key_is_verified_over_the_admin_api() -> None:
    with BedrockMock() as mock:
        assert _client(mock.url, "AKIAREG", "anything").invoke_model(
            modelId="amazon.titan-embed-text-v1", body=BODY)["ResponseMetadata"]["HTTPStatusCode"] == 200
        resp = requests.post(mock.url + "/__admin/credentials",
                             json={"access_key": "AKIAREG", "secret_key": CANARY_SECRET}, timeout=5)
        assert resp.status_code == 200 and CANARY_SECRET not in resp.text
        with pytest.raises(botocore.exceptions.ClientError) as err:
            _client(mock.url, "AKIAREG", "wrong-secret").invoke_model(modelId="amazon.titan-embed-text-v1", body=BODY)
        assert err.value.response["Error"]["Code"] == "InvalidSignatureException"
        ok = _client(mock.url, "AKIAREG", CANARY_SECRET).invoke_model(modelId="amazon.titan-embed-text-v1", body=BODY)
        assert ok["ResponseMetadata"]["HTTPStatusCode"] == 200
        # keys never registered are still accepted unverified (the mock's permissive default)
        assert _client(mock.url, "AKIAOTHER", "x").invoke_model(
            modelId="amazon.titan-embed-text-v1", body=BODY)["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert CANARY_SECRET not in requests.get(mock.url + "/__admin/calls", timeout=5).text
        assert CANARY_SECRET not in repr(mock.app.config)


def test_bad_registration_is_a_400() -> None:
    with BedrockMock() as mock:
        resp = requests.post(mock.url + "/__admin/credentials", json={"access_key": 1}, timeout=5)
        assert resp.status_code == 400
