"""Replay commands: the curl sends the request as it was sent (canaries from env variables it names), the
user's own secrets never appear, and ``harness run`` names the target and mocks it ran against."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from harness.config import RunConfig
from harness.replay import canary_variable, curl_command, harness_command, replay_env, write_env_file
from harness.report.redact import Redactor

CANARY = "sk-canary-0011223344556677ABCD"
USER_KEY = "user-own-api-key-5e5e5e"
USER_PASSWORD = "user-own-password-7f7f"


def _config(tmp_path: Path) -> RunConfig:
    return RunConfig(target="http://es:9200", api_key=USER_KEY, user=f"me:{USER_PASSWORD}", seed=7,
                     mocks={"openai": "http://mock:8081"}, report_dir=tmp_path)


def test_curl_reads_canaries_and_user_secrets_from_the_environment(tmp_path: Path) -> None:
    config = _config(tmp_path)
    redactor = Redactor([CANARY, USER_KEY, USER_PASSWORD])
    body = f'{{"service_settings": {{"api_key": "{CANARY}", "note": "{USER_KEY}", "q": "it\'s $HOME"}}}}'
    text = curl_command("PUT", "http://es:9200/_inference/completion/x", body, config=config, redactor=redactor)
    assert CANARY not in text and USER_KEY not in text and USER_PASSWORD not in text
    assert "${" + canary_variable(CANARY) + "}" in text
    assert "$HARNESS_API_KEY" in text and "$HARNESS_USER" in text
    env = replay_env([text], redactor)
    assert env == {canary_variable(CANARY): CANARY}
    path = write_env_file(tmp_path, env)
    assert path is not None and (path.stat().st_mode & 0o777) == 0o600
    # the shell rebuilds exactly the body that was sent (the user's key stays a fingerprint)
    word = text.splitlines()[-1].split("--data-binary ", 1)[1]
    shown = subprocess.run(["bash", "-c", f". {shlex.quote(str(path))}; printf %s {word}"],
                           capture_output=True, text=True, check=True).stdout
    assert shown == Redactor([USER_KEY]).redact(body)


def test_harness_command_names_target_mocks_and_size(tmp_path: Path) -> None:
    cmd = harness_command(_config(tmp_path).with_(max_examples=2), "schema.GET /_inference")
    assert "--target http://es:9200" in cmd and "--openai-mock http://mock:8081" in cmd
    assert "--max-examples 2" in cmd and "--seed 7" in cmd
    assert "--target" not in harness_command(RunConfig(), "crud.duplicate")
