"""The providers' own contracts, as the tests read them, and the evidenced exceptions to them.

* OpenAI and Azure: ``tests/data/provider_contracts/{openai,azure}.json`` (schemas extracted from
  ``openai/openai-openapi`` and ``Azure/azure-rest-api-specs`` by ``scripts/extract_provider_contracts.py``;
  origin and commit inside each file). ``headers.json``: the response headers each provider sends, with
  their sources.
* Bedrock: botocore's ``bedrock-runtime`` service model, read from the installed botocore
  (:func:`bedrock_model`), turned into JSON Schema by :func:`shape_schema`.

Where a provider's spec and its real service disagree, the test names the exception (:data:`EXCEPTIONS`):
each has its evidence, and ``test_exceptions_still_needed`` fails when one stops being needed.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import jsonschema
from botocore.loaders import Loader

DATA = Path(__file__).resolve().parent.parent / "data" / "provider_contracts"


class Exception_(NamedTuple):
    """A known disagreement between a provider's spec and its real service."""

    name: str
    provider: str
    what: str
    evidence: str


EXCEPTIONS: dict[str, Exception_] = {
    e.name: e
    for e in (
        Exception_(
            "openai-nullable-in-3.1",
            "openai",
            "openai/openai-openapi declares `openapi: 3.1.0` but some members still use OpenAPI 3.0's "
            "`nullable: true` (CreateChatCompletionStreamResponse choices[].finish_reason, logprobs), which "
            "JSON Schema 2020-12 ignores; the service sends null there, so `nullable: true` is read as "
            "'or null'.",
            "The same spec's own streaming example (path /chat/completions, x-oaiMeta response) shows "
            '`"logprobs":null,"finish_reason":null` on every chunk but the last.',
        ),
        Exception_(
            "openai-base64-embeddings",
            "openai",
            "Embedding.embedding is `array of number` in the spec; with `encoding_format: base64` the service "
            "answers a base64 string (little-endian float32).",
            "openai/openai-python src/openai/lib/_parsing/_embeddings.py (openai 3.57.0): the SDK sends "
            "encoding_format=base64 by default and decodes string embeddings with "
            "np.frombuffer(base64.b64decode(data), dtype='float32').",
        ),
        Exception_(
            "azure-prompt-filter-chunk",
            "azure",
            "Azure's first streamed chunk carries only prompt_filter_results: `id: \"\"`, `object: \"\"`, "
            "`created: 0`, `model: \"\"`, `choices: []`; the spec's enum allows only chat.completion.chunk.",
            "https://github.com/microsoft/autogen/issues/6465 (curl against api-version=2024-10-21: "
            '`data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":…}`); '
            "also https://github.com/seratch/ChatGPT-in-Slack/pull/49 and "
            "https://github.com/CoderCookE/vim-llm-agent/pull/37.",
        ),
        Exception_(
            "azure-null-error-members",
            "azure",
            "Request-body errors are OpenAI-format objects with `param: null` / `code: null`; Azure's "
            "errorBase/error declare `code`, `param` as plain strings.",
            "https://github.com/takahirom/arbigent/issues/218 (a real Azure 400: "
            '`{"error":{"message":"Invalid request body.","type":"invalid_request_error","param":null,'
            '"code":null}}`).',
        ),
    )
}


def load(provider: str) -> dict[str, Any]:
    """The extracted contract of ``provider`` (``openai`` or ``azure``) or ``headers``."""
    return _load(provider)


@cache
def _load(provider: str) -> dict[str, Any]:
    return json.loads((DATA / f"{provider}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def nullable_to_null(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema: ``anyOf: [schema, {type: null}]`` (recursively)."""
    if isinstance(node, list):
        return [nullable_to_null(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: nullable_to_null(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


def schemas(provider: str, *exceptions: str) -> dict[str, Any]:
    """The component schemas of ``provider`` as JSON Schema, with the named exceptions applied."""
    contract = load(provider)
    out = copy.deepcopy(contract["schemas"])
    if contract["origin"]["openapi"].startswith("3.0") or "openai-nullable-in-3.1" in exceptions:
        out = nullable_to_null(out)
    for name in exceptions:
        assert EXCEPTIONS[name].provider == provider, name
        _PATCHES.get(name, lambda s: s)(out)
    return out  # type: ignore[no-any-return]


def _base64_embeddings(s: dict[str, Any]) -> None:
    member = s["Embedding"]["properties"]["embedding"]
    s["Embedding"]["properties"]["embedding"] = {"anyOf": [member, {"type": "string", "contentEncoding": "base64"}]}


def _prompt_filter_chunk(s: dict[str, Any]) -> None:
    s["createChatCompletionStreamResponse"]["properties"]["object"]["enum"].append("")


def _null_error_members(s: dict[str, Any]) -> None:
    for name, holder in (("code", "errorBase"), ("param", "error"), ("type", "error")):
        member = s[holder]["properties"][name]
        s[holder]["properties"][name] = {"anyOf": [member, {"type": "null"}]}


_PATCHES = {
    "openai-base64-embeddings": _base64_embeddings,
    "azure-prompt-filter-chunk": _prompt_filter_chunk,
    "azure-null-error-members": _null_error_members,
}


def errors(provider: str, schema: str, instance: Any, *exceptions: str) -> list[str]:
    """Every violation of ``schema`` by ``instance`` (``[]`` when it conforms), as readable lines."""
    document = {"$ref": f"#/components/schemas/{schema}", "components": {"schemas": schemas(provider, *exceptions)}}
    validator = jsonschema.Draft202012Validator(document)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    ]


def assert_conforms(provider: str, schema: str, instance: Any, *exceptions: str) -> None:
    """Fail with every violation listed when ``instance`` does not conform to the provider's ``schema``."""
    found = errors(provider, schema, instance, *exceptions)
    origin = load(provider)["origin"]
    assert not found, (
        f"{provider} {schema} ({origin['repo']} {origin['path']} @ {origin['commit'][:12]}) rejects "
        f"the mock's answer:\n  " + "\n  ".join(found) + f"\nanswer: {json.dumps(instance)[:600]}"
    )


# ---- Bedrock: botocore's service model --------------------------------------------------------------


@cache
def bedrock_model() -> dict[str, Any]:
    """botocore's ``bedrock-runtime`` service model from the installed botocore (newest API version)."""
    return Loader().load_service_model("bedrock-runtime", "service-2")  # type: ignore[no-any-return]


_SCALARS = {
    "string": {"type": "string"},
    "blob": {"type": "string"},  # base64 in JSON
    "boolean": {"type": "boolean"},
    "integer": {"type": "integer"},
    "long": {"type": "integer"},
    "float": {"type": "number"},
    "double": {"type": "number"},
    "timestamp": {"type": ["number", "string"]},
}


def shape_schema(name: str, *, payload_only: bool = True, _seen: frozenset[str] = frozenset()) -> dict[str, Any]:
    """botocore shape ``name`` as a JSON Schema (members with a ``location``, i.e. HTTP headers, left out
    when ``payload_only``). Documents (``document: true``) accept anything; recursion stops at a cycle."""
    shape = bedrock_model()["shapes"][name]
    if name in _seen or shape.get("document"):
        return {}
    seen = _seen | {name}
    kind = shape["type"]
    if kind == "structure":
        members = {
            m: shape_schema(spec["shape"], _seen=seen)
            for m, spec in shape["members"].items()
            if not (payload_only and "location" in spec)
        }
        out: dict[str, Any] = {"type": "object", "properties": members, "additionalProperties": False}
        required = [m for m in shape.get("required", []) if m in members]
        if required:
            out["required"] = required
        if shape.get("union"):
            out["minProperties"] = out["maxProperties"] = 1
        return out
    if kind == "list":
        return {"type": "array", "items": shape_schema(shape["member"]["shape"], _seen=seen)}
    if kind == "map":
        return {"type": "object", "additionalProperties": shape_schema(shape["value"]["shape"], _seen=seen)}
    out = dict(_SCALARS[kind])
    if "enum" in shape:
        out["enum"] = list(shape["enum"])
    return out


def bedrock_errors(shape: dict[str, Any], instance: Any) -> list[str]:
    """Every violation of a :func:`shape_schema` by ``instance``."""
    validator = jsonschema.Draft202012Validator(shape)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(instance)]
