"""Oracle checks (pure functions raising :class:`~harness.errors.Failure` with a rule id) and the scenarios
(their registry, :data:`SCENARIOS`) that exercise each rule against a target: a sending step that returns plain
data, and a pure judge of that data (:mod:`harness.checks.sending`)."""

from harness.checks import (  # noqa: F401 - register their scenarios
    scenarios,
    scenarios_faults,
    scenarios_inference,
    scenarios_requests,
    scenarios_rest,
    scenarios_security,
    scenarios_update,
)
from harness.checks.registry import HARNESS_RULES, CheckContext, JudgeContext, NotApplicable, NotChecked
from harness.checks.responses import (
    error_envelope,
    expected_error,
    filtered_config,
    secrets_absent,
    status_is,
)
from harness.checks.sending import SCENARIOS
from harness.checks.upstream import embeddings_match, request_matches, sse_events, validation_call

__all__ = [
    "HARNESS_RULES",
    "SCENARIOS",
    "CheckContext",
    "JudgeContext",
    "NotApplicable",
    "NotChecked",
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
