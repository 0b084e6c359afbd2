"""Replay commands of a failure: a ``curl`` of the request as it was sent, and the ``harness run`` that
regenerates the whole case.

* The canary secrets the harness planted (``sk-canary-…``, ``AKIACANARY…``) are not the user's: the curl
  sends them as they were sent, read from environment variables it names (``${HARNESS_CANARY_<hex>}``),
  whose values the run writes to ``<report dir>/replay.env`` (mode 0600, never into a report). A report
  stays free of secrets, and ``. reports/replay.env`` before the curl reproduces the exact request.
* The user's own secrets (``--api-key``, the password of ``--user``, config) never appear: the curl reads
  them from ``$HARNESS_API_KEY`` / ``$HARNESS_USER``.
* Every command names the target it ran against (``--target``; none for the embedded reference).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from harness.config import MOCK_OPTIONS, RunConfig
from harness.report.redact import Redactor
from mocks.core.secrets import fingerprint

__all__ = ["ENV_FILE", "canary_variable", "curl_command", "harness_command", "replay_env", "write_env_file"]

#: The file (in the report directory) holding the values of the canaries a replay reads.
ENV_FILE = "replay.env"


_VARIABLE = re.compile(r"\$\{(HARNESS_CANARY_[0-9A-F]{16})\}")


def canary_variable(secret: str) -> str:
    """The environment variable a replay reads a canary from: ``HARNESS_CANARY_`` + its fingerprint's hex."""
    return "HARNESS_CANARY_" + fingerprint(secret).removeprefix("fp-").upper()


def harness_command(config: RunConfig, rule_id: str) -> str:
    """``harness run`` regenerating the cases of ``rule_id`` against the same target, version and seed."""
    cmd = ["harness", "run", "--seed", str(config.seed), "--rules", rule_id, "--es-version", config.es_version]
    if config.max_examples != RunConfig.max_examples:
        cmd += ["--max-examples", str(config.max_examples)]
    if config.target:
        cmd += ["--target", config.target]
        for service, url in sorted(config.mocks.items()):
            cmd += [MOCK_OPTIONS[service], url]
    return " ".join(shlex.quote(c) for c in cmd)


def _double_quoted(text: str) -> str:
    """``text`` as a shell double-quoted word (``$``, backquote, ``"`` and backslash escaped)."""
    for ch in ("\\", '"', "$", "`"):
        text = text.replace(ch, "\\" + ch)
    return f'"{text}"'


def curl_command(method: str, url: str, body: str | None, *, config: RunConfig, redactor: Redactor) -> str:
    """The curl of one request (preceded by the ``.`` of the env file when it reads canaries).

    ``redactor`` knows every secret of the run; those the user gave (``config.secrets()``) are never shown,
    the others (canaries) become ``${HARNESS_CANARY_…}`` references."""
    user_secrets = set(config.secrets())
    canaries = sorted((s for s in redactor.secrets if s not in user_secrets), key=len, reverse=True)
    parts = ["curl", "-sS", "-X", shlex.quote(method), shlex.quote(url)]
    if config.api_key:
        parts += ["-H", '"Authorization: ApiKey $HARNESS_API_KEY"']
    if config.user:
        parts += ["-u", '"$HARNESS_USER"']
    env: dict[str, str] = {}
    if body is not None:
        used = [c for c in canaries if c in body]
        if used:
            word = _double_quoted(Redactor(user_secrets).redact(body))
            for canary in used:
                env[canary_variable(canary)] = canary
                word = word.replace(canary, "${" + canary_variable(canary) + "}")
        else:
            word = shlex.quote(Redactor(user_secrets).redact(body))
        parts += ["-H", shlex.quote("Content-Type: application/json"), "--data-binary", word]
    line = " ".join(parts)
    if env:
        line = (
            f". {shlex.quote(str(Path(config.report_dir) / ENV_FILE))}  # the run's canaries (not your secrets)\n{line}"
        )
    return line


def replay_env(replays: list[str], redactor: Redactor) -> dict[str, str]:
    """The canaries ``replays`` read (variable -> value), from the secrets ``redactor`` knows."""
    names = {canary_variable(s): s for s in redactor.secrets}
    found = set(_VARIABLE.findall("\n".join(replays)))
    return {name: names[name] for name in sorted(found) if name in names}


def write_env_file(directory: Path, env: dict[str, str]) -> Path | None:
    """Write ``export VAR=value`` lines for the canaries the replays read (mode 0600); ``None`` if none."""
    if not env:
        return None
    import os

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ENV_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("# canary secrets the harness generated for this run (not yours); read by the replay commands\n")
        for name, value in sorted(env.items()):
            fh.write(f"export {name}={shlex.quote(value)}\n")
    return path
