"""Server-side SigV4 / Bearer verification (pure: no server), against botocore-signed requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from mocks.bedrock.errors import (
    InvalidSignatureException,
    MissingAuthorization,
    UnrecognizedClientException,
)
from mocks.bedrock.sigv4 import AuthConfig, IncompleteSignatureException, verify_request

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
AKID, SECRET = "AKIDTEST", "s3cr3t-canary"
PATH = "/model/amazon.titan-embed-text-v2%3A0/invoke"
BODY = b'{"inputText":"hello world"}'


def _signed(
    *,
    secret: str = SECRET,
    region: str = "us-east-1",
    when: datetime = NOW,
    akid: str = AKID,
    path: str = PATH,
    body: bytes = BODY,
    token: str | None = None,
) -> dict[str, str]:
    """Sign like botocore's ``add_auth``, but at a fixed time (``add_auth`` always uses the clock)."""
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    headers = {"Content-Type": "application/json", "Host": "127.0.0.1:8080", "X-Amz-Date": amz_date}
    if token:
        headers["X-Amz-Security-Token"] = token
    request = AWSRequest("POST", f"http://127.0.0.1:8080{path}", data=body, headers=headers)
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(akid, secret, token), "bedrock", region)
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={akid}/{signer.credential_scope(request)}, "
        f"SignedHeaders={signer.signed_headers(signer.headers_to_sign(request))}, Signature={signature}"
    )
    headers["User-Agent"] = "Boto3/test"  # unsigned, must be ignored
    return headers


def _verify(
    headers: dict[str, str], config: AuthConfig | None = None, *, path: str = PATH, body: bytes = BODY
) -> object:
    config = config or AuthConfig({AKID: SECRET})
    return verify_request(config, method="POST", raw_uri=path, headers=headers, body=body, now=NOW)


def test_official_test_vector(test_data: Callable[[str], Any]) -> None:
    vector = test_data("upstream-vectors.json")["bedrock"]["sigv4_test_vector"]
    inputs = vector["inputs"]
    headers = {**inputs["headers"], "Host": inputs["host"], "Authorization": vector["authorization_header"]}
    config = AuthConfig({inputs["access_key"]: inputs["secret_key"]}, regions=(inputs["region"],))
    now = datetime.strptime(inputs["timestamp"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    principal = verify_request(
        config,
        method=inputs["method"],
        raw_uri=inputs["raw_path_on_wire"],
        headers=headers,
        body=inputs["body"].encode(),
        now=now,
    )
    assert principal.key == inputs["access_key"]
    # One flipped signature digit must fail.
    sig = vector["signature"]
    bad = vector["authorization_header"].replace(sig, ("0" if sig[0] != "0" else "1") + sig[1:])
    with pytest.raises(InvalidSignatureException):
        verify_request(
            config,
            method="POST",
            raw_uri=inputs["raw_path_on_wire"],
            headers={**headers, "Authorization": bad},
            body=inputs["body"].encode(),
            now=now,
        )


def test_valid_signature_with_session_token() -> None:
    principal = _verify(_signed(token="session-token-xyz"))
    assert (principal.scheme, principal.key, principal.region) == ("sigv4", AKID, "us-east-1")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"secret": "wrong"}, InvalidSignatureException, id="wrong-secret"),
        pytest.param({"region": "eu-west-1"}, InvalidSignatureException, id="wrong-region"),
        pytest.param({"akid": "AKIDUNKNOWN"}, UnrecognizedClientException, id="unknown-key"),
    ],
)
def test_signature_failures(kwargs: dict[str, str], error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        _verify(_signed(**kwargs))
    assert info.value.code == 403
    assert SECRET not in str(info.value) and "wrong" not in str(info.value)


def test_mismatch_message_is_aws_wording() -> None:
    with pytest.raises(InvalidSignatureException) as info:
        _verify(_signed(secret="wrong"))
    assert info.value.message.startswith("The request signature we calculated does not match the signature")


def test_tampered_body_or_path_fails() -> None:
    headers = _signed()
    with pytest.raises(InvalidSignatureException):
        _verify(headers, body=b'{"inputText":"hello there"}')
    with pytest.raises(InvalidSignatureException):
        _verify(headers, path="/model/amazon.titan-embed-text-v1/invoke")


def test_decoded_path_would_not_verify() -> None:
    # The raw on-wire path is what was signed; the decoded one (':' instead of '%3A') is not.
    with pytest.raises(InvalidSignatureException):
        _verify(_signed(), path="/model/amazon.titan-embed-text-v2:0/invoke")


def test_expired_signature_message() -> None:
    headers = _signed(when=NOW - timedelta(minutes=16))
    with pytest.raises(InvalidSignatureException) as info:
        _verify(headers)
    assert info.value.message == (
        "Signature expired: 20250101T114400Z is now earlier than 20250101T114500Z (20250101T120000Z - 15 min.)"
    )


def test_future_signature_and_configurable_skew() -> None:
    headers = _signed(when=NOW + timedelta(minutes=20))
    with pytest.raises(InvalidSignatureException) as info:
        _verify(headers)
    assert info.value.message.startswith("Signature not yet current: 20250101T122000Z is still later than")
    assert _verify(headers, AuthConfig({AKID: SECRET}, clock_skew_seconds=3600)).key == AKID
    assert _verify(headers, AuthConfig({AKID: SECRET}, clock_skew_seconds=None)).key == AKID


def test_missing_authorization() -> None:
    with pytest.raises(MissingAuthorization) as info:
        _verify({"Host": "127.0.0.1:8080"})
    assert info.value.code == 403
    assert info.value.body() == {"Message": "Authorization header is missing"}


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(
            "AWS4-HMAC-SHA256 Credential=AKIDTEST/20250101/us-east-1/bedrock/aws4_request", id="no-sig"
        ),
        pytest.param(
            "AWS4-HMAC-SHA256 Credential=AKIDTEST, SignedHeaders=host, Signature=ab", id="bad-scope"
        ),
        pytest.param("Basic dXNlcjpwYXNz", id="other-scheme"),
    ],
)
def test_malformed_authorization(value: str) -> None:
    with pytest.raises(IncompleteSignatureException) as info:
        _verify({"Host": "h", "X-Amz-Date": "20250101T120000Z", "Authorization": value})
    assert info.value.code == 400


def test_bearer_tokens() -> None:
    config = AuthConfig({AKID: SECRET}, bearer_tokens=frozenset({"ABSK-good"}))
    principal = _verify({"Authorization": "Bearer ABSK-good"}, config)
    assert principal.scheme == "bearer" and principal.key.startswith("fp-") and "ABSK" not in principal.key
    with pytest.raises(UnrecognizedClientException):
        _verify({"Authorization": "Bearer ABSK-bad"}, config)


def test_lenient_mode_accepts_any_wellformed_signature_in_region() -> None:
    lenient = AuthConfig(None, regions=("us-east-1",))
    assert _verify(_signed(secret="anything"), lenient).key == AKID
    with pytest.raises(InvalidSignatureException):
        _verify(_signed(region="eu-west-1"), lenient)


def test_multiple_regions() -> None:
    config = AuthConfig({AKID: SECRET}, regions=("us-east-1", "eu-west-1"))
    assert _verify(_signed(region="eu-west-1"), config).region == "eu-west-1"


def test_config_repr_hides_secrets() -> None:
    config = AuthConfig({AKID: SECRET}, bearer_tokens=frozenset({"ABSK-good"}))
    assert SECRET not in repr(config) and "ABSK-good" not in repr(config)
