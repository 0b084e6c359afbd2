"""Extract, into ``tests/data/``, the facts the tests compare against Elastic's OpenAPI and provider samples.

The tests must run on every clone, so they read these small JSON files instead of the reference material
they were taken from (present only on the maintainers' machines). Only facts are kept: paths and their
operations, component field names with their types, ``required`` lists and enums. No descriptions.

Usage (from the repository root, with the reference material checked out next to the repository)::

    python scripts/extract_reference_facts.py [REFERENCE_DIR]   # default: ../shared

It rewrites ``tests/data/elastic-openapi-inference.json`` and ``tests/data/upstream-vectors.json``;
``git diff`` then shows what changed upstream. Origins are recorded in each file's ``source`` field and in
``tests/data/README.md``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data"
VERSIONS = ("8.18", "9.1", "9.4")
#: Components the tests compare (by the last segment of Elastic's name, e.g. ``inference._types.TaskType``).
COMPONENTS = (
    "OpenAIServiceSettings",
    "OpenAITaskSettings",
    "AzureOpenAIServiceSettings",
    "AzureOpenAITaskSettings",
    "AmazonBedrockServiceSettings",
    "AmazonBedrockTaskSettings",
    "InferenceChunkingSettings",
    "TaskType",
    "TaskTypeOpenAI",
    "OpenAITaskType",
    "TaskTypeAzureOpenAI",
    "AzureOpenAITaskType",
    "TaskTypeAmazonBedrock",
    "AmazonBedrockTaskType",
)
OPENAPI_SOURCE = (
    "elastic/elasticsearch-specification, output/openapi/elasticsearch-serverless-openapi.json (Apache-2.0), "
    "branches 8.18, 9.1 and 9.4: the /_inference paths and the components they reference"
)
VECTORS_SOURCE = (
    "AWS Signature Version 4 (docs.aws.amazon.com/IAM/latest/UserGuide/reference_aws-signing.html) computed "
    "with botocore.auth.SigV4Auth (botocore 1.43.11); event-stream frames in the AWS event-stream encoding "
    "(github.com/awslabs/aws-c-event-stream; decoded by botocore.eventstream) as Bedrock ConverseStream sends them"
)


def _short(name: str) -> str:
    return re.split(r"[.:]", name)[-1]


def _type_of(schema: dict[str, Any]) -> str:
    """A field's type in one word: ``string``, ``number``, ``array``, or the referenced component's name."""
    if "$ref" in schema:
        return _short(schema["$ref"].rsplit("/", 1)[-1])
    for key in ("allOf", "oneOf", "anyOf"):
        if key in schema:
            inner = [_type_of(s) for s in schema[key]]
            return inner[0] if key == "allOf" and len(inner) == 1 else f"{key}[{', '.join(inner)}]"
    if schema.get("type") == "array":
        return f"array[{_type_of(schema.get('items', {}))}]"
    return str(schema.get("type", "any"))


def _component(schema: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "properties" in schema:
        out["properties"] = {name: _type_of(s) for name, s in sorted(schema["properties"].items())}
        out["required"] = sorted(schema.get("required", []))
    if "enum" in schema:
        out["enum"] = list(schema["enum"])
    return out


def openapi_facts(official: Path) -> dict[str, Any]:
    """Per version: the paths with their operations, and the compared components' facts."""
    versions: dict[str, Any] = {}
    for version in VERSIONS:
        doc = json.loads((official / f"elasticsearch-serverless-openapi-inference-{version}.json").read_text())
        schemas = doc["components"]["schemas"]
        components = {}
        for name in COMPONENTS:
            found = [s for key, s in schemas.items() if _short(key) == name]
            if len(found) == 1:
                components[name] = _component(found[0])
        paths = {
            p: sorted(m for m in ops if m in ("get", "put", "post", "delete", "head"))
            for p, ops in sorted(doc["paths"].items())
        }
        versions[version] = {"paths": paths, "components": components}
    return {"source": OPENAPI_SOURCE, "versions": versions}


def vector_facts(samples_file: Path) -> dict[str, Any]:
    """The SigV4 test vector and the event-stream frame encodings the Bedrock tests check byte for byte."""
    bedrock = json.loads(samples_file.read_text())["bedrock"]
    vector = {k: v for k, v in bedrock["sigv4_test_vector"].items() if k != "note"}
    frames = {k: v for k, v in bedrock["converse_stream"]["frame_encoding"].items() if k.endswith("_hex")}
    return {"source": VECTORS_SOURCE, "bedrock": {"sigv4_test_vector": vector, "converse_stream_frames": frames}}


def main(argv: list[str]) -> int:
    reference = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared"
    if not reference.is_dir():
        print(f"extract_reference_facts: {reference} is not a directory (the reference material)", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in (
        ("elastic-openapi-inference.json", openapi_facts(reference / "official")),
        ("upstream-vectors.json", vector_facts(reference / "reference" / "upstream-samples.json")),
    ):
        (OUT / name).write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
