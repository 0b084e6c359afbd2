"""The plugin's ``--inference-*`` options and ini keys, resolved once into :class:`InferenceSettings`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from contract.profiles import DEFAULT_VERSION, PROFILES, UnknownVersionError, resolve_version

__all__ = ["InferenceSettings", "inference_settings", "pytest_addoption", "pytest_configure", "settings_of"]

_MOCK_OPTIONS = {"openai": "openai", "azureopenai": "azure", "amazonbedrock": "bedrock"}


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``--inference-*`` options and their ini keys."""
    group = parser.getgroup("inference_harness", "Elasticsearch _inference contract harness")
    group.addoption(
        "--inference-target",
        metavar="URL",
        default=None,
        help="external _inference target (e.g. a real Elasticsearch) instead of the embedded reference",
    )
    for service, short in _MOCK_OPTIONS.items():
        group.addoption(
            f"--inference-{short}-mock",
            metavar="URL",
            default=None,
            dest=f"inference_{short}_mock",
            help=f"external {service} mock (harness mock …) for conformance tests",
        )
    group.addoption(
        "--inference-es-version",
        metavar="V",
        default=None,
        help=f"Elasticsearch version (a patch release maps to its line): {', '.join(PROFILES)} "
        f"(default {DEFAULT_VERSION})",
    )
    group.addoption(
        "--inference-seed",
        metavar="S",
        type=int,
        default=None,
        help="seed of mock outputs and generated cases (default 0)",
    )
    group.addoption(
        "--inference-user",
        metavar="USER:PASSWORD",
        default=None,
        help="basic-auth principal for --inference-target (default: $HARNESS_USER, or the config file's user_env)",
    )
    group.addoption(
        "--inference-api-key",
        metavar="KEY",
        default=None,
        help="API key for --inference-target (default: $HARNESS_API_KEY, or the config file's api_key_env)",
    )
    group.addoption(
        "--inference-conformance",
        action="store_true",
        default=None,
        help="run the conformance suite as pytest tests (one per rule x service x task type)",
    )
    group.addoption(
        "--inference-max-examples",
        metavar="N",
        type=int,
        default=None,
        help="generated cases per conformance test (default 5)",
    )
    parser.addini("inference_target", "external _inference target URL (see --inference-target)", default="")
    parser.addini("inference_es_version", "version profile (see --inference-es-version)", default="")
    parser.addini("inference_seed", "seed (see --inference-seed)", default="")
    parser.addini(
        "inference_conformance", "run the conformance suite (see --inference-conformance)", type="bool", default=False
    )
    parser.addini("inference_max_examples", "generated cases per conformance test", default="5")


@dataclass(frozen=True)
class InferenceSettings:
    """The plugin's resolved options (command line over ini over defaults)."""

    target: str | None = None
    mocks: dict[str, str] = field(default_factory=dict)
    es_version: str = DEFAULT_VERSION
    seed: int = 0
    conformance: bool = False
    max_examples: int = 5
    skip: dict[str, str] = field(default_factory=dict)
    #: the run's principal, as ``harness run`` takes it (never shown: ``repr`` leaves them out)
    user: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_config(cls, config: pytest.Config) -> InferenceSettings:
        """Read the options of ``config`` over the harness config file; ``pytest.UsageError`` on a bad value."""
        opt = config.getoption
        file = _harness_file(config)
        target = opt("inference_target") or config.getini("inference_target") or file.get("target") or None
        version = (
            opt("inference_es_version")
            or config.getini("inference_es_version")
            or file.get("es_version")
            or DEFAULT_VERSION
        )
        try:
            version = resolve_version(str(version))
        except UnknownVersionError as exc:
            raise pytest.UsageError(f"inference_es_version: {exc}") from None
        try:
            seed = opt("inference_seed")
            seed = int(config.getini("inference_seed") or file.get("seed") or 0) if seed is None else seed
            examples = opt("inference_max_examples")
            examples = int(config.getini("inference_max_examples") or 5) if examples is None else examples
        except ValueError as exc:
            raise pytest.UsageError(f"inference_seed / inference_max_examples must be integers: {exc}") from None
        conformance = opt("inference_conformance")
        conformance = bool(config.getini("inference_conformance")) if conformance is None else conformance
        mocks = {
            svc: url
            for svc, short in _MOCK_OPTIONS.items()
            if (url := opt(f"inference_{short}_mock") or file.get("mocks", {}).get(svc))
        }
        for name, url in [("--inference-target", target), *((f"--inference-{s}-mock", u) for s, u in mocks.items())]:
            if url and not url.startswith(("http://", "https://")):
                raise pytest.UsageError(f"{name} must be an http(s) URL, got {url!r}")
        user, api_key = _credentials(file, opt("inference_user"), opt("inference_api_key"))
        return cls(
            user=user,
            api_key=api_key,
            target=target.rstrip("/") if target else None,
            mocks=mocks,
            es_version=version,
            seed=seed,
            conformance=conformance,
            max_examples=max(1, examples),
            skip=dict(file.get("skip", {})),
        )


def _credentials(file: dict[str, Any], user: str | None, api_key: str | None) -> tuple[str | None, str | None]:
    """``(user, api_key)`` as ``harness run`` resolves them: the option, else ``$HARNESS_USER`` /
    ``$HARNESS_API_KEY``, else the variable the config file's ``user_env`` / ``api_key_env`` names."""
    import os

    def pick(given: str | None, variable: str, file_key: str) -> str | None:
        if given:
            return given
        if os.environ.get(variable):
            return os.environ[variable]
        named = file.get(file_key)
        return os.environ.get(str(named)) or None if named else None

    user = pick(user, "HARNESS_USER", "user_env")
    if user is not None and ":" not in user:
        raise pytest.UsageError("--inference-user must be user:password")
    return user, pick(api_key, "HARNESS_API_KEY", "api_key_env")


def _harness_file(config: pytest.Config) -> dict[str, Any]:
    """Defaults from the ``harness`` config file nearest the invocation directory (``{}`` when none)."""
    from harness.config import find_config_file, read_config_file
    from harness.errors import HarnessError

    try:
        path = find_config_file(Path(config.invocation_params.dir))
        return read_config_file(path) if path else {}
    except HarnessError as exc:
        raise pytest.UsageError(exc.reason) from None


_SETTINGS = pytest.StashKey[InferenceSettings]()


def pytest_configure(config: pytest.Config) -> None:
    """Resolve the options once (cheap: no import, no server)."""
    config.stash[_SETTINGS] = InferenceSettings.from_config(config)


def settings_of(config: pytest.Config) -> InferenceSettings:
    """The settings :func:`pytest_configure` resolved for ``config`` (resolved now if it did not run)."""
    return config.stash.get(_SETTINGS, None) or InferenceSettings.from_config(config)


@pytest.fixture(scope="session")
def inference_settings(pytestconfig: pytest.Config) -> InferenceSettings:
    """The resolved ``--inference-*`` options."""
    return settings_of(pytestconfig)
