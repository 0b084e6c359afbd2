"""What a check reads, what a scenario may raise besides a failure, and the harness's own check ids.

A check is a pure function ``(ctx, rule_id, ...) -> None`` (in :mod:`harness.checks.responses`,
:mod:`harness.checks.upstream` and :mod:`harness.checks.security`) that reads only the profile and the rule
table of ``ctx`` (an :class:`Oracle`) and the data it is given, and raises :class:`~harness.errors.Failure`
naming the rule it protects. A scenario (:data:`harness.scenarios.sending.SCENARIOS`, the registry that
drives a run) is a sending step, which does the I/O through a :class:`~harness.scenarios.context.CheckContext`
and returns what happened as plain data, and a judge, which gets a :class:`JudgeContext` and that data and calls
the checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from contract import Profile, RuleTable
from harness.errors import NotChecked

__all__ = ["HARNESS_RULES", "JudgeContext", "NotApplicable", "NotChecked", "Oracle"]


class Oracle(Protocol):
    """What a check reads: the version profile and the rule table (a :class:`JudgeContext`; a scenario's
    :class:`~harness.scenarios.context.CheckContext` holds them too)."""

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
