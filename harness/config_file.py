"""The config file of a run (layer 3 of :func:`harness.config.load_config`): ``harness.toml`` (top-level keys)
or ``pyproject.toml`` (``[tool.harness]``), found from a directory up (:func:`find_config_file`) and read into
:class:`~harness.config.RunConfig` keyword arguments (:func:`read_config_file`), every key checked for its type
and value by :data:`CONFIG_KEYS`; an error is one line naming the file and the key.

The value checks the file shares with ``RunConfig.validate`` (:func:`validate_url`, :data:`DEFAULT_FORMATS`)
live here too, so that :mod:`harness.config` imports this module and never the other way round; every name
is importable from :mod:`harness.config` as well.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from contract.profiles import PROFILES, UnknownVersionError, resolve_version
from harness.errors import ConfigError

__all__ = [
    "CONFIG_KEYS",
    "DEFAULT_FORMATS",
    "MOCK_KEYS",
    "find_config_file",
    "read_config_file",
    "validate_url",
]

#: The report formats (every one by default).
DEFAULT_FORMATS: tuple[str, ...] = ("json", "junit", "md", "html")
#: Key of the ``mocks`` table in a config file (and of a ``HARNESS_<KEY>_MOCK`` variable) -> service.
MOCK_KEYS: dict[str, str] = {"openai": "openai", "azure": "azureopenai", "bedrock": "amazonbedrock"}


def validate_url(url: str, option: str) -> str:
    """Return ``url`` (trailing ``/`` stripped) if it is an absolute http(s) URL, else raise ConfigError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{option} must be an http(s) URL, got {url!r}")
    return url.rstrip("/")


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


class _FileReader:
    """Type- and value-checks the keys of one config file; every error names the file and the key."""

    def __init__(self, path: Path, prefix: str) -> None:
        self.path, self.prefix = path, prefix

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: `{self.prefix}{key}` {problem}")

    def string(self, key: str, value: object) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {_kind(value)}")
        return value

    def integer(self, key: str, value: object, *, minimum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be an integer, got {_kind(value)}")
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be >= {minimum}, got {value}")
        return value

    def strings(self, key: str, value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f'must be an array of strings, e.g. {key} = ["a", "b"], got {_kind(value)}')
        return tuple(value)

    def table(self, key: str, value: object) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table, got {_kind(value)}")
        return value

    def url(self, key: str, value: object) -> str:
        return validate_url(self.string(key, value), f"{self.path}: `{self.prefix}{key}`")

    def env_name(self, key: str, value: object) -> str:
        name = self.string(key, value)
        if not name or not name.replace("_", "a").isalnum():
            raise self.fail(key, f"must name an environment variable (e.g. ES_API_KEY), got {name!r}")
        return name


def _read_es_version(r: _FileReader, key: str, value: object) -> str:
    if isinstance(value, float):
        raise r.fail(key, f'must be a string: quote it, {key} = "{value}"')
    version = r.string(key, value)
    try:
        return resolve_version(version)
    except UnknownVersionError:
        raise r.fail(
            key, f"must be one of {', '.join(PROFILES)} (or a patch release of one), got {version!r}"
        ) from None


def _read_mocks(r: _FileReader, key: str, value: object) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, url in r.table(key, value).items():
        if name not in MOCK_KEYS:
            raise r.fail(f"{key}.{name}", f"is not a mock; expected one of {', '.join(MOCK_KEYS)}")
        out[MOCK_KEYS[name]] = r.url(f"{key}.{name}", url)
    return out


def _read_formats(r: _FileReader, key: str, value: object) -> tuple[str, ...]:
    formats = r.strings(key, value)
    for f in formats:
        if f not in DEFAULT_FORMATS:
            raise r.fail(key, f"has unknown format {f!r}; expected some of {', '.join(DEFAULT_FORMATS)}")
    return formats


def _read_skip(r: _FileReader, key: str, value: object) -> dict[str, str]:
    out: dict[str, str] = {}
    for pattern, reason in r.table(key, value).items():
        reason = r.string(f'{key}."{pattern}"', reason)
        if not reason.strip():
            raise r.fail(f'{key}."{pattern}"', "needs a reason (why is this rule skipped?)")
        out[pattern] = reason
    return out


#: Config-file key -> reader returning the RunConfig value (``api_key_env``/``user_env``: the variable name).
CONFIG_KEYS: dict[str, Callable[[_FileReader, str, object], object]] = {
    "target": _FileReader.url,
    "api_key_env": _FileReader.env_name,
    "user_env": _FileReader.env_name,
    "mocks": _read_mocks,
    "es_version": _read_es_version,
    "seed": _FileReader.integer,
    "azure_resource": _FileReader.string,
    "max_examples": lambda r, k, v: r.integer(k, v, minimum=1),
    "workers": lambda r, k, v: r.integer(k, v, minimum=1),
    "rules": _FileReader.strings,
    "report_dir": lambda r, k, v: r.path.parent / r.string(k, v),
    "formats": _read_formats,
    "skip": _read_skip,
}
_SECRET_KEYS = ("api_key", "user", "password", "secret", "token")


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _section(path: Path, data: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The harness table of a parsed file and the key prefix naming it in errors."""
    if path.name != "pyproject.toml":
        return data, ""
    tool = data.get("tool")
    section = tool.get("harness") if isinstance(tool, dict) else None
    if section is not None and not isinstance(section, dict):
        raise ConfigError(f"{path}: `tool.harness` must be a table")
    return section, "tool.harness."


def find_config_file(start: Path | None = None) -> Path | None:
    """The nearest ``harness.toml``, or ``pyproject.toml`` with a ``[tool.harness]`` table, from ``start`` up.

    ``harness.toml`` wins over ``pyproject.toml`` in the same directory; a ``pyproject.toml`` without
    ``[tool.harness]`` is passed over. Returns ``None`` when no directory up to the root has one.
    """
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / "harness.toml"
        if candidate.is_file():
            return candidate
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and _section(candidate, _load_toml(candidate))[0] is not None:
            return candidate
    return None


def read_config_file(path: Path) -> dict[str, object]:
    """Read and check one config file; return RunConfig keyword arguments (plus ``api_key_env``/``user_env``).

    Raises:
        ConfigError: the file is missing or not TOML, a ``pyproject.toml`` has no ``[tool.harness]``, or a key
            is unknown or has a wrong type or value (the message names the file and the key).

    Example::

        >>> read_config_file(Path("harness.toml"))  # doctest: +SKIP
        {'es_version': '9.1', 'skip': {'chunking.*': 'tracked in #12'}}
    """
    section, prefix = _section(path, _load_toml(path))
    if section is None:
        raise ConfigError(f"{path}: no [tool.harness] table")
    reader = _FileReader(path, prefix)
    out: dict[str, object] = {}
    for key, value in section.items():
        read = CONFIG_KEYS.get(key)
        if read is None:
            if key in _SECRET_KEYS or key.endswith(_SECRET_KEYS):
                hint = (
                    "secrets do not belong in a file committed to git; name an environment variable with "
                    "api_key_env / user_env"
                )
            else:
                close = difflib.get_close_matches(key, CONFIG_KEYS, n=1)
                hint = f"did you mean `{prefix}{close[0]}`?" if close else f"known keys: {', '.join(CONFIG_KEYS)}"
            raise reader.fail(key, f"is not a harness setting; {hint}")
        out[key] = read(reader, key, value)
    return out
