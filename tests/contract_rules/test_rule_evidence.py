"""Every rule carries its evidence in the repository form (issue 9), and no file cites a path of a build
machine: the file deciding the rule as a path in elastic/elasticsearch, the class or method, the tests
asserting its message (paths in the same repository), and a version range marked verified or inferred."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from contract import PROFILES, load_rules, parse_rules
from contract.rules import Rule

ROOT = Path(__file__).resolve().parents[2]
#: a path in the elastic/elasticsearch repository (top-level folders that hold Java sources and tests)
REPO_PATH = re.compile(r"^(server|x-pack|libs|modules|rest-api-spec|qa)/[A-Za-z0-9_./-]+\.(java|yml|yaml|json)$")
TEST_PATH = re.compile(r"^(server|x-pack|libs|modules|rest-api-spec|qa)/[A-Za-z0-9_./-]+\.(java|yml|yaml)(#\w+)?$")
SYMBOL = re.compile(r"^[A-Z][A-Za-z0-9_]*(\.[A-Z][A-Za-z0-9_]*)*(#[A-Za-z_][A-Za-z0-9_]*)?$")
#: files that once cited the build machine's shared folder (issue 9 names them)
CITING_FILES = ("specs/rules.yaml", "specs/profiles.yaml", "specs/_versions.py", "mocks/openai/app.py",
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
    sloppy = dict(data["rules"][0], evidence={"symbol": "isValidId", "status": "verified",
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
    assert query.versions == PROFILES[PROFILES.index("9.2"):]
    assert query.version_range == "9.2+" and query.range_status == "inferred"
    assert rules.get("streaming.chat_completion.only_stream").range_status == "verified"


@pytest.mark.parametrize("name", CITING_FILES)
def test_no_machine_path_is_cited(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    assert [m.group(0) for m in MACHINE_PATH.finditer(text)] == []
