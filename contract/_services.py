"""Per-service settings tables and parsers (OpenAI, Azure OpenAI, Amazon Bedrock).

Each field is ``(name, kind)``, listed in the order the service's ``fromMap`` extracts it (so
several errors are reported in ES's order) — which is also the order ES renders them.
Sources: ``INF/services/openai/embeddings/OpenAiEmbeddingsServiceSettings.java``,
``INF/services/openai/completion/OpenAiChatCompletionServiceSettings.java``,
``INF/services/azureopenai/{embeddings,completion}/*ServiceSettings.java``,
``INF/services/amazonbedrock/AmazonBedrockServiceSettings.java`` (+ embeddings / chat completion).
"""

from __future__ import annotations

from typing import Any

from ._fields import Collector
from ._java import java_cast_message, java_str
from .errors import RuleViolation
from .profiles import Profile

__all__ = [
    "AZURE_OAUTH2_SECRET",
    "SECRET_FIELDS",
    "SERVICE_SECRETS",
    "output_order",
    "parse_rate_limit",
    "parse_secrets",
    "parse_service_settings",
    "parse_task_settings",
    "required_secrets",
    "settings_fields",
]

SS = "service_settings"
TS = "task_settings"
SECRET_SCOPE = "secret_settings"

#: service -> the secrets its secret settings read from ``service_settings``, in that order
#: (``DefaultSecretSettings``, ``AzureOpenAiSecretSettings``: exactly one of them, ``AwsSecretSettings``)
SERVICE_SECRETS: dict[str, tuple[str, ...]] = {
    "openai": ("api_key",),
    "azureopenai": ("api_key", "entra_id"),
    "amazonbedrock": ("access_key", "secret_key"),
}
#: Azure OpenAI's OAuth2 client secret (Elastic's specification from 9.4; the validators here do not read it)
AZURE_OAUTH2_SECRET = "client_secret"
_HELD_SECRETS = {**SERVICE_SECRETS, "azureopenai": (*SERVICE_SECRETS["azureopenai"], AZURE_OAUTH2_SECRET)}
#: every key holding a secret, for every service (never rendered, never logged)
SECRET_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(name for names in _HELD_SECRETS.values() for name in names))

_EMBED = "text_embedding"

_SERVICE_FIELDS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "openai": {
        # dimensions_set_by_user is read only from the persisted map (fromPersistentMap): in a PUT it is left
        # over, an unknown setting (OpenAiEmbeddingsServiceSettings, read <=8.17 and >=9.5; issue 20)
        _EMBED: (
            ("url", "url"),
            ("organization_id", "string"),
            ("similarity", "similarity"),
            ("max_input_tokens", "pos_int"),
            ("dimensions", "pos_int"),
            ("model_id", "required_string"),
        ),
        "completion": (  # OpenAiChatCompletionServiceSettings#fromMap's order
            ("model_id", "required_string"),
            ("organization_id", "string"),
            ("url", "url"),
            ("max_input_tokens", "pos_int"),
        ),
    },
    "azureopenai": {
        _EMBED: (
            ("resource_name", "required_string"),
            ("deployment_id", "required_string"),
            ("api_version", "required_string"),
            ("dimensions", "pos_int"),
            ("dimensions_set_by_user", "not_allowed"),
            ("max_input_tokens", "pos_int"),
            ("similarity", "similarity"),
        ),
        "completion": (
            ("resource_name", "required_string"),
            ("deployment_id", "required_string"),
            ("api_version", "required_string"),
        ),
    },
    "amazonbedrock": {
        # AmazonBedrockServiceSettings / AmazonBedrockEmbeddingsServiceSettings#fromMap's order (model first;
        # read <=8.17); dimensions_set_by_user is refused like dimensions (issue 20)
        _EMBED: (
            ("model", "required_string"),
            ("region", "required_string"),
            ("provider", "provider"),
            ("similarity", "similarity"),
            ("max_input_tokens", "pos_int"),
            ("dimensions", "not_allowed"),
            ("dimensions_set_by_user", "not_allowed"),
        ),
        "completion": (
            ("model", "required_string"),
            ("region", "required_string"),
            ("provider", "provider"),
        ),
    },
}

#: ES output order of exposed service settings (toXContentFragmentOfExposedFields)
_OUTPUT_ORDER = {
    ("openai", _EMBED): ("model_id", "url", "organization_id", "similarity", "dimensions", "max_input_tokens"),
    ("openai", "completion"): ("model_id", "url", "organization_id", "max_input_tokens"),
    ("azureopenai", _EMBED): (
        "resource_name",
        "deployment_id",
        "api_version",
        "dimensions",
        "max_input_tokens",
        "similarity",
    ),
    ("azureopenai", "completion"): ("resource_name", "deployment_id", "api_version"),
    ("amazonbedrock", _EMBED): ("region", "model", "provider", "dimensions", "max_input_tokens", "similarity"),
    ("amazonbedrock", "completion"): ("region", "model", "provider"),
}

_TASK_FIELDS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "openai": {_EMBED: (("user", "string"),), "completion": (("user", "string"),)},
    "azureopenai": {_EMBED: (("user", "string"),), "completion": (("user", "string"),)},
    "amazonbedrock": {
        _EMBED: (),
        "completion": (
            ("temperature", "unit_double"),
            ("top_p", "unit_double"),
            ("top_k", "unit_double"),
            ("max_new_tokens", "pos_int"),
        ),
    },
}


def _family(task_type: str) -> str:
    # chat_completion shares the completion settings classes
    return _EMBED if task_type == _EMBED else "completion"


def output_order(service: str, task_type: str) -> tuple[str, ...]:
    """The order ES writes ``service_settings`` keys (``rate_limit`` last)."""
    return _OUTPUT_ORDER.get((service, _family(task_type)), ()) + ("rate_limit",)


def settings_fields(service: str, task_type: str) -> tuple[tuple[str, str], ...]:
    """The ``service_settings`` fields a PUT of ``service`` × ``task_type`` reads (secrets and ``rate_limit``
    aside) as ``(name, kind)``, in the order its ``fromMap`` reads them. ``kind`` is ``required_string``,
    ``string``, ``url``, ``pos_int``, ``similarity``, ``provider`` (required) or ``not_allowed`` (refused).

    >>> settings_fields("azureopenai", "completion")
    (('resource_name', 'required_string'), ('deployment_id', 'required_string'), ('api_version', 'required_string'))
    """
    return _SERVICE_FIELDS[service][_family(task_type)]


def required_secrets(service: str) -> tuple[str, ...]:
    """The secrets a PUT of ``service`` must each give (``settings.required`` names a missing one); Azure
    OpenAI's are one-of (``secrets.azure.*``), so none of them is required by itself.

    >>> required_secrets("amazonbedrock"), required_secrets("azureopenai")
    (('access_key', 'secret_key'), ())
    """
    return () if service == "azureopenai" else SERVICE_SECRETS[service]


def _extract(c: Collector, profile: Profile, m: dict[str, Any], name: str, kind: str, scope: str) -> Any:
    if kind == "required_string":
        return c.required_string(m, name, scope)
    if kind == "string":
        return c.optional_string(m, name, scope)
    if kind == "url":
        return c.url(m, name, scope)
    if kind == "pos_int":
        return c.optional_positive_int(m, name, scope)
    if kind == "unit_double":
        return c.optional_double_in_range(m, name, 0.0, 1.0, scope)
    if kind == "similarity":
        return c.optional_enum(m, name, scope, profile.similarity_values, rule="settings.similarity.enum", fold=True)
    if kind == "provider":  # extractRequiredEnum, case-insensitive (AmazonBedrockProvider.fromString)
        before = len(c)
        value = c.optional_enum(m, name, scope, profile.bedrock_providers, rule="bedrock.provider.enum", fold=True)
        if value is None and len(c) == before:
            c.add("settings.required", scope=scope, field=name)
        return value
    if kind == "not_allowed":
        if name in m:
            m.pop(name)
            c.add("settings.not_allowed", scope=scope, field=name)
        return None
    if kind == "headers":
        return _headers(c, m, name)
    raise AssertionError(kind)


def _headers(c: Collector, m: dict[str, Any], name: str) -> dict[str, str] | None:
    value = c.remove_as(m, name, "Map")
    if not isinstance(value, dict):
        return None
    return {str(k): str(v) for k, v in value.items()}


def parse_service_settings(profile: Profile, service: str, task_type: str, m: dict[str, Any]) -> dict[str, Any]:
    """Consume the service's keys from ``m`` (secrets excluded) and return the stored settings with
    ``rate_limit`` defaulted. Leftover keys stay in ``m`` (the caller reports them as unknown)."""
    c = Collector()
    out: dict[str, Any] = {}
    for name, kind in _SERVICE_FIELDS[service][_family(task_type)]:
        value = _extract(c, profile, m, name, kind, SS)
        if value is not None:
            out[name] = value
    rpm = _rate_limit(c, profile, service, m)
    c.raise_if_any()
    out["rate_limit"] = {"requests_per_minute": rpm or profile.rate_limit_default(service, task_type)}
    return out


def _rate_limit(c: Collector, profile: Profile, service: str, m: dict[str, Any]) -> int | None:
    # RateLimitSettings.of: rate_limit object, unknown keys -> unknown-settings error (request context)
    if "rate_limit" not in m:
        return None
    raw = m.pop("rate_limit")
    if raw is None:
        return None
    if not isinstance(raw, dict):  # removeFromMapOrDefaultEmpty casts unchecked: the JVM's ClassCastException
        raise RuleViolation("settings.not_an_object", field="rate_limit", detail=java_cast_message(raw))
    inner = dict(raw)
    rpm = c.optional_positive_long(inner, "requests_per_minute", "rate_limit")
    if inner:
        if profile.rate_limit_unknown_collected:  # PR #148328: one more item of the settings' ValidationException
            c.add("settings.rate_limit.unknown", settings=java_str(inner), service=service)
            return None
        raise RuleViolation("settings.rate_limit.unknown", settings=inner, service=service)
    return rpm


def parse_rate_limit(profile: Profile, service: str, m: dict[str, Any]) -> int | None:
    """Consume ``rate_limit`` from ``m``; the user's ``requests_per_minute`` or None."""
    c = Collector()
    rpm = _rate_limit(c, profile, service, m)
    c.raise_if_any()
    return rpm


def parse_task_settings(profile: Profile, service: str, task_type: str, m: dict[str, Any]) -> dict[str, Any]:
    """Consume the task settings keys from ``m``; leftovers stay (reported as unknown)."""
    c = Collector()
    out: dict[str, Any] = {}
    fields = _TASK_FIELDS[service][_family(task_type)]
    if service in profile.headers_task_setting_services:
        fields = fields + (("headers", "headers"),)
    for name, kind in fields:
        value = _extract(c, profile, m, name, kind, TS)
        if value is not None:
            out[name] = value
    c.raise_if_any()
    return out


def parse_secrets(profile: Profile, service: str, m: dict[str, Any]) -> dict[str, str]:
    """Consume the secret keys from ``m`` (``DefaultSecretSettings``, ``AzureOpenAiSecretSettings``,
    ``AwsSecretSettings``)."""
    c = Collector()
    out: dict[str, str] = {}
    if service == "azureopenai":
        present = [k for k in SERVICE_SECRETS[service] if k in m]
        # AzureOpenAiSecretSettings#fromMap collects a bad value and the one-of error into one exception
        values = {k: c.optional_string(m, k, SECRET_SCOPE) for k in present}
        given = [k for k in present if values[k] is not None]
        if not given:
            c.add("secrets.azure.neither")
        elif len(given) > 1:
            c.add("secrets.azure.both", received=", ".join(given))
        c.raise_if_any()
        return {k: str(values[k]) for k in given}
    for name in required_secrets(service):
        value = c.required_string(m, name, SECRET_SCOPE)
        if value is not None:
            out[name] = value
    c.raise_if_any()
    return out
