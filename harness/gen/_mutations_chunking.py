"""Mutations of ``chunking_settings`` (text_embedding endpoints): strategy, bounds of ``max_chunk_size`` and
``overlap``, ``sentence_overlap``, the recursive strategy's separators, keys of another strategy."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from contract import java_hash_order
from contract.profiles import Profile
from harness.gen._mutation import Variants, each, invalid_put, mutation, only_drawn, with_chunking, word
from harness.gen.cases import EndpointCase, InvalidCase

__all__: list[str] = []


def _embedding_only(case: EndpointCase) -> bool:
    return case.task_type == "text_embedding"


@mutation("chunking.strategy.missing")
def _strategy_missing(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case):
        return None
    return only_drawn(
        st.integers(20, 300).map(
            lambda n: invalid_put(
                case,
                "chunking.strategy.missing",
                with_chunking(case, {"max_chunk_size": n}),
                {},
                "chunking without strategy",
            )
        )
    )


@mutation("chunking.strategy.unknown")
def _strategy_unknown(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case):
        return None
    return only_drawn(
        word().map(
            lambda w: invalid_put(
                case,
                "chunking.strategy.unknown",
                with_chunking(case, {"strategy": f"{w}ish"}),
                {"strategy": f"{w}ish"},
                "unknown strategy",
            )
        )
    )


@mutation("chunking.invalid_settings")
def _invalid_settings(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case):
        return None
    word = (
        {"strategy": "word", "max_chunk_size": 100, "overlap": 10, "sentence_overlap": 1},
        "Word based",
        "sentence_overlap",
    )
    sentence = ({"strategy": "sentence", "max_chunk_size": 100, "overlap": 10}, "Sentence based", "overlap")
    recursive = ({"strategy": "recursive", "max_chunk_size": 100, "overlap": 10}, "Recursive", "overlap")
    # two unknown keys: Elasticsearch lists them in its HashMap's order, not the request's
    two = {"strategy": "word", "max_chunk_size": 100, "overlap": 10, "foo": 1, "bar": 2}
    both = (two, "Word based", ", ".join(k for k in java_hash_order(two) if k in ("foo", "bar")))
    variants = [word, sentence, both] + ([recursive] if "recursive" in profile.chunking_strategies else [])
    return each(
        variants,
        lambda t: invalid_put(
            case,
            "chunking.invalid_settings",
            with_chunking(case, t[0]),
            {"strategy_title": t[1], "settings": t[2]},
            f"{t[0]['strategy']} with {t[2]}",
        ),
    )


def _sized(strategy: str, size: int) -> dict[str, Any]:
    chunk: dict[str, Any] = {"strategy": strategy, "max_chunk_size": size}
    if strategy == "word":
        chunk["overlap"] = 1
    return chunk


@mutation("chunking.max_chunk_size.min")
def _size_min(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case):
        return None
    strategies = [s for s in ("word", "sentence") if s in profile.chunking_strategies]

    def build(t: tuple[str, int]) -> InvalidCase:
        strategy, value = t
        lo = profile.chunking_bounds[strategy].min_max_chunk_size
        return invalid_put(
            case,
            "chunking.max_chunk_size.min",
            with_chunking(case, _sized(strategy, value)),
            {"value": value, "min": lo},
            f"{strategy} max_chunk_size {value}",
        )

    def lo(s: str) -> int:
        return profile.chunking_bounds[s].min_max_chunk_size

    deeper = st.sampled_from(strategies).flatmap(lambda s: st.tuples(st.just(s), st.integers(1, max(lo(s) - 2, 1))))
    return Variants(tuple(build((s, lo(s) - 1)) for s in strategies), deeper.map(build))  # 9, 19 first


@mutation("chunking.max_chunk_size.max")
def _size_max(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case):
        return None
    capped = [s for s in ("word", "sentence") if profile.chunking_bounds[s].max_max_chunk_size]
    if not capped:
        return None

    def hi(s: str) -> int:
        return int(profile.chunking_bounds[s].max_max_chunk_size or 0)

    def build(t: tuple[str, int]) -> InvalidCase:
        strategy, value = t
        return invalid_put(
            case,
            "chunking.max_chunk_size.max",
            with_chunking(case, _sized(strategy, value)),
            {"value": value, "max": hi(strategy)},
            f"{strategy} max_chunk_size {value}",
        )

    deeper = st.sampled_from(capped).flatmap(lambda s: st.tuples(st.just(s), st.integers(hi(s) + 2, hi(s) + 1000)))
    return Variants(tuple(build((s, hi(s) + 1)) for s in capped), deeper.map(build))  # 301 first


@mutation("chunking.overlap.max")
def _overlap_max(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case) or "word" not in profile.chunking_strategies:
        return None
    bounds = profile.chunking_bounds["word"]
    lo, hi = bounds.min_max_chunk_size, bounds.max_max_chunk_size or 500

    def build(m: int) -> InvalidCase:
        return invalid_put(
            case,
            "chunking.overlap.max",
            with_chunking(case, {"strategy": "word", "max_chunk_size": m, "overlap": m // 2 + 1}),
            {"value": m // 2 + 1, "max": m // 2},
            f"word {m} overlap {m // 2 + 1}",
        )

    # an even and an odd max_chunk_size (max/2 rounds down), at both ends of the range
    edges = sorted({lo, lo + 1, hi - 1, hi})
    return Variants(tuple(build(m) for m in edges), st.integers(lo, hi).map(build))


@mutation("chunking.sentence_overlap.value")
def _sentence_overlap(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case) or "sentence" not in profile.chunking_strategies:
        return None

    def build(v: int) -> InvalidCase:
        return invalid_put(
            case,
            "chunking.sentence_overlap.value",
            with_chunking(case, {"strategy": "sentence", "max_chunk_size": 100, "sentence_overlap": v}),
            {"value": v},
            f"sentence_overlap {v}",
        )

    return Variants((build(2),), st.integers(3, 100).map(build))


@mutation("chunking.recursive.separators_conflict")
def _recursive_conflict(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case) or "recursive" not in profile.chunking_strategies:
        return None

    def build(t: tuple[str, list[str]]) -> InvalidCase:
        chunk = {"strategy": "recursive", "max_chunk_size": 100, "separator_group": t[0], "separators": t[1]}
        return invalid_put(
            case,
            "chunking.recursive.separators_conflict",
            with_chunking(case, chunk),
            {},
            f"separator_group {t[0]} and {len(t[1])} separators",
        )

    separators = st.lists(st.sampled_from(["\n\n", "\n", ". ", " "]), min_size=0, max_size=3)
    return Variants(
        (build(("plaintext", ["\n"])),), st.tuples(st.sampled_from(["plaintext", "markdown"]), separators).map(build)
    )


@mutation("chunking.recursive.separator_group")
def _recursive_group(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case) or "recursive" not in profile.chunking_strategies:
        return None

    def build(group: str) -> InvalidCase:
        chunk = {"strategy": "recursive", "max_chunk_size": 100, "separator_group": group}
        params = {"scope": "chunking_settings", "field": "separator_group", "value": group}
        return invalid_put(
            case,
            "chunking.recursive.separator_group",
            with_chunking(case, chunk),
            {**params, "allowed": "markdown, plaintext"},
            f"separator_group {group!r}",
        )

    groups = st.text(alphabet=string.ascii_letters + "-_", min_size=1, max_size=12).filter(
        lambda g: g.strip().lower() not in ("plaintext", "markdown")
    )
    return Variants((build("html"), build("plain text")), groups.map(build))


@mutation("chunking.recursive.separators_empty")
def _recursive_empty(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case) or "recursive" not in profile.chunking_strategies:
        return None

    def build(m: int) -> InvalidCase:
        chunk = {"strategy": "recursive", "max_chunk_size": m, "separators": []}
        return invalid_put(
            case, "chunking.recursive.separators_empty", with_chunking(case, chunk), {}, f"recursive {m} no separators"
        )

    lo = profile.chunking_bounds["recursive"].min_max_chunk_size
    return Variants((build(100),), st.integers(lo, 300).map(build))
