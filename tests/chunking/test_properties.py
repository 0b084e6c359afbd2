"""Property tests: chunk bounds, exact word overlap and in-order coverage for any valid settings."""

from __future__ import annotations

import itertools
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mocks.reference.chunking import chunk_offsets, count_words

_WORD = re.compile(r"[A-Za-z0-9]+")

words = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8
)
# Sentences start with a capital letter, as in prose: after ". " ICU breaks only before a non-lower-case
# letter (UAX #29 rule SB8), so "x. 0 a." is one sentence for ES too.
sentences = st.builds(
    lambda first, ws, end: " ".join([first, *ws]) + end,
    st.from_regex(r"[A-Z][a-z0-9]{0,7}", fullmatch=True),
    st.lists(words, max_size=60),
    st.sampled_from([".", "!", "?"]),
)
texts = st.lists(sentences, min_size=1, max_size=25).map(" ".join)


@st.composite
def word_settings(draw: st.DrawFn) -> dict[str, object]:
    size = draw(st.integers(10, 300))
    return {"strategy": "word", "max_chunk_size": size, "overlap": draw(st.integers(1, size // 2))}


sentence_settings = st.builds(
    lambda size, overlap: {"strategy": "sentence", "max_chunk_size": size, "sentence_overlap": overlap},
    st.integers(20, 300),
    st.sampled_from([0, 1]),
)

_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _word_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(text)]


@_SETTINGS
@given(text=texts, cfg=word_settings())
def test_word_chunks_bounded_overlapping_and_covering(text: str, cfg: dict[str, object]) -> None:
    size, overlap = int(cfg["max_chunk_size"]), int(cfg["overlap"])  # type: ignore[call-overload]
    offsets = chunk_offsets(text, cfg)
    spans = _word_spans(text)
    # Word indexes each chunk covers (a word belongs to a chunk when it lies fully inside it).
    covered = [[i for i, (s, e) in enumerate(spans) if start <= s and e <= end] for start, end in offsets]
    for idx, ids in enumerate(covered):
        assert len(ids) <= size
        assert count_words(text[offsets[idx].start : offsets[idx].end]) == len(ids)
        if idx < len(covered) - 1:
            assert len(ids) == size, "every chunk but the last is full"
    for prev, nxt in itertools.pairwise(covered):
        assert prev[-overlap:] == nxt[:overlap], "consecutive chunks share exactly `overlap` words"
        assert len(set(prev) & set(nxt)) == overlap
    flat = sorted({i for ids in covered for i in ids})
    assert flat == list(range(len(spans))), "every word is in some chunk"
    assert offsets[0].start == 0
    assert all(a.start <= b.start <= a.end for a, b in itertools.pairwise(offsets)), "chunks are in order"


@_SETTINGS
@given(text=texts, cfg=sentence_settings)
def test_sentence_chunks_bounded_and_covering(text: str, cfg: dict[str, object]) -> None:
    size = int(cfg["max_chunk_size"])  # type: ignore[call-overload]
    offsets = chunk_offsets(text, cfg)
    for start, end in offsets:
        assert count_words(text[start:end]) <= size
    assert offsets[0].start == 0
    assert offsets[-1].end == len(text)
    assert all(a.start <= b.start <= a.end for a, b in itertools.pairwise(offsets)), (
        "chunks are in order, no gap"
    )
    longest = max(count_words(s) for s in re.split(r"(?<=[.!?]) ", text))
    if cfg["sentence_overlap"] == 0 and longest <= size:
        assert "".join(text[s:e] for s, e in offsets) == text, (
            "without overlap or long sentences, chunks partition the text"
        )


@_SETTINGS
@given(text=texts)
def test_count_words_matches_ascii_word_count(text: str) -> None:
    assert count_words(text) == len(_WORD.findall(text))
