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

**Approximation.** ES segments with ICU ``BreakIterator`` (``Locale.ROOT``). This module implements the
UAX #29 rules that matter for counting words without ICU:

* word segments: runs of letters/digits joined by ``_``, by ``. ' ’`` between two letters or two
  digits and by ``, ;`` between two digits (``Won't``, ``3.14``, ``1,000``, ``U.S.A``); combining marks
  attach to the previous character; each Han/Hiragana character is one word (ICU uses a dictionary to
  group CJK and Thai-like scripts, so counts differ for those scripts); runs of horizontal spaces form one
  segment, every other character (punctuation, symbols, ``-``) is its own non-word segment;
* sentences end after ``. ! ?`` (plus closing quotes/brackets and the following spaces), except where
  ICU does not break (``3.14``, ``U.S``, ``e.g. the``, ``?!``), and after every line/paragraph separator.

For ASCII words separated by spaces with sentence-final ``. ! ?`` the result equals ES's exactly. Separator
regexes run in Python's ``re`` (``MULTILINE``, on the piece alone, as Java's matcher region with its default
anchoring and opaque bounds sees it): the two groups' separators mean the same there; a user's separator
using Java-only syntax does not (it is then a ``ValueError``), and ES's regex read limit is not applied.

Example::

    >>> chunk("one two three four five", {"strategy": "word", "max_chunk_size": 10, "overlap": 1})
    ['one two three four five']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

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


# --------------------------------------------------------------------------- word segmentation (UAX #29)

_MID_NUM_LET = frozenset(".'\u2018\u2019\u2024\ufe52\uff07\uff0e")
_MID_LETTER = frozenset("\u00b7\u0387\u05f4\u2027\ufe13")  # ICU's root rules drop ':' and its variants
_MID_NUM = frozenset(",;\u037e\u0589\u060c\u060d\u066c\u07f8\u2044\ufe10\ufe14\ufe50\ufe54\uff0c\uff1b")
_NEWLINES = frozenset("\r\n\x0b\x0c\x85\u2028\u2029")
_NOT_WSEG_SPACE = frozenset("\u00a0\u2007\u202f")


def _is_ideographic(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x3040 <= cp <= 0x309F  # Hiragana
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3FFFF
    )


def _word_class(ch: str) -> str:
    if ch in _NEWLINES:
        return "NL"
    cat = unicodedata.category(ch)
    if cat in ("Mn", "Mc", "Me", "Cf"):
        return "EXT"
    if _is_ideographic(ch):
        return "IDEO"
    if 0x30A0 <= ord(ch) <= 0x30FF or 0x31F0 <= ord(ch) <= 0x31FF:
        return "KATA"
    if cat == "Nd":
        return "NUM"
    if cat[0] == "L" or cat == "Nl":
        return "LET"
    if cat == "Pc":
        return "ENL"
    if ch in _MID_NUM_LET:
        return "MNL"
    if ch in _MID_LETTER:
        return "ML"
    if ch in _MID_NUM:
        return "MN"
    if cat == "Zs" and ch not in _NOT_WSEG_SPACE:
        return "SP"
    return "OTHER"


@dataclass(frozen=True)
class _Segments:
    """ICU-like word boundaries: ``bounds[0] == 0``, ``bounds[-1] == len(text)``; ``is_word[i]`` is the
    rule status of the segment ending at ``bounds[i]`` (``is_word[0]`` is always False)."""

    bounds: tuple[int, ...]
    is_word: tuple[bool, ...]

    def preceding_index(self, offset: int) -> int:
        """Index of the last boundary strictly before ``offset`` (0 when there is none)."""
        lo, hi = 0, len(self.bounds)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.bounds[mid] < offset:
                lo = mid + 1
            else:
                hi = mid
        return max(lo - 1, 0)


def _skip_ext(classes: list[str], i: int) -> int:
    while i < len(classes) and classes[i] == "EXT":
        i += 1
    return i


def _segment(text: str) -> _Segments:
    classes = [_word_class(ch) for ch in text]
    n = len(text)
    bounds = [0]
    is_word = [False]
    i = 0
    while i < n:
        cls = classes[i]
        word = False
        if cls == "NL":
            j = i + 2 if text[i] == "\r" and i + 1 < n and text[i + 1] == "\n" else i + 1
        elif cls == "SP":
            j = i + 1
            while j < n and classes[j] in ("SP", "EXT"):
                j += 1
        elif cls == "IDEO":
            j, word = _skip_ext(classes, i + 1), True
        elif cls == "KATA":
            j = i + 1
            while j < n and classes[j] in ("KATA", "ENL", "EXT"):
                j += 1
            word = True
        elif cls in ("LET", "NUM", "ENL"):
            j, word = _scan_word(classes, i)
        else:
            j = _skip_ext(classes, i + 1)
        bounds.append(j)
        is_word.append(word)
        i = j
    return _Segments(tuple(bounds), tuple(is_word))


def _scan_word(classes: list[str], i: int) -> tuple[int, bool]:
    """Scan a letter/digit run from ``i``; return its end and whether ICU gives it a word status."""
    n = len(classes)
    last = classes[i]
    alnum = last in ("LET", "NUM")
    j = i + 1
    while j < n:
        cls = classes[j]
        if cls == "EXT":
            j += 1
        elif cls in ("LET", "NUM", "ENL"):
            last, alnum, j = cls, alnum or cls != "ENL", j + 1
        elif cls in ("MNL", "ML", "MN"):
            k = _skip_ext(classes, j + 1)
            after = classes[k] if k < n else ""
            joins_letters = last == "LET" and after == "LET" and cls in ("MNL", "ML")
            joins_digits = last == "NUM" and after == "NUM" and cls in ("MNL", "MN")
            if not (joins_letters or joins_digits):
                break
            j = k
        else:
            break
    # A lone connector (``_``) has no word status in ICU; two or more do (rule 13a tags them).
    return j, alnum or j - i > 1


def count_words(text: str) -> int:
    """Count words as ES's ``ChunkerUtils.countWords`` does (letter/digit runs; not spaces or punctuation).

    >>> count_words("foo != bar"), count_words("m&s"), count_words("ice-box")
    (2, 2, 2)
    """
    if not text:
        return 0
    return sum(_segment(text).is_word)


def _count_words(seg: _Segments, start: int, end: int) -> int:
    # ChunkerUtils.countWords: starts at preceding(start) and counts every segment ending at or before end.
    i = seg.preceding_index(start)
    count = 0
    while i < len(seg.bounds) and seg.bounds[i] <= end:
        count += seg.is_word[i]
        i += 1
    return count


def _skip_words(seg: _Segments, start: int, num_words: int) -> int:
    # SentenceBoundaryChunker.skipWords: returns the boundary after the segment following the n-th word.
    i = seg.preceding_index(start)
    count = 0
    while i < len(seg.bounds) and count < num_words:
        count += seg.is_word[i]
        i += 1
    return seg.bounds[i] if i < len(seg.bounds) else seg.bounds[-1]


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
    seg = _segment(text)
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


# --------------------------------------------------------------------------- sentence segmentation

_A_TERM = frozenset(".\u2024\ufe52\uff0e")
_S_TERM = frozenset(
    "!?\u0589\u061f\u06d4\u0700\u0701\u0702\u0964\u0965\u203c\u203d\u2047\u2048\u2049\u3002\uff01\uff1f"
)
_PARA_SEP = frozenset("\r\n\x85\u2028\u2029")
_S_CONTINUE = frozenset(
    ",-:\u055d\u060c\u060d\u07f8\u1802\u1808\u2013\u2014\u3001\ufe10\ufe11\ufe13\ufe31\ufe32"
    "\ufe50\ufe51\ufe55\ufe58\ufe63\uff0c\uff0d\uff1a\uff64"
)


def _is_close(ch: str) -> bool:
    return ch in "\"'" or unicodedata.category(ch) in ("Ps", "Pe", "Pi", "Pf")


def _is_sp(ch: str) -> bool:
    return ch not in _PARA_SEP and (ch.isspace() or ch == "\u00a0")


def _is_blocking(ch: str) -> bool:
    """OLetter | Upper | Lower | ParaSep | SATerm (what stops rule SB8's look-ahead)."""
    return ch.isalpha() or ch in _PARA_SEP or ch in _A_TERM or ch in _S_TERM


def _sentence_boundaries(text: str) -> list[int]:
    """ICU-like sentence boundaries after 0 (the last one is ``len(text)``; none for empty text)."""
    n = len(text)
    bounds: list[int] = []
    i = 0
    while i < n:
        ch = text[i]
        if ch in _PARA_SEP:  # SB4, with CR x LF (SB3)
            end = i + 2 if ch == "\r" and i + 1 < n and text[i + 1] == "\n" else i + 1
            bounds.append(end)
            i = end
            continue
        if ch in _A_TERM or ch in _S_TERM:
            stop = _terminator_break(text, i)
            if stop is not None:
                bounds.append(stop)
                i = stop
                continue
        i += 1
    if (not bounds or bounds[-1] != n) and n:
        bounds.append(n)
    return bounds


def _terminator_break(text: str, i: int) -> int | None:
    """Where the sentence ending at the terminator ``text[i]`` breaks, or None if ICU does not break."""
    n = len(text)
    a_term = text[i] in _A_TERM
    nxt = text[i + 1] if i + 1 < n else ""
    if a_term and nxt and unicodedata.category(nxt) == "Nd":  # SB6
        return None
    prev = text[i - 1] if i > 0 else ""
    if a_term and (prev.isupper() or prev.islower()) and (nxt.isupper() or nxt.istitle()):  # SB7
        return None
    k = i + 1
    while k < n and _is_close(text[k]):
        k += 1
    while k < n and _is_sp(text[k]):
        k += 1
    if k < n and (text[k] in _S_CONTINUE or text[k] in _A_TERM or text[k] in _S_TERM):  # SB8a
        return None
    if a_term:  # SB8: no break when the next letter-ish character is lower case
        m = k
        while m < n and not _is_blocking(text[m]):
            m += 1
        if m < n and text[m].islower():
            return None
    if k < n and text[k] in _PARA_SEP:  # SB11: the separator belongs to the sentence
        return k + 2 if text[k] == "\r" and k + 1 < n and text[k + 1] == "\n" else k + 1
    return k


# --------------------------------------------------------------------------- sentence chunker


def sentence_chunk_offsets(text: str, max_chunk_size: int, sentence_overlap: int) -> list[ChunkOffset]:
    """Chunk offsets of ES's ``SentenceBoundaryChunker.chunk(text, max_chunk_size, sentence_overlap > 0)``."""
    include_preceding = sentence_overlap > 0
    seg = _segment(text)
    chunks: list[ChunkOffset] = []
    chunk_start = chunk_end = sentence_start = chunk_word_count = 0
    words_in_preceding = previous_sentence_start = 0
    for sentence_end in _sentence_boundaries(text):
        words_in_sentence = _count_words(seg, sentence_start, sentence_end)
        if chunk_word_count + words_in_sentence > max_chunk_size:
            next_chunk_word_count = words_in_sentence
            if chunk_word_count > 0:
                chunks.append(ChunkOffset(chunk_start, chunk_end))
                if include_preceding:
                    if words_in_preceding + words_in_sentence > max_chunk_size:
                        skip = _num_words_to_skip(words_in_preceding, max_chunk_size)
                        chunk_start = _skip_words(seg, previous_sentence_start, skip)
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
    seg = _segment(text)
    try:
        patterns = [re.compile(separator, re.MULTILINE) for separator in separators]
    except re.error as exc:
        raise ValueError(f"separator regex not supported here: {exc}") from None

    def piece(start: int, end: int) -> tuple[ChunkOffset, int]:
        return ChunkOffset(start, end), _count_words(seg, start, end)

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
        if offset.start == offset.end or _count_words(seg, offset.start, offset.end) <= max_chunk_size:
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
