"""One mutation per error rule: a valid endpoint turned into PUTs that each break exactly that rule.

A rule's mutation is a :class:`Variants`: ``fixed``, the small finite set of ways to break the rule that
every run must try (each unsupported task type, each required field, each bound's first invalid value:
9/19, 301, overlap = max/2 + 1 for an even and an odd max, sentence_overlap 2), in a fixed order with the
likeliest implementation mistakes first; and ``extra``, a strategy of further invalid values drawn per
example (random words, values deeper past a bound), or ``None``. The scenario sends every fixed variant in
every example, then one ``extra`` draw, so ``--max-examples 1`` already covers the whole finite set.

``variants(rule_id, case, profile)`` returns it, or ``None`` when the rule cannot be broken for this
service × task type (the runner reports *not applicable*). ``MUTATIONS[rule_id](case, profile)`` /
:func:`mutate` give the same requests as one strategy (fixed variants sampled, extras drawn). Every
:class:`~harness.gen.cases.InvalidCase` carries the params the rule's message is rendered with, so the
expected error comes from the rule table.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from hypothesis import strategies as st

from contract import java_cast_message, java_hash_order, java_type_name
from contract.profiles import PROFILES, Profile, load_profile
from harness.gen.cases import EndpointCase, InvalidCase
from harness.gen.strategies import BEDROCK_MODELS, faker_text

__all__ = ["MUTATIONS", "RESERVED_IDS", "Mutation", "Variants", "mutate", "variants"]


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

_ALL_TASKS = ("text_embedding", "completion", "chat_completion")
#: Task types ES knows that a PUT may name (the unsupported ones per service are tried).
_KNOWN_TASKS = ("sparse_embedding", "rerank", *_ALL_TASKS)
#: Ids of Elasticsearch's preconfigured endpoints (``QA/DefaultEndPointsIT.java``).
RESERVED_IDS: tuple[str, ...] = (".elser-2-elasticsearch", ".multilingual-e5-small-elasticsearch")


def _as_strategy(build: _Builder) -> Mutation:
    def strategy(case: EndpointCase, profile: Profile) -> st.SearchStrategy[InvalidCase] | None:
        plan = build(case, profile)
        return None if plan is None else plan.strategy()

    return strategy


def _mutation(rule_id: str) -> Callable[[_Builder], _Builder]:
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
def _fixed(*cases: InvalidCase) -> Variants | None:
    return Variants(tuple(cases)) if cases else None


def _drawn(strategy: st.SearchStrategy[InvalidCase]) -> Variants:
    return Variants((), strategy)


def _each(values: Sequence[Any], build: Callable[[Any], InvalidCase]) -> Variants | None:
    return _fixed(*(build(v) for v in values))


def _put(
    case: EndpointCase,
    rule_id: str,
    body: Any,
    params: dict[str, Any],
    note: str,
    *,
    path: str | None = None,
) -> InvalidCase:
    return InvalidCase(rule_id, "PUT", path or case.path, body, params, case, note)


def _word() -> st.SearchStrategy[str]:
    return faker_text("word").map(lambda w: "".join(c for c in w.lower() if c.isalpha()) or "zz")


_DROP = object()


def _with_settings(case: EndpointCase, **changes: Any) -> dict[str, Any]:
    body = case.copy().body
    settings = body.setdefault("service_settings", {})
    for key, value in changes.items():
        if value is _DROP:
            settings.pop(key, None)
        else:
            settings[key] = value
    return body


def _with_task_settings(case: EndpointCase, **changes: Any) -> dict[str, Any]:
    body = case.copy().body
    body.setdefault("task_settings", {}).update(changes)
    return body


def _with_chunking(case: EndpointCase, chunking: Any) -> dict[str, Any]:
    body = case.copy().body
    body["chunking_settings"] = chunking
    return body


# ---------------------------------------------------------------------------------------- id, task type, service
@_mutation("id_format.invalid")
def _id_invalid(case: EndpointCase, profile: Profile) -> Variants | None:
    def build(kind: str) -> InvalidCase:
        ident = {
            "upper": case.inference_id.upper(),
            "lead": "-" + case.inference_id,
            "trail": case.inference_id + "_",
            **{f"reserved {r}": r for r in RESERVED_IDS},
        }[kind]
        return _put(
            case,
            "id_format.invalid",
            case.body,
            {"inference_id": ident},
            f"id {kind}",
            path=f"/_inference/{case.task_type}/{ident}",
        )

    # a preconfigured endpoint's id starts with '.': PutInferenceModelAction.Request#validate (MlStrings) refuses
    # it before TransportPutInferenceModelAction's reserved-id check, so the format error wins
    return _each(["upper", "lead", "trail", *(f"reserved {r}" for r in RESERVED_IDS)], build)


@_mutation("id_format.reserved")
def _id_reserved(case: EndpointCase, profile: Profile) -> Variants | None:
    # every reserved id starts with '.', which the id format check refuses first (see id_format.invalid):
    # no request reaches this check through the REST API
    return None


@_mutation("task_type.unknown")
def _task_unknown(case: EndpointCase, profile: Profile) -> Variants | None:
    return _drawn(
        _word().map(
            lambda w: _put(
                case,
                "task_type.unknown",
                case.body,
                {"task_type": f"{w}_task"},
                "unknown task type in URL",
                path=f"/_inference/{w}_task/{case.inference_id}",
            )
        )
    )


@_mutation("task_type.missing")
def _task_missing(case: EndpointCase, profile: Profile) -> Variants | None:
    return _fixed(
        _put(
            case,
            "task_type.missing",
            case.body,
            {},
            "no task type in URL or body",
            path=f"/_inference/{case.inference_id}",
        )
    )


@_mutation("task_type.any_in_body")
def _task_any(case: EndpointCase, profile: Profile) -> Variants | None:
    body = {**case.copy().body, "task_type": "any"}
    return _fixed(
        _put(case, "task_type.any_in_body", body, {}, "task_type any in body", path=f"/_inference/{case.inference_id}")
    )


@_mutation("task_type.conflict")
def _task_conflict(case: EndpointCase, profile: Profile) -> Variants | None:
    others = [t for t in _ALL_TASKS if t != case.task_type]
    return _each(
        others,
        lambda other: _put(
            case,
            "task_type.conflict",
            {**case.copy().body, "task_type": other},
            {"url_task_type": case.task_type, "body_task_type": other},
            "body task type differs",
        ),
    )


@_mutation("service.missing")
def _service_missing(case: EndpointCase, profile: Profile) -> Variants | None:
    body = {k: v for k, v in case.copy().body.items() if k != "service"}
    return _fixed(_put(case, "service.missing", body, {}, "no service"))


@_mutation("service.unknown")
def _service_unknown(case: EndpointCase, profile: Profile) -> Variants | None:
    return _drawn(
        _word().map(
            lambda w: _put(
                case,
                "service.unknown",
                {**case.copy().body, "service": f"{w}_svc"},
                {"service": f"{w}_svc"},
                "unknown service",
            )
        )
    )


def unsupported_task_types(profile: Profile, service: str) -> list[str]:
    """Task types ``service`` lacks in ``profile``: those another version supports first (a target built
    for that version is the likeliest to accept them), then the rest, each group in a fixed order."""
    lacking = [t for t in _KNOWN_TASKS if not profile.supports(service, t)]
    elsewhere = {t for v in PROFILES for t in lacking if load_profile(v).supports(service, t)}
    return [t for t in lacking if t in elsewhere] + [t for t in lacking if t not in elsewhere]


@_mutation("service.unsupported_task_type")
def _service_unsupported(case: EndpointCase, profile: Profile) -> Variants | None:
    return _each(
        unsupported_task_types(profile, case.service),
        lambda t: _put(
            case,
            "service.unsupported_task_type",
            case.body,
            {"service": case.service, "task_type": t},
            f"task type {t}",
            path=f"/_inference/{t}/{case.inference_id}",
        ),
    )


@_mutation("service.service_settings_missing")
def _settings_missing(case: EndpointCase, profile: Profile) -> Variants | None:
    body = {k: v for k, v in case.copy().body.items() if k != "service_settings"}
    return _fixed(_put(case, "service.service_settings_missing", body, {}, "no service_settings"))


# ---------------------------------------------------------------------------------------- settings
@_mutation("settings.unknown")
def _unknown(case: EndpointCase, profile: Profile) -> Variants | None:
    fixed: tuple[InvalidCase, ...] = ()
    if case.service == "openai" and case.task_type == "text_embedding":
        # read only from the persisted map: in a PUT a left-over key (issue 20)
        fixed = (
            _put(
                case,
                "settings.unknown",
                _with_settings(case, dimensions_set_by_user=True),
                {"settings": "{dimensions_set_by_user=true}", "service": case.service},
                "dimensions_set_by_user in a PUT",
            ),
        )
    drawn = st.tuples(_word(), st.integers(1, 99)).map(
        lambda t: _put(
            case,
            "settings.unknown",
            _with_settings(case, **{f"extra_{t[0]}": t[1]}),
            {"settings": f"{{extra_{t[0]}={t[1]}}}", "service": case.service},
            "unknown service setting",
        )
    )
    return Variants(fixed, drawn)


@_mutation("settings.rate_limit.unknown")
def _rate_unknown(case: EndpointCase, profile: Profile) -> Variants | None:
    return _drawn(
        st.tuples(_word(), st.integers(1, 999)).map(
            lambda t: _put(
                case,
                "settings.rate_limit.unknown",
                _with_settings(case, rate_limit={f"{t[0]}_x": t[1]}),
                {"settings": f"{{{t[0]}_x={t[1]}}}", "service": case.service},
                "unknown rate_limit key",
            )
        )
    )


@_mutation("settings.not_an_object")
def _not_object(case: EndpointCase, profile: Profile) -> Variants | None:
    # ServiceUtils#removeFromMap* cast unchecked: the JVM's ClassCastException, a 500 (issue 20)
    values = st.one_of(_word(), st.integers(-5, 5), st.booleans(), st.lists(_word(), min_size=1, max_size=2))

    def build(t: tuple[str, Any]) -> InvalidCase:
        where, value = t
        body = _with_settings(case, rate_limit=value) if where == "rate_limit" else {**case.copy().body, where: value}
        return _put(
            case,
            "settings.not_an_object",
            body,
            {"field": where, "detail": java_cast_message(value)},
            f"{where} is {java_type_name(value)}",
        )

    return _drawn(st.tuples(st.sampled_from(("task_settings", "rate_limit")), values).map(build))


_REQUIRED = {
    "openai": [("model_id", "service_settings"), ("api_key", "secret_settings")],
    "azureopenai": [
        ("resource_name", "service_settings"),
        ("deployment_id", "service_settings"),
        ("api_version", "service_settings"),
    ],
    "amazonbedrock": [
        ("region", "service_settings"),
        ("model", "service_settings"),
        ("access_key", "secret_settings"),
        ("secret_key", "secret_settings"),
    ],
}
_STRINGS = {
    "openai": ["model_id"],
    "azureopenai": ["resource_name", "deployment_id", "api_version"],
    "amazonbedrock": ["region", "model"],
}


@_mutation("settings.required")
def _required(case: EndpointCase, profile: Profile) -> Variants | None:
    return _each(
        _REQUIRED[case.service],
        lambda fs: _put(
            case,
            "settings.required",
            _with_settings(case, **{fs[0]: _DROP}),
            {"scope": fs[1], "field": fs[0]},
            f"{fs[0]} removed",
        ),
    )


@_mutation("settings.empty_string")
def _empty(case: EndpointCase, profile: Profile) -> Variants | None:
    return _each(
        _STRINGS[case.service],
        lambda f: _put(
            case,
            "settings.empty_string",
            _with_settings(case, **{f: ""}),
            {"scope": "service_settings", "field": f},
            f"{f} empty",
        ),
    )


@_mutation("settings.wrong_type")
def _wrong_type(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service in ("openai", "azureopenai") and case.task_type == "text_embedding":
        return _drawn(
            _word().map(
                lambda w: _put(
                    case,
                    "settings.wrong_type",
                    _with_settings(case, dimensions=w),
                    {"field": "dimensions", "value": w, "expected_type": "Integer"},
                    "dimensions is a string",
                )
            )
        )
    if case.service == "amazonbedrock" and case.task_type != "text_embedding":
        return _each(
            [0, 1],
            lambda n: _put(
                case,
                "settings.wrong_type",
                _with_task_settings(case, temperature=n),
                {"field": "temperature", "value": n, "expected_type": "Double"},
                "temperature is a JSON integer",
            ),
        )
    return None


@_mutation("settings.wrong_types")
def _wrong_types(case: EndpointCase, profile: Profile) -> Variants | None:
    return _drawn(
        _word().map(
            lambda w: _put(
                case,
                "settings.wrong_types",
                _with_settings(case, rate_limit={"requests_per_minute": w}),
                {"field": "requests_per_minute", "value": w, "types": "[Integer, Long]"},
                "requests_per_minute is a string",
            )
        )
    )


@_mutation("settings.positive_integer")
def _positive_int(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service in ("openai", "azureopenai") and case.task_type == "text_embedding":
        return _each(
            [0, -1],
            lambda v: _put(
                case,
                "settings.positive_integer",
                _with_settings(case, dimensions=v),
                {"scope": "service_settings", "field": "dimensions", "value": v},
                f"dimensions {v}",
            ),
        )
    if case.service == "amazonbedrock" and case.task_type != "text_embedding":
        return _each(
            [0, -1],
            lambda v: _put(
                case,
                "settings.positive_integer",
                _with_task_settings(case, max_new_tokens=v),
                {"scope": "task_settings", "field": "max_new_tokens", "value": v},
                f"max_new_tokens {v}",
            ),
        )
    return None


@_mutation("settings.positive_long")
def _positive_long(case: EndpointCase, profile: Profile) -> Variants | None:
    return _each(
        [0, -5],
        lambda v: _put(
            case,
            "settings.positive_long",
            _with_settings(case, rate_limit={"requests_per_minute": v}),
            {"scope": "rate_limit", "field": "requests_per_minute", "value": v},
            f"requests_per_minute {v}",
        ),
    )


def _bedrock_range(rule: str, case: EndpointCase, values: list[float], bound: dict[str, float]) -> Variants | None:
    if case.service != "amazonbedrock" or case.task_type == "text_embedding":
        return None
    pairs = [(f, v) for v in values for f in ("temperature", "top_p")]  # the value next to the bound first
    return _each(
        pairs,
        lambda t: _put(
            case,
            rule,
            _with_task_settings(case, **{t[0]: t[1]}),
            {"scope": "task_settings", "field": t[0], "value": t[1], **bound},
            f"{t[0]} {t[1]}",
        ),
    )


@_mutation("settings.range.min")
def _range_min(case: EndpointCase, profile: Profile) -> Variants | None:
    return _bedrock_range("settings.range.min", case, [-0.01, -0.5], {"min": 0.0})


@_mutation("settings.range.max")
def _range_max(case: EndpointCase, profile: Profile) -> Variants | None:
    return _bedrock_range("settings.range.max", case, [1.01, 1.5], {"max": 1.0})


@_mutation("settings.similarity.enum")
def _similarity(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.task_type != "text_embedding":
        return None
    return _drawn(
        _word().map(
            lambda w: _put(
                case,
                "settings.similarity.enum",
                _with_settings(case, similarity=f"by_{w}"),
                {
                    "scope": "service_settings",
                    "field": "similarity",
                    "value": f"by_{w}",
                    "allowed": ", ".join(sorted(profile.similarity_values)),
                },
                "unknown similarity",
            )
        )
    )


@_mutation("settings.url.invalid")
def _url(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service != "openai":
        return None
    url = "https://www.abc^.com"
    return _fixed(
        _put(
            case,
            "settings.url.invalid",
            _with_settings(case, url=url),
            {"scope": "service_settings", "field": "url", "url": url, "reason": "Illegal character in authority"},
            "url with '^'",
        )
    )


@_mutation("settings.not_allowed")
def _not_allowed(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.task_type != "text_embedding":
        return None
    if case.service == "amazonbedrock":
        return _drawn(
            st.integers(1, 64).map(
                lambda n: _put(
                    case,
                    "settings.not_allowed",
                    _with_settings(case, dimensions=n),
                    {"scope": "service_settings", "field": "dimensions"},
                    "dimensions",
                )
            )
        )
    if case.service == "openai":  # left over in a PUT, an unknown setting there (issue 20)
        return None
    return _each(
        [True, False],
        lambda b: _put(
            case,
            "settings.not_allowed",
            _with_settings(case, dimensions_set_by_user=b),
            {"scope": "service_settings", "field": "dimensions_set_by_user"},
            "dimensions_set_by_user",
        ),
    )


# ---------------------------------------------------------------------------------------- secrets, bedrock
@_mutation("secrets.azure.neither")
def _azure_neither(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service != "azureopenai":
        return None
    return _fixed(
        _put(
            case,
            "secrets.azure.neither",
            _with_settings(case, api_key=_DROP, entra_id=_DROP),
            {},
            "no api_key nor entra_id",
        )
    )


@_mutation("secrets.azure.both")
def _azure_both(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service != "azureopenai":
        return None
    secret = case.auth_secret
    extra = (
        {"entra_id": "eyJcanary." + secret[-12:] + ".both"}
        if "api_key" in case.secrets
        else {"api_key": "azcanaryboth" + secret[-12:]}
    )
    return _fixed(
        _put(
            case,
            "secrets.azure.both",
            _with_settings(case, **extra),
            {"received": "api_key, entra_id"},
            "both api_key and entra_id",
        )
    )


@_mutation("bedrock.provider.enum")
def _provider_enum(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service != "amazonbedrock":
        return None
    return _drawn(
        _word().map(
            lambda w: _put(
                case,
                "bedrock.provider.enum",
                _with_settings(case, provider=f"{w}ai"),
                {"value": f"{w}ai", "allowed": ", ".join(sorted(profile.bedrock_providers))},
                "unknown provider",
            )
        )
    )


@_mutation("bedrock.provider.task_type")
def _provider_task(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service != "amazonbedrock":
        return None
    unsupported = [
        p for p in profile.bedrock_providers if p not in profile.bedrock_providers_by_task.get(case.task_type, ())
    ]
    return _each(
        unsupported,
        lambda p: _put(
            case,
            "bedrock.provider.task_type",
            _with_settings(case, provider=p, model=BEDROCK_MODELS[p]["completion"][0]),
            {"task_type": case.task_type, "provider": p},
            f"provider {p}",
        ),
    )


@_mutation("bedrock.top_k.provider")
def _top_k(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service != "amazonbedrock" or case.task_type == "text_embedding":
        return None
    providers = [
        p for p in profile.bedrock_providers_by_task.get(case.task_type, ()) if p not in profile.bedrock_top_k_providers
    ]

    def build(p: str) -> InvalidCase:
        body = _with_settings(case, provider=p, model=BEDROCK_MODELS[p]["completion"][0])
        body.setdefault("task_settings", {})["top_k"] = 0.5
        return _put(case, "bedrock.top_k.provider", body, {"provider": p}, f"top_k for {p}")

    return _each(providers, build)


# ---------------------------------------------------------------------------------------- chunking
def _embedding_only(case: EndpointCase) -> bool:
    return case.task_type == "text_embedding"


@_mutation("chunking.strategy.missing")
def _strategy_missing(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case):
        return None
    return _drawn(
        st.integers(20, 300).map(
            lambda n: _put(
                case,
                "chunking.strategy.missing",
                _with_chunking(case, {"max_chunk_size": n}),
                {},
                "chunking without strategy",
            )
        )
    )


@_mutation("chunking.strategy.unknown")
def _strategy_unknown(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case):
        return None
    return _drawn(
        _word().map(
            lambda w: _put(
                case,
                "chunking.strategy.unknown",
                _with_chunking(case, {"strategy": f"{w}ish"}),
                {"strategy": f"{w}ish"},
                "unknown strategy",
            )
        )
    )


@_mutation("chunking.invalid_settings")
def _invalid_settings(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case):
        return None
    word = (
        {"strategy": "word", "max_chunk_size": 100, "overlap": 10, "sentence_overlap": 1},
        "Word based",
        "sentence_overlap",
    )
    sentence = ({"strategy": "sentence", "max_chunk_size": 100, "overlap": 10}, "Sentence based", "overlap")
    recursive = ({"strategy": "recursive", "max_chunk_size": 100, "overlap": 10}, "Recursive", "overlap")
    # two unknown keys: Elasticsearch lists them in its HashMap's order, not the request's
    two = {"strategy": "word", "max_chunk_size": 100, "overlap": 10, "foo": 1, "bar": 2}
    both = (two, "Word based", ", ".join(k for k in java_hash_order(two) if k in ("foo", "bar")))
    variants = [word, sentence, both] + ([recursive] if "recursive" in profile.chunking_strategies else [])
    return _each(
        variants,
        lambda t: _put(
            case,
            "chunking.invalid_settings",
            _with_chunking(case, t[0]),
            {"strategy_title": t[1], "settings": t[2]},
            f"{t[0]['strategy']} with {t[2]}",
        ),
    )


def _sized(strategy: str, size: int) -> dict[str, Any]:
    chunk: dict[str, Any] = {"strategy": strategy, "max_chunk_size": size}
    if strategy == "word":
        chunk["overlap"] = 1
    return chunk


@_mutation("chunking.max_chunk_size.min")
def _size_min(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case):
        return None
    strategies = [s for s in ("word", "sentence") if s in profile.chunking_strategies]

    def build(t: tuple[str, int]) -> InvalidCase:
        strategy, value = t
        lo = profile.chunking_bounds[strategy].min_max_chunk_size
        return _put(
            case,
            "chunking.max_chunk_size.min",
            _with_chunking(case, _sized(strategy, value)),
            {"value": value, "min": lo},
            f"{strategy} max_chunk_size {value}",
        )

    def lo(s: str) -> int:
        return profile.chunking_bounds[s].min_max_chunk_size

    deeper = st.sampled_from(strategies).flatmap(lambda s: st.tuples(st.just(s), st.integers(1, max(lo(s) - 2, 1))))
    return Variants(tuple(build((s, lo(s) - 1)) for s in strategies), deeper.map(build))  # 9, 19 first


@_mutation("chunking.max_chunk_size.max")
def _size_max(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case):
        return None
    capped = [s for s in ("word", "sentence") if profile.chunking_bounds[s].max_max_chunk_size]
    if not capped:
        return None

    def hi(s: str) -> int:
        return int(profile.chunking_bounds[s].max_max_chunk_size or 0)

    def build(t: tuple[str, int]) -> InvalidCase:
        strategy, value = t
        return _put(
            case,
            "chunking.max_chunk_size.max",
            _with_chunking(case, _sized(strategy, value)),
            {"value": value, "max": hi(strategy)},
            f"{strategy} max_chunk_size {value}",
        )

    deeper = st.sampled_from(capped).flatmap(lambda s: st.tuples(st.just(s), st.integers(hi(s) + 2, hi(s) + 1000)))
    return Variants(tuple(build((s, hi(s) + 1)) for s in capped), deeper.map(build))  # 301 first


@_mutation("chunking.overlap.max")
def _overlap_max(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case) or "word" not in profile.chunking_strategies:
        return None
    bounds = profile.chunking_bounds["word"]
    lo, hi = bounds.min_max_chunk_size, bounds.max_max_chunk_size or 500

    def build(m: int) -> InvalidCase:
        return _put(
            case,
            "chunking.overlap.max",
            _with_chunking(case, {"strategy": "word", "max_chunk_size": m, "overlap": m // 2 + 1}),
            {"value": m // 2 + 1, "max": m // 2},
            f"word {m} overlap {m // 2 + 1}",
        )

    # an even and an odd max_chunk_size (max/2 rounds down), at both ends of the range
    edges = sorted({lo, lo + 1, hi - 1, hi})
    return Variants(tuple(build(m) for m in edges), st.integers(lo, hi).map(build))


@_mutation("chunking.sentence_overlap.value")
def _sentence_overlap(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case) or "sentence" not in profile.chunking_strategies:
        return None

    def build(v: int) -> InvalidCase:
        return _put(
            case,
            "chunking.sentence_overlap.value",
            _with_chunking(case, {"strategy": "sentence", "max_chunk_size": 100, "sentence_overlap": v}),
            {"value": v},
            f"sentence_overlap {v}",
        )

    return Variants((build(2),), st.integers(3, 100).map(build))


@_mutation("chunking.recursive.separators_conflict")
def _recursive_conflict(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case) or "recursive" not in profile.chunking_strategies:
        return None

    def build(t: tuple[str, list[str]]) -> InvalidCase:
        chunk = {"strategy": "recursive", "max_chunk_size": 100, "separator_group": t[0], "separators": t[1]}
        return _put(
            case,
            "chunking.recursive.separators_conflict",
            _with_chunking(case, chunk),
            {},
            f"separator_group {t[0]} and {len(t[1])} separators",
        )

    separators = st.lists(st.sampled_from(["\n\n", "\n", ". ", " "]), min_size=0, max_size=3)
    return Variants(
        (build(("plaintext", ["\n"])),), st.tuples(st.sampled_from(["plaintext", "markdown"]), separators).map(build)
    )


@_mutation("chunking.recursive.separator_group")
def _recursive_group(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case) or "recursive" not in profile.chunking_strategies:
        return None

    def build(group: str) -> InvalidCase:
        chunk = {"strategy": "recursive", "max_chunk_size": 100, "separator_group": group}
        params = {"scope": "chunking_settings", "field": "separator_group", "value": group}
        return _put(
            case,
            "chunking.recursive.separator_group",
            _with_chunking(case, chunk),
            {**params, "allowed": "markdown, plaintext"},
            f"separator_group {group!r}",
        )

    groups = st.text(alphabet=string.ascii_letters + "-_", min_size=1, max_size=12).filter(
        lambda g: g.strip().lower() not in ("plaintext", "markdown")
    )
    return Variants((build("html"), build("plain text")), groups.map(build))


@_mutation("chunking.recursive.separators_empty")
def _recursive_empty(case: EndpointCase, profile: Profile) -> Variants | None:
    if not _embedding_only(case) or "recursive" not in profile.chunking_strategies:
        return None

    def build(m: int) -> InvalidCase:
        chunk = {"strategy": "recursive", "max_chunk_size": m, "separators": []}
        return _put(
            case, "chunking.recursive.separators_empty", _with_chunking(case, chunk), {}, f"recursive {m} no separators"
        )

    lo = profile.chunking_bounds["recursive"].min_max_chunk_size
    return Variants((build(100),), st.integers(lo, 300).map(build))
