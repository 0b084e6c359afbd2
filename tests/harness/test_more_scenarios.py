"""The scenarios of ``harness/checks/scenarios_requests.py`` and ``scenarios_faults.py``: each of their rules is
exercised (never skipped) and passes against the embedded reference; without a readable mock the rules that
need one are *not checked*, never passed; the malformed-body oracle places errors where a JSON parser does.

That each scenario can fail is shown in ``tests/broken`` (defects ``malformed_json_as_500``,
``missing_index_as_empty_200``, ``io_error_leaks_key``, ``stream_reset_swallowed``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract import load_profile, load_rules
from harness.checks import NotApplicable, NotChecked
from harness.cli import main
from harness.gen.strategies import endpoint
from harness.mock_handles import MockHandles
from harness.report.redact import Redactor
from harness.scenarios.body import _malformed
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import SCENARIOS
from harness.target import Target

NEW_RULES = (
    "body.malformed", "body.not_object", "body.required", "param.boolean",
    "index.already_exists", "index.invalid_name", "index.not_found",
    "index.semantic_text.inference_id_not_found", "index.semantic_text.task_type", "index.semantic_text.value",
    "streaming.unified.invalid", "streaming.unified.empty_messages",
    "upstream.bedrock.call_failed", "upstream.bedrock.stream", "upstream.empty_body", "upstream.io_error",
    "upstream.malformed_response", "upstream.stream.connection_closed", "upstream.stream.connection_reset",
)
#: Rules a scenario may report as not checked against the reference (with this text in the reason): none
#: since ``sse_cut`` can close a stream cleanly (``close: "fin"``) for ``upstream.stream.connection_closed``.
NOT_CHECKABLE: dict[str, str] = {}
NEEDS_MOCK = ("index.semantic_text.value", "streaming.unified.invalid", "streaming.unified.empty_messages",
              "upstream.io_error",
              "upstream.bedrock.call_failed", "upstream.stream.connection_closed",
              "upstream.stream.connection_reset")

_runs: dict[str, tuple[int, list[dict[str, Any]]]] = {}


def _run(version: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[dict[str, Any]]]:
    """One ``harness run --rules <id> …`` per version with every new rule id (cached for the module)."""
    if version not in _runs:
        out = tmp_path_factory.mktemp(f"more-{version}")
        args = ["run", "--es-version", version, "--max-examples", "2", "--seed", "7",
                "--report-dir", str(out), "--format", "json"]
        for rule_id in NEW_RULES:
            args += ["--rules", rule_id]
        code = main(args)
        _runs[version] = (code, json.loads((out / "report.json").read_text())["results"])
    return _runs[version]


def test_every_new_rule_has_a_scenario() -> None:
    assert [r for r in NEW_RULES if r not in SCENARIOS] == []


@pytest.mark.parametrize("version", ["8.18", "9.4"])
@pytest.mark.parametrize("rule_id", NEW_RULES)
def test_rule_passes_on_the_reference(rule_id: str, version: str, tmp_path_factory: pytest.TempPathFactory,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, results = _run(version, tmp_path_factory)
    capsys.readouterr()
    assert code == 0
    mine = [r for r in results if r["rule_id"] == rule_id]
    assert mine, f"{rule_id} was not planned"
    outcomes = {(r["service"], r["task_type"]): (r["outcome"], r["reason"]) for r in mine}
    allowed = {"passed", "not_applicable"} | ({"not_checked"} if rule_id in NOT_CHECKABLE else set())
    assert {k: v for k, v in outcomes.items() if v[0] not in allowed} == {}
    if rule_id in NOT_CHECKABLE:
        assert all(NOT_CHECKABLE[rule_id] in reason for o, reason in outcomes.values() if o == "not_checked")
    else:
        assert any(o == "passed" for o, _ in outcomes.values()), f"{rule_id} never exercised: {outcomes}"


@pytest.mark.parametrize("rule_id", NEEDS_MOCK)
def test_without_a_mock_the_rule_is_not_checked(rule_id: str) -> None:
    """An external target whose mocks the harness cannot read: the scenario refuses to judge."""
    profile, rules = load_profile("9.4"), load_rules()
    rule = rules.get(rule_id)
    service = (rule.services or ("openai",))[0]
    task_type = (rule.task_types or (("chat_completion",) if rule_id == "streaming.unified.invalid"
                                     else ("text_embedding",)))[0]
    if rule_id in ("upstream.stream.connection_reset", "upstream.stream.connection_closed"):
        task_type = "completion"
    ctx = CheckContext(profile, rules, Target("http://127.0.0.1:9"), MockHandles(), 0, Redactor())

    @settings(max_examples=1, database=None, deadline=None)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        case = data.draw(endpoint(profile, service, task_type, openai_url="http://127.0.0.1:9"))
        with pytest.raises(NotChecked):
            SCENARIOS[rule_id](ctx, rule_id, case, data.draw)

    check()
    assert ctx.exchanges == []  # refused before sending anything


def test_not_applicable_is_explained() -> None:
    profile, rules = load_profile("8.18"), load_rules()
    ctx = CheckContext(profile, rules, Target("http://127.0.0.1:9"), MockHandles(), 0, Redactor())

    @settings(max_examples=1, database=None, deadline=None)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        case = data.draw(endpoint(profile, "openai", "chat_completion", openai_url="http://127.0.0.1:9"))
        with pytest.raises(NotApplicable, match="only streams"):
            SCENARIOS["upstream.empty_body"](ctx, "upstream.empty_body", case, data.draw)

    check()


@settings(max_examples=50, database=None, deadline=None)
@given(st.data())
def test_malformed_body_location_is_where_the_parser_stops(data: st.DataObject) -> None:
    """The oracle's (line, column) is the mismatched close marker, which is where a strict JSON parser
    (Python's here, Jackson's ``_currentLocationMinusOne`` in Elasticsearch) reports the error."""
    text, line, column = _malformed(data.draw)
    with pytest.raises(json.JSONDecodeError) as err:
        json.loads(text)
    assert (err.value.lineno, err.value.colno) == (line, column)
    assert text[err.value.pos] in "]}"


def test_raw_request_sends_bytes_verbatim() -> None:
    from mocks.reference import ReferenceConfig, ReferenceServer

    with ReferenceServer(ReferenceConfig(skip_validation=True)) as server:
        target = Target(server.url)
        resp = target.request("POST", "/_inference/text_embedding/x", raw=b'{"input": "a"]')
        assert resp.request_body == '{"input": "a"]'
        assert resp.status == 400
        assert resp.json["error"]["type"] == "x_content_parse_exception"
        assert resp.json["error"]["reason"].startswith("[1:14]")
