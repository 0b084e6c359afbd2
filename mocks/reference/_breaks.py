"""ICU-like word and sentence boundaries: what the chunkers (:mod:`mocks.reference.chunking`) count words with.

ES segments with ICU ``BreakIterator`` (``Locale.ROOT``). This module implements the UAX #29 rules that
matter for counting words without ICU:

* word segments: runs of letters/digits joined by ``_``, by ``. ' ’`` between two letters or two
  digits and by ``, ;`` between two digits (``Won't``, ``3.14``, ``1,000``, ``U.S.A``); combining marks
  attach to the previous character; each Han/Hiragana character is one word (ICU uses a dictionary to
  group CJK and Thai-like scripts, so counts differ for those scripts); runs of horizontal spaces form one
  segment, every other character (punctuation, symbols, ``-``) is its own non-word segment;
* sentences end after ``. ! ?`` (plus closing quotes/brackets and the following spaces), except where
  ICU does not break (``3.14``, ``U.S``, ``e.g. the``, ``?!``), and after every line/paragraph separator.

:func:`words_between` and :func:`skip_words` count as ``ChunkerUtils.countWords`` and
``SentenceBoundaryChunker.skipWords`` do, from ``BreakIterator.preceding(start)``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["Segments", "count_words", "segment", "sentence_boundaries", "skip_words", "words_between"]

# --------------------------------------------------------------------------- words (UAX #29)

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
class Segments:
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


def segment(text: str) -> Segments:
    """The ICU-like word segments of ``text`` (see the module docstring)."""
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
    return Segments(tuple(bounds), tuple(is_word))


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
    return sum(segment(text).is_word)


def words_between(seg: Segments, start: int, end: int) -> int:
    """The words of ``seg`` from ``start`` to ``end`` as ``ChunkerUtils.countWords`` counts them: from
    ``preceding(start)``, every word segment ending at or before ``end``."""
    i = seg.preceding_index(start)
    count = 0
    while i < len(seg.bounds) and seg.bounds[i] <= end:
        count += seg.is_word[i]
        i += 1
    return count


def skip_words(seg: Segments, start: int, num_words: int) -> int:
    """``SentenceBoundaryChunker.skipWords``: from ``preceding(start)``, the boundary after the segment
    following the ``num_words``-th word (the end of the text when there are fewer)."""
    i = seg.preceding_index(start)
    count = 0
    while i < len(seg.bounds) and count < num_words:
        count += seg.is_word[i]
        i += 1
    return seg.bounds[i] if i < len(seg.bounds) else seg.bounds[-1]


# --------------------------------------------------------------------------- sentences

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


def sentence_boundaries(text: str) -> list[int]:
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
