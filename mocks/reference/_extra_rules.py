"""Rules the reference target needs that ``specs/rules.yaml`` does not (yet) hold.

Proposed to the rule-table owner; until they land, :func:`render` uses these when the table lacks the
id. Each entry: ``(status, error_type, message template, source)``. Once an id is in the table, the
table wins and the entry here is dead.
"""

from __future__ import annotations

from typing import Any

from harness.contract.errors import RuleViolation, es_error, unified_error
from harness.contract.profiles import Profile
from harness.contract.rules import RuleTable

__all__ = ["EXTRA_RULES", "render"]

EXTRA_RULES: dict[str, tuple[int, str, str, str]] = {
    # RestRequest.requiredContent()
    "body.required": (400, "parse_exception", "request body is required", "ES/server/.../rest/RestRequest.java"),
    # JsonXContentParser wraps Jackson's JsonParseException into XContentParseException("[line:col] msg")
    "body.malformed": (
        400,
        "x_content_parse_exception",
        "[{line}:{column}] {detail}",
        "ES/libs/x-content/impl/.../json/JsonXContentParser.java",
    ),
    # ObjectParser.parse on a non-object body
    "body.not_object": (
        400,
        "x_content_parse_exception",
        "[{line}:{column}] [{parser}] Expected START_OBJECT but was: {token}",
        "ES/libs/x-content/.../ObjectParser.java",
    ),
    # Booleans.parseBoolean on a query parameter (dry_run, force)
    "param.boolean": (
        400,
        "illegal_argument_exception",
        "Failed to parse value [{value}] as only [true] or [false] are allowed.",
        "ES/libs/core/.../Booleans.java",
    ),
    # IndexNotFoundException
    "index.not_found": (404, "index_not_found_exception", "no such index [{index}]", "ES/server/.../IndexNotFoundException.java"),
    # ResourceAlreadyExistsException from MetadataCreateIndexService.validateIndexName
    "index.already_exists": (
        400,
        "resource_already_exists_exception",
        "index [{index}/{uuid}] already exists",
        "ES/server/.../MetadataCreateIndexService.java",
    ),
    # MetadataCreateIndexService.validateIndexOrAliasName
    "index.invalid_name": (
        400,
        "invalid_index_name_exception",
        "Invalid index name [{index}], {detail}",
        "ES/server/.../MetadataCreateIndexService.java",
    ),
    # SemanticTextFieldMapper / ShardBulkInferenceActionFilter: endpoint missing at ingest
    "index.semantic_text.inference_id_not_found": (
        404,
        "resource_not_found_exception",
        "Inference id [{inference_id}] not found for field [{field}]",
        "INF/action/filter/ShardBulkInferenceActionFilter.java",
    ),
    # semantic_text on an endpoint whose task type cannot embed
    "index.semantic_text.task_type": (
        400,
        "illegal_argument_exception",
        "Field [{field}] of type [semantic_text] does not support task type [{task_type}]",
        "INF/mapper/SemanticTextFieldMapper.java",
    ),
    # a field value that is not a string
    "index.semantic_text.value": (
        400,
        "document_parsing_exception",
        "[1:1] failed to parse field [{field}] of type [semantic_text] in document with id '{doc_id}'.",
        "INF/mapper/SemanticTextFieldMapper.java",
    ),
}


def _message(template: str, params: dict[str, Any]) -> str:
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def render(err: RuleViolation, profile: Profile, rules: RuleTable) -> tuple[int, dict[str, Any], bool]:
    """``(status, body, unified)`` for ``err``: the rule table when it knows the id, else :data:`EXTRA_RULES`."""
    if err.rule_id in rules:
        status, body = err.render(profile, rules)
        return status, body, rules.get(err.rule_id).outcome(profile).format == "unified"
    status, error_type, template, _ = EXTRA_RULES.get(err.rule_id, (500, "exception", err.rule_id, ""))
    reason = _message(template, err.params)
    if err.rule_id.startswith("streaming.unified"):
        return status, unified_error(status, error_type, reason), True
    return status, es_error(status, error_type, reason, caused_by=err.cause), False
