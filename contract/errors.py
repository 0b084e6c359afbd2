"""Exceptions of the contract layer.

Exception tree::

    Exception
     └── RuleViolation      a request breaks one or more contract rules; carries rule ids + params,
                            rendered into the Elasticsearch error envelope through the rule table

A ``RuleViolation`` never holds a secret in its ``str``/``repr``: only rule ids are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .rules import validation_failed

if TYPE_CHECKING:
    from .profiles import Profile
    from .rules import RuleTable

__all__ = ["RuleViolation", "es_error"]


def es_error(
    status: int, error_type: str, reason: str, *, caused_by: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The Elasticsearch error envelope ``{"error": {...}, "status": N}``.

    ``caused_by`` (``{"type", "reason"[, "caused_by"]}``) nests a cause; ``root_cause`` then holds the
    innermost cause, as ES does (``ElasticsearchException.guessRootCauses``).
    """
    error: dict[str, Any] = {"root_cause": [], "type": error_type, "reason": reason}
    root = {"type": error_type, "reason": reason}
    if caused_by is not None:
        error["caused_by"] = dict(caused_by)
        inner: Mapping[str, Any] = caused_by
        while "caused_by" in inner:
            inner = inner["caused_by"]
        root = {"type": inner["type"], "reason": inner["reason"]}
    error["root_cause"] = [root]
    return {"error": error, "status": status}


class RuleViolation(Exception):
    """A request breaks contract rule ``rule_id`` (``params`` fill the rule's message template).

    Several violations of aggregated (``validation_exception``) rules can be carried at once, as
    ES's ``ValidationException`` does: use :meth:`of` or ``violations``.

    Attributes:
        rule_id: the first (or only) violated rule.
        params: its message params.
        violations: every ``(rule_id, params)`` in the order ES reports them.
        cause: optional ES error object (``{"type","reason"}``) rendered as ``caused_by``.

    Example:
        >>> err = RuleViolation("service.unknown", service="foo")
        >>> err.render(load_profile("8.18"), load_rules())[0]
        400
    """

    def __init__(self, rule_id: str, *, cause: Mapping[str, Any] | None = None, **params: Any) -> None:
        self.violations: list[tuple[str, dict[str, Any]]] = [(rule_id, dict(params))]
        self.cause = dict(cause) if cause is not None else None
        super().__init__(rule_id)

    @classmethod
    def of(cls, violations: Iterable[tuple[str, Mapping[str, Any]]]) -> RuleViolation:
        """Aggregate several ``(rule_id, params)`` into one exception (order kept)."""
        items = [(rid, dict(p)) for rid, p in violations]
        if not items:
            raise ValueError("RuleViolation.of needs at least one violation")
        err = cls(items[0][0], **items[0][1])
        err.violations = items
        return err

    @property
    def rule_id(self) -> str:
        """The first violated rule id."""
        return self.violations[0][0]

    @property
    def params(self) -> dict[str, Any]:
        """The first violation's params."""
        return self.violations[0][1]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Every violated rule id, in order."""
        return tuple(rid for rid, _ in self.violations)

    def __str__(self) -> str:
        return ", ".join(self.rule_ids)

    def __repr__(self) -> str:
        return f"RuleViolation({', '.join(repr(r) for r in self.rule_ids)})"

    def effective_rule(self, profile: Profile, rules: RuleTable) -> str:
        """The rule that decides the answer in ``profile``: the first violated rule, or its ``fallback_rule``
        param where that rule does not hold yet (``upstream.400`` is ``upstream.other`` before 9.1)."""
        fallback = self.params.get("fallback_rule")
        if fallback and profile.version not in rules.get(self.rule_id).versions:
            return str(fallback)
        return self.rule_id

    def message(self, profile: Profile, rules: RuleTable) -> tuple[int, str, str]:
        """``(status, error_type, reason)`` for ``profile``."""
        effective = self.effective_rule(profile, rules)
        if effective != self.rule_id:
            rule = rules.get(effective)
            return (
                rule.status(profile, **self.params),
                rule.outcome(profile).error_type,
                rule.format_message(profile, **self.params),
            )
        rule = rules.get(self.rule_id)
        first = rule.outcome(profile)
        status = rule.status(profile, **self.params)
        if first.aggregate:
            msgs = [rules.get(rid).format_message(profile, **p) for rid, p in self.violations]
            return status, first.error_type, validation_failed(msgs)
        return status, first.error_type, rule.format_message(profile, **self.params)

    def render(self, profile: Profile, rules: RuleTable) -> tuple[int, dict[str, Any]]:
        """``(status, envelope)``: the ES error envelope (or the unified chat-completion error
        object ``{"error": {"code","message","type"}}`` for rules whose format is ``unified``, the REST layer's
        ``{"error": reason, "status": N}`` for ``simple`` and ``{"error": reason}`` for ``bare``)."""
        status, error_type, reason = self.message(profile, rules)
        form = rules.get(self.effective_rule(profile, rules)).outcome(profile).format
        if form == "unified":
            return status, unified_error(status, error_type, reason)
        if form == "simple":  # RestResponse#createSimpleErrorResponse
            return status, {"error": reason, "status": status}
        if form == "bare":  # RestController#handleBadRequest ("no handler found"): no status field
            return status, {"error": reason}
        return status, es_error(status, error_type, reason, caused_by=self.cause)


_STATUS_NAMES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "request_entity_too_large",
    422: "unprocessable_entity",
    429: "too_many_requests",
    500: "internal_server_error",
    503: "service_unavailable",
}


def unified_error(status: int, error_type: str, reason: str) -> dict[str, Any]:
    """The OpenAI-style error object used on the unified chat-completion route
    (``CORE/results/UnifiedChatCompletionException.java``): code = lowercase status name."""
    return {"error": {"code": _STATUS_NAMES.get(status, str(status)), "message": reason, "type": error_type}}
