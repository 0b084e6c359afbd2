"""The harness's chunk oracle and the reference chunker agree on the texts the harness generates.

``check.chunk_bounds`` indexes a :func:`harness.gen.strategies.chunk_text` document and counts each chunk
the upstream received with :func:`harness.checks.upstream.word_count`. Regression: a run once reported "a
45-word chunk with max_chunk_size=44" on the reference itself. The chunker was right: ES's word chunker
ends a chunk at its last word, so the next chunk starts with the ``.`` that followed (``". w60 w61 …"``),
and the oracle then split on whitespace, counting that ``.`` as a word.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract import load_profile
from harness.checks.upstream import word_count
from harness.gen.strategies import chunk_text, chunking_settings
from mocks.reference.chunking import DEFAULT_CHUNKING_SETTINGS, chunk, count_words

PROFILE = load_profile("8.18")
_SETTINGS = settings(max_examples=25, database=None, deadline=None, suppress_health_check=list(HealthCheck))


def _word(size: st.SearchStrategy[int], overlap: str) -> st.SearchStrategy[dict[str, Any]]:
    def build(m: int, o: int) -> dict[str, Any]:
        return {"strategy": "word", "max_chunk_size": m, "overlap": {"half": m // 2, "one": 1, "any": o}[overlap]}

    return size.flatmap(lambda m: st.integers(1, m // 2).map(lambda o: build(m, o)))


def _sentence(size: st.SearchStrategy[int], overlap: int | None) -> st.SearchStrategy[dict[str, Any]]:
    extra = {} if overlap is None else {"sentence_overlap": overlap}
    return size.map(lambda m: {"strategy": "sentence", "max_chunk_size": m, **extra})


#: Every chunking settings variant the generators produce (8.18 bounds: word 10-300, sentence 20-300).
VARIANTS = [
    pytest.param(_word(st.just(10), "one"), id="word-min-overlap-1"),
    pytest.param(_word(st.just(11), "half"), id="word-odd-overlap-half"),
    pytest.param(_word(st.just(300), "half"), id="word-cap-overlap-half"),
    pytest.param(_word(st.integers(10, 300), "any"), id="word-any"),
    pytest.param(_sentence(st.just(20), 1), id="sentence-min-overlap-1"),
    pytest.param(_sentence(st.integers(20, 300), 0), id="sentence-overlap-0"),
    pytest.param(_sentence(st.integers(20, 300), None), id="sentence-overlap-omitted"),
    pytest.param(_sentence(st.just(300), 1), id="sentence-cap"),
    pytest.param(st.just({"strategy": "none"}), id="none"),
    pytest.param(st.sampled_from([None, {}]), id="default"),
    pytest.param(chunking_settings(PROFILE), id="generator-8.18"),
    pytest.param(chunking_settings(load_profile("9.4")), id="generator-9.4"),
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_oracle_counts_exactly_and_every_chunk_is_bounded(variant: st.SearchStrategy[dict[str, Any] | None]) -> None:
    @_SETTINGS
    @given(st.data())
    def prop(data: st.DataObject) -> None:
        chunking = data.draw(variant)
        effective = chunking or DEFAULT_CHUNKING_SETTINGS
        size = int(effective.get("max_chunk_size") or 0)
        text = data.draw(chunk_text(words=max(size, 20) * 3))  # what check.chunk_bounds indexes
        chunks = chunk(text, chunking)
        assert chunks
        for piece in chunks:
            # the simple count is exact on generated text: it equals the ICU-style count of the chunker
            assert word_count(piece) == count_words(piece), piece
            if effective["strategy"] in ("word", "sentence"):
                assert word_count(piece) <= size, (chunking, piece)
        if effective["strategy"] == "none":
            assert chunks == [text]

    prop()


def test_regression_chunk_starting_with_the_period() -> None:
    """The reported case: word chunks of 44 with a period after the 44th word."""
    text = " ".join(f"w{i}." if i % 30 == 29 else f"w{i}" for i in range(132))  # chunks restart after w29, w59…
    chunks = chunk(text, {"strategy": "word", "max_chunk_size": 44, "overlap": 14})
    later = [c for c in chunks[1:] if c.startswith(".")]
    assert later, chunks  # ES's word chunker leaves the '.' to the next chunk
    assert all(word_count(c) <= 44 for c in chunks)
    assert any(len(c.split()) == 45 for c in later)  # what the old whitespace count reported


def test_generated_text_has_real_sentences() -> None:
    """Capitalised sentence starts: the sentence chunker packs several sentences into one chunk."""
    text = "W0 w1 w2. W3 w4 w5. W6 w7 w8."
    assert chunk(text, {"strategy": "sentence", "max_chunk_size": 20, "sentence_overlap": 0}) == [text]
    assert chunk(text + " W9" + " w" * 12 + ".", {"strategy": "sentence", "max_chunk_size": 20,
                                                   "sentence_overlap": 0})[0] == text + " "


@pytest.mark.parametrize("words", [0, -1])
def test_chunk_text_rejects_no_words(words: int) -> None:
    with pytest.raises(ValueError, match="words must be >= 1"):
        chunk_text(words=words)
