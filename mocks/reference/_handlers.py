"""``Handlers``: the base of the reference target's route handlers.

:class:`~mocks.reference.app.ReferenceApp` sets the state; its handler mixins (:mod:`._endpoints`,
:mod:`._inference`, :mod:`._indexes`) read it, and look endpoints up here so that every secret an answer could
echo is scrubbed from it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from contract import validate
from contract.errors import RuleViolation

if TYPE_CHECKING:
    from contract.config import EndpointConfig
    from contract.profiles import Profile
    from contract.rules import RuleTable
    from mocks.reference.config import ReferenceConfig
    from mocks.reference.store import Store

__all__ = ["Handlers", "SecretsInUse"]


class SecretsInUse(threading.local):
    """The secrets of the endpoints the current request (this thread's) used: scrubbed from its answer."""

    values: tuple[str, ...] = ()


class Handlers:
    """The state every route handler reads, set by :class:`~mocks.reference.app.ReferenceApp`.

    Attributes:
        config: the :class:`~mocks.reference.config.ReferenceConfig`.
        profile / rules: the version profile and the rule table every answer is rendered through.
        store: endpoints, secrets and indexes.
        upstream: the provider client (``embed``, ``embed_chunks``, ``complete``, ``stream_completion``,
            ``unified_chat_stream``, ``validate``).
        errors: unexpected exceptions caught while serving (re-raised by ``ReferenceServer``).
    """

    config: ReferenceConfig
    profile: Profile
    rules: RuleTable
    store: Store
    upstream: Any
    errors: list[BaseException]
    _secrets: SecretsInUse

    def _url_task_type(self, task_type: str | None) -> str:
        """The URL's task type as ``TaskType.fromStringOrStatusException`` reads it (``any`` when absent)."""
        return validate.parse_task_type(task_type, self.profile.known_task_types) if task_type is not None else "any"

    def _use_secrets(self, endpoint: EndpointConfig) -> None:
        self._secrets.values = self._secrets.values + tuple(v for v in endpoint.secrets.values() if v)

    def _lookup(self, inference_id: str) -> EndpointConfig:
        endpoint = self.store.with_secrets(inference_id)
        if endpoint is None:
            raise RuleViolation("crud.not_found", inference_id=inference_id)
        self._use_secrets(endpoint)
        return endpoint
