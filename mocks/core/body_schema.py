"""A provider mock's request body checked against the schema its own upstream document declares.

The upstream OpenAPI documents (``specs/upstream-*.yaml``) are what schemathesis generates from, valid and
invalid; a mock that answers 200 to a body its document calls invalid contradicts its own contract (found by
``tests/hardening``: the Azure mock accepted ``temperature: 3``). :func:`body_checker` compiles one request
schema of a document (its ``$ref``s resolved within the document, JSON Schema 2020-12 as OpenAPI 3.1 uses)
into a function that names the first field a body breaks, for the provider's own "invalid parameter" error.

>>> check = body_checker("upstream-openai.yaml", "CreateChatCompletionRequest")
>>> check({"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 3})
'temperature'
>>> check({"model": "m", "messages": [{"role": "user", "content": "hi"}]}) is None
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jsonschema

import specs

__all__ = ["body_checker"]


@functools.cache
def body_checker(document: str, schema: str) -> Callable[[Any], str | None]:
    """A function giving the path of the first field ``body`` breaks (``"stop"``, ``"tools[0].type"``;
    ``"$"`` for the body itself), or ``None`` when the body matches ``document``'s ``schema``."""
    components = specs.load_spec(document)["components"]
    validator = jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{schema}", "components": components})

    def first_invalid(body: Any) -> str | None:
        error = next(iter(sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))), None)
        if error is None:
            return None
        path = ""
        for part in error.absolute_path:
            path += f"[{part}]" if isinstance(part, int) else f".{part}"
        return path.lstrip(".") or "$"

    return first_invalid
