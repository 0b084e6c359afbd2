"""The README's copy-paste examples work as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_block_after(marker: str) -> str:
    text = README.read_text()
    start = text.index(marker)
    match = re.search(r"```python\n(.*?)```", text[start:], re.DOTALL)
    assert match, f"no python block after {marker!r}"
    return match.group(1)


def test_mock_examples_run_as_written() -> None:
    code = _python_block_after("In Python (no pytest needed)")
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own documentation


def test_reference_example_runs_as_written() -> None:
    code = _python_block_after("`harness serve` starts the reference")
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102


def test_readme_commands_exist() -> None:
    text = README.read_text()
    assert "bash scripts/conformance.sh" in text and "bash scripts/test.sh" in text
    ci = (README.parent / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in ci, ".ci/run must run the README's test command"


def test_config_example_loads(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from harness.config import load_config

    text = README.read_text()
    start = text.index("## Configuration")
    toml = re.search(r"```toml\n(.*?)```", text[start:], re.S)
    assert toml, "no toml example in the Configuration section"
    (tmp_path / "harness.toml").write_text(toml.group(1))
    monkeypatch.setenv("ES_API_KEY", "readme-example-key")
    config = load_config(cwd=tmp_path)
    assert config.target == "http://localhost:9200" and config.es_version == "9.1" and config.seed == 7
    assert config.api_key == "readme-example-key"
    assert config.skip_reason("upstream.bedrock.invoke_model") == "our gateway has no Bedrock route yet"
