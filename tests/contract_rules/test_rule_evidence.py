"""Every rule carries its evidence in the repository form (issue 9), and no file cites a path of a build
machine: the file deciding the rule as a path in elastic/elasticsearch, the class or method, the tests
asserting its message (paths in the same repository), and a version range marked verified or inferred."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from contract import PROFILES, load_rules, parse_rules
from contract.evidence import evidence_problems, quote_covers
from contract.rules import Rule

ROOT = Path(__file__).resolve().parents[2]
#: a path in the elastic/elasticsearch repository (top-level folders that hold Java sources and tests)
REPO_PATH = re.compile(r"^(server|x-pack|libs|modules|rest-api-spec|qa)/[A-Za-z0-9_./-]+\.(java|yml|yaml|json)$")
TEST_PATH = re.compile(r"^(server|x-pack|libs|modules|rest-api-spec|qa)/[A-Za-z0-9_./-]+\.(java|yml|yaml)(#\w+)?$")
SYMBOL = re.compile(r"^[A-Z][A-Za-z0-9_]*(\.[A-Z][A-Za-z0-9_]*)*(#[A-Za-z_][A-Za-z0-9_]*)?$")
#: files that once cited the build machine's shared folder (issue 9 names them)
CITING_FILES = ("specs/rules.yaml", "specs/profiles.yaml", "specgen/profile.py", "mocks/openai/app.py",
                "mocks/bedrock/errors.py", "mocks/bedrock/sigv4.py")
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|home|root|tmp)/|\.\./shared|shared/reference|es-inference\.md|upstreams\.md|upstream-samples\.json")


def citation_problems(rule: Rule) -> list[str]:
    """What is wrong with ``rule``'s citation (empty when it is well formed)."""
    problems = []
    if not REPO_PATH.match(rule.source):
        problems.append(f"source {rule.source!r} is not a path in elastic/elasticsearch")
    if rule.evidence is None:
        return [*problems, "no evidence (symbol, tests, status)"]
    if not SYMBOL.match(rule.evidence.symbol):
        problems.append(f"symbol {rule.evidence.symbol!r} is not Class, Class#method or Outer.Inner#member")
    if rule.evidence.status not in ("verified", "inferred"):
        problems.append(f"status {rule.evidence.status!r}")
    problems += [f"test {t!r} is not a path in elastic/elasticsearch" for t in rule.evidence.tests
                 if not TEST_PATH.match(t)]
    if not rule.versions:
        problems.append("an empty version range")
    return problems


@pytest.mark.parametrize("rule", load_rules().all(), ids=lambda r: r.id)
def test_rule_cites_elasticsearch(rule: Rule) -> None:
    assert citation_problems(rule) == []


def test_a_rule_without_a_citation_is_reported() -> None:
    data = yaml.safe_load((ROOT / "specs/rules.yaml").read_text(encoding="utf-8"))
    bare = dict(data["rules"][0], source="INF/services/ServiceUtils.java")
    bare.pop("evidence")
    rule = parse_rules({"families": data["families"], "rules": [bare]}).all()[0]
    assert citation_problems(rule) == [
        "source 'INF/services/ServiceUtils.java' is not a path in elastic/elasticsearch",
        "no evidence (symbol, tests, status)",
    ]
    sloppy = dict(data["rules"][0], evidence={"symbol": "isValidId", "status": "verified", "quote": "x", "reads": [],
                                              "tests": ["InferenceCrudIT"]})
    rule = parse_rules({"families": data["families"], "rules": [sloppy]}).all()[0]
    assert len(citation_problems(rule)) == 2


def test_version_ranges_name_supported_profiles_only() -> None:
    data = yaml.safe_load((ROOT / "specs/rules.yaml").read_text(encoding="utf-8"))
    stale = dict(data["rules"][0], since="7.17")
    with pytest.raises(ValueError, match=r"unknown versions \['7.17'\]; supported: 8.18, "):
        parse_rules({"families": data["families"], "rules": [stale]})


def test_ranges_are_inclusive_and_derived_from_the_profile_list() -> None:
    rules = load_rules()
    assert rules.get("chunking.max_chunk_size.max").versions == tuple(v for v in PROFILES if v <= "9.1")
    query = rules.get("input.query.not_for_task")
    assert query.versions == PROFILES[PROFILES.index("9.2") : PROFILES.index("9.4") + 1]
    assert query.version_range == "9.2-9.4"
    assert rules.get("input.input_type.rejected").versions == ("8.19", *PROFILES[PROFILES.index("9.1") :])


@pytest.mark.parametrize("name", CITING_FILES)
def test_no_machine_path_is_cited(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    assert [m.group(0) for m in MACHINE_PATH.finditer(text)] == []


# ---------------------------------------------------------------- quotes and dated reads (issue 20)

#: the least number of rules whose version range is verified (docs/rule-audit.md and the README state the
#: figure). Issue 20 asks for 85%; the stored index dates too few versions >=9.5 for that (docs/rule-audit.md
#: says why, rule by rule in each `missing`), so the floor is what the reading reached: it may only rise.
#: A count, not a share: a new rule that is still inferred (the REST layer's, issue 24) lowers no verified one.
VERIFIED_FLOOR = 23


def _messages(rule: Rule) -> list[str]:
    if rule.expected is None:
        return []
    messages = [rule.expected["message"]]
    messages += [o["message"] for o in rule.overrides.values() if "message" in o]
    # a `{wording[...]}` field reads a per-version variant: the quote must produce the rest
    return [m for m in messages if m.strip("{}") and not m.startswith("{detail}")]


def rule_evidence_problems(rule: Rule) -> list[str]:
    ev = rule.evidence
    assert ev is not None
    return evidence_problems(
        ev.status, ev.quote, [(r.path, r.line) for r in ev.reads], ev.missing, rule.versions, _messages(rule)
    )


@pytest.mark.parametrize("rule", load_rules().all(), ids=lambda r: r.id)
def test_rule_quote_and_reads_meet_its_status(rule: Rule) -> None:
    assert rule_evidence_problems(rule) == []


def test_the_verified_share_is_stated_and_does_not_fall() -> None:
    """docs/rule-audit.md and the README state the figure; it may rise, never fall below the floor."""
    rules = load_rules().all()
    verified = [r for r in rules if r.range_status == "verified"]
    figure = f"**{len(verified)} of {len(rules)} rules verified**"
    assert figure in (ROOT / "docs/rule-audit.md").read_text(encoding="utf-8")
    assert figure in (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(verified) >= VERIFIED_FLOOR, f"{len(verified)} of {len(rules)} verified"


def test_a_schema_refuses_evidence_without_quote_reads_or_missing() -> None:
    import jsonschema

    data = yaml.safe_load((ROOT / "specs/rules.yaml").read_text(encoding="utf-8"))
    for drop in ("quote", "reads", "missing"):
        rule = copy.deepcopy(data["rules"][0])
        rule["evidence"]["status"] = "inferred"
        rule["evidence"].setdefault("missing", "x")
        rule["evidence"].pop(drop)
        with pytest.raises(jsonschema.ValidationError):
            parse_rules({"families": data["families"], "rules": [rule]})


def test_reads_are_paths_in_a_repository() -> None:
    for rule in load_rules():
        assert rule.evidence is not None
        for read in rule.evidence.reads:
            if read.repo == "elastic/elasticsearch":
                assert REPO_PATH.match(read.path) or read.path.startswith("docs/"), (rule.id, read.path)
            assert MACHINE_PATH.search(read.path) is None


@pytest.mark.parametrize(
    ("message", "quote", "covered"),
    [
        ("{service_title} only accepts 1 input", 'String.format("%s only accepts 1 input", prefix)', True),
        ("OpenAI completions only accepts 1 input",
         'COMPLETION_ERROR_PREFIX = "OpenAI chat completions";\n"%s only accepts 1 input"', False),
        ("Unknown service [{service}]", 'format("Unknown service [%s]", serviceName)', True),
        ("Unknown service [{service}]", '"Unknown service [" + serviceName + "]"', True),
        ("Invalid inference_id; '{inference_id}' can contain lowercase alphanumeric (a-z and 0-9), hyphens or "
         "underscores; must start and end with alphanumeric",
         '"Invalid inference_id; \'" + id + "\' can contain lowercase alphanumeric (a-z and 0-9), hyphens or "\n'
         '    + "underscores; must start and end with alphanumeric"', True),
        ("Task type must match", '"Task type mustn\'t match"', False),
        ("[{scope}] does not contain the required setting [{field}]",
         '"[{}] does not contain the required setting [{}]"', True),
    ],
)
def test_quote_covers(message: str, quote: str, covered: bool) -> None:
    assert quote_covers(message, quote) is covered


def test_evidence_problems_name_what_is_missing() -> None:
    quote = '"Unknown service [%s]"'
    all_lines = tuple(PROFILES)
    ok = [("a.java", "<=8.17"), ("a.java", ">=9.5")]
    assert evidence_problems("verified", quote, ok, "", all_lines, ["Unknown service [{service}]"]) == []
    assert evidence_problems("verified", quote, ok[:1], "", all_lines, []) == [
        "verified without a read dated >=9.5"
    ]
    assert evidence_problems("verified", quote, ok[1:], "", all_lines, []) == [
        "verified without a read dated at or before 8.18"
    ]
    late = all_lines[all_lines.index("9.1"):]
    assert evidence_problems("verified", quote, ok, "", late, []) == [
        "verified without a read dated 9.1 (or >=9.1, by the change that starts it)"
    ]
    early = all_lines[: all_lines.index("9.1") + 1]
    assert evidence_problems("verified", quote, [("a.java", "8.18"), ("a.java", "<=9.1")], "", early, []) == []
    assert evidence_problems("inferred", quote, [], "", all_lines, []) == ["inferred without saying what is missing"]
    assert evidence_problems("inferred", "", [("a", "9.x")], "the 8.18 line", all_lines, ["x"]) == [
        "no quote",
        "read of a: release line '9.x' is not 9.1, <=8.17, >=9.5, 8.16-9.3 or undated",
    ]
    assert evidence_problems("verified", quote, ok, "", all_lines, ["Unknown services [{service}]"]) == [
        "the quote does not produce the message 'Unknown services [{service}]'"
    ]


def test_profile_facts_are_dated() -> None:
    data = yaml.safe_load((ROOT / "specs/profiles.yaml").read_text(encoding="utf-8"))
    versions = tuple(data["versions"])
    problems = []
    for name, entries in data["facts"].items():
        for i, entry in enumerate(entries):
            start = versions.index(entry["since"])
            end = versions.index(entries[i + 1]["since"]) - 1 if i + 1 < len(entries) else len(versions) - 1
            span = versions[start : end + 1]
            if entry["status"] not in ("verified", "inferred"):
                problems.append(f"{name}@{entry['since']}: status {entry['status']!r}")
                continue
            reads = [("profiles.yaml", r["line"]) for r in entry.get("reads", ())]
            found = evidence_problems(entry["status"], entry.get("quote", "x"), reads, entry.get("missing", ""), span)
            problems += [f"{name}@{entry['since']}: {p}" for p in found]
    assert problems == []
