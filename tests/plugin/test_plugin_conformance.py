"""``--inference-conformance``: the conformance plan as pytest tests, ``-k`` filtering, failures, xdist."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

RULE = "chunking.max_chunk_size.min"


def test_conformance_tests_are_named_and_filterable(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider", "--inference-conformance", "-k", RULE, "-rA", "-q")
    result.assert_outcomes(passed=3, skipped=4)
    result.stdout.fnmatch_lines([
        f"PASSED inference-conformance::conformance[{RULE}-openai-text_embedding]",
        f"PASSED inference-conformance::conformance[{RULE}-azureopenai-text_embedding]",
        f"PASSED inference-conformance::conformance[{RULE}-amazonbedrock-text_embedding]",
        "SKIPPED *rules.yaml:*: not applicable: rule does not apply to openai completion in 8.18",
    ])


def test_collection_counts_the_conformance_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    listed = pytester.runpytest("-p", "no:cacheprovider", "--inference-conformance", "--co", "-q")
    names = [line for line in listed.outlines if "::" in line]
    assert len(names) > 100 and "test_one.py::test_one" in names
    total = len(names)
    result = pytester.runpytest("-p", "no:cacheprovider", "--inference-conformance", "--co", "-k", RULE)
    text = "\n".join(result.outlines)
    assert f"collected {total} items / {total - 7} deselected / 7 selected" in text, text
    assert "-" + str(total - 7) not in text and "collected 0 items" not in text


def test_a_mock_url_without_a_target_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider", "--inference-conformance", "-k", RULE,
                                "--inference-openai-mock", "http://127.0.0.1:9")
    text = "\n".join(result.outlines + result.errlines)
    assert "--inference-openai-mock needs --inference-target" in text, text
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_without_the_option_nothing_is_added(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-q", "-k", "chunking or one")
    result.assert_outcomes(passed=1)


class _AcceptsEverything:
    """A broken ``_inference`` target: every request gets 200 ``{}``, so no validation rule holds."""

    def __call__(self, environ: dict, start_response):  # type: ignore[no-untyped-def]
        request = Request(environ)
        request.get_data()
        body = {"name": "broken", "version": {"number": "8.18.0"}} if request.path == "/" else {"acknowledged": True}
        return Response(json.dumps(body), mimetype="application/json")(environ, start_response)


@pytest.fixture
def broken_target() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, _AcceptsEverything(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    server.server_close()


def test_a_broken_target_fails_with_expected_seen_and_replay(pytester: pytest.Pytester, broken_target: str) -> None:
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--inference-conformance", "--inference-target", broken_target,
        "-k", f"{RULE} and openai-text_embedding and not azure", "-q",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        f"*{RULE}[[]openai/text_embedding[]]*",
        "expected:",
        "*400*",
        "seen:",
        "replay:",
        "curl *",
        f"harness run --seed 0 --rules {RULE}*",
    ])
    assert "Traceback" not in result.stdout.str()
    # the canaries the curl reads are in the file the failure names (issue 21: it was never written)
    if "HARNESS_CANARY_" in result.stdout.str():
        env = pytester.path / "reports" / "replay.env"
        assert env.is_file() and "export HARNESS_CANARY_" in env.read_text()
        assert oct(env.stat().st_mode & 0o777) == "0o600"
        result.stdout.fnmatch_lines(["*the canaries the curl reads: . */reports/replay.env*"])


USER_JOURNALS = '''
import os
from pathlib import Path

import openai
import pytest


@pytest.mark.parametrize("n", range(6))
def test_journal_is_private(openai_mock, n):
    client = openai.OpenAI(api_key=f"sk-worker-{n}", base_url=openai_mock.base_url, max_retries=0)
    for i in range(3):
        client.embeddings.create(model="text-embedding-3-small", input=[f"test-{n}-call-{i}"])
    inputs = [c.json["input"][0] for c in openai_mock.journal.calls]
    assert inputs == [f"test-{n}-call-{i}" for i in range(3)], inputs
    worker = os.environ.get("PYTEST_XDIST_WORKER", "none")
    (Path(__file__).parent / f"url-{worker}-{n}").write_text(openai_mock.url)
'''


def test_xdist_workers_have_their_own_servers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_journals=USER_JOURNALS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "xdist", "-n", "2", "-q")
    result.assert_outcomes(passed=6)
    urls: dict[str, set[str]] = {}
    for f in pytester.path.glob("url-*"):
        urls.setdefault(f.name.split("-")[1], set()).add(f.read_text())
    assert urls and set(urls) <= {"gw0", "gw1"}, urls
    # one session server per worker (each worker started its own), on different ports
    assert all(len(u) == 1 for u in urls.values())
    assert len(set().union(*urls.values())) == len(urls)


def test_conformance_under_xdist(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "xdist", "-n", "2", "-q",
                                           "--inference-conformance", "-k", RULE)
    result.assert_outcomes(passed=3, skipped=4)
