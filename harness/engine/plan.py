"""The plan of a run: one :class:`PlanItem` per (rule, service, task type) selected, then the passes (the state
machine and the schema pass) as items of their own.

Rules of the table come first (in table order), then the harness checks (``check.*``); a rule that does not
hold for a combination is a ``not_applicable`` item (it costs nothing to run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from contract import Profile, RuleTable, load_rules
from harness.checks import HARNESS_RULES
from harness.errors import ConfigError
from harness.selection import schema_selected, selected

__all__ = [
    "SCHEMA_ID",
    "STATEFUL_ID",
    "PlanItem",
    "check_rule_patterns",
    "known_rule_ids",
    "pass_items",
    "plan",
]

#: the state machine's rule id
STATEFUL_ID = "stateful.crud"
#: the id the schema pass is planned under (it reports one ``schema.<operationId>`` result per operation)
SCHEMA_ID = "schema.all"

ItemKind = Literal["rule", "stateful", "schema"]


@dataclass(frozen=True)
class PlanItem:
    """One thing to judge: a (rule, service, task type), or a pass (``kind``: ``stateful`` or ``schema``,
    without service and task type). ``not_applicable`` holds the reason a rule item is not run."""

    rule_id: str
    service: str | None
    task_type: str | None
    title: str
    not_applicable: str = ""
    kind: ItemKind = "rule"

    @property
    def key(self) -> str:
        """``rule/service/task_type`` (it seeds a rule item's generation); a pass's rule id."""
        return f"{self.rule_id}/{self.service}/{self.task_type}" if self.kind == "rule" else self.rule_id


def plan(profile: Profile, rules: RuleTable, patterns: tuple[str, ...] = ()) -> list[PlanItem]:
    """Every (rule, service, task type) of ``profile`` for rules matching the glob ``patterns`` (no pass)."""
    items: list[PlanItem] = []
    table = [(r.id, r.title, r) for r in rules.all()]
    harness = [(rid, title, None) for rid, (title, _) in HARNESS_RULES.items()]
    for rule_id, title, rule in [*table, *harness]:
        if not selected(rule_id, patterns):
            continue
        for service in profile.services:
            for task_type in profile.task_types[service]:
                reason = ""
                if rule is not None and not rule.applies(profile, service, task_type):
                    reason = f"rule does not apply to {service} {task_type} in {profile.version}"
                items.append(PlanItem(rule_id, service, task_type, title, reason))
    return items


def pass_items(patterns: tuple[str, ...] = ()) -> list[PlanItem]:
    """The passes ``patterns`` select, in the order they run: the state machine, then the schema pass."""
    from harness.scenarios.stateful import TITLE

    items = []
    if selected(STATEFUL_ID, patterns):
        items.append(PlanItem(STATEFUL_ID, None, None, TITLE, kind="stateful"))
    if schema_selected(patterns):
        items.append(PlanItem(SCHEMA_ID, None, None, "schemathesis on every read operation", kind="schema"))
    return items


def known_rule_ids(es_version: str) -> list[str]:
    """Every id a run of ``es_version`` can report: the rule table, the harness checks, the state machine and
    the schema pass's ``schema.<operationId>``."""
    import specs

    ids = [r.id for r in load_rules().all()] + list(HARNESS_RULES) + [STATEFUL_ID, SCHEMA_ID]
    for operations in specs.load_spec(specs.inference_spec_name(es_version)).get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and operation.get("operationId"):
                ids.append("schema." + str(operation["operationId"]).replace("/", "_"))
    return ids


def check_rule_patterns(patterns: tuple[str, ...], es_version: str) -> None:
    """Raise :class:`ConfigError` naming the first ``--rules`` pattern that matches no rule id (a typo would
    otherwise make a green run that checked nothing)."""
    if not patterns:
        return
    ids = known_rule_ids(es_version)
    for pattern in patterns:
        if not any(selected(rule_id, (pattern,)) for rule_id in ids):
            families = sorted({rule_id.split(".", 1)[0] + ".*" for rule_id in ids})
            raise ConfigError(
                f"--rules {pattern!r} matches no rule id; families: {', '.join(families)} (ids in specs/rules.yaml)"
            )
