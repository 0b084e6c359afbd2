"""What Elasticsearch's object parsers print for an unknown field: its location in the body and the
"did you mean" suggestion (``SuggestingErrorOnUnknown``), as pure functions."""

from __future__ import annotations

import json
from collections.abc import Iterable

__all__ = ["did_you_mean", "key_locations", "similarity"]


def similarity(target: str, other: str) -> float:
    """Lucene's ``LevenshteinDistance#getDistance``: ``1 - edits / max(len)`` (1.0 for equal strings)."""
    if not target and not other:
        return 1.0
    previous = list(range(len(other) + 1))
    for i, a in enumerate(target, 1):
        current = [i]
        for j, b in enumerate(other, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return 1.0 - previous[-1] / max(len(target), len(other))


def did_you_mean(unknown: str, candidates: Iterable[str]) -> str:
    """``SuggestingErrorOnUnknown#suggest``: `` did you mean [x]?`` or `` did you mean any of [a, b]?`` for the
    declared fields more than half similar (most similar first, then by name), else ``""``."""
    scored = [(similarity(unknown, c), c) for c in candidates]
    keys = [c for _s, c in sorted((t for t in scored if t[0] > 0.5), key=lambda t: (-t[0], t[1]))]
    if not keys:
        return ""
    return f" did you mean [{keys[0]}]?" if len(keys) == 1 else f" did you mean any of [{', '.join(keys)}]?"


def key_locations(text: str) -> dict[str, tuple[int, int]]:
    """``key -> (line, column)`` (1-based, Jackson's token location) of each key of the top-level JSON object
    in ``text``: where its opening quote stands. Empty for anything that is not an object."""
    out: dict[str, tuple[int, int]] = {}
    depth, line, col, i = 0, 1, 0, 0
    expect_key = False
    while i < len(text):
        ch = text[i]
        col += 1
        if ch == "\n":
            line, col = line + 1, 0
        elif ch == '"':
            start = (line, col)
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if depth == 1 and expect_key:
                out.setdefault(_unescape(text[i + 1 : j]), start)
                expect_key = False
            col += j - i
            i = j
        elif ch in "{[":
            depth += 1
            expect_key = depth == 1 and ch == "{"
        elif ch in "}]":
            depth -= 1
        elif ch == "," and depth == 1:
            expect_key = True
        i += 1
    return out


def _unescape(raw: str) -> str:
    try:
        value = json.loads(f'"{raw}"')
    except ValueError:
        return raw
    return value if isinstance(value, str) else raw
