"""Run options (:class:`RunConfig`) and the one function reading them: :func:`load_config`.

Settings come from four layers; a higher layer overrides a lower one key by key (``mocks`` and ``skip``
are merged entry by entry):

1. command-line flags (``harness run --seed 3``);
2. environment variables (``HARNESS_SEED=3``, read by :func:`from_env`);
3. the config file: ``harness.toml`` (top-level keys) or ``pyproject.toml`` (``[tool.harness]``), found in
   the current directory or the nearest parent holding one (``harness.toml`` wins when a directory has
   both); ``--config FILE`` or ``HARNESS_CONFIG`` names one explicitly (read by :mod:`harness.config_file`);
4. the defaults below.

=====================  ===========================  =====================  =====================
flag                   environment variable         config key             default
=====================  ===========================  =====================  =====================
``--target``           ``HARNESS_TARGET``           ``target``             embedded reference
``--api-key``          ``HARNESS_API_KEY``          ``api_key_env``        none
``--user``             ``HARNESS_USER``             ``user_env``           none
``--openai-mock`` …    ``HARNESS_OPENAI_MOCK`` …    ``mocks.openai`` …     embedded mocks
``--es-version``       ``HARNESS_ES_VERSION``       ``es_version``         ``8.18``
``--seed``             ``HARNESS_SEED``             ``seed``               ``0``
``--azure-resource``   ``HARNESS_AZURE_RESOURCE``   ``azure_resource``     drawn per endpoint
``--max-examples``     ``HARNESS_MAX_EXAMPLES``     ``max_examples``       ``5``
``--workers``          ``HARNESS_WORKERS``          ``workers``            ``2``
``--rules``            ``HARNESS_RULES`` (a,b)      ``rules``              all rules
``--report-dir``       ``HARNESS_REPORT_DIR``       ``report_dir``         ``reports``
``--format``           ``HARNESS_FORMATS`` (a,b)    ``formats``            json, junit, md, html
``--skip P=REASON``    none                         ``[skip]`` P = REASON  none
``--config``           ``HARNESS_CONFIG``           none                   nearest file
=====================  ===========================  =====================  =====================

Secrets never sit in the config file, because that file is usually committed to git. ``api_key_env`` and
``user_env`` name the environment variable that holds the API key (``user:password``) instead. A relative
``report_dir`` in a config file is relative to that file's directory.

Example ``harness.toml``::

    target = "http://127.0.0.1:9200"
    api_key_env = "ES_API_KEY"
    es_version = "9.1"
    mocks = { openai = "http://127.0.0.1:8081", azure = "http://127.0.0.1:8082", bedrock = "http://127.0.0.1:8083" }

    [skip]
    "chunking.*" = "our fork chunks differently, tracked in #123"
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from contract.profiles import DEFAULT_VERSION, PROFILES, UnknownVersionError, resolve_version
from harness.config_file import (
    CONFIG_KEYS,
    DEFAULT_FORMATS,
    MOCK_KEYS,
    find_config_file,
    read_config_file,
    validate_url,
)
from harness.errors import ConfigError
from specs import SERVICES

__all__ = [
    "CONFIG_KEYS",
    "DEFAULT_FORMATS",
    "MOCK_OPTIONS",
    "SERVICES",
    "VERSIONS",
    "RunConfig",
    "find_config_file",
    "profile_of",
    "from_env",
    "load_config",
    "read_config_file",
    "run_nonce",
    "validate_url",
]

#: Version profiles a run can use (written once, in specs/profiles.yaml).
VERSIONS: tuple[str, ...] = PROFILES
#: Service -> the command-line option naming its external mock.
MOCK_OPTIONS: dict[str, str] = {
    "openai": "--openai-mock",
    "azureopenai": "--azure-mock",
    "amazonbedrock": "--bedrock-mock",
}
#: an Azure resource name: the first label of ``<resource>.openai.azure.com``
_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
#: RunConfig field -> the variable setting it (``<key>_mock``: the mock of service ``MOCK_KEYS[key]``).
_ENV = {
    "target": "HARNESS_TARGET",
    "api_key": "HARNESS_API_KEY",
    "user": "HARNESS_USER",
    "monitor_api_key": "HARNESS_MONITOR_API_KEY",
    "es_version": "HARNESS_ES_VERSION",
    "seed": "HARNESS_SEED",
    "azure_resource": "HARNESS_AZURE_RESOURCE",
    "max_examples": "HARNESS_MAX_EXAMPLES",
    "workers": "HARNESS_WORKERS",
    "rules": "HARNESS_RULES",
    "report_dir": "HARNESS_REPORT_DIR",
    "formats": "HARNESS_FORMATS",
    "openai_mock": "HARNESS_OPENAI_MOCK",
    "azure_mock": "HARNESS_AZURE_MOCK",
    "bedrock_mock": "HARNESS_BEDROCK_MOCK",
}
_CONFIG_ENV = "HARNESS_CONFIG"


@dataclass(frozen=True)
class RunConfig:
    """Everything a conformance run needs.

    Attributes:
        target: base URL of the ``_inference`` implementation, or ``None`` to start the embedded reference.
        api_key / user: credentials sent to the target (``Authorization: ApiKey …`` / basic ``user:password``).
        monitor_api_key: an API key with only ``monitor_inference`` for the ``security.authz.*`` checks (``None``:
            the harness creates one through ``POST /_security/api_key`` when the principal above may).
        mocks: service -> base URL of an external mock (admin API at ``/__admin``); embedded mode ignores it.
        es_version: version profile (one of :data:`VERSIONS`; a patch release such as ``9.1.3`` is mapped to
            its line by :func:`load_config`).
        seed: reproduces every generated case (and the embedded mocks' outputs).
        max_examples: generated cases per (rule, service, task type) property and for the schema pass.
        rules: glob patterns of rule ids to run (empty = all).
        workers: worker processes executing plan items (see :mod:`harness.engine.processes`; threads where fork is
            not available).
        report_dir / formats: where and which reports to write (``json``, ``junit``, ``md``, ``html``).
        stateful_steps: bound on the state machine's steps per run.
        timeout: seconds per HTTP request to the target.
        skip: rule id glob -> reason; a matching rule is reported ``skipped`` with that reason, never run.
        config_file: the config file the settings were read from (``None``: none found).
    """

    target: str | None = None
    api_key: str | None = None
    user: str | None = None
    monitor_api_key: str | None = None
    mocks: Mapping[str, str] = field(default_factory=dict)
    es_version: str = DEFAULT_VERSION
    seed: int = 0
    #: the Azure ``resource_name`` of every endpoint the run creates (one hosts-file line for a real cluster)
    azure_resource: str | None = None
    max_examples: int = 5
    rules: tuple[str, ...] = ()
    workers: int = 2
    report_dir: Path = Path("reports")
    formats: tuple[str, ...] = DEFAULT_FORMATS
    stateful_steps: int = 12
    timeout: float = 60.0
    #: appended to every generated inference id and canary when the run talks to long-lived external
    #: mocks, so a re-run with the same seed does not see the calls of an earlier run in their journals;
    #: empty (fully reproducible) when the run starts its own mocks. See :func:`run_nonce`.
    nonce: str = ""
    #: probe each given mock through the target before the run (``--no-mock-probe``: off); see harness.preflight
    probe_mocks: bool = True
    skip: Mapping[str, str] = field(default_factory=dict)
    config_file: Path | None = None

    @property
    def embedded(self) -> bool:
        """True when the run starts the reference target and the mocks itself."""
        return self.target is None

    def validate(self) -> RunConfig:
        """Check every option; raise :class:`ConfigError` with a one-line reason. Returns ``self``."""
        if self.es_version not in VERSIONS:
            raise ConfigError(str(_version_error(self.es_version)))
        if self.target is not None:
            validate_url(self.target, "--target")
        for service, url in self.mocks.items():
            if service not in SERVICES:
                raise ConfigError(f"unknown mock service {service!r}")
            validate_url(url, MOCK_OPTIONS[service])
            if self.target is None:
                raise ConfigError(
                    f"{MOCK_OPTIONS[service]} needs --target: the embedded reference target calls its own mocks"
                )
        if self.user is not None and ":" not in self.user:
            raise ConfigError("--user must be user:password")
        if self.azure_resource is not None and not _DNS_LABEL.fullmatch(self.azure_resource):
            raise ConfigError(
                f"--azure-resource must be one DNS label (a-z, 0-9, '-'; at most 63), got {self.azure_resource!r}"
            )
        for option, value in (
            ("--max-examples", self.max_examples),
            ("--workers", self.workers),
            ("the stateful step bound", self.stateful_steps),
        ):
            if value < 1:
                raise ConfigError(f"{option} must be >= 1, got {value}")
        unknown = [f for f in self.formats if f not in DEFAULT_FORMATS]
        if unknown:
            raise ConfigError(f"unknown report format {unknown[0]!r}; expected {','.join(DEFAULT_FORMATS)}")
        for pattern, reason in self.skip.items():
            if not pattern.strip() or not reason.strip():
                raise ConfigError(f"skip {pattern!r}: both a rule pattern and a reason are required")
        return self

    def with_(self, **changes: object) -> RunConfig:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def secrets(self) -> tuple[str, ...]:
        """The user-supplied secrets (to redact from every output)."""
        out = []
        if self.api_key:
            out.append(self.api_key)
        if self.monitor_api_key:
            out.append(self.monitor_api_key)
        if self.user and ":" in self.user:
            out.append(self.user.split(":", 1)[1])
        return tuple(out)

    def skip_pattern(self, rule_id: str) -> str | None:
        """The first ``skip`` pattern matching ``rule_id`` (glob or exact), else ``None``."""
        return next((p for p in self.skip if rule_id == p or fnmatch.fnmatchcase(rule_id, p)), None)

    def skip_reason(self, rule_id: str) -> str | None:
        """The reason of the first ``skip`` pattern matching ``rule_id``, else ``None`` (the rule runs)."""
        pattern = self.skip_pattern(rule_id)
        return None if pattern is None else self.skip[pattern]


# ---- environment ---------------------------------------------------------------------------------------


def _env_int(var: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{var} must be an integer, got {value!r}") from None


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def from_env(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """Read the ``HARNESS_*`` variables; return RunConfig keyword arguments for the ones set."""
    env = os.environ if environ is None else environ
    out: dict[str, object] = {}
    mocks: dict[str, str] = {}
    for key, var in _ENV.items():
        value = env.get(var)
        if not value:
            continue
        if key.endswith("_mock"):
            mocks[MOCK_KEYS[key.removesuffix("_mock")]] = value
        elif key in ("seed", "max_examples", "workers"):
            out[key] = _env_int(var, value)
        elif key in ("rules", "formats"):
            out[key] = _csv(value)
        elif key == "report_dir":
            out[key] = Path(value)
        else:
            out[key] = value
    if mocks:
        out["mocks"] = mocks
    return out


def _from_named_env(name: str, key: str, env: Mapping[str, str], path: Path | None) -> str:
    value = env.get(name)
    if not value:
        raise ConfigError(f"{path}: `{key}` names the environment variable {name}, which is not set")
    return value


def load_config(
    flags: Mapping[str, object] | None = None,
    *,
    config_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> RunConfig:
    """Every setting of a run, validated: ``flags`` > ``HARNESS_*`` environment > config file > defaults.

    Args:
        flags: RunConfig keyword arguments given on the command line (``None`` values are "not given").
        config_file: the file to read (``--config``); default ``$HARNESS_CONFIG`` or :func:`find_config_file`.
        environ: the environment (default ``os.environ``).
        cwd: where the search for a config file starts (default the current directory).

    Raises:
        ConfigError: an invalid setting in any layer (one line naming the file and key for file errors).

    Example::

        config = load_config({"seed": 3, "skip": {"chunking.*": "tracked in #12"}})
    """
    env = os.environ if environ is None else environ
    explicit = config_file or env.get(_CONFIG_ENV)
    path = Path(explicit) if explicit else find_config_file(cwd)
    file_layer = read_config_file(path) if path else {}
    names = {k: str(file_layer.pop(f"{k}_env")) for k in ("api_key", "user") if f"{k}_env" in file_layer}
    merged: dict[str, Any] = {}
    for layer in (file_layer, from_env(env), flags or {}):
        for key, value in layer.items():
            if value is None:
                continue
            if key in ("mocks", "skip"):
                merged[key] = {**merged.get(key, {}), **value}  # type: ignore[dict-item]
            else:
                merged[key] = value
    for key, name in names.items():
        if key not in merged:
            merged[key] = _from_named_env(name, f"{key}_env", env, path)
            if key == "user" and ":" not in merged[key]:
                raise ConfigError(f"{path}: `user_env` names {name}, whose value must be user:password")
    for key in ("rules", "formats"):
        if key in merged:
            merged[key] = tuple(merged[key])
    if "es_version" in merged:
        merged["es_version"] = profile_of(str(merged["es_version"]))
    return RunConfig(config_file=path, **merged).validate()


def profile_of(version: str) -> str:
    """The profile of ``version`` (``9.1.3`` -> ``9.1``); :class:`ConfigError` (one line listing the
    supported versions) when none matches."""
    try:
        return resolve_version(version)
    except UnknownVersionError as exc:
        raise ConfigError(str(exc)) from None


def _version_error(version: str) -> UnknownVersionError:
    return UnknownVersionError(f"unknown Elasticsearch version {version!r}; supported: {', '.join(VERSIONS)}")


def run_nonce(config: RunConfig) -> str:
    """The id/canary suffix of a run: ``""`` when every mock is the run's own (embedded, fresh journals),
    else 6 random hex digits, because external mocks keep the journals of earlier runs with the same seed.
    Generated bodies, values and the order of cases still depend only on the seed."""
    return os.urandom(3).hex() if config.mocks else ""
