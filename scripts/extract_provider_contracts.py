"""Extract the facts the provider-contract tests need from the providers' own specifications.

Writes ``tests/data/provider_contracts/<provider>.json``: the named component schemas and every schema they
reference (descriptions, examples and vendor extensions dropped; everything else verbatim), the response
headers a spec declares, and the origin (repository, path, commit, spec version). The tests read only those
files, so every clone runs them offline. botocore's bedrock-runtime model is not extracted: the tests read
it from the installed botocore.

Usage (with a checkout or download of each spec at the commit you name)::

    python scripts/extract_provider_contracts.py openai openapi.yaml --commit <sha of openai/openai-openapi>
    python scripts/extract_provider_contracts.py azure inference.json --commit <sha of Azure/azure-rest-api-specs>

Re-run it when a provider publishes a new spec and review the diff: a changed schema is where a mock may
have drifted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

OUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "provider_contracts"

#: provider -> (repository, path in it, root schema names)
SOURCES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "openai": (
        "openai/openai-openapi",
        "openapi.yaml",
        (
            "CreateEmbeddingResponse",
            "CreateChatCompletionResponse",
            "CreateChatCompletionStreamResponse",
            "ListModelsResponse",
            "Model",
            "ErrorResponse",
        ),
    ),
    "azure": (
        "Azure/azure-rest-api-specs",
        "specification/cognitiveservices/data-plane/AzureOpenAI/inference/stable/2024-10-21/inference.json",
        ("errorResponse", "createChatCompletionResponse", "createChatCompletionStreamResponse"),
    ),
}

#: Keys that carry prose or tooling hints, not contract facts.
_DROPPED = {"description", "example", "examples", "title", "deprecated", "default"}
_PREFIX = "#/components/schemas/"


def strip(node: Any) -> Any:
    """``node`` without descriptions, examples and ``x-`` extensions (recursively)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in _DROPPED or key.startswith("x-"):
                continue
            if key == "properties" and isinstance(value, dict):  # member names are data, keep them all
                out[key] = {name: strip(member) for name, member in value.items()}
            else:
                out[key] = strip(value)
        return out
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def refs(node: Any) -> Iterable[str]:
    """The component schema names ``node`` references."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_PREFIX):
            yield ref[len(_PREFIX) :]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def closure(schemas: dict[str, Any], roots: Iterable[str]) -> dict[str, Any]:
    """The root schemas and every schema they reference, stripped, sorted by name."""
    out: dict[str, Any] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out[name] = strip(schemas[name])
        todo.extend(refs(schemas[name]))
    return dict(sorted(out.items()))


def response_headers(document: dict[str, Any], paths: Iterable[str]) -> dict[str, list[str]]:
    """``{"POST /path": [header names declared on its responses]}`` for the given paths."""
    out: dict[str, list[str]] = {}
    for path in paths:
        for method, operation in document["paths"].get(path, {}).items():
            names = {
                name for response in operation.get("responses", {}).values() for name in response.get("headers", {})
            }
            out[f"{method.upper()} {path}"] = sorted(names)
    return out


def inline_response_schema(document: dict[str, Any], path: str) -> Any:
    """The 200 JSON schema of ``POST path`` (Azure declares the embeddings response inline)."""
    content = document["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]
    return strip(content["schema"])


def extract(provider: str, document: dict[str, Any], commit: str) -> dict[str, Any]:
    """The contract facts of ``provider`` from its parsed specification ``document``."""
    repo, path, roots = SOURCES[provider]
    schemas = document["components"]["schemas"]
    out: dict[str, Any] = {
        "origin": {
            "repo": repo,
            "path": path,
            "commit": commit,
            "spec_version": document["info"]["version"],
            "openapi": document["openapi"],
            "extracted_by": "scripts/extract_provider_contracts.py",
        },
        "roots": list(roots),
        "schemas": closure(schemas, roots),
    }
    if provider == "azure":
        embeddings = "/deployments/{deployment-id}/embeddings"
        out["schemas"]["embeddingsResponse"] = inline_response_schema(document, embeddings)
        out["response_headers"] = response_headers(
            document, [embeddings, "/deployments/{deployment-id}/chat/completions"]
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("provider", choices=sorted(SOURCES))
    parser.add_argument("spec", type=Path, help="the provider's spec file (YAML or JSON)")
    parser.add_argument("--commit", required=True, help="the commit of the spec's repository it was read at")
    parser.add_argument("--out", type=Path, default=None, help="output file (default: tests/data/…)")
    args = parser.parse_args(argv)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(args.spec.read_text(encoding="utf-8"), Loader=loader)  # JSON is YAML
    facts = extract(args.provider, document, args.commit)
    out = args.out or OUT_DIR / f"{args.provider}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(facts, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"{out}: {len(facts['schemas'])} schemas", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
