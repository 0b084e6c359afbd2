"""Exceptions raised by the harness (the contract layer has its own ``RuleViolation``).

::

    HarnessError                   anything that stops a run before it can judge the target (exit code 2)
     ├── ConfigError               bad command-line options or environment (unknown version, bad URL, …)
     ├── TargetUnreachable         the target (or a mock admin API) did not answer over HTTP
     └── DependencyMissing         a part of the project the run needs is not installed / not importable

    Failure                        a check saw the target break a rule (one result, never a crash)
    NotChecked                     a check could not judge (no readable mock, a journal it cannot read)

A :class:`HarnessError` carries a one-line ``reason`` that the CLI prints without a traceback.
A :class:`Failure` carries the rule id, a title, what was expected and what was seen; its message never
holds a secret (the runner redacts everything it reports).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ConfigError", "DependencyMissing", "Failure", "HarnessError", "NotChecked", "TargetUnreachable"]


class HarnessError(Exception):
    """The run cannot judge the target; ``reason`` is one line for the user."""

    exit_code = 2

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason.splitlines()[0] if reason else type(self).__name__


class ConfigError(HarnessError):
    """Invalid options: unknown version, malformed URL or ``user:password``, unknown report format."""


class TargetUnreachable(HarnessError):
    """The target or a mock did not answer (connection refused, DNS, timeout)."""


class DependencyMissing(HarnessError):
    """A module the run needs (mocks, reference target, rule table) cannot be imported."""


class Failure(AssertionError):
    """A check found a contract violation.

    Args:
        rule_id: the rule broken (an id of ``specs/rules.yaml`` or a harness ``schema.*`` / check id).
        title: one line naming the property, e.g. ``"secret returned in response"``.
        expected: what the contract says (short, JSON-able).
        seen: what the target did (short, JSON-able).
        replay: a command that reproduces the request (set by the runner when empty).
        response: the exchange with the target the failure is about (a ``harness.target.Response``; set by
            the checks that judge one): the runner's evidence ends with it, and it is the one replayed.
    """

    def __init__(
        self,
        rule_id: str,
        title: str,
        *,
        expected: Any = None,
        seen: Any = None,
        replay: str = "",
        response: Any = None,
    ) -> None:
        super().__init__(f"[{rule_id}] {title}: expected {expected!r}, seen {seen!r}")
        self.rule_id = rule_id
        self.title = title
        self.expected = expected
        self.seen = seen
        self.replay = replay
        self.response = response


class NotChecked(Exception):
    """Raised by a check or scenario that cannot judge (no readable mock for the service, a mock's admin API
    that stopped answering mid-run): the result is ``not checked`` with ``reason``, never failed or passed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
