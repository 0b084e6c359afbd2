"""The contexts checks run in, and the harness's own check ids.

A check is a pure function ``(ctx, rule_id, ...) -> None`` (in :mod:`harness.checks.responses`,
:mod:`harness.checks.upstream` and :mod:`harness.checks.security`) that reads only the profile and the rule
table of ``ctx`` (an :class:`Oracle`) and the data it is given, and raises :class:`~harness.errors.Failure`
naming the rule it protects. A scenario (:data:`harness.checks.sending.SCENARIOS`, the registry that
drives a run) is a sending step, which does the I/O through a :class:`CheckContext` and returns what
happened as plain data, and a judge, which gets a :class:`JudgeContext` and that data and calls the checks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from contract import SECRET_FIELDS, Profile, RuleTable
from harness.errors import Failure, NotChecked
from harness.report.redact import Redactor
from harness.target import MockHandles, Response, Target

__all__ = ["HARNESS_RULES", "CheckContext", "JudgeContext", "NotApplicable", "NotChecked", "Oracle"]


class Oracle(Protocol):
    """What a check reads: the version profile and the rule table (a :class:`JudgeContext`; a
    :class:`CheckContext` holds them too)."""

    @property
    def profile(self) -> Profile: ...

    @property
    def rules(self) -> RuleTable: ...


@dataclass(frozen=True)
class JudgeContext:
    """What a scenario's judge gets besides the data its sending step returned: no target, no mocks, so a
    judge cannot send anything."""

    profile: Profile
    rules: RuleTable


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

        Before a PUT (create or ``_update``) that plants secrets, the service's mock learns them: the
        Bedrock mock the AWS key pair (so it verifies the target's SigV4 signatures with the configured
        secret, not just the access key), an OpenAI / Azure mock that restricts keys the API key or Entra
        token. External mocks forget them at the end of the run."""
        if method == "PUT":
            self.register_secrets(body)
        response = self.target.request(method, path, body=body, params=params)
        self.exchanges.append(response)
        return response

    def evidence(self, failure: Failure) -> list[Response]:
        """The exchanges so far, up to the one ``failure`` is about (all of them when it names none): a
        scenario sends its whole plan before it is judged, so the evidence stops where the failure is."""
        for i in range(len(self.exchanges) - 1, -1, -1):
            if self.exchanges[i] is failure.response:
                return self.exchanges[: i + 1]
        return list(self.exchanges)

    @property
    def judge_context(self) -> JudgeContext:
        """The profile and the rule table alone, for a scenario's judge."""
        return JudgeContext(self.profile, self.rules)

    @contextlib.contextmanager
    def fault(self, service: str, spec: dict[str, Any]) -> Iterator[None]:
        """Inject ``spec`` into ``service``'s mock for the duration of the block, then remove it (even on error).

        >>> with ctx.fault("openai", {"kind": "http_error", "status": 429, "key": case.key}):
        ...     resp = ctx.request("POST", case.path, body=body)
        """
        handle = self.mocks[service]
        fault_id = handle.add_fault(spec)
        try:
            yield
        finally:
            handle.remove_fault(fault_id)

    def register_secrets(self, body: Any) -> None:
        """Tell the mock of ``body["service"]`` the secrets of ``body["service_settings"]`` (see :meth:`request`)."""
        settings = body.get("service_settings") if isinstance(body, dict) else None
        service = body.get("service") if isinstance(body, dict) else None
        if not isinstance(settings, dict):
            return
        # every secret a PUT plants is redacted, also one a mutation adds beside the case's own (secrets.azure.both)
        self.redactor.also(*(v for k, v in settings.items() if k in SECRET_FIELDS and isinstance(v, str) and v))
        access_key, secret_key = settings.get("access_key"), settings.get("secret_key")
        if service is None and isinstance(access_key, str):
            service = "amazonbedrock"  # an _update body names no service: AWS keys are Bedrock's
        if service is None:  # an _update body with an API key: any mock that restricts keys learns it
            handles = list(self.mocks.values())
        else:
            handles = [self.mocks[service]] if isinstance(service, str) and service in self.mocks else []
        for handle in handles:
            if isinstance(access_key, str) and isinstance(secret_key, str) and access_key and secret_key:
                handle.register_credentials(access_key, secret_key)
            for name in ("api_key", "entra_id"):
                secret = settings.get(name)
                if isinstance(secret, str) and secret:
                    handle.register_key(secret)


#: Where Elasticsearch's inference plugin lives in the ``elastic/elasticsearch`` repository (8.18 to main).
_INF = "elastic/elasticsearch: x-pack/plugin/inference/src/main/java/org/elasticsearch/xpack/inference/"

#: Harness checks that are not rows of ``specs/rules.yaml``: id -> (title, source in elastic/elasticsearch).
HARNESS_RULES: dict[str, tuple[str, str]] = {
    "check.validation_call": (
        "PUT makes exactly one validation call with input 'how big'",
        _INF + "services/validation/SimpleServiceIntegrationValidator.java",
    ),
    "check.upstream_request": (
        "the upstream request carries the configured URL, key, model, user, dimensions and inputs in order",
        _INF + "services/*/request/*RequestEntity.java",
    ),
    "check.embeddings_oracle": (
        "returned embeddings are the upstream's vectors for the inputs, in order",
        _INF + "services/openai/response/OpenAiEmbeddingsResponseEntity.java",
    ),
    "check.no_upstream_on_read": (
        "GET and DELETE never call the upstream",
        _INF + "action/TransportGetInferenceModelAction.java",
    ),
    "check.crud_consistency": (
        "GET returns what PUT created; a deleted endpoint is gone from GET and the listing",
        _INF + "registry/ModelRegistry.java",
    ),
    "check.sse_framing": (
        "_stream answers text/event-stream events 'event: message' + 'data: {json}' ending with [DONE]",
        _INF + "rest/ServerSentEventsRestActionListener.java",
    ),
    "check.update": (
        (
            "a valid _update (new secrets, task settings, rate limit) answers the filtered merged endpoint "
            "without secrets, GET shows the same, and the next upstream call uses the new key and settings"
        ),
        _INF + "action/TransportUpdateInferenceModelAction.java",
    ),
    "check.update_invalid": (
        "an _update body breaking one rule gets that rule's error and changes nothing",
        _INF + "action/TransportUpdateInferenceModelAction.java",
    ),
    "check.chunk_bounds": (
        "every chunk sent upstream on the semantic_text path has at most max_chunk_size words",
        _INF + "chunking/WordBoundaryChunker.java, " + _INF + "chunking/SentenceBoundaryChunker.java",
    ),
}


class NotApplicable(Exception):
    """Raised by a scenario when the rule cannot be exercised for this service × task type."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
