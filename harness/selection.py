"""Which rule ids a run's ``--rules`` patterns select: the one place a pattern is matched against an id."""

from __future__ import annotations

import fnmatch

__all__ = ["schema_selected", "selected"]


def selected(rule_id: str, patterns: tuple[str, ...]) -> bool:
    """True when ``rule_id`` matches one of the glob ``patterns`` (every id when there is none).

    >>> selected("chunking.word.max_size", ("chunking.*",)), selected("crud.duplicate", ("chunking.*",))
    (True, False)
    """
    return not patterns or any(fnmatch.fnmatchcase(rule_id, p) or rule_id == p for p in patterns)


def schema_selected(patterns: tuple[str, ...]) -> bool:
    """True when some ``schema.<operationId>`` id can match ``patterns`` (or no pattern is given)."""
    return not patterns or any(p.startswith("schema") or fnmatch.fnmatchcase("schema.x", p) for p in patterns)
