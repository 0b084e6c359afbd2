"""A bad config file stops ``harness run`` with exit 2 and one line naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        pytest.param("harness.toml", "sead = 3\n", "harness.toml: `sead` is not a harness setting; did you mean `seed`?",
                     id="unknown-key"),
        pytest.param("harness.toml", 'seed = "3"\n', "harness.toml: `seed` must be an integer, got a string",
                     id="seed-string"),
        pytest.param("harness.toml", "seed = true\n", "`seed` must be an integer, got a boolean", id="seed-bool"),
        pytest.param("harness.toml", "es_version = 9.1\n", '`es_version` must be a string: quote it, es_version = "9.1"',
                     id="version-float"),
        pytest.param("harness.toml", 'es_version = "7.17"\n', "`es_version` must be one of 8.18, 8.19, 9.0, 9.1",
                     id="version-unknown"),
        pytest.param("harness.toml", 'rules = "crud.*"\n', "`rules` must be an array of strings", id="rules-string"),
        pytest.param("harness.toml", 'formats = ["pdf"]\n', "`formats` has unknown format 'pdf'", id="format"),
        pytest.param("harness.toml", "workers = 0\n", "`workers` must be >= 1, got 0", id="workers-zero"),
        pytest.param("harness.toml", 'mocks = { gemini = "http://x" }\n', "`mocks.gemini` is not a mock",
                     id="mock-unknown"),
        pytest.param("harness.toml", 'target = "localhost:9200"\n', "`target` must be an http(s) URL", id="target-url"),
        pytest.param("harness.toml", '[skip]\n"crud.*" = 1\n', '`skip."crud.*"` must be a string, got an integer',
                     id="skip-reason-type"),
        pytest.param("harness.toml", '[skip]\n"crud.*" = ""\n', '`skip."crud.*"` needs a reason', id="skip-empty"),
        pytest.param("harness.toml", 'api_key = "s3cr3t-canary"\n', "`api_key` is not a harness setting; secrets",
                     id="secret-in-file"),
        pytest.param("harness.toml", "seed = [\n", "harness.toml: invalid TOML", id="not-toml"),
        pytest.param("pyproject.toml", "[tool.harness]\nworker = 2\n", "pyproject.toml: `tool.harness.worker` is not",
                     id="pyproject-unknown-key"),
        pytest.param("pyproject.toml", '[tool.harness]\nmax_examples = "5"\n',
                     "pyproject.toml: `tool.harness.max_examples` must be an integer", id="pyproject-type"),
    ],
)
def test_bad_config_file_exits_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str], name: str, text: str,
                                               expected: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--report-dir", str(tmp_path / "reports")]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("harness: ") and expected in lines[0]
    assert str(tmp_path / name) in lines[0]
    assert "Traceback" not in err and "s3cr3t-canary" not in err + out
    assert not (tmp_path / "reports").exists()  # nothing ran


def test_missing_explicit_config_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--config", "nope.toml"]) == 2
    assert capsys.readouterr().err.strip() == "harness: config file nope.toml not found"


def test_unset_api_key_env_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "harness.toml").write_text('api_key_env = "CONFIG_TEST_UNSET_KEY"\n', encoding="utf-8")
    monkeypatch.delenv("CONFIG_TEST_UNSET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("`api_key_env` names the environment variable CONFIG_TEST_UNSET_KEY, which is not set")


@pytest.mark.parametrize("value", ["crud.*", "=reason", "crud.*="])
def test_skip_flag_needs_pattern_and_reason(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", "--skip", value])
    assert info.value.code == 2
    assert "expected PATTERN=REASON" in capsys.readouterr().err


def test_env_overrides_the_file_in_harness_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """HARNESS_TARGET (invalid here, so the run stops before connecting) beats the file's target."""
    (tmp_path / "harness.toml").write_text('es_version = "9.1"\ntarget = "http://127.0.0.1:9"\n', encoding="utf-8")
    monkeypatch.setenv("HARNESS_TARGET", "not-a-url")
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 2
    assert "--target must be an http(s) URL, got 'not-a-url'" in capsys.readouterr().err
