"""The building blocks of the component schemas: helpers, Java bounds and the titles in component names.

Conventions used in the output:

* ``x-rule`` / ``x-rules``: ids of the contract rules (``specs/rules.yaml``) a schema encodes; a test
  checks that every id exists in the rule table.
* ``x-task-types``: the task types a field is accepted for, where the schema cannot say it itself
  (the generic ``PUT /_inference/{task_type}/{inference_id}`` body cannot see the path).
* ``x-json-type: double``: ES parses the field as a Java ``Double``; a bare JSON integer (``1``) is
  rejected, write ``1.0``.
* ``x-secret: true`` (with ``writeOnly``): never returned by any response.
* Response schemas are tolerant (extra fields allowed) but forbid secrets with ``false`` schemas.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "INT_MAX",
    "LONG_MAX",
    "SERVICE_TITLE",
    "TASK_TITLE",
    "Schema",
    "json_content",
    "obj",
    "ref",
    "strict",
    "x_rule",
]

#: a JSON Schema (or any OpenAPI object) as a plain dict, in document order
Schema = dict[str, Any]

INT_MAX = 2**31 - 1  # Java Integer
LONG_MAX = 2**63 - 1  # Java Long

#: service -> the title its component names start with (``PutOpenAI``, ``AzureOpenAIServiceSettings``)
SERVICE_TITLE = {"openai": "OpenAI", "azureopenai": "AzureOpenAI", "amazonbedrock": "AmazonBedrock"}
#: task type -> the title its component names end with (``PutOpenAITextEmbedding``)
TASK_TITLE = {
    "text_embedding": "TextEmbedding",
    "completion": "Completion",
    "chat_completion": "ChatCompletion",
}


def ref(name: str) -> Schema:
    """A ``$ref`` to ``#/components/schemas/<name>``."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    """An object schema: ``type``, ``required`` (when any), ``properties``, then ``extra``; extra keys allowed."""
    schema: Schema = {"type": "object"}
    if required:
        schema["required"] = required
    schema["properties"] = properties
    schema.update(extra)
    return schema


def x_rule(rule_id: str) -> dict[str, Any]:
    """The ``x-rule`` extension naming the rule a schema part enforces."""
    return {"x-rule": rule_id}


def strict(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    """An :func:`obj` that allows no other keys (``additionalProperties: false``)."""
    return obj(properties, required, additionalProperties=False, **extra)


def json_content(schema_name: str) -> Schema:
    """An ``application/json`` content object whose schema is the component ``schema_name``."""
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}
