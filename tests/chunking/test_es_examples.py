"""Example tests mirroring ES's WordBoundaryChunkerTests / SentenceBoundaryChunkerTests expectations.

Source: elastic/elasticsearch x-pack/plugin/inference/src/test/java/org/elasticsearch/xpack/inference/chunking/.
"""

from __future__ import annotations

import itertools
import re

import pytest

from mocks.reference._breaks import segment, skip_words
from mocks.reference.chunking import (
    chunk,
    count_words,
    sentence_chunk_offsets,
    word_chunk_offsets,
)

TEST_TEXT = (
    "Word segmentation is the problem of dividing a string of written language into its component words.\n"
    "In English and many other languages using some form of the Latin alphabet, the space is a good approximation "
    "of a word divider (word delimiter), although this concept has limits because of the variability with which "
    "languages emically regard collocations and compounds. Many English compound nouns are variably written (for "
    "example, ice box = ice-box = icebox; pig sty = pig-sty = pigsty) with a corresponding variation in whether "
    "speakers think of them as noun phrases or single nouns; there are trends in how norms are set, such as that "
    "open compounds often tend eventually to solidify by widespread convention, but variation remains systemic. "
    "In contrast, German compound nouns show less orthographic variation, with solidification being a stronger norm."
)


def _texts(text: str, offsets: list) -> list[str]:
    return [text[s:e] for s, e in offsets]


def _numbers(n: int) -> str:
    return "".join(f"{i} " for i in range(n))


def _expected_number_of_chunks(num_words: int, window: int, overlap: int) -> int:
    if num_words < window:
        return 1
    new_per_window = window - overlap
    return 1 + (num_words - window + new_per_window - 1) // new_per_window


# ---------------------------------------------------------------------------------------------- word


def test_single_split_keeps_whole_text() -> None:
    assert _texts(TEST_TEXT, word_chunk_offsets(TEST_TEXT, 10_000, 0)) == [TEST_TEXT]


@pytest.mark.parametrize("chunk_size", [10, 20, 100, 300])
def test_chunk_size_on_whitespace_no_overlap(chunk_size: int) -> None:
    words = len(TEST_TEXT.split())
    assert len(word_chunk_offsets(TEST_TEXT, chunk_size, 0)) == (words + chunk_size - 1) // chunk_size


@pytest.mark.parametrize("num_words", [10, 22, 50, 73, 100])
@pytest.mark.parametrize(("window", "overlap"), [(10, 4), (10, 2), (20, 4), (20, 10)])
def test_number_of_chunks(num_words: int, window: int, overlap: int) -> None:
    chunks = chunk(_numbers(num_words), {"strategy": "word", "max_chunk_size": window, "overlap": overlap})
    assert len(chunks) == _expected_number_of_chunks(num_words, window, overlap)


@pytest.mark.parametrize("num_words", [7, 8, 9, 10])
def test_window_spanning_overlap_words_only(num_words: int) -> None:
    assert len(word_chunk_offsets(_numbers(num_words), 10, 3)) == 1


def test_window_spanning_eleven_words_makes_two_chunks() -> None:
    assert len(word_chunk_offsets(_numbers(11), 10, 3)) == 2


@pytest.mark.parametrize("num_words", [4, 19, 20, 21, 57, 120])
@pytest.mark.parametrize(("window", "overlap"), [(20, 10), (10, 4), (15, 3)])
def test_window_spanning_words_contents(num_words: int, window: int, overlap: int) -> None:
    text = _numbers(num_words).rstrip()
    chunks = _texts(text, word_chunk_offsets(text, window, overlap))
    expected, start = [], 0
    while True:
        end = min(start + window, num_words)
        body = " ".join(str(i) for i in range(start, end))
        expected.append((" " if expected else "") + body)
        if end == num_words:
            break
        start += window - overlap
    assert chunks == expected


def test_empty_and_whitespace() -> None:
    settings = {"strategy": "word", "max_chunk_size": 10, "overlap": 5}
    assert chunk("", settings) == [""]
    assert chunk(" ", settings) == [" "]


@pytest.mark.parametrize(
    ("text", "size", "expected"),
    [
        pytest.param("Comma, separated", 1, ["Comma", ", separated"], id="comma"),
        pytest.param("Mme. Thénardier", 1, ["Mme", ". Thénardier"], id="abbreviation"),
        pytest.param("Won't you chunk", 1, ["Won't", " you", " chunk"], id="apostrophe-1"),
        pytest.param("Won't you chunk", 10, ["Won't you chunk"], id="apostrophe-10"),
    ],
)
def test_punctuation(text: str, size: int, expected: list[str]) -> None:
    assert _texts(text, word_chunk_offsets(text, size, 0)) == expected


@pytest.mark.parametrize(("size", "overlap"), [(4, 10), (10, 6)])
def test_invalid_params(size: int, overlap: int) -> None:
    with pytest.raises(
        ValueError, match=rf"overlap \[{overlap}\] must be < chunk size / 2 \[{size} / 2 = {size // 2}\]"
    ):
        word_chunk_offsets("not evaluated", size, overlap)


# ------------------------------------------------------------------------------------------ sentence


@pytest.mark.parametrize("text", ["", "   ", "   b", "b", ". ", " , ", " ,", "a" * 32_000])
@pytest.mark.parametrize("overlap", [0, 1])
def test_degenerate_inputs_are_one_chunk(text: str, overlap: int) -> None:
    assert _texts(text, sentence_chunk_offsets(text, 100, overlap)) == [text]


@pytest.mark.parametrize(("size", "expected"), [(10, 21), (30, 7), (50, 4)])
def test_sentences_longer_than_chunk_size(size: int, expected: int) -> None:
    chunks = _texts(TEST_TEXT, sentence_chunk_offsets(TEST_TEXT, size, 0))
    assert len(chunks) == expected
    for piece in chunks:
        words = [w for w in piece.strip().replace("=", "").replace("-", " ").split() if w]
        if piece.strip().endswith("."):
            assert len(words) <= size
        else:
            assert len(words) == size


@pytest.mark.parametrize("size", [10, 30, 50])
def test_sentences_longer_than_chunk_size_with_overlap(size: int) -> None:
    chunks = _texts(TEST_TEXT, sentence_chunk_offsets(TEST_TEXT, size, 1))
    assert "Word segmentation is the problem of dividing" in chunks[0]
    assert ", with solidification being a stronger norm." in chunks[-1]


@pytest.mark.parametrize("overlap", [0, 1])
def test_chunk_size_larger_than_text(overlap: int) -> None:
    assert _texts(TEST_TEXT, sentence_chunk_offsets(TEST_TEXT, 500, overlap))[0] == TEST_TEXT


@pytest.mark.parametrize("size", [100, 200])
def test_large_chunk_sizes_start_and_end_on_sentences(size: int) -> None:
    chunks = chunk(TEST_TEXT, {"strategy": "sentence", "max_chunk_size": size, "sentence_overlap": 0})
    assert len(chunks) == _expected_sentence_chunks(size)
    for piece in chunks:
        assert piece[0].isupper()
        assert piece.strip().endswith(".")


def _expected_sentence_chunks(size: int) -> int:
    """ES's ``expectedNumberOfChunks(sentenceSizes(TEST_TEXT), size)`` (whitespace/hyphen word counts)."""
    lengths = [
        len([w for w in re.split(r"[ \-]+", s.replace("=", "")) if w]) for s in re.split(r"\.\s+", TEST_TEXT)
    ]
    count, running = 1, 0
    for length in lengths:
        if running + length > size:
            count, running = count + 1, length
        else:
            running += length
    return count


def _sentence(num_words: int, index: int) -> str:
    return f"SStart{index} " + "".join(f"{i} " for i in range(1, num_words - 1)) + f"{num_words - 1}. "


def test_short_long_short_sentences_with_overlap() -> None:
    text = "".join(_sentence(n, i) for i, n in enumerate([15, 30, 20, 5]))
    chunks = _texts(text, sentence_chunk_offsets(text, 40, 1))
    assert len(chunks) == 5
    assert chunks[0].strip().startswith("SStart0") and chunks[0].strip().endswith(".")
    assert chunks[1].strip().startswith("SStart0") and not chunks[1].strip().endswith(".")
    assert chunks[2].strip().endswith(".")
    assert chunks[3].strip().endswith(".")
    assert (
        chunks[4].strip().startswith("SStart2") and "SStart3" in chunks[4] and chunks[4].strip().endswith(".")
    )


@pytest.mark.parametrize("num_sentences", [2, 3, 4, 5])
def test_with_overlap_sentences_fit_in_chunks(num_sentences: int) -> None:
    num_chunks, size = 4, 100
    rough = size // num_sentences - 1
    parts, starts, index = [], [0], 0
    for _ in range(num_sentences):
        parts.append(_sentence(rough, index))
        index += 1
    for _ in range(1, num_chunks):
        starts.append(index - 1)
        count = rough
        while count + rough < size:
            parts.append(_sentence(rough, index))
            index += 1
            count += rough
    text = "".join(parts)
    chunks = _texts(text, sentence_chunk_offsets(text, size, 1))
    assert len(chunks) == num_chunks
    for piece, start in zip(chunks, starts, strict=True):
        assert piece.startswith(f"SStart{start}")
        assert piece.strip().endswith(".")


def test_skip_words() -> None:
    text = "".join(f"word{i} " for i in range(50))
    seg = segment(text)
    pos = skip_words(seg, 0, 3)
    assert text[pos:].startswith("word3 ")
    pos = skip_words(seg, pos + 1, 1)
    assert text[pos:].startswith("word4 ")
    pos = skip_words(seg, pos + 1, 5)
    assert text[pos:].startswith("word9 ")
    assert skip_words(seg, 0, 60) == len(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("This is a short sentence.", 5),
        ("Followed by another.", 3),
        ("foo != bar", 2),
        ("foo & bar", 2),
        ("m&s", 2),
        ("ice-box = icebox", 3),
        ("3.14 and 1,000 U.S.A", 4),
        ("", 0),
    ],
)
def test_count_words(text: str, words: int) -> None:
    assert count_words(text) == words


def test_none_strategy_returns_whole_text() -> None:
    assert chunk(TEST_TEXT, {"strategy": "none"}) == [TEST_TEXT]


def test_default_settings_are_sentence_250() -> None:
    text = " ".join(_sentence(100, i) for i in range(6))
    assert chunk(text, None) == chunk(
        text, {"strategy": "sentence", "max_chunk_size": 250, "sentence_overlap": 1}
    )
    assert len(chunk(text, {})) > 1


def test_unknown_strategy_raises() -> None:
    with pytest.raises(ValueError, match="Invalid chunkingStrategy paragraph"):
        chunk("a b", {"strategy": "paragraph", "max_chunk_size": 10})


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        pytest.param("Hello world. This is it.", ["Hello world. ", "This is it."], id="period"),
        pytest.param("Stop! Go? Yes.", ["Stop! ", "Go? ", "Yes."], id="bang-question"),
        pytest.param(
            "See e.g. the box. Next one", ["See e.g. the box. ", "Next one"], id="lower-case-after-period"
        ),
        pytest.param("Pi is 3.14 today. Ok", ["Pi is 3.14 today. ", "Ok"], id="decimal"),
        pytest.param("Line one\nLine two", ["Line one\n", "Line two"], id="newline"),
        pytest.param('He said "Go." Then left.', ['He said "Go." ', "Then left."], id="closing-quote"),
        pytest.param("Wait?! Really.", ["Wait?! ", "Really."], id="terminator-run"),
    ],
)
def test_sentence_boundaries_follow_icu_rules(text: str, sentences: list[str]) -> None:
    from mocks.reference._breaks import sentence_boundaries

    bounds = [0, *sentence_boundaries(text)]
    assert [text[a:b] for a, b in itertools.pairwise(bounds)] == sentences
