"""What every mutation module shares: :class:`Variants`, the registry the ``@mutation(rule_id)`` decorator fills
(read through :mod:`harness.gen.mutations`, which imports every mutation module), and the helpers that turn a
valid :class:`~harness.gen.cases.EndpointCase` into an :class:`~harness.gen.cases.InvalidCase`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from hypothesis import strategies as st

from contract.profiles import Profile
from harness.gen.cases import EndpointCase, InvalidCase
from harness.gen.strategies import faker_text

__all__ = [
    "DROP",
    "MUTATIONS",
    "Mutation",
    "Variants",
    "each",
    "invalid_put",
    "mutate",
    "mutation",
    "only_drawn",
    "only_fixed",
    "variants",
    "with_chunking",
    "with_settings",
    "with_task_settings",
    "word",
]


class Variants(NamedTuple):
    """How to break one rule for one case: every ``fixed`` variant is tried, plus one ``extra`` draw."""

    fixed: tuple[InvalidCase, ...] = ()
    extra: st.SearchStrategy[InvalidCase] | None = None

    def strategy(self) -> st.SearchStrategy[InvalidCase]:
        """One strategy over both parts (fixed variants sampled in order, so they shrink to the first)."""
        parts: list[st.SearchStrategy[InvalidCase]] = []
        if self.fixed:
            parts.append(st.sampled_from(self.fixed))
        if self.extra is not None:
            parts.append(self.extra)
        return st.one_of(*parts)


Mutation = Callable[[EndpointCase, Profile], "st.SearchStrategy[InvalidCase] | None"]
_Builder = Callable[[EndpointCase, Profile], "Variants | None"]
#: rule id -> the strategy of requests breaking it (``None``: not applicable to the case).
MUTATIONS: dict[str, Mutation] = {}
_BUILDERS: dict[str, _Builder] = {}


def _as_strategy(build: _Builder) -> Mutation:
    def strategy(case: EndpointCase, profile: Profile) -> st.SearchStrategy[InvalidCase] | None:
        plan = build(case, profile)
        return None if plan is None else plan.strategy()

    return strategy


def mutation(rule_id: str) -> Callable[[_Builder], _Builder]:
    """Register the decorated ``(case, profile) -> Variants | None`` as the mutation of ``rule_id``."""

    def deco(fn: _Builder) -> _Builder:
        _BUILDERS[rule_id] = fn
        MUTATIONS[rule_id] = _as_strategy(fn)
        return fn

    return deco


def variants(rule_id: str, case: EndpointCase, profile: Profile) -> Variants | None:
    """The fixed variants and the extra strategy breaking ``rule_id`` for ``case``; ``None`` when the rule
    has no mutation or cannot be broken for this service × task type.

    Example::

        plan = variants("service.unsupported_task_type", case, load_profile("8.18"))
        [v.params["task_type"] for v in plan.fixed]   # azureopenai: ['chat_completion', 'sparse_embedding', 'rerank']
    """
    build = _BUILDERS.get(rule_id)
    return build(case, profile) if build else None


def mutate(rule_id: str, case: EndpointCase, profile: Profile) -> st.SearchStrategy[InvalidCase] | None:
    """The strategy of requests breaking ``rule_id`` derived from ``case``, or ``None`` if not applicable."""
    fn = MUTATIONS.get(rule_id)
    return fn(case, profile) if fn else None


# ---------------------------------------------------------------------------------------- helpers
def only_fixed(*cases: InvalidCase) -> Variants | None:
    """Variants of ``cases`` only (no extra draw); ``None`` when there is none."""
    return Variants(tuple(cases)) if cases else None


def only_drawn(strategy: st.SearchStrategy[InvalidCase]) -> Variants:
    """Variants drawn from ``strategy`` only (no fixed case)."""
    return Variants((), strategy)


def each(values: Sequence[Any], build: Callable[[Any], InvalidCase]) -> Variants | None:
    """One fixed variant per value, in order; ``None`` when ``values`` is empty."""
    return only_fixed(*(build(v) for v in values))


def invalid_put(
    case: EndpointCase,
    rule_id: str,
    body: Any,
    params: dict[str, Any],
    note: str,
    *,
    path: str | None = None,
) -> InvalidCase:
    """A PUT of ``body`` (to ``path``, default the case's) expected to break ``rule_id`` with ``params``."""
    return InvalidCase(rule_id, "PUT", path or case.path, body, params, case, note)


def word() -> st.SearchStrategy[str]:
    """A lowercase word of letters only (a Faker word, ``"zz"`` when none is left)."""
    return faker_text("word").map(lambda w: "".join(c for c in w.lower() if c.isalpha()) or "zz")


#: a value of :func:`with_settings` that removes the key
DROP = object()


def with_settings(case: EndpointCase, **changes: Any) -> dict[str, Any]:
    """A copy of the case's body with ``changes`` applied to ``service_settings`` (:data:`DROP` removes a key)."""
    body = case.copy().body
    settings = body.setdefault("service_settings", {})
    for key, value in changes.items():
        if value is DROP:
            settings.pop(key, None)
        else:
            settings[key] = value
    return body


def with_task_settings(case: EndpointCase, **changes: Any) -> dict[str, Any]:
    """A copy of the case's body with ``changes`` merged into ``task_settings``."""
    body = case.copy().body
    body.setdefault("task_settings", {}).update(changes)
    return body


def with_chunking(case: EndpointCase, chunking: Any) -> dict[str, Any]:
    """A copy of the case's body whose ``chunking_settings`` is ``chunking``."""
    body = case.copy().body
    body["chunking_settings"] = chunking
    return body
