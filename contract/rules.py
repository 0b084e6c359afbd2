"""The rule table: every contract rule as data (``specs/rules.yaml``), with its expected outcome.

A rule's message is a ``str.format`` template with named params (``{field}``) plus the profile's
message variants (``{wording[unknown_settings_prefix]}``). Params declared ``double`` are printed
like Java's ``Double.toString`` (``9`` -> ``9.0``), the rest like Java's ``toString``.

A rule's HTTP status is fixed (``status: 400``) or taken from a param (``status_from: code``): the
param's value mapped as ES's ``BaseResponseHandler.toRestStatus`` maps an upstream status (a code
below 500 that ``RestStatus`` knows passes through, anything else becomes 400).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import jsonschema
import yaml

from ._java import java_double, java_str, to_rest_status
from .profiles import PROFILES, SPECS_DIR, Profile, version_key

__all__ = ["Evidence", "Expected", "Outcome", "Read", "Rule", "RuleTable", "load_rules", "rules_schema"]


@dataclass(frozen=True)
class Read:
    """One version of Elasticsearch's source that was read: its ``path`` in ``repo``, the stored version
    (``id`` in the search index, ``commit``, or a pull request ``pr`` read for its diff), the release
    ``line`` it was dated to (``9.1``, ``<=8.17``, ``>=9.5``, ``8.16-9.3``, ``undated``) and ``how``."""

    path: str
    line: str
    how: str
    id: str = ""
    commit: str = ""
    pr: str = ""
    repo: str = "elastic/elasticsearch"

    @property
    def version(self) -> str:
        """The version as text: ``id 1058961447``, ``commit 3f60fb6c`` or ``PR #121806``."""
        if self.id:
            return f"id {self.id}"
        return f"commit {self.commit[:12]}" if self.commit else f"PR #{self.pr}"


@dataclass(frozen=True)
class Evidence:
    """Where Elasticsearch decides a rule: ``source`` (the rule's file, a path in elastic/elasticsearch),
    ``symbol`` (class or method), ``tests`` (tests in that repository asserting the message, ``path#method``),
    and whether the rule's version range was ``verified`` (read in that release line's source) or ``inferred``."""

    source: str
    symbol: str
    status: str
    tests: tuple[str, ...] = ()
    note: str = ""
    #: the source line(s) producing the message or behaviour, verbatim
    quote: str = ""
    #: each version of the source that was read, dated to a release line
    reads: tuple[Read, ...] = ()
    #: for an ``inferred`` range: what is missing to verify it
    missing: str = ""


@dataclass(frozen=True)
class Outcome:
    """What Elasticsearch answers when a rule is broken (for one version).

    ``status`` is the fixed HTTP status, or ``None`` when ``status_from`` names the param it comes from.
    """

    error_type: str
    message: str
    stable: str
    status: int | None = None
    status_from: str | None = None
    aggregate: bool = False
    format: str = "es"

    def status_for(self, params: Mapping[str, Any]) -> int:
        """The HTTP status for ``params`` (``KeyError`` if ``status_from`` names a missing param)."""
        if self.status_from is None:
            assert self.status is not None  # the schema requires one of status / status_from
            return self.status
        if self.status_from not in params:
            raise KeyError(f"missing status param {self.status_from!r}")
        return to_rest_status(int(params[self.status_from]))


@dataclass(frozen=True)
class Expected:
    """A rendered outcome: HTTP ``status``, ES error ``error_type``, full ``reason`` and a ``stable`` substring.

    ``message`` is the rule's own message (for an aggregated ``validation_exception`` the reason
    is ``"Validation Failed: 1: <message>;"``).
    """

    status: int
    error_type: str
    reason: str
    stable: str
    message: str = ""
    format: str = "es"


@dataclass(frozen=True)
class Rule:
    """One contract rule.

    Attributes:
        id: dotted id, e.g. ``chunking.word.max_chunk_size.min``.
        family: rule family (see ``RuleTable.families``).
        title: one line.
        source: the Elasticsearch file the rule comes from (a path in elastic/elasticsearch).
        kind: ``error`` (a request breaking it gets an error), ``invariant`` (a property of every
            response, e.g. secrets never returned) or ``default`` (a value filled in by ES).
        versions: profiles where the rule holds (derived from ``since`` / ``until``, inclusive).
        services / task_types: where it applies (empty = everywhere).
        params: param name -> ``java`` | ``double`` (how it is printed).
        profile_key: for ``default`` rules, the :class:`Profile` field holding the value.
        es_tests: Elasticsearch test classes exercising the rule.
        expected: default outcome; overrides: version -> partial outcome holding from that version on.
        evidence: where Elasticsearch decides the rule, and whether its range is verified or inferred.
    """

    id: str
    family: str
    title: str
    source: str
    kind: str
    versions: tuple[str, ...]
    services: tuple[str, ...] = ()
    task_types: tuple[str, ...] = ()
    params: Mapping[str, str] = field(default_factory=dict)
    profile_key: str | None = None
    es_tests: tuple[str, ...] = ()
    expected: Mapping[str, Any] | None = None
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    since: str | None = None
    until: str | None = None
    evidence: Evidence | None = None

    @property
    def version_range(self) -> str:
        """The range as text: ``8.18+``, ``9.1-9.4`` (``until`` inclusive)."""
        start = self.since or PROFILES[0]
        return f"{start}+" if self.until is None else f"{start}-{self.until}"

    @property
    def range_status(self) -> str:
        """``verified`` or ``inferred`` (``inferred`` when the rule carries no evidence)."""
        return self.evidence.status if self.evidence is not None else "inferred"

    def applies(self, profile: Profile, service: str | None = None, task_type: str | None = None) -> bool:
        """True if the rule holds in ``profile`` (and for ``service``/``task_type`` when given)."""
        if profile.version not in self.versions:
            return False
        if service is not None and self.services and service not in self.services:
            return False
        return not (task_type is not None and self.task_types and task_type not in self.task_types)

    def outcome(self, profile: Profile) -> Outcome:
        """The outcome of breaking this rule in ``profile`` (default merged with the version override)."""
        if self.expected is None:
            raise ValueError(f"rule {self.id} ({self.kind}) has no error outcome")
        merged = dict(self.expected)
        # an override keyed by a version holds from that version on (later keys win)
        for since in sorted(self.overrides, key=version_key):
            if version_key(since) <= version_key(profile.version):
                merged.update(self.overrides[since])
        return Outcome(**merged)

    def format_message(self, profile: Profile, **params: Any) -> str:
        """The rule's message for ``profile`` with ``params`` printed as Elasticsearch prints them."""
        outcome = self.outcome(profile)
        return _render(outcome.message, self, profile, params)

    def stable_text(self, profile: Profile, **params: Any) -> str:
        """The stable substring (may use params too) for ``profile``."""
        return _render(self.outcome(profile).stable, self, profile, params)

    def status(self, profile: Profile, **params: Any) -> int:
        """The HTTP status of breaking this rule in ``profile`` with ``params``."""
        try:
            return self.outcome(profile).status_for(params)
        except KeyError as exc:
            raise KeyError(f"rule {self.id}: {exc.args[0]}") from None


class _Missing(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def _render(template: str, rule: Rule, profile: Profile, params: Mapping[str, Any]) -> str:
    values: dict[str, Any] = {"wording": dict(profile.wording)}
    for name, value in params.items():
        kind = rule.params.get(name, "java")
        if isinstance(value, str) and kind == "java":
            values[name] = value
        elif kind == "double" and isinstance(value, (int, float)) and not isinstance(value, bool):
            values[name] = java_double(value)
        else:
            values[name] = java_str(value)
    try:
        return template.format_map(_Missing(values))
    except KeyError as exc:
        raise KeyError(f"rule {rule.id}: missing message param {exc.args[0]!r}") from None


def validation_failed(messages: list[str]) -> str:
    """ES ``ValidationException`` reason: ``Validation Failed: 1: a;2: b;``."""
    return "Validation Failed: " + "".join(f"{i}: {m};" for i, m in enumerate(messages, 1))


class RuleTable:
    """The loaded rule table. Iterate it, or use :meth:`get`, :meth:`applicable`, :meth:`expected`.

    Example:
        >>> rules = load_rules()
        >>> e = rules.expected("service.unknown", load_profile("8.18"), service="foo")
        >>> (e.status, e.error_type, e.reason)
        (400, 'status_exception', 'Unknown service [foo]')
    """

    def __init__(self, rules: list[Rule], families: Mapping[str, str]) -> None:
        self._rules = {r.id: r for r in rules}
        self.families: Mapping[str, str] = MappingProxyType(dict(families))

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def get(self, rule_id: str) -> Rule:
        """The rule with ``rule_id`` (``KeyError`` naming the id if absent)."""
        try:
            return self._rules[rule_id]
        except KeyError:
            raise KeyError(f"unknown rule id {rule_id!r}") from None

    def all(self) -> tuple[Rule, ...]:
        """Every rule, in table order."""
        return tuple(self._rules.values())

    def applicable(
        self, profile: Profile, service: str | None = None, task_type: str | None = None
    ) -> tuple[Rule, ...]:
        """Rules holding in ``profile`` (filtered by ``service``/``task_type`` when given)."""
        return tuple(r for r in self._rules.values() if r.applies(profile, service, task_type))

    def expected(self, rule_id: str, profile: Profile, **params: Any) -> Expected:
        """The full expected error for breaking ``rule_id`` once in ``profile`` with ``params``."""
        rule = self.get(rule_id)
        outcome = rule.outcome(profile)
        message = _render(outcome.message, rule, profile, params)
        reason = validation_failed([message]) if outcome.aggregate else message
        return Expected(
            status=rule.status(profile, **params),
            error_type=outcome.error_type,
            reason=reason,
            stable=_render(outcome.stable, rule, profile, params),
            message=message,
            format=outcome.format,
        )


@lru_cache(maxsize=1)
def rules_schema() -> Mapping[str, Any]:
    """The JSON Schema ``specs/rules.yaml`` is validated against."""
    text = resources.files(__package__).joinpath("rules.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _versions(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The profiles a rule holds in: its ``versions`` list, or every profile in ``since``..``until``."""
    if "versions" in data:
        return tuple(data["versions"])
    lo = version_key(data.get("since", PROFILES[0]))
    hi = version_key(data["until"]) if data.get("until") else None
    return tuple(v for v in PROFILES if version_key(v) >= lo and (hi is None or version_key(v) <= hi))


def _evidence(source: str, data: Mapping[str, Any] | None) -> Evidence | None:
    if data is None:
        return None
    return Evidence(
        source=source,
        symbol=data["symbol"],
        status=data["status"],
        tests=tuple(data.get("tests", ())),
        note=data.get("note", ""),
        quote=data.get("quote", ""),
        reads=tuple(Read(**r) for r in data.get("reads", ())),
        missing=data.get("missing", ""),
    )


def _rule(data: Mapping[str, Any]) -> Rule:
    return Rule(
        id=data["id"],
        family=data["family"],
        title=data["title"],
        source=data["source"],
        kind=data["kind"],
        versions=_versions(data),
        since=data.get("since"),
        until=data.get("until"),
        evidence=_evidence(data["source"], data.get("evidence")),
        services=tuple(data.get("services", ())),
        task_types=tuple(data.get("task_types", ())),
        params=MappingProxyType(dict(data.get("params", {}))),
        profile_key=data.get("profile_key"),
        es_tests=tuple(data.get("es_tests", ())),
        expected=MappingProxyType(dict(data["expected"])) if "expected" in data else None,
        overrides=MappingProxyType({k: MappingProxyType(dict(v)) for k, v in data.get("overrides", {}).items()}),
    )


def parse_rules(data: Mapping[str, Any]) -> RuleTable:
    """Validate ``data`` (the decoded YAML) against the schema and build a :class:`RuleTable`.

    Raises:
        jsonschema.ValidationError: the document does not match the schema.
        ValueError: duplicate ids or a rule naming an unknown family.
    """
    jsonschema.validate(data, rules_schema())
    families = data["families"]
    seen: set[str] = set()
    rules: list[Rule] = []
    for item in data["rules"]:
        if item["id"] in seen:
            raise ValueError(f"duplicate rule id {item['id']!r}")
        if item["family"] not in families:
            raise ValueError(f"rule {item['id']!r} names unknown family {item['family']!r}")
        named = [*item.get("versions", ()), *item.get("overrides", {}), item.get("since"), item.get("until")]
        unknown = sorted({v for v in named if v is not None and v not in PROFILES})
        if unknown:
            raise ValueError(f"rule {item['id']!r} names unknown versions {unknown}; supported: {', '.join(PROFILES)}")
        seen.add(item["id"])
        rules.append(_rule(item))
    return RuleTable(rules, families)


@lru_cache(maxsize=1)
def load_rules() -> RuleTable:
    """Load and validate ``specs/rules.yaml`` (cached)."""
    with open(SPECS_DIR / "rules.yaml", encoding="utf-8") as fh:
        return parse_rules(yaml.safe_load(fh))
