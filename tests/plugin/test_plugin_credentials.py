"""The pytest plugin authenticates as ``harness run`` does (issue 21, item 2): ``--inference-user`` /
``--inference-api-key``, ``$HARNESS_USER`` / ``$HARNESS_API_KEY`` and the config file's ``user_env``; against a
secured ``harness serve`` in its own process. Without credentials it stops with a usage error naming them, and
a failure's replay names a ``reports/replay.env`` that exists."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "external"))
from external_processes import Serve, serve  # noqa: E402

RULE = "crud.not_found"


@pytest.fixture(scope="module")
def secured() -> Iterator[Serve]:
    with serve("8.18") as served:
        yield served


def _args(secured: Serve, *extra: str) -> list[str]:
    openai = secured.urls["openai"].removesuffix("/v1")
    return ["-p", "no:cacheprovider", "--inference-conformance", "--inference-target", secured.target,
            "--inference-openai-mock", openai, "-k", f"{RULE} and openai-text_embedding", "-q", *extra]


def _passed(result: pytest.RunResult) -> None:
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1 and not outcomes.get("failed") and not outcomes.get("errors"), outcomes


def test_the_user_option_authenticates(pytester: pytest.Pytester, secured: Serve,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_USER", raising=False)
    result = pytester.runpytest_subprocess(*_args(secured, "--inference-user", f"elastic:{secured.password}"))
    _passed(result)
    assert secured.password not in result.stdout.str() + result.stderr.str()


def test_the_environment_variable_authenticates(pytester: pytest.Pytester, secured: Serve,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_USER", f"elastic:{secured.password}")
    result = pytester.runpytest_subprocess(*_args(secured))
    _passed(result)


def test_the_config_file_names_the_variable(pytester: pytest.Pytester, secured: Serve,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_USER", raising=False)
    monkeypatch.setenv("MY_ES_USER", f"elastic:{secured.password}")
    pytester.makefile(".toml", harness='user_env = "MY_ES_USER"\n')
    result = pytester.runpytest_subprocess(*_args(secured))
    _passed(result)


def test_without_credentials_it_is_a_usage_error(pytester: pytest.Pytester, secured: Serve,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_USER", raising=False)
    monkeypatch.delenv("HARNESS_API_KEY", raising=False)
    result = pytester.runpytest_subprocess(*_args(secured))
    text = result.stdout.str() + result.stderr.str()
    assert result.ret != 0
    assert "requires authentication (401" in text and "--user" in text, text[-2000:]
    assert "failed" not in result.stdout.str().splitlines()[-1]
