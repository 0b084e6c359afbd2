"""Pure core: fingerprints, redaction, deterministic vectors and completions."""

from __future__ import annotations

import hashlib
import json
import math
import struct

import numpy as np
import orjson
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
from mocks.core.seeding import normals, pcg64_state
from mocks.core.vectors import _digest
from mocks.openai import models

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


#: sha256 (first 32 hex digits) of embedding_bytes, from the implementation before issue 14 sliced its numpy
#: steps: a faster implementation must give the same vectors, bit for bit.
PINNED = [
    ("hello", "text-embedding-3-small", 1536, 0, "f5de9c2021c8c3b34c8091e4578cac2f"),
    ("bench input 1", "text-embedding-3-small", 1536, 1, "73e37fd75c688b69978d0b7114ee7ebd"),
    ((1, 2, 3), "amazon.titan-embed-text-v2:0", 1024, 7, "5fa1e7669ec4ca24f78860e1fa32f731"),
    ("x", "m", 4, 3, "c4738bf89961206870a5267b3c107917"),
    ("\u00e9\ud800", "text-embedding-3-large", 3072, 2**32, "8debd5ac3ff0085374a7276556ff254d"),
]


@pytest.mark.parametrize(("text", "model", "dims", "seed", "digest"), PINNED)
def test_embeddings_are_the_pinned_vectors(text: str, model: str, dims: int, seed: int, digest: str) -> None:
    raw = embedding_bytes(text, model=model, dimensions=dims, seed=seed)
    assert hashlib.sha256(raw).hexdigest()[:32] == digest


def _plain_embedding(text: str, model: str, dims: int, seed: int) -> list[float]:
    """The definition, written plainly (whole-array numpy steps): what the module's sliced steps must equal."""
    draws = np.random.default_rng(_digest(seed, model, text)).standard_normal(dims)
    draws = draws / (math.sqrt(draws.dot(draws)) or 1.0)
    return [float(v) for v in draws.astype("<f4")]


@settings(max_examples=25, deadline=None)
@given(
    text=st.text(min_size=1, max_size=20),
    dims=st.sampled_from([1, 499, 500, 501, 1000, 1536, 3072]),
    seed=st.integers(0, 2**64),
)
def test_embedding_and_its_json_equal_the_plain_definition(text: str, dims: int, seed: int) -> None:
    want = _plain_embedding(text, "m", dims, seed)
    assert embedding_for(text, model="m", dimensions=dims, seed=seed) == want
    # and the JSON a float response carries (what the OpenAI mock serialises) reads back as the same floats
    body = {"model": "text-embedding-3-large", "input": text, "dimensions": dims}
    response = models.embeddings(body, seed=seed, arrays=True)
    parsed = json.loads(orjson.dumps(response, option=orjson.OPT_SERIALIZE_NUMPY))["data"][0]["embedding"]
    want = _plain_embedding(text, "text-embedding-3-large", dims, seed)
    assert [v.hex() for v in parsed] == [v.hex() for v in want]  # bit for bit, signed zeros included


def test_every_small_size_equals_the_plain_definition() -> None:
    for dims in [*range(1, 130), 255, 256, 511, 512, 1023, 1024, 2047, 2048]:
        assert embedding_for("size", model="m", dimensions=dims, seed=dims) == _plain_embedding("size", "m", dims, dims)


@settings(max_examples=50, deadline=None)
@given(
    entropy=st.one_of(st.integers(0, 2**128 - 1), st.integers(0, 2**40), st.sampled_from([0, 2**32, 2**96, 2**128 - 1]))
)
def test_seeding_reproduces_numpy_pcg64_and_default_rng(entropy: int) -> None:
    assert pcg64_state(entropy) == tuple(np.random.PCG64(entropy).state["state"].values())
    assert np.array_equal(normals(entropy, 600), np.random.default_rng(entropy).standard_normal(600))
    with pytest.raises(ValueError, match="2\\*\\*128"):
        pcg64_state(2**128)


def test_token_input_differs_from_text_input() -> None:
    assert embedding_for([1, 2, 3], model="m", dimensions=8) != embedding_for("1,2,3", model="m", dimensions=8)
    assert embedding_for((1, 2, 3), model="m", dimensions=8) == embedding_for([1, 2, 3], model="m", dimensions=8)


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
