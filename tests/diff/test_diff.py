"""``harness diff``: the same seeded cases against two implementations; only real differences reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from diff_helpers import Proxy, Stack, harness_diff, serve

from harness.config import RunConfig
from harness.diff import diff

# small, fast selections: every family of exchange (PUT/GET/POST/DELETE, _stream, errors, upstream calls),
# the state machine (time-derived ids and canaries) and the schemathesis pass
_MIXED = ["--rules", "crud.*", "--rules", "check.upstream_request", "--rules", "stateful.crud",
          "--rules", "schema.*", "--max-examples", "1"]


def test_reference_against_itself_has_no_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A: the embedded reference; B: the same reference served as an external target (a bare `harness diff`,
    # the embedded reference against itself, is refused as misuse)
    with Stack() as b:
        run = harness_diff(["--target", b.url, *b.mock_args(), *_MIXED], tmp_path, capsys)
    assert run.code == 0, json.dumps(run.differences()[:5], indent=1)
    assert run.report["identical"] is True and run.report["cases"] == []
    assert run.report["a"]["exchanges"] == run.report["b"]["exchanges"] > 50
    assert run.report["a"]["upstream_calls"] == run.report["b"]["upstream_calls"] > 10
    assert "no differences" in run.out


def test_no_secret_in_the_diff_report(tmp_path: Path) -> None:
    a = RunConfig(es_version="8.18", rules=("secrets.*", "check.upstream_request"), max_examples=1, workers=1)
    report = diff(a, a.with_(es_version="9.4"))
    path = report.write(tmp_path / "diff.json")
    text = path.read_text()
    canaries = {s for r in report.redactors for s in r.secrets}
    assert len(canaries) > 10
    assert [c for c in canaries if c in text] == []
    assert json.loads(text)["summary"]["cases_compared"] > 10


def test_rewritten_error_message_is_the_only_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Stack() as a, Stack() as b:
        proxy = b.add(serve(Proxy(b.url, response=lambda body: body.replace(
            b"Inference endpoint not found", b"Inference endpoint is missing"))))
        run = harness_diff(["--target", a.url, "--target", proxy.url, *a.mock_args(), *b.mock_args(),
                            "--rules", "crud.not_found", "--rules", "check.upstream_request", "--max-examples", "1"],
                           tmp_path, capsys)
    assert run.code == 1, run.err
    diffs = run.differences()
    assert diffs, run.out
    assert {d["case"].split("/")[0] for d in diffs} == {"crud.not_found"}
    # B fails the message check, so its example ends there: the requests A went on with are one difference
    assert {d["field"] for d in diffs} <= {"error.reason", "verdict", "exchanges"}
    reasons = [d for d in diffs if d["field"] == "error.reason"]
    assert reasons and all(d["a"].startswith("Inference endpoint not found [<id#")
                           and d["b"].startswith("Inference endpoint is missing [<id#") for d in reasons)
    assert "crud.not_found/" in run.out and "Inference endpoint is missing" in run.out


def _drop_user(body: bytes) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if isinstance(data, dict) and "user" in data:
        data.pop("user")
        return json.dumps(data).encode()
    return body


def test_user_dropped_upstream_is_the_only_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Stack() as a, Stack() as b:
        # B's target reaches its OpenAI mock through a proxy that drops `user` from every request body
        proxy = b.add(serve(Proxy(b.openai.url, request=_drop_user)))
        run = harness_diff(["--target", a.url, "--target", b.url, *a.mock_args(), *b.mock_args(openai=proxy.url),
                            "--rules", "check.upstream_request", "--rules", "crud.duplicate",
                            "--max-examples", "2"], tmp_path, capsys)
    assert run.code == 1, run.err
    diffs = run.differences()
    upstream = [d for d in diffs if d["where"].startswith("upstream")]
    assert upstream and {d["field"] for d in upstream} == {"body.user"}
    assert all(d["a"] and d["b"] is None for d in upstream)
    assert {d["case"].split("/")[1] for d in diffs} == {"openai"}
    assert {d["field"] for d in diffs} <= {"body.user", "verdict"}


def test_818_and_94_of_the_reference_differ_where_the_versions_do(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    run = harness_diff(["--es-version", "8.18", "--es-version", "9.4", "--rules", "chunking.max_chunk_size.max",
                        "--rules", "settings.unknown", "--rules", "crud.not_found", "--max-examples", "1"],
                       tmp_path, capsys)
    assert run.code == 1
    diffs = run.differences()
    assert run.report["generated_with"] == "8.18"
    # max_chunk_size 301+: rejected by 8.18, accepted (and validated upstream) by 9.4
    status = [d for d in diffs if d["case"].startswith("chunking.max_chunk_size.max/") and d["field"] == "status"]
    assert status and all((d["a"], d["b"]) == (400, 200) for d in status)
    # the unknown-settings wording changed
    wording = [d for d in diffs if d["case"].startswith("settings.unknown/") and d["field"] == "error.reason"]
    assert wording and all(d["a"].startswith("Model configuration contains settings")
                           and d["b"].startswith("Configuration contains settings") for d in wording)
    # a rule that did not change between the versions shows no difference
    assert not [d for d in diffs if d["case"].startswith("crud.not_found/")]


def test_counts_agree_and_each_difference_is_reported_once(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    run = harness_diff(["--es-version", "8.18", "--es-version", "9.4", "--rules", "chunking.max_chunk_size.max",
                        "--max-examples", "3"], tmp_path, capsys)
    assert run.code == 1, run.err
    summary, out = run.report["summary"], " ".join(run.out.split())  # rich wraps long lines
    cases = summary["cases_compared"]
    # the header's cases per side, the JSON summary and the last line count the same things
    assert run.report["a"]["cases"] == run.report["b"]["cases"] == cases
    assert f"{run.report['a']['cases']} cases," in out
    assert (f"{summary['distinct_differences']} distinct differences ({summary['differences']} in all) in "
            f"{summary['cases_differing']} of {cases} cases, {summary['items_differing']} of "
            f"{summary['items_compared']} rule x service x task type items") in out
    assert summary["distinct_differences"] < summary["differences"]
    # three examples answered 400 on 8.18 and 200 on 9.4: one status line per item, naming the three cases
    item = "chunking.max_chunk_size.max/openai/text_embedding"
    assert f"{item}: 3 of 3 cases differ (#0\u2013#2)" in out
    section = run.out.split(item, 1)[1].split("chunking.max_chunk_size.max/azureopenai", 1)[0]
    assert section.count("status") == 1 and section.count("A: 400") == 1
    # the requests that follow a different answer are one `requests` difference per case, explained
    requests_diffs = [d for d in run.differences() if d["field"] == "requests"]
    assert requests_diffs and not [d for d in run.differences() if d["field"].startswith("request.")]
    assert "the harness's next requests differ as a consequence" in out
    # progress on stderr, a line per side and per rule family (no terminal here)
    err = run.err.splitlines()
    assert [line.split(":")[0] for line in err if line.startswith("diff ")] == ["diff A", "diff B"]
    assert sum(1 for line in err if "] chunking: " in line) == 2


def test_a_difference_repeated_across_examples_and_exchanges_is_one_distinct_difference() -> None:
    from harness.diff import Difference, DiffReport

    item = "stateful.crud"
    repeated = [Difference(f"{item}#0", f"exchange {n}: PUT /_inference/text_embedding/<id#{n}>", "body.keys",
                           ["task_settings"], []) for n in (3, 7, 11)]
    other = [Difference(f"crud.get/openai/completion#{n}", "exchange 1: GET /_inference/<id#1>", "status", 200, 404)
             for n in range(5)]
    report = DiffReport(0, "8.18", {}, {}, {}, repeated + other, cases_compared=6,
                        item_cases={item: 1, "crud.get/openai/completion": 5})
    grouped = report.by_item()
    [stateful] = grouped[item]
    assert (stateful.first, stateful.cases, stateful.occurrences) == (repeated[0], ["#0"], 3)
    [status] = grouped["crud.get/openai/completion"]
    assert status.cases == ["#0", "#1", "#2", "#3", "#4"] and status.occurrences == 5
    summary = report.to_dict()["summary"]
    assert (summary["differences"], summary["distinct_differences"], summary["cases_differing"]) == (8, 2, 6)


def test_unreachable_target_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = harness_diff(["--target", "http://127.0.0.1:9", "--target", "http://127.0.0.1:19",
                        "--rules", "crud.not_found"], tmp_path, capsys)
    assert run.code == 2
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and "127.0.0.1:9" in lines[0]
    assert "Traceback" not in run.err and run.report == {}


@pytest.mark.parametrize("argv, message", [
    pytest.param(["--target", "http://a:1", "--target", "http://b:1", "--target", "http://c:1"], "at most twice",
                 id="three-targets"),
    pytest.param(["--target", "not-a-url"], "must be an http(s) URL", id="bad-url"),
])
def test_bad_options_exit_2(argv: list[str], message: str, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    run = harness_diff(argv, tmp_path, capsys)
    assert run.code == 2 and message in run.err


