"""Bad input over raw HTTP: always AWS's error format, never a traceback, and the server keeps serving.
Also: planted secrets never appear in the journal export, the admin API, or any repr."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from bedrock_helpers import ACCESS_KEY, BEARER, SECRET_KEY, make_client

from mocks.bedrock import MAX_BODY_BYTES, BedrockConfig, BedrockMock, create_app
from mocks.core import Fault

TITAN = "/model/amazon.titan-embed-text-v2%3A0/invoke"


def _aws_error(response: requests.Response, status: int, name: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["x-amzn-ErrorType"].split(":", 1)[0] == name
    assert response.headers["x-amzn-RequestId"]
    body = response.json()
    assert "Traceback" not in response.text
    return body


def _bearer(**extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {BEARER}", **extra}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            b"{not json", "Malformed input request, please reformat your input and try again.", id="bad-json"
        ),
        pytest.param(
            b"\xff\xfe\x00",
            "Malformed input request, please reformat your input and try again.",
            id="bad-utf8",
        ),
        pytest.param(
            b"[1, 2]",
            "Malformed input request: #: expected type: JSONObject, found: JSONArray, please "
            "reformat your input and try again.",
            id="array",
        ),
    ],
)
def test_bad_bodies_are_validation_exceptions(mock: BedrockMock, data: bytes, message: str) -> None:
    response = requests.post(mock.url + TITAN, data=data, headers=_bearer(), timeout=10)
    assert _aws_error(response, 400, "ValidationException") == {"message": message}


def test_converse_with_bad_utf8(mock: BedrockMock) -> None:
    response = requests.post(
        mock.url + "/model/meta.llama3-8b-instruct-v1%3A0/converse",
        data=b"\xc3\x28",
        headers=_bearer(),
        timeout=10,
    )
    _aws_error(response, 400, "ValidationException")


def test_huge_body(mock: BedrockMock) -> None:
    data = b"{" + b" " * MAX_BODY_BYTES + b"}"
    response = requests.post(mock.url + TITAN, data=data, headers=_bearer(), timeout=60)
    body = _aws_error(response, 400, "ValidationException")
    assert str(MAX_BODY_BYTES) in body["message"]
    assert requests.post(mock.url + TITAN, data=b'{"inputText":"x"}', headers=_bearer(), timeout=10).ok


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("POST", "/model/x/nonsense", id="unknown-op"),
        pytest.param("GET", "/model/amazon.titan-embed-text-v1/invoke", id="wrong-method"),
        pytest.param("POST", "/", id="root"),
        pytest.param("DELETE", "/foundation-models", id="other"),
    ],
)
def test_unknown_route(mock: BedrockMock, method: str, path: str) -> None:
    response = requests.request(method, mock.url + path, headers=_bearer(), timeout=10)
    _aws_error(response, 404, "UnknownOperationException")
    assert mock.journal.last.matched is False


def test_missing_auth(mock: BedrockMock) -> None:
    response = requests.post(mock.url + TITAN, data=b'{"inputText":"x"}', timeout=10)
    assert _aws_error(response, 403, "AccessDeniedException") == {
        "Message": "Authorization header is missing"
    }


def test_server_keeps_serving_after_abuse(mock: BedrockMock) -> None:
    for data in (b"\x00" * 100, b'{"inputText": {"nested": [1, 2, {"deep": null}]}}', b"null", b"1e999999"):
        response = requests.post(mock.url + TITAN, data=data, headers=_bearer(), timeout=10)
        assert response.status_code == 400
    client = make_client(mock.url)
    assert json.loads(
        client.invoke_model(modelId="amazon.titan-embed-text-v1", body=b'{"inputText":"still here"}')[
            "body"
        ].read()
    )["embedding"]
    assert mock.app.errors == []


def test_no_secret_in_exports_or_reprs(mock: BedrockMock) -> None:
    client = make_client(mock.url)
    client.invoke_model(modelId="amazon.titan-embed-text-v2:0", body=b'{"inputText":"x"}')
    client.converse_stream(
        modelId="anthropic.claude-3-haiku-20240307-v1:0",
        messages=[{"role": "user", "content": [{"text": "x"}]}],
    )
    requests.post(mock.url + TITAN, data=b"{}", headers=_bearer(), timeout=10)
    with pytest.raises(Exception) as info:
        make_client(mock.url, secret_key=SECRET_KEY + "x").invoke_model(
            modelId="amazon.titan-embed-text-v1", body=b"{}"
        )
    mock.faults.add(Fault("http_error", status=429, key=None))
    admin_calls = requests.get(mock.url + "/__admin/calls", timeout=10).text
    admin_faults = requests.get(mock.url + "/__admin/faults", timeout=10).text
    outputs = [
        mock.journal.to_json().decode(),
        admin_calls,
        admin_faults,
        repr(mock),
        repr(mock.app),
        repr(mock.app_config),
        repr(mock.journal.calls),
        str(info.value),
        repr(info.value),
    ]
    signatures = [c.header("Authorization") for c in mock.journal.calls]
    for text in outputs:
        assert SECRET_KEY not in text
        assert BEARER not in text
        assert ACCESS_KEY not in text  # the key id shows only as a fingerprint
    assert all(s is None or "Signature=***" in s or s.startswith("Bearer fp-") for s in signatures)


def test_create_app_and_config_validation() -> None:
    app = create_app(seed=5, regions="eu-west-1")
    assert app.config.regions == ("eu-west-1",) and app.seed == 5
    with pytest.raises(ValueError):
        BedrockConfig(regions=())
    with pytest.raises(TypeError):
        create_app(BedrockConfig(), seed=1)


def test_lenient_mock_accepts_any_signature() -> None:
    with BedrockMock(seed=1) as lenient:
        client = make_client(lenient.url, access_key="AKIDANY", secret_key="whatever")
        body = json.loads(
            client.invoke_model(modelId="amazon.titan-embed-text-v1", body=b'{"inputText":"x"}')[
                "body"
            ].read()
        )
        assert len(body["embedding"]) == 1536
        wrong_region = make_client(lenient.url, region="ap-south-1")
        with pytest.raises(wrong_region.exceptions.ClientError) as info:
            wrong_region.invoke_model(modelId="amazon.titan-embed-text-v1", body=b'{"inputText":"x"}')
        assert info.value.response["Error"]["Code"] == "InvalidSignatureException"


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize("path", [TITAN, "/model/meta.llama3-8b-instruct-v1%3A0/converse"])
def test_deeply_nested_json_is_a_validation_exception(mock: BedrockMock, depth: int, path: str) -> None:
    data = b'{"inputText": ' + b"[" * depth + b"]" * depth + b"}"
    response = requests.post(mock.url + path, data=data, headers=_bearer(), timeout=30)
    assert _aws_error(response, 400, "ValidationException") == {
        "message": "Malformed input request, please reformat your input and try again."
    }


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/model/not-a-model/invoke", "The provided model identifier is invalid."),
        ("/model/amazon.titan-embed-text-v2:0/converse", "This action doesn't support the model"),
    ],
)
def test_the_model_is_checked_before_the_body_is_parsed(path: str, message: str) -> None:
    from werkzeug.test import Client

    answer = Client(create_app(seed=1)).post(path, data=b"{not json", headers={"Authorization": "Bearer any"})
    assert answer.status_code == 400 and answer.json["message"].startswith(message)
