"""Run options (:class:`RunConfig`) and the one function reading them from the environment.

Command-line options override environment variables, which override the defaults:

=====================  ==========================  =====================
option                 environment variable        default
=====================  ==========================  =====================
``--target``           ``HARNESS_TARGET``          embedded reference
``--api-key``          ``HARNESS_API_KEY``         none
``--user``             ``HARNESS_USER``            none
``--es-version``       ``HARNESS_ES_VERSION``      ``8.18``
``--seed``             ``HARNESS_SEED``            ``0``
``--openai-mock`` …    ``HARNESS_OPENAI_MOCK`` …   embedded mocks
=====================  ==========================  =====================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from harness.errors import ConfigError

__all__ = ["DEFAULT_FORMATS", "MOCK_OPTIONS", "SERVICES", "RunConfig", "from_env", "validate_url"]

#: Services the harness knows, in report order.
SERVICES: tuple[str, ...] = ("openai", "azureopenai", "amazonbedrock")
DEFAULT_FORMATS: tuple[str, ...] = ("json", "junit", "md", "html")
_VERSIONS = ("8.18", "9.1", "9.4")
#: Service -> the command-line option naming its external mock.
MOCK_OPTIONS: dict[str, str] = {
    "openai": "--openai-mock", "azureopenai": "--azure-mock", "amazonbedrock": "--bedrock-mock",
}
_ENV = {
    "target": "HARNESS_TARGET",
    "api_key": "HARNESS_API_KEY",
    "user": "HARNESS_USER",
    "es_version": "HARNESS_ES_VERSION",
    "seed": "HARNESS_SEED",
    "openai_mock": "HARNESS_OPENAI_MOCK",
    "azure_mock": "HARNESS_AZURE_MOCK",
    "bedrock_mock": "HARNESS_BEDROCK_MOCK",
}


@dataclass(frozen=True)
class RunConfig:
    """Everything a conformance run needs.

    Attributes:
        target: base URL of the ``_inference`` implementation, or ``None`` to start the embedded reference.
        api_key / user: credentials sent to the target (``Authorization: ApiKey …`` / basic ``user:password``).
        mocks: service -> base URL of an external mock (admin API at ``/__admin``); embedded mode ignores it.
        es_version: version profile (``8.18``, ``9.1``, ``9.4``).
        seed: reproduces every generated case (and the embedded mocks' outputs).
        max_examples: generated cases per (rule, service, task type) property and for the schema pass.
        rules: glob patterns of rule ids to run (empty = all).
        workers: threads executing plan items.
        report_dir / formats: where and which reports to write (``json``, ``junit``, ``md``).
        stateful_steps: bound on the state machine's steps per run.
        timeout: seconds per HTTP request to the target.
    """

    target: str | None = None
    api_key: str | None = None
    user: str | None = None
    mocks: Mapping[str, str] = field(default_factory=dict)
    es_version: str = "8.18"
    seed: int = 0
    max_examples: int = 5
    rules: tuple[str, ...] = ()
    workers: int = 2
    report_dir: Path = Path("reports")
    formats: tuple[str, ...] = DEFAULT_FORMATS
    stateful_steps: int = 12
    timeout: float = 60.0

    @property
    def embedded(self) -> bool:
        """True when the run starts the reference target and the mocks itself."""
        return self.target is None

    def validate(self) -> RunConfig:
        """Check every option; raise :class:`ConfigError` with a one-line reason. Returns ``self``."""
        if self.es_version not in _VERSIONS:
            raise ConfigError(f"unknown --es-version {self.es_version!r}; expected one of {', '.join(_VERSIONS)}")
        if self.target is not None:
            validate_url(self.target, "--target")
        for service, url in self.mocks.items():
            if service not in SERVICES:
                raise ConfigError(f"unknown mock service {service!r}")
            validate_url(url, MOCK_OPTIONS[service])
        if self.user is not None and ":" not in self.user:
            raise ConfigError("--user must be user:password")
        if self.max_examples < 1 or self.workers < 1 or self.stateful_steps < 1:
            raise ConfigError("--max-examples, --workers and the stateful step bound must be >= 1")
        unknown = [f for f in self.formats if f not in DEFAULT_FORMATS]
        if unknown:
            raise ConfigError(f"unknown report format {unknown[0]!r}; expected {','.join(DEFAULT_FORMATS)}")
        return self

    def with_(self, **changes: object) -> RunConfig:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def secrets(self) -> tuple[str, ...]:
        """The user-supplied secrets (to redact from every output)."""
        out = []
        if self.api_key:
            out.append(self.api_key)
        if self.user and ":" in self.user:
            out.append(self.user.split(":", 1)[1])
        return tuple(out)


def validate_url(url: str, option: str) -> str:
    """Return ``url`` (trailing ``/`` stripped) if it is an absolute http(s) URL, else raise ConfigError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{option} must be an http(s) URL, got {url!r}")
    return url.rstrip("/")


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
            service = {"openai_mock": "openai", "azure_mock": "azureopenai", "bedrock_mock": "amazonbedrock"}[key]
            mocks[service] = value
        elif key == "seed":
            try:
                out["seed"] = int(value)
            except ValueError:
                raise ConfigError(f"{var} must be an integer, got {value!r}") from None
        else:
            out[key] = value
    if mocks:
        out["mocks"] = mocks
    return out
