"""Deterministic outputs shared by every mock, and the harness's oracle for them.

``embedding_for`` derives a unit-norm vector from ``(seed, model, input)``: a blake2b digest seeds numpy's
``default_rng`` (reproduced at less cost by :mod:`mocks.core.seeding`), whose normal draws are normalised
and rounded to float32. Every value is exactly a float32, so the float JSON list, the base64 float32 bytes
and this function agree bit for bit. The first ``k`` draws do not depend on ``dimensions``, so a shortened
vector is the renormalised prefix of the full one (like OpenAI's ``dimensions``).

Cost under a threaded server (granian's WSGI threads): numpy releases the interpreter lock for element-wise
loops over more than 500 elements (``NPY_BEGIN_THREADS_THRESHOLDED``), and while a request's thread waits to
take it back, other requests' threads run; each hand-off is a thread switch. So the element-wise steps run
on slices of at most :data:`_SLICE` elements (the same operations on the same values): more numpy calls on
one thread, fewer switches under load (``bench/mock_throughput.py``'s docstring has the measurements). The
norm is ``draws @ draws``, which equals ``draws.dot(draws)`` (tests/mocks_core/test_secrets_vectors.py
compares the vectors with the plain definition) but keeps the lock where ``dot`` releases it. Only the
normal draws (one ``standard_normal`` call, which always releases it) still hand the lock over.

``completion_for`` writes text with a Faker seeded from ``(seed, model, prompt)``.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from mocks.core.seeding import normals

__all__ = ["as_float64", "completion_for", "embedding_array", "embedding_bytes", "embedding_for", "token_count"]

#: numpy keeps the interpreter lock for element-wise loops up to this length (see the module docstring)
_SLICE = 500

TextOrTokens = str | Sequence[int]


def _key(value: TextOrTokens) -> str | tuple[int, ...]:
    if isinstance(value, str):
        return value
    return tuple(int(v) for v in value)


def _digest(seed: int, model: str, value: str | tuple[int, ...]) -> int:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{int(seed)}\x00{model}\x00".encode())
    if isinstance(value, str):
        h.update(b"s\x00" + value.encode("utf-8", "surrogatepass"))
    else:
        h.update(b"t\x00" + ",".join(map(str, value)).encode())
    return int.from_bytes(h.digest(), "little")


@lru_cache(maxsize=2048)
def _vector(seed: int, model: str, value: str | tuple[int, ...], dimensions: int) -> np.ndarray:
    draws = normals(_digest(seed, model, value), dimensions)  # = default_rng(digest).standard_normal(dimensions)
    # math.sqrt(x.dot(x)) is what np.linalg.norm computes for a 1-D float64 vector, minus its overhead;
    # x @ x is the same inner product without releasing the interpreter lock (see the module docstring).
    norm = math.sqrt(draws @ draws) or 1.0
    vec = np.empty(dimensions, "<f4")
    for start in range(0, dimensions, _SLICE):  # = (draws / norm).astype("<f4"), see _SLICE
        part = draws[start : start + _SLICE]
        np.divide(part, norm, out=part)
        vec[start : start + _SLICE] = part
    vec.setflags(write=False)
    return vec


def as_float64(vec: np.ndarray) -> np.ndarray:
    """``vec.astype(np.float64)``, cast in slices that keep the interpreter lock (see the module docstring)."""
    wide = np.empty(len(vec), np.float64)
    for start in range(0, len(vec), _SLICE):
        wide[start : start + _SLICE] = vec[start : start + _SLICE]
    return wide


def embedding_array(text_or_tokens: TextOrTokens, *, model: str, dimensions: int, seed: int = 0) -> np.ndarray:
    """The embedding as a read-only little-endian float32 numpy array (cached; do not modify)."""
    if int(dimensions) < 1:
        raise ValueError(f"dimensions must be >= 1, got {dimensions!r}")
    return _vector(int(seed), model, _key(text_or_tokens), int(dimensions))


def embedding_for(text_or_tokens: TextOrTokens, *, model: str, dimensions: int, seed: int = 0) -> list[float]:
    """The deterministic unit-norm embedding of a text (or token-id list) for ``model``.

    Example::

        >>> v = embedding_for("hello", model="text-embedding-3-small", dimensions=4, seed=1)
        >>> len(v), v == embedding_for("hello", model="text-embedding-3-small", dimensions=4, seed=1)
        (4, True)
    """
    return embedding_array(text_or_tokens, model=model, dimensions=dimensions, seed=seed).tolist()


def embedding_bytes(text_or_tokens: TextOrTokens, *, model: str, dimensions: int, seed: int = 0) -> bytes:
    """The same embedding as little-endian float32 bytes (what OpenAI's ``encoding_format=base64`` encodes)."""
    return embedding_array(text_or_tokens, model=model, dimensions=dimensions, seed=seed).tobytes()


def token_count(text_or_tokens: TextOrTokens) -> int:
    """A cheap, deterministic token count: whitespace words (at least 1) or the token-list length."""
    if isinstance(text_or_tokens, str):
        return max(1, len(text_or_tokens.split()))
    return len(text_or_tokens)


_local = threading.local()


def _faker():  # type: ignore[no-untyped-def]
    fake = getattr(_local, "faker", None)
    if fake is None:
        from faker import Faker

        fake = Faker("en_US")
        _local.faker = fake
    return fake


@lru_cache(maxsize=1024)
def _completion(seed: int, model: str, prompt: str) -> str:
    fake = _faker()
    fake.seed_instance(_digest(seed, model, prompt))
    return str(fake.paragraph(nb_sentences=3))


def completion_for(prompt: str, *, model: str, seed: int = 0) -> str:
    """Deterministic completion text for ``prompt`` (a Faker paragraph seeded from seed, model and prompt)."""
    return _completion(int(seed), model, prompt)
