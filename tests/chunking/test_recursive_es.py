"""The recursive chunker against Elasticsearch's own tests (``RecursiveChunkerTests``, elastic/elasticsearch
``x-pack/plugin/core/src/test/java/org/elasticsearch/xpack/core/inference/chunking/RecursiveChunkerTests.java``),
ported with fixed choices where the Java test draws separators at random."""

from __future__ import annotations

import pytest

from contract._chunking import SEPARATOR_GROUPS
from mocks.reference.chunking import ChunkOffset, chunk_offsets, recursive_chunk_offsets

SENTENCE = "This is a test sentence that has ten total words. "
SEPARATORS = ["\n", "\f", "\t"]  # a subset of the Java test's ["\n", "\f", "\t", "#"]
N = len(SENTENCE)


def _text(splitters: list[str]) -> str:
    return SENTENCE + "".join(splitter + SENTENCE for splitter in splitters)


def test_empty_and_short_inputs_are_one_chunk() -> None:
    assert recursive_chunk_offsets("", 10, SEPARATORS) == [ChunkOffset(0, 0)]
    assert recursive_chunk_offsets("a", 10, SEPARATORS) == [ChunkOffset(0, 1)]


def test_one_split_with_merges() -> None:
    text = _text([SEPARATORS[0], SEPARATORS[0]])
    first_end = N * 2 + len(SEPARATORS[0])
    assert recursive_chunk_offsets(text, 20, SEPARATORS) == [
        ChunkOffset(0, first_end),
        ChunkOffset(first_end, len(text)),
    ]


def test_multiple_splits_without_merges() -> None:
    s0, s1 = SEPARATORS[0], SEPARATORS[1]
    text = _text([s1, s0, s1])
    ends = [N, N * 2 + len(s1), N * 3 + len(s0) + len(s1)]
    expected = [ChunkOffset(0, ends[0]), ChunkOffset(ends[0], ends[1]), ChunkOffset(ends[1], ends[2])]
    assert recursive_chunk_offsets(text, 15, SEPARATORS) == [*expected, ChunkOffset(ends[2], len(text))]


def test_does_not_split_once_a_chunk_fits() -> None:
    s0, s1, s2 = SEPARATORS
    text = _text([s1, s0, s2, s1])
    first = N * 2 + len(s1)
    second = N * 4 + len(s1) + len(s0) + len(s2)
    expected = [ChunkOffset(0, first), ChunkOffset(first, second), ChunkOffset(second, len(text))]
    assert recursive_chunk_offsets(text, 25, SEPARATORS) == expected


def test_backup_sentence_chunker() -> None:
    text = _text(["", SEPARATORS[0], ""])
    ends = [N, N * 2, N * 3 + len(SEPARATORS[0])]
    expected = [ChunkOffset(0, ends[0]), ChunkOffset(ends[0], ends[1]), ChunkOffset(ends[1], ends[2])]
    assert recursive_chunk_offsets(text, 10, SEPARATORS) == [*expected, ChunkOffset(ends[2], len(text))]


def test_regex_separators() -> None:
    separators = [r"(?<!\n)\n(?!\n)", r"(?<!\n)\n\n(?!\n)"]
    text = _text(["\n", "\n", "\n\n"])
    ends = [N, N * 2 + 1, N * 3 + 2]
    expected = [ChunkOffset(0, ends[0]), ChunkOffset(ends[0], ends[1]), ChunkOffset(ends[1], ends[2])]
    assert recursive_chunk_offsets(text, 10, separators) == [*expected, ChunkOffset(ends[2], len(text))]


@pytest.mark.parametrize(
    "header", ["# Header\n", "## Header\n", "### Header\n", "###### Header\n", "Header\n-\n", "Header\n=\n"]
)
def test_markdown_group_splits_before_each_header(header: str) -> None:
    splitters = ["\n" + header] * 3
    text = header + _text(splitters)
    lengths = [len(header) + N] + [len(s) + N for s in splitters]
    starts = [sum(lengths[:i]) for i in range(len(lengths))]
    expected = [ChunkOffset(start, start + length) for start, length in zip(starts, lengths, strict=True)]
    settings = {"strategy": "recursive", "max_chunk_size": 15, "separators": list(SEPARATOR_GROUPS["markdown"])}
    assert chunk_offsets(text, settings) == expected


def test_order_is_kept_when_pieces_resolve_at_different_depths() -> None:
    separators = [f"NON_MATCHING_A_{i}" for i in range(10)] + ["\n"] + [f"NON_MATCHING_B_{i}" for i in range(10)]
    separators += ["\t"] + [f"NON_MATCHING_C_{i}" for i in range(10)]
    text = _text(["\t", "\n"])
    first, second = N, N * 2 + 1
    expected = [ChunkOffset(0, first), ChunkOffset(first, second), ChunkOffset(second, len(text))]
    assert recursive_chunk_offsets(text, 10, separators) == expected


def test_no_separator_matches_so_sentences_are_chunked() -> None:
    separators = [f"NON_MATCHING_SEPARATOR_{i}" for i in range(50)]
    text = _text([""])
    assert recursive_chunk_offsets(text, 10, separators) == [ChunkOffset(0, N), ChunkOffset(N, len(text))]
