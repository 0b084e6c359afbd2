"""``np.random.default_rng(entropy).standard_normal(n)`` for a 128-bit ``entropy``, at a third of the cost.

``default_rng(entropy)`` builds a ``SeedSequence``, a ``PCG64`` and a ``Generator`` on every call; under a
threaded server that is a fifth of the OpenAI mock's interpreter time per request (``SeedSequence``'s
``generate_state`` runs under a numpy ``errstate`` context, a context variable set and reset each time).
:func:`normals` instead reseeds one ``Generator`` per thread with the state ``PCG64(SeedSequence(entropy))``
starts from, computed here in plain integers:

* ``SeedSequence``'s entropy mixing (``mix_entropy``, pool size 4) and ``generate_state(4, uint64)``, as
  numpy's ``numpy/random/bit_generator.pyx`` defines them (NEP 19 keeps ``SeedSequence`` stable). An entropy
  of fewer than four 32-bit words mixes exactly like one padded with zero words, so every entropy below
  2**128 is four words here.
* ``PCG64``'s seeding (``pcg64_set_seed`` -> ``pcg_setseq_128_srandom_r`` in numpy's ``pcg64.h``): the first
  two 64-bit words are the initial state, the last two the stream; ``inc = stream << 1 | 1``, then
  ``state = ((inc + initial) * MULT + inc) mod 2**128``.

Tests compare :func:`pcg64_state` with ``np.random.PCG64(entropy).state`` and :func:`normals` with
``default_rng`` (tests/mocks_core/test_secrets_vectors.py).
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["normals", "pcg64_state"]

_M32 = 0xFFFFFFFF
_M128 = (1 << 128) - 1
#: PCG_DEFAULT_MULTIPLIER_128 (numpy's pcg64.h)
_PCG_MULT = (2549297995355413924 << 64) + 4865540595714422341


def _hash_constants(init: int, mult: int, count: int) -> tuple[int, ...]:
    out = [init]
    for _ in range(count):
        out.append((out[-1] * mult) & _M32)
    return tuple(out)


# SeedSequence's hash constants run through the same sequence for every entropy, so they are computed once:
# mix_entropy makes 4 + 12 hashmix calls (INIT_A, MULT_A), generate_state draws 8 words (INIT_B, MULT_B).
_MIX = _hash_constants(0x43B0D7E5, 0x931E8875, 16)
_GEN = _hash_constants(0x8B51F9DD, 0x58F38DED, 8)
_PAIRS = tuple((src, dst) for src in range(4) for dst in range(4) if src != dst)


def pcg64_state(entropy: int) -> tuple[int, int]:
    """``(state, inc)`` of ``np.random.PCG64(entropy)`` for ``0 <= entropy < 2**128``."""
    if not 0 <= entropy <= _M128:
        raise ValueError("entropy must be a non-negative integer below 2**128")
    mix = _MIX
    pool = []
    for i in range(4):  # hashmix(word i)
        v = ((((entropy >> (32 * i)) & _M32) ^ mix[i]) * mix[i + 1]) & _M32
        pool.append(v ^ (v >> 16))
    k = 4
    for src, dst in _PAIRS:  # mix(pool[dst], hashmix(pool[src]))
        v = ((pool[src] ^ mix[k]) * mix[k + 1]) & _M32
        v ^= v >> 16
        k += 1
        r = (0xCA01F9DD * pool[dst] - 0x4973F715 * v) & _M32
        pool[dst] = r ^ (r >> 16)
    gen = _GEN
    w = []
    for i in range(8):  # generate_state: 8 uint32 words, read as 4 little-endian uint64
        v = ((pool[i & 3] ^ gen[i]) * gen[i + 1]) & _M32
        w.append(v ^ (v >> 16))
    initial = (w[1] << 96) | (w[0] << 64) | (w[3] << 32) | w[2]
    inc = ((((w[5] << 96) | (w[4] << 64) | (w[7] << 32) | w[6]) << 1) | 1) & _M128
    return ((inc + initial) * _PCG_MULT + inc) & _M128, inc


_local = threading.local()


def normals(entropy: int, count: int) -> np.ndarray:
    """``np.random.default_rng(entropy).standard_normal(count)`` (a new float64 array), ``entropy < 2**128``."""
    gen = getattr(_local, "generator", None)
    if gen is None:
        gen = _local.generator = np.random.Generator(np.random.PCG64(0))
    state, inc = pcg64_state(entropy)
    gen.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": state, "inc": inc},
        "has_uint32": 0,
        "uinteger": 0,
    }
    return gen.standard_normal(count)
