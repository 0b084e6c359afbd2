"""The ``paths`` object of the `_inference` documents: every route, its operations, their parameters and
answers, and the contract rules a conformance run exercises through each operation (``x-rules``)."""

from __future__ import annotations

from typing import Any

from specgen.schema import Schema, json_content

__all__ = ["paths"]


def _p(name: str) -> Schema:
    """A ``$ref`` to the parameter ``name``."""
    return {"$ref": f"#/components/parameters/{name}"}


def _body(schema: str, description: str) -> Schema:
    """A required JSON request body of the component ``schema``."""
    return {"required": True, "description": description, "content": json_content(schema)}


_UPSTREAM = [
    "upstream.401",
    "upstream.429",
    "upstream.500",
    "upstream.503",
    "upstream.400",
    "upstream.404",
    "upstream.413",
    "upstream.422",
    "upstream.3xx",
    "upstream.other",
    "upstream.invalid_host",
    "upstream.bedrock.invoke_model",
    "upstream.bedrock.converse",
]
_READ = ["crud.not_found", "crud.task_type.mismatch", "envelope.filtered_config", "secrets.never_returned"]
_PUT = [
    "id_format.invalid",
    "id_format.reserved",
    "task_type.unknown",
    "task_type.any_in_body",
    "service.unsupported_task_type",
    "crud.duplicate",
    "validation_call.failed",
    "validation_call.dimensions_mismatch",
    "envelope.filtered_config",
    "secrets.never_returned",
    "chunking.default",
    "defaults.rate_limit",
    "defaults.similarity",
    "defaults.dimensions",
]
_INFER = ["crud.not_found", "input.task_type.mismatch", "streaming.chat_completion.only_stream", *_UPSTREAM]
# Operation id -> the rules (specs/rules.yaml) a conformance run exercises through it.
_OP_RULES: dict[str, list[str]] = {
    "inference-get-all": ["envelope.filtered_config", "secrets.never_returned"],
    "inference-get-all-explicit": ["envelope.filtered_config", "secrets.never_returned"],
    "inference-get": _READ,
    "inference-get-all-for-task": [
        "task_type.unknown",
        "envelope.filtered_config",
        "secrets.never_returned",
    ],
    "inference-get-task-type": ["task_type.unknown", *_READ],
    "inference-put-body-task-type": _PUT,
    "inference-put": _PUT,
    "inference-inference": _INFER,
    "inference-inference-task-type": ["task_type.unknown", *_INFER],
    "inference-delete": ["crud.not_found", "crud.delete.referenced"],
    "inference-delete-task-type": [
        "task_type.unknown",
        "crud.not_found",
        "crud.task_type.mismatch",
        "crud.delete.referenced",
    ],
    "inference-stream-completion": [
        "crud.not_found",
        "streaming.not_allowed",
        "upstream.stream_error",
        *_UPSTREAM,
    ],
    "inference-chat-completion-unified": ["crud.not_found", "streaming.not_allowed", "upstream.stream_error"],
    "inference-update": [
        "crud.not_found",
        "crud.update.task_type",
        "envelope.filtered_config",
        "secrets.never_returned",
    ],
    "inference-update-task-type": [
        "crud.not_found",
        "crud.update.task_type",
        "envelope.filtered_config",
        "secrets.never_returned",
    ],
}


def _op(op_id: str, summary: str, params: list[str], responses: dict[str, Schema], **extra: Any) -> Schema:
    """One operation, with the rules it exercises (:data:`_OP_RULES`)."""
    op: Schema = {
        "operationId": op_id,
        "summary": summary,
        "tags": ["inference"],
        "x-rules": list(_OP_RULES[op_id]),
    }
    if params:
        op["parameters"] = [_p(n) for n in params]
    op.update(extra)
    op["responses"] = responses
    return op


def _ok(name: str) -> dict[str, Schema]:
    """The ``200`` answer: the response ``name``."""
    return {"200": {"$ref": f"#/components/responses/{name}"}}


def _errors(*codes: str, response: str = "Error") -> dict[str, Schema]:
    """The error answers: each of ``codes``, ``4XX`` and ``5XX``, all the response ``response``."""
    ref = {"$ref": f"#/components/responses/{response}"}
    return {code: dict(ref) for code in (*codes, "4XX", "5XX")}


# --------------------------------------------------------------------------- routes


def paths() -> dict[str, Schema]:
    """The ``paths`` object, in document order."""
    put_path = _body("PutWithTaskTypeInPath", "One of the services; fields marked x-task-types only for those tasks.")
    put_body = _body("PutWithTaskTypeInBody", "One of the services, with `task_type` in the body.")
    infer = _body("InferenceRequest", "Input to run through the endpoint.")
    update = _body("UpdateRequest", "New secrets and/or task settings.")
    return {
        **_list_paths(),
        **_by_id_paths(put_body, infer),
        **_by_task_type_paths(put_path, infer),
        **_stream_paths(),
        **_update_paths(update),
    }


def _list_paths() -> dict[str, Schema]:
    """Listing every endpoint: ``GET /_inference`` and ``GET /_inference/_all``."""
    return {
        "/_inference": {
            "get": _op("inference-get-all", "List all endpoints", [], {**_ok("EndpointList"), **_errors("400")})
        },
        "/_inference/_all": {
            "get": _op(
                "inference-get-all-explicit",
                "List all endpoints (`_all`)",
                [],
                {**_ok("EndpointList"), **_errors("400")},
            )
        },
    }


def _by_id_paths(put_body: Schema, infer: Schema) -> dict[str, Schema]:
    """One endpoint by id (task type in the body or not checked)."""
    return {
        "/_inference/{inference_id}": {
            "get": _op(
                "inference-get",
                "Get an endpoint",
                ["InferenceIdOrAll"],
                {**_ok("EndpointList"), **_errors("400", "404")},
            ),
            "put": _op(
                "inference-put-body-task-type",
                "Create an endpoint (task_type in the body)",
                ["InferenceId", "Timeout"],
                {**_ok("EndpointInfo"), **_errors("400", "403")},
                requestBody=put_body,
            ),
            "post": _op(
                "inference-inference",
                "Perform inference",
                ["InferenceId", "Timeout"],
                {**_ok("InferenceResult"), **_errors("400", "404", "408", "429", response="InferenceError")},
                requestBody=infer,
            ),
            "delete": _op(
                "inference-delete",
                "Delete an endpoint",
                ["InferenceId", "DryRun", "Force"],
                {**_ok("DeleteResult"), **_errors("400", "404", "409")},
            ),
        },
    }


def _by_task_type_paths(put_path: Schema, infer: Schema) -> dict[str, Schema]:
    """Endpoints of a task type, and one endpoint with its task type checked."""
    return {
        "/_inference/{task_type}/_all": {
            "get": _op(
                "inference-get-all-for-task",
                "List endpoints of a task type",
                ["TaskType"],
                {**_ok("EndpointList"), **_errors("400")},
            )
        },
        "/_inference/{task_type}/{inference_id}": {
            "get": _op(
                "inference-get-task-type",
                "Get an endpoint of a task type",
                ["TaskType", "InferenceIdOrAll"],
                {**_ok("EndpointList"), **_errors("400", "404")},
            ),
            "put": _op(
                "inference-put",
                "Create an endpoint",
                ["ServiceTaskType", "InferenceId", "Timeout"],
                {**_ok("EndpointInfo"), **_errors("400", "403")},
                requestBody=put_path,
            ),
            "post": _op(
                "inference-inference-task-type",
                "Perform inference (task type checked)",
                ["InferTaskType", "InferenceId", "Timeout"],
                {**_ok("InferenceResult"), **_errors("400", "404", "408", "429", response="InferenceError")},
                requestBody=infer,
            ),
            "delete": _op(
                "inference-delete-task-type",
                "Delete an endpoint (task type checked)",
                ["TaskType", "InferenceId", "DryRun", "Force"],
                {**_ok("DeleteResult"), **_errors("400", "404", "409")},
            ),
        },
    }


def _stream_paths() -> dict[str, Schema]:
    """The streaming routes: ``_stream`` (SSE) and the unified chat completion."""
    return {
        "/_inference/{task_type}/{inference_id}/_stream": {
            "post": _op(
                "inference-stream-completion",
                "Stream a completion (SSE)",
                ["StreamTaskType", "InferenceId", "Timeout"],
                {**_ok("CompletionStream"), **_errors("400", "404", "405", response="StreamError")},
                requestBody=_body("StreamRequest", "Input to complete."),
            )
        },
        "/_inference/chat_completion/{inference_id}/_stream": {
            "post": _op(
                "inference-chat-completion-unified",
                "Unified chat completion (SSE, OpenAI-style chunks)",
                ["InferenceId", "Timeout"],
                {**_ok("ChatCompletionStream"), **_errors("400", "404", response="UnifiedError")},
                requestBody=_body("ChatCompletionRequest", "OpenAI-style chat request."),
            )
        },
    }


def _update_paths(update: Schema) -> dict[str, Schema]:
    """``_update`` of secrets and task settings."""
    return {
        "/_inference/{inference_id}/_update": {
            "put": _op(
                "inference-update",
                "Update secrets or task settings",
                ["InferenceId"],
                {**_ok("EndpointInfo"), **_errors("400", "404")},
                requestBody=update,
            )
        },
        "/_inference/{task_type}/{inference_id}/_update": {
            "put": _op(
                "inference-update-task-type",
                "Update secrets or task settings (task type checked)",
                ["ServiceTaskType", "InferenceId"],
                {**_ok("EndpointInfo"), **_errors("400", "404")},
                requestBody=update,
            )
        },
    }
