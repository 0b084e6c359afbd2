"""The ``_inference`` endpoint routes of the reference target: ``GET``, ``PUT``, ``PUT …/_update`` and ``DELETE``.

Each handler parses with the contract's validators (:mod:`contract.validate`), makes the validation call a
``PUT`` makes upstream, and keeps endpoints in the store; every error is a :class:`~contract.RuleViolation`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from contract import validate
from contract.errors import RuleViolation
from mocks.reference import _http
from mocks.reference._handlers import Handlers

if TYPE_CHECKING:
    from contract.config import EndpointConfig

__all__ = ["EndpointHandlers"]


class EndpointHandlers(Handlers):
    """Mixin of :class:`~mocks.reference.app.ReferenceApp`: the endpoint routes (list, get, create, update,
    delete)."""

    # ------------------------------------------------------------------ GET
    def on_get_all(self, request: Request) -> Response:
        """``GET /_inference``: every endpoint."""
        return self._listing(request, None)

    def on_get(self, request: Request, inference_id: str, task_type: str | None = None) -> Response:
        """``GET /_inference[/{task_type}]/{id}`` (``_all`` or ``*`` lists)."""
        requested = self._url_task_type(task_type)
        if inference_id in ("_all", "*"):
            return self._listing(request, None if requested == "any" else requested)
        endpoint = self.store.get(inference_id)
        if endpoint is None:
            raise RuleViolation("crud.not_found", inference_id=inference_id)
        if requested not in ("any", endpoint.task_type):
            raise RuleViolation("crud.task_type.mismatch", requested=requested, actual=endpoint.task_type)
        return _http.es_json(request, {self.profile.get_list_key: [endpoint.to_filtered_dict(self.profile)]})

    def _listing(self, request: Request, task_type: str | None) -> Response:
        endpoints = [e for e in self.store.list() if task_type is None or e.task_type == task_type]
        return _http.es_json(
            request, {self.profile.get_list_key: [e.to_filtered_dict(self.profile) for e in endpoints]}
        )

    # ------------------------------------------------------------------ PUT
    def on_put(self, request: Request, inference_id: str, task_type: str | None = None) -> Response:
        """``PUT /_inference[/{task_type}]/{id}``: parse, validation call, duplicate check, store."""
        if task_type is not None:
            validate.parse_task_type(task_type, self.profile.known_task_types)
        body = _http.parse_json_body(request)
        # TransportPutInferenceModelAction reads the body with parser.map(): a non-object body is an empty map
        config = validate.parse_put(
            self.profile,
            url_task_type=task_type,
            inference_id=inference_id,
            body=body if isinstance(body, dict) else {},
        )
        self._use_secrets(config)
        if not self.config.skip_validation:
            config = self._validation_call(config)
        if not self.store.create(config):
            raise RuleViolation("crud.duplicate", inference_id=inference_id)
        return _http.es_json(request, config.to_filtered_dict(self.profile))

    def _validation_call(self, config: EndpointConfig) -> EndpointConfig:
        try:
            size = self.upstream.validate(config)
        except RuleViolation as err:
            raise RuleViolation("validation_call.failed", cause=self._cause(err)) from None
        if config.task_type == "text_embedding" and size is not None:
            return config.with_embedding_size(self.profile, int(size))
        return config

    def _cause(self, err: RuleViolation) -> dict[str, Any]:
        """The ``caused_by`` of a failed validation call: the upstream error as Elasticsearch renders it."""
        _, body = err.render(self.profile, self.rules)
        error = body.get("error", {})
        if isinstance(error, dict) and "reason" in error:
            return {k: v for k, v in error.items() if k != "root_cause"}
        return {"type": error.get("type", "exception"), "reason": error.get("message", "")}

    def on_update(self, request: Request, inference_id: str, task_type: str | None = None) -> Response:
        """``PUT /_inference[/{task_type}]/{id}/_update``: new task settings, secrets or rate limit."""
        if task_type is not None:
            validate.parse_task_type(task_type, self.profile.known_task_types)
        body = _http.parse_json_body(request)
        # the body's keys and the task type are checked before the endpoint is looked up
        requested, config = validate.parse_update_request(task_type, body, self.profile.known_task_types)
        existing = self._lookup(inference_id)
        updated = validate.parse_update(self.profile, existing, requested, config)
        self._use_secrets(updated)
        if not self.store.replace(updated):
            raise RuleViolation("crud.not_found", inference_id=inference_id)
        return _http.es_json(request, updated.to_filtered_dict(self.profile))

    # ------------------------------------------------------------------ DELETE
    def on_delete(self, request: Request, inference_id: str, task_type: str | None = None) -> Response:
        """``DELETE /_inference[/{task_type}]/{id}`` with ``dry_run`` / ``force``."""
        requested = self._url_task_type(task_type)
        dry_run = _http.bool_param(request, "dry_run")
        force = _http.bool_param(request, "force")
        endpoint = self.store.get(inference_id)
        if endpoint is None:
            raise RuleViolation("crud.not_found", inference_id=inference_id)
        if requested not in ("any", endpoint.task_type):
            raise RuleViolation("crud.task_type.mismatch", requested=requested, actual=endpoint.task_type)
        indexes = self.store.indexes_using(inference_id)
        detail = _referenced_detail(inference_id, indexes)
        if dry_run:  # DeleteInferenceEndpointAction.Response: error_message always, "" when nothing refers to it
            body: dict[str, Any] = {"acknowledged": False, "pipelines": [], "indexes": indexes, "error_message": detail}
            return _http.es_json(request, body)
        if indexes and not force:
            raise RuleViolation("crud.delete.referenced", detail=detail, inference_id=inference_id)
        if not self.store.delete(inference_id):
            raise RuleViolation("crud.not_found", inference_id=inference_id)
        return _http.es_json(request, {"acknowledged": True, "pipelines": [], "indexes": []})


def _referenced_detail(inference_id: str, indexes: list[str]) -> str:
    if not indexes:
        return ""
    return (
        f" Inference endpoint {inference_id} is being used in the mapping for indexes: [{', '.join(indexes)}]. "
        "Ensure that no index mappings are using this inference endpoint, or use force to ignore this warning "
        "and delete the inference endpoint."
    )
