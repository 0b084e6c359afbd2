"""``harness.config.load_config``: where the config file is found, and flags > environment > file > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import RunConfig, find_config_file, from_env, load_config, read_config_file
from harness.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path, environ={})
    assert config == RunConfig()
    assert config.config_file is None


@pytest.mark.parametrize(
    ("file", "env", "flags", "expected"),
    [
        pytest.param(3, None, None, 3, id="file-over-default"),
        pytest.param(3, "4", None, 4, id="env-over-file"),
        pytest.param(3, "4", 5, 5, id="flag-over-env"),
        pytest.param(None, "4", None, 4, id="env-over-default"),
        pytest.param(3, None, 0, 0, id="flag-zero-still-wins"),
    ],
)
def test_precedence_file_env_flag(tmp_path: Path, file: int | None, env: str | None, flags: int | None,
                                  expected: int) -> None:
    if file is not None:
        write(tmp_path / "harness.toml", f"seed = {file}\n")
    environ = {"HARNESS_SEED": env} if env else {}
    config = load_config({"seed": flags}, cwd=tmp_path, environ=environ)
    assert config.seed == expected


def test_every_key_of_the_file_reaches_the_run_config(tmp_path: Path) -> None:
    write(tmp_path / "harness.toml", """
target = "http://127.0.0.1:9200/"
es_version = "9.4"
seed = 11
max_examples = 2
workers = 3
rules = ["crud.*", "chunking.*"]
report_dir = "out/reports"
formats = ["json", "md"]
mocks = { openai = "http://127.0.0.1:8081", azure = "http://127.0.0.1:8082", bedrock = "http://127.0.0.1:8083" }

[skip]
"chunking.*" = "our fork chunks differently (#12)"
""")
    config = load_config(cwd=tmp_path, environ={})
    assert config.target == "http://127.0.0.1:9200"
    assert (config.es_version, config.seed, config.max_examples, config.workers) == ("9.4", 11, 2, 3)
    assert config.rules == ("crud.*", "chunking.*")
    assert config.report_dir == tmp_path / "out" / "reports"  # relative to the file, not the cwd
    assert config.formats == ("json", "md")
    assert config.mocks == {"openai": "http://127.0.0.1:8081", "azureopenai": "http://127.0.0.1:8082",
                            "amazonbedrock": "http://127.0.0.1:8083"}
    assert config.skip == {"chunking.*": "our fork chunks differently (#12)"}
    assert config.config_file == tmp_path / "harness.toml"


def test_mocks_and_skips_merge_entry_by_entry(tmp_path: Path) -> None:
    write(tmp_path / "harness.toml", """
target = "http://127.0.0.1:9200"
mocks = { openai = "http://file:1", azure = "http://file:2" }
[skip]
"a.*" = "from the file"
"b.*" = "from the file"
""")
    config = load_config({"mocks": {"azureopenai": "http://flag:2"}, "skip": {"b.*": "from the flag"}},
                         cwd=tmp_path, environ={"HARNESS_OPENAI_MOCK": "http://env:1"})
    assert config.mocks == {"openai": "http://env:1", "azureopenai": "http://flag:2"}
    assert config.skip == {"a.*": "from the file", "b.*": "from the flag"}


def test_lists_are_replaced_not_merged(tmp_path: Path) -> None:
    write(tmp_path / "harness.toml", 'rules = ["crud.*"]\nformats = ["json"]\n')
    config = load_config({"rules": ("chunking.*",)}, cwd=tmp_path, environ={"HARNESS_FORMATS": "md,junit"})
    assert config.rules == ("chunking.*",)
    assert config.formats == ("md", "junit")


def test_harness_toml_wins_over_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.harness]\nseed = 1\n")
    write(tmp_path / "harness.toml", "seed = 2\n")
    assert find_config_file(tmp_path) == tmp_path / "harness.toml"
    assert load_config(cwd=tmp_path, environ={}).seed == 2


def test_pyproject_tool_harness_is_read(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.harness]\nseed = 7\n\n'
                                       '[tool.harness.skip]\n"crud.*" = "not ours"\n')
    config = load_config(cwd=tmp_path, environ={})
    assert (config.seed, config.skip, config.config_file) == (7, {"crud.*": "not ours"}, tmp_path / "pyproject.toml")


def test_nearest_parent_and_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    write(tmp_path / "harness.toml", "seed = 9\n")
    write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n')
    deep = tmp_path / "pkg" / "src" / "deep"
    deep.mkdir(parents=True)
    assert find_config_file(deep) == tmp_path / "harness.toml"
    assert load_config(cwd=deep, environ={}).seed == 9
    write(tmp_path / "pkg" / "harness.toml", "seed = 10\n")
    assert load_config(cwd=deep, environ={}).seed == 10


def test_explicit_file_and_harness_config_variable(tmp_path: Path) -> None:
    write(tmp_path / "harness.toml", "seed = 1\n")
    other = write(tmp_path / "ci" / "nightly.toml", "seed = 2\n")
    third = write(tmp_path / "ci" / "pyproject.toml", "[tool.harness]\nseed = 3\n")
    assert load_config(config_file=other, cwd=tmp_path, environ={}).seed == 2
    assert load_config(config_file=third, cwd=tmp_path, environ={}).seed == 3
    assert load_config(cwd=tmp_path, environ={"HARNESS_CONFIG": str(other)}).seed == 2


def test_api_key_env_reads_the_named_variable(tmp_path: Path) -> None:
    write(tmp_path / "harness.toml", 'api_key_env = "MY_ES_KEY"\nuser_env = "MY_ES_USER"\n')
    config = load_config(cwd=tmp_path, environ={"MY_ES_KEY": "k-secret", "MY_ES_USER": "elastic:pw-secret"})
    assert (config.api_key, config.user) == ("k-secret", "elastic:pw-secret")
    assert set(config.secrets()) == {"k-secret", "pw-secret"}
    # HARNESS_API_KEY and --api-key still win, and then the named variable need not exist
    assert load_config(cwd=tmp_path, environ={"HARNESS_API_KEY": "env-key", "MY_ES_USER": "u:p"}).api_key == "env-key"
    assert load_config({"api_key": "flag-key", "user": "a:b"}, cwd=tmp_path, environ={}).api_key == "flag-key"


def test_api_key_env_naming_an_unset_variable_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "harness.toml", 'api_key_env = "MY_ES_KEY"\n')
    with pytest.raises(ConfigError, match=r"harness\.toml: `api_key_env` names the environment variable MY_ES_KEY"):
        load_config(cwd=tmp_path, environ={})


def test_a_secret_in_the_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = write(tmp_path / "harness.toml", 'api_key = "abc123-very-secret"\n')
    with pytest.raises(ConfigError) as info:
        read_config_file(path)
    assert "api_key_env" in info.value.reason and "git" in info.value.reason
    assert "abc123-very-secret" not in info.value.reason


def test_from_env_reads_the_new_variables() -> None:
    out = from_env({"HARNESS_MAX_EXAMPLES": "3", "HARNESS_WORKERS": "4", "HARNESS_RULES": "a.*, b.*",
                    "HARNESS_REPORT_DIR": "r", "HARNESS_BEDROCK_MOCK": "http://b"})
    assert out == {"max_examples": 3, "workers": 4, "rules": ("a.*", "b.*"), "report_dir": Path("r"),
                   "mocks": {"amazonbedrock": "http://b"}}


def test_skip_reason_matches_globs_and_exact_ids() -> None:
    config = RunConfig(skip={"chunking.*": "glob", "crud.duplicate": "exact"})
    assert config.skip_reason("chunking.max_chunk_size.max") == "glob"
    assert config.skip_reason("crud.duplicate") == "exact"
    assert config.skip_reason("crud.not_found") is None
