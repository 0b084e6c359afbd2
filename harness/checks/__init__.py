"""Oracle checks: pure functions raising :class:`~harness.errors.Failure` with a rule id, reading only the version
profile and the rule table (an :class:`~harness.checks.registry.Oracle`) and the data they are given: responses
(:mod:`~harness.checks.responses`), upstream calls (:mod:`~harness.checks.upstream`), SSE streams
(:mod:`~harness.checks.sse`) and the security rules' answers (:mod:`~harness.checks.security`). The scenarios that
send the requests and call them are in :mod:`harness.scenarios`."""

from harness.checks.registry import HARNESS_RULES, JudgeContext, NotApplicable, NotChecked, Oracle
from harness.checks.responses import (
    error_envelope,
    expected_error,
    filtered_config,
    secrets_absent,
    status_is,
)
from harness.checks.upstream import embeddings_match, request_matches, sse_events, validation_call

__all__ = [
    "HARNESS_RULES",
    "JudgeContext",
    "NotApplicable",
    "NotChecked",
    "Oracle",
    "embeddings_match",
    "error_envelope",
    "expected_error",
    "filtered_config",
    "request_matches",
    "secrets_absent",
    "sse_events",
    "status_is",
    "validation_call",
]
