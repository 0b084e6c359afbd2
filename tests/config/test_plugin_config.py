"""The pytest plugin takes its defaults (target, mocks, version, seed, skips) from the same config file."""

from __future__ import annotations

import pytest

SETTINGS_TEST = """
def test_settings(inference_settings):
    assert inference_settings.es_version == "9.1"
    assert inference_settings.seed == 4
    assert inference_settings.mocks == {"openai": "http://127.0.0.1:9"}
    assert inference_settings.skip == {"crud.not_*": "not ours (#3)"}
"""


def test_plugin_reads_harness_toml(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", harness='es_version = "9.1"\nseed = 4\nmocks = { openai = "http://127.0.0.1:9" }\n'
                                       '[skip]\n"crud.not_*" = "not ours (#3)"\n')
    pytester.makepyfile(test_settings=SETTINGS_TEST)
    pytester.runpytest("-p", "no:cacheprovider", "-q").assert_outcomes(passed=1)


def test_command_line_and_ini_win_over_the_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject='[tool.harness]\nes_version = "9.1"\nseed = 4\n\n'
                                         '[tool.pytest.ini_options]\ninference_seed = "6"\n')
    pytester.makepyfile(test_settings="""
def test_settings(inference_settings):
    assert (inference_settings.es_version, inference_settings.seed) == ("9.4", 6)
""")
    pytester.runpytest("-p", "no:cacheprovider", "-q", "--inference-es-version", "9.4").assert_outcomes(passed=1)


def test_a_bad_config_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", harness="seed = 'x'\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*harness.toml: `seed` must be an integer, got a string*"])


def test_conformance_tests_of_a_skipped_rule_skip_with_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", harness='[skip]\n"crud.not_found" = "not ours (#3)"\n"stateful.*" = "too slow"\n')
    result = pytester.runpytest("-p", "no:cacheprovider", "--inference-conformance", "-k",
                                "crud.not_found or stateful", "-rs", "-q")
    result.assert_outcomes(skipped=8)
    result.stdout.fnmatch_lines(["SKIPPED *: skipped: not ours (#3)", "SKIPPED *: skipped: too slow"])
