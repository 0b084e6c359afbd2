"""What a rule's evidence must hold, as pure functions over the rule table (no I/O).

A rule's ``evidence`` quotes the Elasticsearch source that produces its message or behaviour
(``quote``, verbatim Java) and lists each version of that source that was read (``reads``): the
repository path, the stored version (an index id or a commit), the release line it was dated to and
how. A read's ``line`` is a release line (``9.1``), a bound (``<=8.17``: that version or older;
``>=9.5``: that version or newer), a range (``8.16-9.3``: somewhere in it) or ``undated`` (read, but no
release document placed it).

``verified`` means the quote was read in a version dated at or before the first release line of the rule's
range (for a range that starts after the oldest profile: dated to that line, by the read itself or by the
release document of the change that starts it) and in a version dated at or after its last line (``>=9.5``
for a rule that still holds; for a rule with ``until``, a read dated to that line). Anything less is
``inferred``, and the evidence says what is ``missing``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from .profiles import PROFILES, version_key

__all__ = [
    "LINE",
    "evidence_problems",
    "line_bounds",
    "quote_covers",
]

#: a read's release line: ``9.1``, ``<=8.17``, ``>=9.5``, ``8.16-9.3`` (somewhere in that range) or ``undated``
LINE = re.compile(r"^(?:undated|(<=|>=)?([0-9]+)\.([0-9]+)|([0-9]+\.[0-9]+)-([0-9]+\.[0-9]+))$")
_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_CONCAT = re.compile(r'"\s*\+\s*\n?\s*"')
#: Java format placeholders inside a literal: %s %d %1$s {} and MessageFormat's {0}
_JAVA_PLACEHOLDER = re.compile(r"%(?:\d+\$)?[-#+ 0,(]*\d*(?:\.\d+)?[sdfxXbBc]|\{\d*\}")
_HOLE = "\x00"
#: code between two literals of one expression: `" + x + "` (a concatenation)
_JOIN = re.compile(r"\s*\+\s*[^;\"]*?\s*\+\s*|\s*\+\s*", re.DOTALL)
#: code before a literal that adds to it (`x + "..."`), after one (`"..." + x`)
_LEADING = re.compile(r"\+\s*$")
_TRAILING = re.compile(r"\s*\+")
_TEMPLATE_FIELD = re.compile(r"\{[^{}]*(?:\[[^\]]*\])?\}")


def line_bounds(line: str) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
    """``(lowest, highest)`` release line a read dated ``line`` can be (``None`` = open)."""
    m = LINE.match(line)
    if m is None:
        raise ValueError(f"release line {line!r} is not 9.1, <=8.17, >=9.5, 8.16-9.3 or undated")
    if line == "undated":
        return None, None
    if m.group(4):
        return version_key(m.group(4)), version_key(m.group(5))
    key = version_key(f"{m.group(2)}.{m.group(3)}")
    if m.group(1) == "<=":
        return None, key
    if m.group(1) == ">=":
        return key, None
    return key, key


def _chains(quote: str) -> tuple[list[str], list[str]]:
    """The quote's string expressions (holes where code or a placeholder stands) and its literal texts."""
    merged = _CONCAT.sub("", quote)
    spans = [(m.start(), m.end(), _unescape(m.group(1))) for m in _STRING.finditer(merged)]
    chains: list[str] = []
    pool: list[str] = []
    current = ""
    for n, (begin, end, text) in enumerate(spans):
        pool.append(text)
        text = _JAVA_PLACEHOLDER.sub(_HOLE, text)
        before = merged[spans[n - 1][1] : begin] if n else merged[:begin]
        joined = n > 0 and _JOIN.fullmatch(before) is not None
        if not joined:
            if current:
                chains.append(current)
            current = _HOLE if _LEADING.search(before) else ""
        elif before.count("+") >= 2:
            current += _HOLE
        current += text
        after = merged[end : spans[n + 1][0]] if n + 1 < len(spans) else merged[end:]
        if _TRAILING.match(after) and (n + 1 == len(spans) or _JOIN.fullmatch(after) is None):
            current += _HOLE
    if current:
        chains.append(current)
    if not spans:  # a quote of a non-Java file: its text as it is
        chains, pool = [_JAVA_PLACEHOLDER.sub(_HOLE, quote)], [quote]
    return chains, pool


def _unescape(literal: str) -> str:
    text = literal.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
    return text.replace("''", "'")  # MessageFormat's quote


def quote_covers(message: str, quote: str) -> bool:
    """True if the rule's message template can be produced by the quoted source.

    The message must match one string expression of the quote from end to end: its literal text exactly;
    where the message has a ``{param}`` field, any part of the expression; where the expression has code or a
    format placeholder (a hole), text made of the message's fields, of literal text the quote holds elsewhere
    (a constant defined in the quote), of another expression of the quote (a message built in two steps), and
    of the brackets and commas Java's ``toString`` of a list, set, map or array prints. A message may also be
    two expressions one after the other (``XContentParseException``'s ``[line:column] `` before the parser's text).
    """
    chains, pool = _chains(quote)
    items = _TEMPLATE_FIELD.split(message)
    msg: list[str | None] = []  # characters, None for a {param} field
    for n, piece in enumerate(items):
        if n:
            msg.append(None)
        msg.extend(piece)

    @cache
    def literal_ok(i: int, k: int) -> bool:
        text = "".join(c if c is not None else _HOLE for c in msg[i:k])
        parts = [p for p in text.split(_HOLE) if p.strip() and not set(p) <= _TO_STRING_PUNCTUATION]
        return all(any(part in lit for lit in pool) for part in parts)

    @cache
    def justified(i: int, k: int, depth: int) -> bool:
        """May a hole of the quote stand for ``msg[i:k]``?"""
        if literal_ok(i, k):
            return True
        if depth >= 1:
            return False
        return any(
            (chain[0] == _HOLE or msg[i] is None or msg[i] == chain[0]) and match(c, i, 0, k, depth + 1)
            for c, chain in enumerate(chains)
        )

    @cache
    def match(c: int, i: int, j: int, end: int, depth: int) -> bool:
        """Does ``msg[i:end]`` match ``chains[c][j:]``?"""
        chain = chains[c]
        if i == end:
            return all(ch == _HOLE for ch in chain[j:])
        if j == len(chain):
            return all(ch is None for ch in msg[i:end])
        if msg[i] is None:  # a {param} field: any part of the expression
            return any(match(c, i + 1, k, end, depth) for k in range(j, len(chain) + 1))
        if chain[j] == _HOLE:  # code: any justified part of the message
            return any(match(c, k, j + 1, end, depth) for k in range(i, end + 1) if justified(i, k, depth))
        return msg[i] == chain[j] and match(c, i + 1, j + 1, end, depth)

    n = len(msg)
    if any(match(c, 0, 0, n, 0) for c in range(len(chains))):
        return True
    # a message one expression prefixes to another's (an exception's location before its text)
    return any(
        match(a, 0, 0, k, 0) and match(b, k, 0, n, 0)
        for k in range(1, n)
        for a in range(len(chains))
        for b in range(len(chains))
        if a != b
    )


_TO_STRING_PUNCTUATION = frozenset("[]{}=, ")


def evidence_problems(
    status: str,
    quote: str,
    reads: Iterable[tuple[str, str]],
    missing: str,
    versions: tuple[str, ...],
    messages: Iterable[str] = (),
) -> list[str]:
    """What keeps evidence from meeting its own status (empty when it does).

    ``reads`` are ``(path, line)`` pairs; ``messages`` the rule's message templates (default and
    overrides), each of which the quote must cover.
    """
    problems: list[str] = []
    if not quote.strip():
        problems.append("no quote")
    for message in messages:
        if quote.strip() and not quote_covers(message, quote):
            problems.append(f"the quote does not produce the message {message!r}")
    pairs = list(reads)
    bounds = []
    for path, line in pairs:
        try:
            bounds.append(line_bounds(line))
        except ValueError as exc:
            problems.append(f"read of {path}: {exc}")
    if status == "inferred":
        if not missing.strip():
            problems.append("inferred without saying what is missing")
        return problems
    if not versions:
        return [*problems, "an empty version range"]
    first = version_key(versions[0])
    last = version_key(versions[-1])
    if versions[0] != PROFILES[0]:
        start_ok = any(lo == first and (hi is None or hi == first) for lo, hi in bounds)
        start_need = f"a read dated {versions[0]} (or >={versions[0]}, by the change that starts it)"
    else:
        start_ok = any(hi is not None and hi <= first for _lo, hi in bounds)
        start_need = f"a read dated at or before {versions[0]}"
    if versions[-1] == PROFILES[-1]:
        end_ok = any(lo is not None and lo >= version_key(PROFILES[-1]) for lo, _hi in bounds)
        end_need = f"a read dated >={PROFILES[-1]}"
    else:
        end_ok = any(hi == last for _lo, hi in bounds)
        end_need = f"a read dated {versions[-1]} (the last line before the change that ends it)"
    if not start_ok:
        problems.append(f"verified without {start_need}")
    if not end_ok:
        problems.append(f"verified without {end_need}")
    return problems
