"""What executing an item needs, built once per process: the run's options, the version profile, the rule table,
the target, the mocks, the redactor holding every secret, and the listeners to tell."""

from __future__ import annotations

from dataclasses import dataclass, field

from contract import Profile, RuleTable, load_profile, load_rules
from harness.config import RunConfig
from harness.engine.events import Events
from harness.environment import Environment
from harness.mock_handles import MockHandles
from harness.report.redact import Redactor
from harness.scenarios.context import CheckContext
from harness.target import Target

__all__ = ["Session", "open_session"]


@dataclass
class Session:
    """One process's view of a run (the parent's, or a worker process's own copy)."""

    config: RunConfig
    profile: Profile
    rules: RuleTable
    target: Target
    mocks: MockHandles
    redactor: Redactor
    events: Events = field(default_factory=Events)

    def context(self) -> CheckContext:
        """A fresh :class:`CheckContext` (its own evidence list) telling the listeners what it plants."""
        return CheckContext(
            self.profile,
            self.rules,
            self.target,
            self.mocks,
            self.config.seed,
            self.redactor,
            planted=self.events.secrets_planted,
        )


def open_session(config: RunConfig, env: Environment, events: Events | None = None) -> Session:
    """The session of ``config`` (profile, seed, rules, examples) on ``env``'s target and mocks; its redactor
    knows the configured secrets, the environment's own and the target's ``Authorization`` (a target may echo
    it: never in a report)."""
    redactor = Redactor(config.secrets())
    auth = env.target.headers().get("Authorization", "")
    redactor.add(*env.secrets, auth, auth.partition(" ")[2])
    return Session(
        config,
        load_profile(config.es_version),
        load_rules(),
        env.target,
        env.mocks,
        redactor,
        events or Events(),
    )
