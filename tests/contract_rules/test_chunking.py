"""chunking_settings per strategy and version: boundaries and a hypothesis property.

Cases from WordBoundaryChunkingSettingsTests, SentenceBoundaryChunkingSettingsTests and
ChunkingSettingsBuilderTests (Elasticsearch x-pack inference tests).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract import PROFILES, RuleViolation, load_profile, load_rules
from contract._chunking import SEPARATOR_GROUPS, parse_chunking

CAPPED = [v for v in PROFILES if load_profile(v).chunking_bounds["word"].max_max_chunk_size is not None]
UNCAPPED = [v for v in PROFILES if v not in CAPPED]


def violation(version: str, chunking: dict[str, Any]) -> tuple[str, str, str]:
    profile = load_profile(version)
    with pytest.raises(RuleViolation) as info:
        parse_chunking(profile, chunking)
    _, envelope = info.value.render(profile, load_rules())
    return info.value.rule_id, envelope["error"]["type"], envelope["error"]["reason"]


@pytest.mark.parametrize("version", PROFILES)
@pytest.mark.parametrize("empty", [None, {}])
def test_default_is_sentence_250_1(version: str, empty: Any) -> None:
    """ChunkingSettingsBuilderTests-testEmptyChunkingSettingsMap."""
    assert parse_chunking(load_profile(version), empty) == {"strategy": "sentence", "max_chunk_size": 250, "sentence_overlap": 1}


@pytest.mark.parametrize("version", PROFILES)
@pytest.mark.parametrize(("size", "ok"), [(9, False), (10, True), (300, True)])
def test_word_min_boundary(version: str, size: int, ok: bool) -> None:
    """WordBoundaryChunkingSettingsTests-testMaxChunkSizeTooSmall / valid."""
    chunking = {"strategy": "word", "max_chunk_size": size, "overlap": 1}
    if ok:
        assert parse_chunking(load_profile(version), chunking)["max_chunk_size"] == size
    else:
        assert violation(version, chunking) == (
            "chunking.max_chunk_size.min", "validation_exception",
            "Validation Failed: 1: [chunking_settings] Invalid value [9.0]. [max_chunk_size] must be a greater than or equal to [10.0];",
        )


@pytest.mark.parametrize("version", CAPPED)
def test_word_max_301_rejected_where_capped(version: str) -> None:
    """WordBoundaryChunkingSettingsTests-testMaxChunkSizeTooLarge (capped versions)."""
    assert violation(version, {"strategy": "word", "max_chunk_size": 301, "overlap": 1})[2] == (
        "Validation Failed: 1: [chunking_settings] Invalid value [301.0]. [max_chunk_size] must be a less than or equal to [300.0];"
    )


@pytest.mark.parametrize("version", UNCAPPED)
@pytest.mark.parametrize("strategy", ["word", "sentence"])
def test_max_301_accepted_where_uncapped(version: str, strategy: str) -> None:
    extra = {"overlap": 1} if strategy == "word" else {}
    out = parse_chunking(load_profile(version), {"strategy": strategy, "max_chunk_size": 301, **extra})
    assert out["max_chunk_size"] == 301


@pytest.mark.parametrize("version", PROFILES)
@pytest.mark.parametrize("size", [10, 11, 250, 300])
def test_word_overlap_half_integer_division(version: str, size: int) -> None:
    """WordBoundaryChunkingSettingsTests-testInvalidInputsProvided_OverlapGreaterThanHalfMaxChunkSize."""
    profile = load_profile(version)
    assert parse_chunking(profile, {"strategy": "word", "max_chunk_size": size, "overlap": size // 2})["overlap"] == size // 2
    rule, _, reason = violation(version, {"strategy": "word", "max_chunk_size": size, "overlap": size // 2 + 1})
    assert rule == "chunking.overlap.max"
    assert reason == (f"Validation Failed: 1: [chunking_settings] Invalid value [{size // 2 + 1}.0]. "
                      f"[overlap] must be a less than or equal to [{size // 2}.0];")


@pytest.mark.parametrize(("chunking", "rule", "reason"), [
    pytest.param({"strategy": "word", "max_chunk_size": 20}, "settings.required",
                 "Validation Failed: 1: [chunking_settings] does not contain the required setting [overlap];",
                 id="WordBoundaryChunkingSettingsTests-testOverlapRequired"),
    pytest.param({"strategy": "word", "max_chunk_size": 20, "overlap": 0}, "settings.positive_integer",
                 "Validation Failed: 1: [chunking_settings] Invalid value [0]. [overlap] must be a positive integer;",
                 id="WordBoundaryChunkingSettingsTests-testOverlapZero"),
    pytest.param({"strategy": "word", "max_chunk_size": 20, "overlap": 5, "sentence_overlap": 1}, "chunking.invalid_settings",
                 "Validation Failed: 1: Word based chunking settings can not have the following settings: [sentence_overlap];",
                 id="WordBoundaryChunkingSettingsTests-testInvalidInputsProvided"),
    pytest.param({"strategy": "sentence", "max_chunk_size": 19}, "chunking.max_chunk_size.min",
                 "Validation Failed: 1: [chunking_settings] Invalid value [19.0]. [max_chunk_size] must be a greater than or equal to [20.0];",
                 id="SentenceBoundaryChunkingSettingsTests-testMaxChunkSizeTooSmall"),
    pytest.param({"strategy": "sentence", "max_chunk_size": 20, "sentence_overlap": 2}, "chunking.sentence_overlap.value",
                 "Validation Failed: 1: sentence_overlap[2] must be either 0 or 1;",
                 id="SentenceBoundaryChunkingSettingsTests-testFromMapWithInvalidOverlap"),
    pytest.param({"strategy": "sentence", "max_chunk_size": 20, "overlap": 5}, "chunking.invalid_settings",
                 "Validation Failed: 1: Sentence based chunking settings can not have the following settings: [overlap];",
                 id="SentenceBoundaryChunkingSettingsTests-testInvalidInputsProvided"),
    pytest.param({"max_chunk_size": 20}, "chunking.strategy.missing",
                 "Can't generate Chunker without ChunkingStrategy provided",
                 id="ChunkingSettingsBuilderTests-testChunkingStrategyNotProvided"),
    pytest.param({"strategy": "foo"}, "chunking.strategy.unknown", "Invalid chunkingStrategy foo",
                 id="ChunkingSettingsBuilderTests-testInvalidChunkingStrategy"),
    pytest.param({"strategy": "WORD", "max_chunk_size": 20, "overlap": 5}, "chunking.strategy.unknown",
                 "Invalid chunkingStrategy WORD", id="ChunkingStrategy-exact_lowercase_match"),
])
@pytest.mark.parametrize("version", PROFILES)
def test_chunking_errors(version: str, chunking: dict, rule: str, reason: str) -> None:
    got_rule, _, got_reason = violation(version, chunking)
    assert (got_rule, got_reason) == (rule, reason)


@pytest.mark.parametrize("version", PROFILES)
@pytest.mark.parametrize("strategy", ["none", "recursive"])
def test_none_and_recursive_availability_is_profile_data(version: str, strategy: str) -> None:
    profile = load_profile(version)
    chunking = {"strategy": strategy} if strategy == "none" else {"strategy": strategy, "max_chunk_size": 50}
    if strategy in profile.chunking_strategies:
        assert parse_chunking(profile, chunking)["strategy"] == strategy
    else:
        assert violation(version, chunking)[0] == "chunking.strategy.unknown"


@pytest.mark.parametrize("overlap", [0, 1])
def test_sentence_overlap_0_and_1_accepted(overlap: int) -> None:
    out = parse_chunking(load_profile("8.18"), {"strategy": "sentence", "max_chunk_size": 20, "sentence_overlap": overlap})
    assert out["sentence_overlap"] == overlap


@st.composite
def valid_chunking(draw: st.DrawFn, version: str) -> dict[str, Any]:
    """Valid word/sentence chunking settings for ``version`` (shrinks toward the minimum sizes)."""
    profile = load_profile(version)
    strategy = draw(st.sampled_from(["word", "sentence"]))
    bounds = profile.chunking_bounds[strategy]
    size = draw(st.integers(bounds.min_max_chunk_size, bounds.max_max_chunk_size or 100_000))
    if strategy == "word":
        return {"strategy": "word", "max_chunk_size": size, "overlap": draw(st.integers(1, size // 2))}
    out: dict[str, Any] = {"strategy": "sentence", "max_chunk_size": size}
    if draw(st.booleans()):
        out["sentence_overlap"] = draw(st.sampled_from([0, 1]))
    return out


@pytest.mark.parametrize("version", PROFILES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_valid_generated_chunking_parses(version: str, data: st.DataObject) -> None:
    chunking = data.draw(valid_chunking(version))
    out = parse_chunking(load_profile(version), chunking)
    assert out["strategy"] == chunking["strategy"]
    assert out["max_chunk_size"] == chunking["max_chunk_size"]
    if chunking["strategy"] == "word":
        assert out["overlap"] == chunking["overlap"]
    else:
        assert out["sentence_overlap"] == chunking.get("sentence_overlap", 1)


@pytest.mark.parametrize("version", ["9.1", "9.5"])
def test_recursive_separators_are_stored_as_elasticsearch_keeps_them(version: str) -> None:
    """RecursiveChunkingSettings keeps a list of separators: the group's (its name trimmed, any case), the
    plaintext group's when neither is given, else the list sent; ``separator_group`` itself is not kept."""
    profile = load_profile(version)
    base = {"strategy": "recursive", "max_chunk_size": 100}
    markdown = parse_chunking(profile, {**base, "separator_group": " MarkDown "})
    assert markdown == {**base, "separators": list(SEPARATOR_GROUPS["markdown"])}
    assert markdown["separators"][0] == "\n# " and markdown["separators"][-1] == "\n^(?!\\s*$).*\\n={1,}\\n"
    assert parse_chunking(profile, base) == {**base, "separators": ["(?<!\\n)\\n\\n(?!\\n)", "(?<!\\n)\\n(?!\\n)"]}
    assert parse_chunking(profile, {**base, "separators": ["\n", " "]}) == {**base, "separators": ["\n", " "]}


@pytest.mark.parametrize("version", ["9.1", "9.5"])
def test_recursive_unknown_separator_group(version: str) -> None:
    with pytest.raises(RuleViolation) as info:
        parse_chunking(load_profile(version), {"strategy": "recursive", "max_chunk_size": 100, "separator_group": "html"})
    assert info.value.rule_id == "chunking.recursive.separator_group"
    _, body = info.value.render(load_profile(version), load_rules())
    assert body["error"]["reason"] == (
        "Validation Failed: 1: [chunking_settings] Invalid value [html] received. "
        "[separator_group] must be one of [markdown, plaintext];"
    )
