"""The data the generators produce: a valid endpoint (:class:`EndpointCase`) and a request that breaks
exactly one rule (:class:`InvalidCase`). Plain data, no I/O."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from contract import SECRET_FIELDS
from mocks.core.secrets import fingerprint

__all__ = ["SECRET_FIELDS", "EndpointCase", "InvalidCase"]


@dataclass
class EndpointCase:
    """A valid endpoint configuration for one service × task type.

    Attributes:
        service / task_type / inference_id: what the PUT creates (``PUT /_inference/{task_type}/{id}``).
        body: the PUT body (``service``, ``service_settings`` with the canary secrets, optional
            ``task_settings`` and ``chunking_settings``).
        inputs: texts for a POST inference (one for completion).
    """

    service: str
    task_type: str
    inference_id: str
    body: dict[str, Any]
    inputs: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        """``/_inference/{task_type}/{inference_id}``."""
        return f"/_inference/{self.task_type}/{self.inference_id}"

    @property
    def settings(self) -> dict[str, Any]:
        """``service_settings`` of the body."""
        return dict(self.body.get("service_settings") or {})

    @property
    def task_settings(self) -> dict[str, Any]:
        """``task_settings`` of the body (``{}`` when absent)."""
        return dict(self.body.get("task_settings") or {})

    @property
    def secrets(self) -> dict[str, str]:
        """Secret field -> canary value planted in this case."""
        return {k: v for k, v in self.settings.items() if k in SECRET_FIELDS and isinstance(v, str)}

    @property
    def auth_secret(self) -> str:
        """The secret the target must authenticate upstream with (api_key, entra_id or access_key)."""
        s = self.secrets
        return s.get("api_key") or s.get("entra_id") or s.get("access_key") or ""

    @property
    def key(self) -> str:
        """Fingerprint of :attr:`auth_secret`: how the mocks' journals name this case's calls."""
        return fingerprint(self.auth_secret)

    def __repr__(self) -> str:  # canaries are secrets too: never in a repr
        settings = {k: ("<secret>" if k in SECRET_FIELDS else v) for k, v in self.settings.items()}
        return (
            f"EndpointCase({self.service}/{self.task_type}/{self.inference_id}, service_settings={settings}, "
            f"task_settings={self.task_settings})"
        )

    def copy(self) -> EndpointCase:
        """A deep copy (mutations never touch the original)."""
        return copy.deepcopy(self)

    def uniquify(self, token: str) -> EndpointCase:
        """Make the id and every canary unique to this case by appending ``token`` (returns ``self``)."""
        self.inference_id = f"{self.inference_id}-{token}"[:120]
        settings = self.body.get("service_settings") or {}
        for name in SECRET_FIELDS:
            if isinstance(settings.get(name), str):
                settings[name] = settings[name] + token.replace("-", "").upper()
        return self


@dataclass
class InvalidCase:
    """A request that breaks exactly one rule, derived from a valid :class:`EndpointCase`.

    Attributes:
        rule_id: the rule broken; params: the values its message is rendered with.
        method / path / body: the request (body ``None`` = no body).
        base: the valid case it was derived from (its canaries are still in ``body``).
        note: what was changed, for reports.
    """

    rule_id: str
    method: str
    path: str
    body: Any
    params: dict[str, Any]
    base: EndpointCase
    note: str = ""

    def __repr__(self) -> str:
        return f"InvalidCase({self.rule_id}: {self.method} {self.path}, {self.note}, base={self.base!r})"
