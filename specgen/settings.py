"""Component schemas of ``service_settings`` (per service and task type, and as a response echoes them), of
Azure OpenAI's one-of secrets and of ``task_settings``.

The fields, their kinds, the task types that read them and the secrets come from ``contract``
(:func:`~contract.settings_fields`, :func:`~contract.output_order`, :data:`~contract.SERVICE_SECRETS`,
:func:`~contract.required_secrets`), where the validators read them too.
"""

from __future__ import annotations

from contract import AZURE_OAUTH2_SECRET, SERVICE_SECRETS, output_order, required_secrets, settings_fields
from specgen.profile import VersionProfile
from specgen.schema import INT_MAX, SERVICE_TITLE, Schema, obj, ref, strict, x_rule
from specs import SERVICES

__all__ = ["secret_names", "settings_components"]

_EMBEDDING = "text_embedding"
#: the task types whose settings differ (chat_completion reads completion's)
_FAMILIES = (_EMBEDDING, "completion")
#: contract's kind of a field -> the schema a request gives it (``not_allowed`` fields are left out)
_KIND_SCHEMA = {
    "required_string": "NonEmptyString",
    "string": "NonEmptyString",
    "url": "Url",
    "pos_int": "PositiveInteger",
    "similarity": "Similarity",
    "provider": "AmazonBedrockProvider",
}
#: the kinds a PUT must give; ``provider`` is optional in Elastic's spec but required by Elasticsearch
#: (elastic/elasticsearch, x-pack/plugin/inference/src/main/java/org/elasticsearch/xpack/inference/services/
#: amazonbedrock/AmazonBedrockServiceSettings.java)
_REQUIRED_KINDS = ("required_string", "provider")
#: listed after the other settings, in this order, whatever ES's output order (as the shipped documents list them)
_LAST = ("similarity", "max_input_tokens")


# --------------------------------------------------------------------------- service settings


def _service_fields(service: str) -> dict[str, tuple[str, tuple[str, ...] | None]]:
    """Field -> (contract's kind, the task types it is limited to or None) for every setting a PUT of ``service``
    accepts (secrets and ``rate_limit`` aside): in the order ES writes them, :data:`_LAST` last."""
    read = {family: dict(settings_fields(service, family)) for family in _FAMILIES}
    kinds = {name: kind for family in _FAMILIES for name, kind in read[family].items()}
    named = dict.fromkeys([*(n for family in _FAMILIES for n in output_order(service, family)), *kinds])
    accepted = [n for n in named if kinds.get(n, "not_allowed") != "not_allowed"]
    ordered = [n for n in accepted if n not in _LAST] + [n for n in _LAST if n in accepted]
    out: dict[str, tuple[str, tuple[str, ...] | None]] = {}
    for name in ordered:
        tasks = tuple(family for family in _FAMILIES if name in read[family])
        out[name] = (kinds[name], None if tasks == _FAMILIES else tasks)
    return out


def _azure_oauth2_settings() -> dict[str, Schema]:
    """Azure OpenAI's OAuth2 settings besides its client secret (Elastic's specification from 9.4)."""
    return {
        "client_id": ref("NonEmptyString"),
        "tenant_id": ref("NonEmptyString"),
        "scopes": {"type": "array", "minItems": 1, "items": ref("NonEmptyString")},
    }


def secret_names(service: str, v: VersionProfile) -> list[str]:
    """The secrets of ``service`` in the document of ``v``: its own (:data:`~contract.SERVICE_SECRETS`), and
    Azure OpenAI's OAuth2 client secret where the profile has it."""
    names = list(SERVICE_SECRETS[service])
    if service == "azureopenai" and v.azure_oauth2:
        names.append(AZURE_OAUTH2_SECRET)
    return names


def _settings_fields(service: str, v: VersionProfile) -> dict[str, tuple[Schema, tuple[str, ...] | None]]:
    """Field name -> (schema, task types it is limited to or None): the secrets, the settings, ``rate_limit``."""
    fields: dict[str, tuple[Schema, tuple[str, ...] | None]] = {
        name: (ref("Secret"), None) for name in secret_names(service, v)
    }
    if service == "azureopenai" and v.azure_oauth2:
        fields.update({name: (schema, None) for name, schema in _azure_oauth2_settings().items()})
    for name, (kind, tasks) in _service_fields(service).items():
        fields[name] = (ref(_KIND_SCHEMA[kind]), tasks)
    fields["rate_limit"] = (ref("RateLimit"), None)
    return fields


def _required_settings(service: str) -> list[str]:
    """The settings (secrets aside) a PUT of ``service`` must give, in document order."""
    return [name for name, (kind, _tasks) in _service_fields(service).items() if kind in _REQUIRED_KINDS]


def _settings_schema(service: str, v: VersionProfile, task: str | None) -> Schema:
    """Request service_settings for one task type (or for all of them when ``task`` is None)."""
    props: dict[str, Schema] = {}
    limited: dict[str, list[str]] = {}
    for name, (schema, tasks) in _settings_fields(service, v).items():
        if task is not None and tasks is not None and task not in tasks:
            continue
        props[name] = schema
        if task is None and tasks is not None:
            limited[name] = list(tasks)
    # every service's document names settings.not_allowed (OpenAI's refused key, dimensions_set_by_user, is an
    # unknown setting in a PUT since issue 20; the documents are kept as shipped)
    rules = ["settings.required", "settings.unknown", "settings.wrong_type", "settings.not_allowed"]
    extra: Schema = {"x-rules": rules}
    if limited:
        extra["x-task-types"] = limited
    if service == "azureopenai":
        extra["allOf"] = [ref("AzureOpenAIAuth")]
    if service == "amazonbedrock" and task == _EMBEDDING:
        props["provider"] = ref("AmazonBedrockEmbeddingProvider")
    return strict(props, [*required_secrets(service), *_required_settings(service)], **extra)


def _settings_info(service: str, v: VersionProfile) -> Schema:
    """Response service_settings: tolerant, secrets forbidden."""
    props: dict[str, Schema] = {}
    for name, (schema, _tasks) in _settings_fields(service, v).items():
        props[name] = False if schema == ref("Secret") else schema  # type: ignore[assignment]
    props["dimensions"] = {"type": "integer", "minimum": 1}
    if "provider" in props:
        props["provider"] = {"type": "string"}  # echoed as stored
    rules = ["secrets.never_returned", "secrets.dimensions_set_by_user_hidden", "defaults.rate_limit"]
    props["dimensions_set_by_user"] = False  # type: ignore[assignment]
    return obj(props, [*_required_settings(service), "rate_limit"], **{"x-rules": rules})


def _azure_auth(v: VersionProfile) -> Schema:
    """Azure OpenAI's secrets: exactly one (the OAuth2 client secret with its other settings)."""
    secrets = secret_names("azureopenai", v)
    required = {name: [name] for name in secrets}
    if AZURE_OAUTH2_SECRET in required:
        required[AZURE_OAUTH2_SECRET] += sorted(_azure_oauth2_settings())
    # Each branch names its secret(s) and forbids the others, so partial combinations fail too.
    branches: list[Schema] = [
        {"required": required[name], "properties": {other: False for other in secrets if other != name}}
        for name in secrets
    ]
    choices = [f"OAuth2 {name}" if name == AZURE_OAUTH2_SECRET else name for name in secrets]
    return {
        "description": f"Exactly one of the secrets ({' XOR '.join(choices)}).",
        "oneOf": branches,
        "x-rules": ["secrets.azure.neither", "secrets.azure.both"],
    }


# --------------------------------------------------------------------------- task settings


def _task_settings(v: VersionProfile) -> dict[str, Schema]:
    """``task_settings`` of each service (Amazon Bedrock's text_embedding takes none)."""
    user = {"type": "string", "minLength": 1, "x-rule": "settings.empty_string"}
    openai: dict[str, Schema] = {"user": user}
    if v.openai_task_headers:
        openai["headers"] = ref("Headers")
    azure: dict[str, Schema] = {"user": user}
    if v.azure_task_headers:
        azure["headers"] = ref("Headers")

    def unit(field: str) -> Schema:
        return {
            "type": "number",
            "minimum": 0.0,
            "maximum": 1.0,
            "x-json-type": "double",
            "x-rules": ["settings.range.min", "settings.range.max", "settings.wrong_type"],
        }

    bedrock = {
        "temperature": unit("temperature"),
        "top_p": unit("top_p"),
        "top_k": {**unit("top_k"), "x-rules": unit("top_k")["x-rules"] + ["bedrock.top_k.provider"]},
        "max_new_tokens": {
            "type": "integer",
            "minimum": 1,
            "maximum": INT_MAX,
            "default": 64,
            "x-rule": "settings.positive_integer",
        },
    }
    return {
        "OpenAITaskSettings": strict(openai, **x_rule("settings.unknown")),
        "AzureOpenAITaskSettings": strict(azure, **x_rule("settings.unknown")),
        "AmazonBedrockTaskSettings": strict(
            bedrock,
            description=f"For completion and chat_completion; top_k only for {', '.join(v.bedrock_top_k_providers)}.",
            **x_rule("settings.unknown"),
        ),
        "AmazonBedrockTaskSettingsTextEmbedding": strict(
            {},
            description="text_embedding endpoints take no task settings.",
            **x_rule("settings.unknown"),
        ),
    }


def settings_components(v: VersionProfile) -> dict[str, Schema]:
    """``service_settings`` of every service (per task type, and as echoed), the Bedrock providers, Azure OpenAI's
    one-of secrets and ``task_settings``."""
    out: dict[str, Schema] = {
        "AmazonBedrockProvider": {
            "type": "string",
            "enum": list(v.bedrock_providers),
            "x-rule": "bedrock.provider.enum",
        },
        "AmazonBedrockEmbeddingProvider": {
            "type": "string",
            "enum": list(v.bedrock_embedding_providers),
            "x-rule": "bedrock.provider.task_type",
        },
        "AzureOpenAIAuth": _azure_auth(v),
    }
    for service in SERVICES:
        title = SERVICE_TITLE[service]
        out[f"{title}ServiceSettings"] = _settings_schema(service, v, None)
        out[f"{title}ServiceSettingsTextEmbedding"] = _settings_schema(service, v, "text_embedding")
        out[f"{title}ServiceSettingsCompletion"] = _settings_schema(service, v, "completion")
        out[f"{title}ServiceSettingsInfo"] = _settings_info(service, v)
    out.update(_task_settings(v))
    return out
