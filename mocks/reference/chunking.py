"""Elasticsearch's ``word``, ``sentence`` and ``recursive`` chunkers, reproduced for the reference target.

Ports of ``WordBoundaryChunker``, ``SentenceBoundaryChunker``, ``RecursiveChunker`` and ``ChunkerUtils``
(``elastic/elasticsearch`` ``x-pack/plugin/core/.../inference/chunking/``), including their quirks:

* a word chunk ends at the end of its last word; the whitespace or punctuation after it starts the next
  chunk; consecutive word chunks share exactly ``overlap`` words; a trailing remainder holding only the
  overlap words is dropped;
* sentences are packed greedily while the word count stays ``<= max_chunk_size``; with
  ``sentence_overlap: 1`` a new chunk starts with the previous sentence trimmed to at most
  ``min(max_chunk_size // 2, 20)`` words; a sentence longer than the limit is split with the word chunker
  (overlap ``min(20, (max_chunk_size - 1) // 2)``);
* the recursive chunker splits at every match of its first separator regex (a match starts the next piece),
  merges neighbouring pieces while their summed word count stays ``<= max_chunk_size``, recurses with the
  next separator into a piece still too long, and sentence-chunks (no overlap) what no separator splits;
* ``countWords`` starts at ``BreakIterator.preceding(start)``, so it also counts the segment that ends at
  the boundary before ``start`` (a word only when a sentence starts right after a bare newline).

**Approximation.** ES segments with ICU ``BreakIterator`` (``Locale.ROOT``); the word and sentence
boundaries here come from :mod:`mocks.reference._breaks`, which implements the UAX #29 rules that matter for
counting words without ICU (CJK and Thai-like scripts count differently). For ASCII words separated by
spaces with sentence-final ``. ! ?`` the result equals ES's exactly. Separator regexes run in Python's
``re`` (``MULTILINE``, on the piece alone, as Java's matcher region with its default anchoring and opaque
bounds sees it): the two groups' separators mean the same there; a user's separator using Java-only syntax
does not (it is then a ``ValueError``), and ES's regex read limit is not applied.

Example::

    >>> chunk("one two three four five", {"strategy": "word", "max_chunk_size": 10, "overlap": 1})
    ['one two three four five']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from mocks.reference._breaks import count_words, segment, sentence_boundaries, skip_words, words_between

__all__ = [
    "DEFAULT_CHUNKING_SETTINGS",
    "ChunkOffset",
    "chunk",
    "chunk_offsets",
    "count_words",
    "recursive_chunk_offsets",
    "sentence_chunk_offsets",
    "word_chunk_offsets",
]

#: What ES (8.16+) applies to a new embedding endpoint created without ``chunking_settings``.
DEFAULT_CHUNKING_SETTINGS: Mapping[str, Any] = {
    "strategy": "sentence",
    "max_chunk_size": 250,
    "sentence_overlap": 1,
}


class ChunkOffset(NamedTuple):
    """Start (inclusive) and end (exclusive) offsets of a chunk in the input text."""

    start: int
    end: int


# --------------------------------------------------------------------------- word chunker


class _Position(NamedTuple):
    offsets: ChunkOffset
    word_count: int


def _word_positions(text: str, chunk_size: int, overlap: int) -> list[_Position]:
    if overlap < 0 or (overlap > 0 and overlap > chunk_size // 2):
        raise ValueError(
            f"Invalid chunking parameters, overlap [{overlap}] must be < chunk size / 2 "
            f"[{chunk_size} / 2 = {chunk_size // 2}]"
        )
    seg = segment(text)
    positions: list[_Position] = []
    size_less_overlap = chunk_size - overlap
    words_in_chunk = 0
    next_window_start = 0
    window_start = 0
    words_since_mark = 0
    for boundary, word in zip(seg.bounds[1:], seg.is_word[1:], strict=True):
        if not word:
            continue
        words_in_chunk += 1
        words_since_mark += 1
        if words_in_chunk >= chunk_size:
            positions.append(_Position(ChunkOffset(window_start, boundary), words_in_chunk))
            words_in_chunk = overlap
            if overlap == 0:
                next_window_start = boundary
            window_start = next_window_start
        if words_since_mark == size_less_overlap:
            next_window_start = boundary
            words_since_mark = 0
    # The remainder is dropped when it holds only the overlap words, unless nothing was emitted.
    if words_in_chunk > overlap or not positions:
        positions.append(_Position(ChunkOffset(window_start, len(text)), words_in_chunk))
    return positions


def word_chunk_offsets(text: str, max_chunk_size: int, overlap: int) -> list[ChunkOffset]:
    """Chunk offsets of ES's ``WordBoundaryChunker.chunk(text, max_chunk_size, overlap)``.

    Raises ``ValueError`` when ``overlap`` is negative or above ``max_chunk_size // 2`` (ES's
    ``IllegalArgumentException``).
    """
    return [p.offsets for p in _word_positions(text, max_chunk_size, overlap)]


# --------------------------------------------------------------------------- sentence chunker


def sentence_chunk_offsets(text: str, max_chunk_size: int, sentence_overlap: int) -> list[ChunkOffset]:
    """Chunk offsets of ES's ``SentenceBoundaryChunker.chunk(text, max_chunk_size, sentence_overlap > 0)``."""
    include_preceding = sentence_overlap > 0
    seg = segment(text)
    chunks: list[ChunkOffset] = []
    chunk_start = chunk_end = sentence_start = chunk_word_count = 0
    words_in_preceding = previous_sentence_start = 0
    for sentence_end in sentence_boundaries(text):
        words_in_sentence = words_between(seg, sentence_start, sentence_end)
        if chunk_word_count + words_in_sentence > max_chunk_size:
            next_chunk_word_count = words_in_sentence
            if chunk_word_count > 0:
                chunks.append(ChunkOffset(chunk_start, chunk_end))
                if include_preceding:
                    if words_in_preceding + words_in_sentence > max_chunk_size:
                        skip = _num_words_to_skip(words_in_preceding, max_chunk_size)
                        chunk_start = skip_words(seg, previous_sentence_start, skip)
                        chunk_word_count = words_in_preceding - skip + words_in_sentence
                    else:
                        chunk_word_count = words_in_preceding + words_in_sentence
                        chunk_start = previous_sentence_start
                    next_chunk_word_count = chunk_word_count
                else:
                    chunk_start = chunk_end
                    chunk_word_count = words_in_sentence
            if next_chunk_word_count > max_chunk_size:
                splits = _word_positions(
                    text[chunk_start:sentence_end], max_chunk_size, min(20, (max_chunk_size - 1) // 2)
                )
                for split in splits[:-1]:
                    chunks.append(ChunkOffset(chunk_start + split.offsets.start, chunk_start + split.offsets.end))
                chunk_start += splits[-1].offsets.start
                chunk_word_count = splits[-1].word_count
        else:
            chunk_word_count += words_in_sentence
        if include_preceding:
            previous_sentence_start = sentence_start
            words_in_preceding = words_in_sentence
        sentence_start = chunk_end = sentence_end
    if chunk_word_count > 0:
        chunks.append(ChunkOffset(chunk_start, len(text)))
    if not chunks:
        chunks.append(ChunkOffset(0, len(text)))
    return chunks


# --------------------------------------------------------------------------- recursive chunker


def recursive_chunk_offsets(text: str, max_chunk_size: int, separators: list[str]) -> list[ChunkOffset]:
    """Chunk offsets of ES's ``RecursiveChunker.chunk(text, separators, max_chunk_size)``.

    Raises:
        ValueError: a separator Python's ``re`` cannot compile.
    """
    seg = segment(text)
    try:
        patterns = [re.compile(separator, re.MULTILINE) for separator in separators]
    except re.error as exc:
        raise ValueError(f"separator regex not supported here: {exc}") from None

    def piece(start: int, end: int) -> tuple[ChunkOffset, int]:
        return ChunkOffset(start, end), words_between(seg, start, end)

    def split(offset: ChunkOffset, pattern: re.Pattern[str]) -> list[tuple[ChunkOffset, int]]:
        pieces, start = [], offset.start
        for match in pattern.finditer(text[offset.start : offset.end]):
            end = offset.start + match.start()
            if start < end:
                pieces.append(piece(start, end))
            start = end
        if start < offset.end:
            pieces.append(piece(start, offset.end))
        return pieces

    def merge(pieces: list[tuple[ChunkOffset, int]]) -> list[tuple[ChunkOffset, int]]:
        if len(pieces) < 2:
            return pieces
        merged, current = [], pieces[0]
        for following in pieces[1:]:
            joined = (ChunkOffset(current[0].start, following[0].end), current[1] + following[1])
            if joined[1] <= max_chunk_size:
                current = joined
            else:
                merged.append(current)
                current = following
        merged.append(current)
        return merged

    def chunk(offset: ChunkOffset, index: int) -> list[ChunkOffset]:
        if offset.start == offset.end or words_between(seg, offset.start, offset.end) <= max_chunk_size:
            return [offset]
        if index >= len(patterns):  # the backup: SentenceBoundaryChunker, no overlap, on the piece alone
            backup = sentence_chunk_offsets(text[offset.start : offset.end], max_chunk_size, 0)
            return [ChunkOffset(c.start + offset.start, c.end + offset.start) for c in backup]
        out: list[ChunkOffset] = []
        for candidate, words in merge(split(offset, patterns[index])):
            out.extend([candidate] if words <= max_chunk_size else chunk(candidate, index + 1))
        return out

    return chunk(ChunkOffset(0, len(text)), 0)


def _num_words_to_skip(words_in_preceding: int, max_chunk_size: int) -> int:
    max_in_overlap = min(max_chunk_size // 2, 20)
    return words_in_preceding - max_in_overlap if words_in_preceding > max_in_overlap else 0


# --------------------------------------------------------------------------- entry points


def chunk_offsets(text: str, chunking_settings: Mapping[str, Any] | None) -> list[ChunkOffset]:
    """Chunk offsets for ``text`` under ``chunking_settings`` (already validated; see :func:`chunk`)."""
    settings = chunking_settings if chunking_settings else DEFAULT_CHUNKING_SETTINGS
    strategy = str(settings.get("strategy", "")).lower()
    if strategy == "none":
        return [ChunkOffset(0, len(text))]
    if strategy == "word":
        if not text:  # WordBoundaryChunker yields no chunk for "", and ES then embeds the input whole
            return [ChunkOffset(0, 0)]
        return word_chunk_offsets(text, int(settings["max_chunk_size"]), int(settings["overlap"]))
    if strategy == "sentence":
        overlap = settings.get("sentence_overlap")
        return sentence_chunk_offsets(text, int(settings["max_chunk_size"]), 1 if overlap is None else int(overlap))
    if strategy == "recursive":
        return recursive_chunk_offsets(text, int(settings["max_chunk_size"]), list(settings["separators"]))
    raise ValueError(f"Invalid chunkingStrategy {strategy}")


def chunk(text: str, chunking_settings: Mapping[str, Any] | None) -> list[str]:
    """Split ``text`` into the chunks ES embeds for a ``semantic_text`` field bound to the endpoint.

    ``chunking_settings`` is the endpoint's validated ``chunking_settings`` object: ``{"strategy":
    "word", "max_chunk_size": N, "overlap": M}``, ``{"strategy": "sentence", "max_chunk_size": N,
    "sentence_overlap": 0|1}``, ``{"strategy": "recursive", "max_chunk_size": N, "separators": [...]}`` or
    ``{"strategy": "none"}``; ``None``/``{}`` means ES's default
    (:data:`DEFAULT_CHUNKING_SETTINGS`). Raises ``ValueError`` for an unknown strategy.

    >>> chunk("Comma, separated", {"strategy": "word", "max_chunk_size": 1, "overlap": 0})
    ['Comma', ', separated']
    """
    return [text[start:end] for start, end in chunk_offsets(text, chunking_settings)]
