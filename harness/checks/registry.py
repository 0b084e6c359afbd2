"""The check registry, the context checks run in, and the harness's own check ids.

A check is a plain function ``(context, case, response) -> None`` that raises
:class:`~harness.errors.Failure` naming the rule it protects. :func:`register` adds one to
:data:`CHECKS` under its name; the runner's scenarios call them by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contract import Profile, RuleTable
from harness.report.redact import Redactor
from harness.target import MockHandles, Response, Target

__all__ = ["CHECKS", "HARNESS_RULES", "Check", "CheckContext", "NotApplicable", "NotChecked", "register"]


@dataclass
class CheckContext:
    """What every check may read: the profile, the rule table, the target, the mocks and the run seed.

    ``exchanges`` collects every response of the current plan item (evidence for a failure).
    """

    profile: Profile
    rules: RuleTable
    target: Target
    mocks: MockHandles
    seed: int
    redactor: Redactor
    exchanges: list[Response] = field(default_factory=list)

    def request(self, method: str, path: str, *, body: Any = None, params: dict[str, str] | None = None) -> Response:
        """Send a request to the target and keep the exchange as evidence.

        Before a PUT that plants AWS credentials, the Bedrock mock is told the key pair, so it verifies
        the target's SigV4 signatures with the configured secret (not just the access key)."""
        if method == "PUT":
            self._register_aws_credentials(body)
        response = self.target.request(method, path, body=body, params=params)
        self.exchanges.append(response)
        return response


    def _register_aws_credentials(self, body: Any) -> None:
        settings = body.get("service_settings") if isinstance(body, dict) else None
        if not isinstance(settings, dict) or "amazonbedrock" not in self.mocks:
            return
        access_key, secret_key = settings.get("access_key"), settings.get("secret_key")
        if isinstance(access_key, str) and isinstance(secret_key, str) and access_key and secret_key:
            self.mocks["amazonbedrock"].register_credentials(access_key, secret_key)


Check = Callable[..., None]
#: name -> check function.
CHECKS: dict[str, Check] = {}

#: Harness checks that are not rows of ``specs/rules.yaml``: id -> (title, source).
HARNESS_RULES: dict[str, tuple[str, str]] = {
    "check.validation_call": ("PUT makes exactly one validation call with input 'how big'",
                              "INF/services/validation/SimpleServiceIntegrationValidator.java"),
    "check.upstream_request": ("the upstream request carries the configured URL, key, model, user, dimensions and inputs in order",
                               "INF/services/*/request/*RequestEntity.java"),
    "check.embeddings_oracle": ("returned embeddings are the upstream's vectors for the inputs, in order",
                                "INF/services/openai/response/OpenAiEmbeddingsResponseEntity.java"),
    "check.no_upstream_on_read": ("GET and DELETE never call the upstream", "INF/action/TransportGetInferenceModelAction.java"),
    "check.crud_consistency": ("GET returns what PUT created; a deleted endpoint is gone from GET and the listing",
                               "INF/registry/ModelRegistry.java"),
    "check.sse_framing": ("_stream answers text/event-stream events 'event: message' + 'data: {json}' ending with [DONE]",
                          "INF/rest/ServerSentEventsRestActionListener.java"),
    "check.chunk_bounds": ("every chunk sent upstream on the semantic_text path has at most max_chunk_size words",
                           "CORE/chunking/WordBoundaryChunker.java, SentenceBoundaryChunker.java"),
}


def register(name: str) -> Callable[[Check], Check]:
    """Decorator: add a check to :data:`CHECKS` under ``name``."""

    def deco(fn: Check) -> Check:
        CHECKS[name] = fn
        return fn

    return deco


class NotChecked(Exception):
    """Raised by a check or scenario that cannot judge (e.g. no readable mock for the service)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotApplicable(Exception):
    """Raised by a scenario when the rule cannot be exercised for this service × task type."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
