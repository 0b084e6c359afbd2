"""``chunking_settings`` parsing (``CORE/chunking/ChunkingSettingsBuilder.java`` and the per-strategy
``fromMap``s in ``INF/chunking`` / ``CORE/chunking``), bounds read from the profile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._fields import MISSING, Collector
from ._java import java_hash_order, java_str
from .errors import RuleViolation
from .profiles import Profile

__all__ = ["parse_chunking"]

_VALID_KEYS = {
    "word": ("strategy", "max_chunk_size", "overlap"),
    "sentence": ("strategy", "max_chunk_size", "sentence_overlap"),
    "recursive": ("strategy", "max_chunk_size", "separators", "separator_group"),
    "none": ("strategy",),
}
_SCOPE = "chunking_settings"
#: ``SeparatorGroup#getSeparators`` (``CORE/chunking/SeparatorGroup.java``): what a ``separator_group`` stands
#: for. Elasticsearch stores and renders the group's list as ``separators`` (never ``separator_group``), and
#: plaintext's when neither is given (``RecursiveChunkingSettings``' constructor).
SEPARATOR_GROUPS: dict[str, tuple[str, ...]] = {
    "plaintext": (r"(?<!\n)\n\n(?!\n)", r"(?<!\n)\n(?!\n)"),
    "markdown": (
        "\n# ",
        "\n## ",
        "\n### ",
        "\n#### ",
        "\n##### ",
        "\n###### ",
        "\n" + r"^(?!\s*$).*\n-{1,}\n",
        "\n" + r"^(?!\s*$).*\n={1,}\n",
    ),
}
#: how each strategy's fromMap names itself ("Word based ...", but "Recursive chunking settings ...")
_TITLES = {"word": "Word based", "sentence": "Sentence based", "recursive": "Recursive"}


def parse_chunking(profile: Profile, settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate ``settings`` and return the stored chunking settings (defaults when absent or ``{}``).

    Raises:
        RuleViolation: ``chunking.*`` rules (several ``validation_exception`` items at once).
    """
    if not settings:
        return dict(profile.chunking_default)
    if "strategy" not in settings:
        raise RuleViolation("chunking.strategy.missing")
    strategy = java_str(settings["strategy"])
    if strategy not in profile.chunking_strategies:
        raise RuleViolation("chunking.strategy.unknown", strategy=strategy)
    m = dict(settings)
    # the keys a strategy does not know, in the order Elasticsearch's HashMap iterates them
    invalid = [k for k in java_hash_order(m) if k not in _VALID_KEYS[strategy]]
    errors = Collector()
    if strategy == "none":  # NoneChunkingSettings.INSTANCE: the other keys are never looked at
        return {"strategy": "none"}
    if invalid:
        errors.add("chunking.invalid_settings", strategy_title=_TITLES[strategy], settings=", ".join(invalid))
    bounds = profile.chunking_bounds[strategy]
    max_size = _max_chunk_size(errors, m, bounds.min_max_chunk_size, bounds.max_max_chunk_size)
    if strategy == "word":
        out = _word(errors, m, max_size)
    elif strategy == "sentence":
        out = _sentence(errors, m, max_size)
    else:
        out = _recursive(errors, m, max_size)
    errors.raise_if_any()
    return out


def _max_chunk_size(errors: Collector, m: dict[str, Any], lo: int, hi: int | None) -> int | None:
    # extractRequiredPositiveIntegerBetween / ...GreaterThanOrEqualToMin
    value = errors.required_positive_int(m, "max_chunk_size", _SCOPE)
    if value is None:
        return None
    if value < lo:
        errors.add("chunking.max_chunk_size.min", value=value, min=lo)
        return None
    if hi is not None and value > hi:
        errors.add("chunking.max_chunk_size.max", value=value, max=hi)
        return None
    return value


def _word(errors: Collector, m: dict[str, Any], max_size: int | None) -> dict[str, Any]:
    overlap = None
    if max_size is not None:
        # extractRequiredPositiveIntegerLessThanOrEqualToMax(max_chunk_size / 2)
        overlap = errors.required_positive_int(m, "overlap", _SCOPE)
        if overlap is not None and overlap > max_size // 2:
            errors.add("chunking.overlap.max", value=overlap, max=max_size // 2)
    return {"strategy": "word", "max_chunk_size": max_size, "overlap": overlap}


def _sentence(errors: Collector, m: dict[str, Any], max_size: int | None) -> dict[str, Any]:
    overlap = errors.remove_as(m, "sentence_overlap", "Integer")
    if overlap is None or overlap is MISSING:
        overlap = 1
    elif overlap > 1 or overlap < 0:
        errors.add("chunking.sentence_overlap.value", value=overlap)
    return {"strategy": "sentence", "max_chunk_size": max_size, "sentence_overlap": overlap}


def _recursive(errors: Collector, m: dict[str, Any], max_size: int | None) -> dict[str, Any]:
    # RecursiveChunkingSettings#fromMap: the group is an enum (trimmed, any case); both separators and a valid
    # group, or an empty list, are errors; the settings keep the group's separators (plaintext's by default)
    group = errors.optional_enum(
        m, "separator_group", _SCOPE, tuple(SEPARATOR_GROUPS), rule="chunking.recursive.separator_group", fold=True
    )
    separators = m.pop("separators", None)
    if separators is not None and group is not None:
        errors.add("chunking.recursive.separators_conflict")
    if group is not None:
        separators = list(SEPARATOR_GROUPS[group])
    elif isinstance(separators, list) and not separators:
        errors.add("chunking.recursive.separators_empty")
    if separators is None:
        separators = list(SEPARATOR_GROUPS["plaintext"])
    return {"strategy": "recursive", "max_chunk_size": max_size, "separators": separators}
