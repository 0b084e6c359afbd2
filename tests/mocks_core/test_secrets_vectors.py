"""Pure core: fingerprints, redaction, deterministic vectors and completions."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mocks.core import (
    auth_secret,
    completion_for,
    embedding_bytes,
    embedding_for,
    fingerprint,
    redact_body,
    redact_headers,
)

CANARY = "sk-CANARY-7f3a9b2c1d"


def test_fingerprint_is_stable_and_hides_the_secret() -> None:
    fp = fingerprint(CANARY)
    assert fp == fingerprint(CANARY.encode())
    assert fp.startswith("fp-") and len(fp) == 19
    assert CANARY not in fp and fp != fingerprint(CANARY + "x")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        pytest.param("Authorization", f"Bearer {CANARY}", f"Bearer {fingerprint(CANARY)}", id="bearer"),
        pytest.param("api-key", CANARY, fingerprint(CANARY), id="azure-api-key"),
        pytest.param("x-api-key", CANARY, fingerprint(CANARY), id="x-api-key"),
        pytest.param("X-Amz-Security-Token", CANARY, fingerprint(CANARY), id="aws-session-token"),
        pytest.param("Content-Type", "application/json", "application/json", id="not-a-secret"),
    ],
)
def test_redact_headers(name: str, value: str, expected: str) -> None:
    assert redact_headers({name: value}) == ((name, expected),)


def test_redact_sigv4_keeps_scope_and_hides_key_and_signature() -> None:
    value = (
        "AWS4-HMAC-SHA256 Credential=AKIACANARY123/20240101/us-east-1/bedrock/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=abcdef0123456789"
    )
    ((_, redacted),) = redact_headers([("Authorization", value)])
    assert "AKIACANARY123" not in redacted and "abcdef0123456789" not in redacted
    assert f"Credential={fingerprint('AKIACANARY123')}/20240101/us-east-1/bedrock/aws4_request" in redacted
    assert "Signature=***" in redacted
    assert auth_secret({"Authorization": value}) == "AKIACANARY123"


def test_redact_body_fingerprints_secret_fields_only() -> None:
    body = b'{"service_settings": {"api_key": "' + CANARY.encode() + b'", "model_id": "m"}}'
    out = redact_body(body)
    assert CANARY.encode() not in out and fingerprint(CANARY).encode() in out and b'"model_id":"m"' in out
    assert redact_body(b'{"input": "x"}') == b'{"input": "x"}'


def test_embedding_is_deterministic_unit_norm_float32() -> None:
    vec = embedding_for("hello", model="m", dimensions=64, seed=3)
    assert vec == embedding_for("hello", model="m", dimensions=64, seed=3)
    assert vec != embedding_for("hello", model="m", dimensions=64, seed=4)
    assert vec != embedding_for("hello", model="m2", dimensions=64, seed=3)
    assert abs(float(np.linalg.norm(vec)) - 1.0) < 1e-5
    assert all(float(np.float32(v)) == v for v in vec)
    assert struct.unpack("<64f", embedding_bytes("hello", model="m", dimensions=64, seed=3)) == tuple(vec)


def test_token_input_differs_from_text_input() -> None:
    assert embedding_for([1, 2, 3], model="m", dimensions=8) != embedding_for(
        "1,2,3", model="m", dimensions=8
    )
    assert embedding_for((1, 2, 3), model="m", dimensions=8) == embedding_for(
        [1, 2, 3], model="m", dimensions=8
    )


@settings(max_examples=30, deadline=None)
@given(text=st.text(min_size=1, max_size=50), dims=st.integers(1, 64), seed=st.integers(0, 2**32))
def test_shortened_embedding_is_the_renormalised_prefix(text: str, dims: int, seed: int) -> None:
    full = np.array(embedding_for(text, model="m", dimensions=64, seed=seed), dtype=np.float64)
    short = np.array(embedding_for(text, model="m", dimensions=dims, seed=seed), dtype=np.float64)
    prefix = full[:dims] / np.linalg.norm(full[:dims])
    assert np.allclose(short, prefix, atol=1e-5)


def test_embedding_rejects_bad_dimensions() -> None:
    with pytest.raises(ValueError, match="dimensions"):
        embedding_for("x", model="m", dimensions=0)


def test_completion_is_deterministic_text() -> None:
    text = completion_for("What is Elasticsearch?", model="gpt-4o", seed=1)
    assert text and isinstance(text, str)
    assert text == completion_for("What is Elasticsearch?", model="gpt-4o", seed=1)
    assert text != completion_for("What is Elasticsearch?", model="gpt-4o", seed=2)
