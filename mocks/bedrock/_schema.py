"""Tiny body checks that fail with AWS's schema-violation wording (Bedrock validates InvokeModel bodies with
a JSON-Schema validator and reports ``#/path: ...`` messages; upstreams.md §3.8).

Converse is a modelled operation, so it fails with Smithy's ``1 validation error detected: ...`` instead.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from mocks.bedrock.errors import BedrockError, ValidationException, malformed

__all__ = [
    "check_enum",
    "check_keys",
    "check_type",
    "constraint",
    "optional",
    "required",
]

_TYPE_NAMES: dict[type, str] = {
    str: "String",
    bool: "Boolean",
    int: "Integer",
    float: "Number",
    list: "JSONArray",
    dict: "JSONObject",
    type(None): "Null",
}


def _type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _matches(value: Any, expected: type) -> bool:
    if isinstance(value, bool):
        return expected is bool
    if expected is float:
        return isinstance(value, (int, float))
    return isinstance(value, expected)


def check_keys(body: dict[str, Any], allowed: Iterable[str], path: str = "#") -> None:
    """Refuse keys not in ``allowed``: ``#: extraneous key [x] is not permitted``."""
    allowed_set = set(allowed)
    for key in body:
        if key not in allowed_set:
            raise malformed(f"{path}: extraneous key [{key}] is not permitted")


def check_type(value: Any, expected: type, path: str) -> None:
    """``#/x: expected type: String, found: Integer``. ``float`` means any JSON number."""
    if not _matches(value, expected):
        raise malformed(f"{path}: expected type: {_TYPE_NAMES[expected]}, found: {_type_name(value)}")


def required(body: dict[str, Any], key: str, expected: type, path: str = "#") -> Any:
    """Return ``body[key]`` checked against ``expected``; a missing key is ``#: required key [k] not found``."""
    if key not in body:
        raise malformed(f"{path}: required key [{key}] not found")
    value = body[key]
    check_type(value, expected, f"{path}/{key}")
    return value


def optional(body: dict[str, Any], key: str, expected: type, default: Any = None, path: str = "#") -> Any:
    """Return ``body[key]`` (type-checked) or ``default`` when absent."""
    if key not in body:
        return default
    value = body[key]
    check_type(value, expected, f"{path}/{key}")
    return value


def check_enum(value: Any, allowed: Collection[Any], path: str) -> None:
    """``#/dimensions: 100 is not a valid enum value``."""
    if value not in allowed or isinstance(value, bool) != any(isinstance(a, bool) for a in allowed):
        raise malformed(f"{path}: {value} is not a valid enum value")


def constraint(value: Any, member: str, rule: str) -> BedrockError:
    """A Smithy constraint failure, as Converse reports it.

    ``constraint(0, "inferenceConfig.maxTokens", "Member must have value greater than or equal to 1")``
    """
    shown = "null" if value is None else f"'{value}'"
    return ValidationException(
        f"1 validation error detected: Value {shown} at '{member}' failed to satisfy constraint: {rule}"
    )
