"""Minimal index API of the reference target, enough for the ``semantic_text`` ingest path (es-inference.md §4.1).

``PUT /{index}`` with ``mappings.properties.<field>: {"type": "semantic_text", "inference_id": …}``;
``PUT|POST /{index}/_doc/{id}`` and ``POST /{index}/_doc`` chunk each semantic_text value with the
endpoint's ``chunking_settings`` and embed the chunks through the upstream (batched per service);
``GET /{index}/_doc/{id}`` returns the document (``_source_exclude_vectors=false`` adds the
``_inference_fields`` with chunk offsets and embeddings, ES's 8.18+ format); ``DELETE /{index}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from contract import java_str
from contract.errors import RuleViolation
from mocks.reference import _http, chunking
from mocks.reference._handlers import Handlers

if TYPE_CHECKING:
    from contract.config import EndpointConfig

__all__ = ["IndexHandlers"]

#: ``SemanticTextFieldMapper`` default when a semantic_text field names no inference_id (8.x ELSER endpoint).
DEFAULT_SEMANTIC_INFERENCE_ID = ".elser-2-elasticsearch"
_INVALID_START = ("_", "-", "+")
_INVALID_CHARS = '\\/*?"<>| ,#:'


def _check_index_name(index: str) -> None:
    # MetadataCreateIndexService.validateIndexOrAliasName
    if index != index.lower():
        raise RuleViolation("index.invalid_name", index=index, detail="must be lowercase")
    if index.startswith(_INVALID_START):
        raise RuleViolation("index.invalid_name", index=index, detail="must not start with '_', '-', or '+'")
    if any(c in _INVALID_CHARS for c in index):
        raise RuleViolation(
            "index.invalid_name",
            index=index,
            detail='must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]',
        )


def _semantic_fields(mappings: Any) -> dict[str, str]:
    properties = mappings.get("properties", {}) if isinstance(mappings, dict) else {}
    fields: dict[str, str] = {}
    if isinstance(properties, dict):
        for name, spec in properties.items():
            if isinstance(spec, dict) and spec.get("type") == "semantic_text":
                fields[name] = str(spec.get("inference_id", DEFAULT_SEMANTIC_INFERENCE_ID))
    return fields


class IndexHandlers(Handlers):
    """Mixin of :class:`~mocks.reference.app.ReferenceApp`: the index and document routes."""

    def next_doc_id(self) -> str:  # provided by the app
        raise NotImplementedError

    def _wrong_task_type(self, endpoint: EndpointConfig) -> str:
        """The ``IllegalArgumentException`` text ``MapperService`` wraps: the rule's message past its prefix."""
        rule = self.rules.get("index.semantic_text.task_type")
        message = rule.format_message(self.profile, task_type_name=endpoint.task_type.upper())
        return message.removeprefix("Failed to parse mapping: ")

    def _index_or_404(self, index: str) -> dict[str, Any]:
        info = self.store.index(index)
        if info is None:
            raise RuleViolation("index.not_found", index=index)
        return info

    def on_index_create(self, request: Request, index: str) -> Response:
        """``PUT /{index}`` with optional ``mappings``."""
        _check_index_name(index)
        body = _http.parse_json_body(request, required=False) or {}
        mappings = body.get("mappings", {}) if isinstance(body, dict) else {}
        existing = self.store.index(index)
        if existing is not None:
            raise RuleViolation("index.already_exists", index=index, uuid=existing["uuid"])
        if (
            self.store.create_index(index, mappings if isinstance(mappings, dict) else {}, _semantic_fields(mappings))
            is None
        ):
            info = self._index_or_404(index)
            raise RuleViolation("index.already_exists", index=index, uuid=info["uuid"])
        return _http.es_json(request, {"acknowledged": True, "shards_acknowledged": True, "index": index})

    def on_index_get(self, request: Request, index: str) -> Response:
        """``GET /{index}``: mappings and a minimal settings block."""
        info = self._index_or_404(index)
        settings = {"index": {"uuid": info["uuid"], "number_of_shards": "1", "number_of_replicas": "1"}}
        return _http.es_json(request, {index: {"aliases": {}, "mappings": info["mappings"], "settings": settings}})

    def on_index_delete(self, request: Request, index: str) -> Response:
        """``DELETE /{index}``."""
        if not self.store.delete_index(index):
            raise RuleViolation("index.not_found", index=index)
        return _http.es_json(request, {"acknowledged": True})

    def on_doc_create(self, request: Request, index: str) -> Response:
        """``POST /{index}/_doc``: index with an auto-generated id."""
        return self._index_doc(request, index, self.next_doc_id())

    def on_doc_put(self, request: Request, index: str, doc_id: str) -> Response:
        """``PUT|POST /{index}/_doc/{id}``."""
        return self._index_doc(request, index, doc_id)

    def _index_doc(self, request: Request, index: str, doc_id: str) -> Response:
        body = _http.parse_json_body(request)
        if not isinstance(body, dict):
            raise RuleViolation("body.not_object", line=1, column=1, parser="document", token="START_ARRAY")
        info = self.store.index(index)
        if info is None:
            _check_index_name(index)
            self.store.create_index(index, {}, {})
            info = self._index_or_404(index)
        inference: dict[str, Any] = {}
        for field, inference_id in info["semantic_fields"].items():
            if field not in body or body[field] is None:
                continue
            inference[field] = self._infer_field(field, inference_id, body[field], doc_id)
        result = self.store.put_doc(index, doc_id, body, inference)
        if result is None:
            raise RuleViolation("index.not_found", index=index)
        return _http.es_json(
            request,
            {
                "_index": index,
                "_id": doc_id,
                "_version": result.version,
                "result": result.result,
                "_shards": {"total": 2, "successful": 1, "failed": 0},
                "_seq_no": result.seq_no,
                "_primary_term": 1,
            },
            201 if result.result == "created" else 200,
        )

    def _infer_field(self, field: str, inference_id: str, value: Any, doc_id: str) -> dict[str, Any]:
        # SemanticTextUtils#nodeStringValues: strings, numbers and booleans (or a list of them), numbers and
        # booleans as their toString(); anything else names the class of the whole value
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(t, (str, int, float)) for t in items):
            raise RuleViolation(
                "index.semantic_text.value",
                field=field,
                doc_id=doc_id,
                java_class="ArrayList" if isinstance(value, list) else "HashMap",
                detail=f"[1:1] failed to parse field [{field}] of type [semantic_text] in document with id '{doc_id}'.",
            )
        texts = [t if isinstance(t, str) else java_str(t) for t in items]
        try:
            endpoint = self._lookup(inference_id)
        except RuleViolation:
            raise RuleViolation(
                "index.semantic_text.inference_id_not_found", inference_id=inference_id, field=field
            ) from None
        if endpoint.task_type != "text_embedding":
            # SemanticTextFieldMapper#validateServiceSettings refuses the endpoint's model settings when the mapping
            # takes them (MapperService wraps it: "Failed to parse mapping: ..."); the task type printed is name()
            raise RuleViolation(
                "index.semantic_text.task_type",
                cause={"type": "illegal_argument_exception", "reason": self._wrong_task_type(endpoint)},
                field=field,
                task_type_name=endpoint.task_type.upper(),
            )
        settings = endpoint.chunking_settings or self.profile.chunking_default
        offsets: list[tuple[int, int]] = []
        pieces: list[str] = []
        for text in texts:
            spans = [(o.start, o.end) for o in chunking.chunk_offsets(text, settings)] or [(0, len(text))]
            offsets.extend(spans)
            pieces.extend(text[s:e] for s, e in spans)
        embeddings = self.upstream.embed_chunks(endpoint, pieces) if pieces else []
        chunks = [
            {"start_offset": s, "end_offset": e, "embeddings": v}
            for (s, e), v in zip(offsets, embeddings, strict=False)
        ]
        settings_out = endpoint.service_settings
        model_settings = {
            "task_type": endpoint.task_type,
            "dimensions": settings_out.get("dimensions", len(embeddings[0]) if embeddings else None),
            "similarity": settings_out.get(
                "similarity", self.profile.similarity_default(endpoint.service, settings_out.get("provider"))
            ),
            "element_type": "float",
        }
        return {
            "inference": {
                "inference_id": inference_id,
                "model_settings": model_settings,
                "chunks": {field: chunks},
            }
        }

    def on_doc_get(self, request: Request, index: str, doc_id: str) -> Response:
        """``GET /{index}/_doc/{id}`` (``found: false`` with 404 for a missing document)."""
        self._index_or_404(index)
        doc = self.store.get_doc(index, doc_id)
        if doc is None:
            return _http.es_json(request, {"_index": index, "_id": doc_id, "found": False}, 404)
        source = doc["_source"]
        if request.args.get("_source_exclude_vectors") == "false" and doc["_inference_fields"]:
            source = {**source, "_inference_fields": doc["_inference_fields"]}
        return _http.es_json(
            request,
            {
                "_index": index,
                "_id": doc_id,
                "_version": doc["_version"],
                "_seq_no": doc["_seq_no"],
                "_primary_term": 1,
                "found": True,
                "_source": source,
            },
        )
