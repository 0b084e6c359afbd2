"""Mutations of the settings: ``service_settings`` (unknown, required, typed, ranged, enum and url fields, the
rate limit), ``task_settings``, Azure OpenAI's one-of secrets and Amazon Bedrock's providers.

The required fields come from ``contract`` (:func:`~contract.settings_fields`, :func:`~contract.output_order`,
:func:`~contract.required_secrets`), where the validators read them too.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from contract import java_cast_message, java_type_name, output_order, required_secrets, settings_fields
from contract.profiles import Profile
from harness.gen._mutation import (
    DROP,
    Variants,
    each,
    invalid_put,
    mutation,
    only_drawn,
    only_fixed,
    with_settings,
    with_task_settings,
    word,
)
from harness.gen.cases import EndpointCase, InvalidCase
from harness.gen.strategies import BEDROCK_MODELS

__all__: list[str] = []


@mutation("settings.unknown")
def _unknown(case: EndpointCase, profile: Profile) -> Variants | None:
    fixed: tuple[InvalidCase, ...] = ()
    if case.service == "openai" and case.task_type == "text_embedding":
        # read only from the persisted map: in a PUT a left-over key (issue 20)
        fixed = (
            invalid_put(
                case,
                "settings.unknown",
                with_settings(case, dimensions_set_by_user=True),
                {"settings": "{dimensions_set_by_user=true}", "service": case.service},
                "dimensions_set_by_user in a PUT",
            ),
        )
    drawn = st.tuples(word(), st.integers(1, 99)).map(
        lambda t: invalid_put(
            case,
            "settings.unknown",
            with_settings(case, **{f"extra_{t[0]}": t[1]}),
            {"settings": f"{{extra_{t[0]}={t[1]}}}", "service": case.service},
            "unknown service setting",
        )
    )
    return Variants(fixed, drawn)


@mutation("settings.rate_limit.unknown")
def _rate_unknown(case: EndpointCase, profile: Profile) -> Variants | None:
    return only_drawn(
        st.tuples(word(), st.integers(1, 999)).map(
            lambda t: invalid_put(
                case,
                "settings.rate_limit.unknown",
                with_settings(case, rate_limit={f"{t[0]}_x": t[1]}),
                {"settings": f"{{{t[0]}_x={t[1]}}}", "service": case.service},
                "unknown rate_limit key",
            )
        )
    )


@mutation("settings.not_an_object")
def _not_object(case: EndpointCase, profile: Profile) -> Variants | None:
    # ServiceUtils#removeFromMap* cast unchecked: the JVM's ClassCastException, a 500 (issue 20)
    values = st.one_of(word(), st.integers(-5, 5), st.booleans(), st.lists(word(), min_size=1, max_size=2))

    def build(t: tuple[str, Any]) -> InvalidCase:
        where, value = t
        body = with_settings(case, rate_limit=value) if where == "rate_limit" else {**case.copy().body, where: value}
        return invalid_put(
            case,
            "settings.not_an_object",
            body,
            {"field": where, "detail": java_cast_message(value)},
            f"{where} is {java_type_name(value)}",
        )

    return only_drawn(st.tuples(st.sampled_from(("task_settings", "rate_limit")), values).map(build))


def _required_strings(case: EndpointCase) -> list[str]:
    """The case's required string settings (contract's ``required_string`` fields), in the order ES writes them."""
    kinds = dict(settings_fields(case.service, case.task_type))
    return [name for name in output_order(case.service, case.task_type) if kinds.get(name) == "required_string"]


@mutation("settings.required")
def _required(case: EndpointCase, profile: Profile) -> Variants | None:
    return each(
        [
            *((name, "service_settings") for name in _required_strings(case)),
            *((name, "secret_settings") for name in required_secrets(case.service)),
        ],
        lambda fs: invalid_put(
            case,
            "settings.required",
            with_settings(case, **{fs[0]: DROP}),
            {"scope": fs[1], "field": fs[0]},
            f"{fs[0]} removed",
        ),
    )


@mutation("settings.empty_string")
def _empty(case: EndpointCase, profile: Profile) -> Variants | None:
    return each(
        _required_strings(case),
        lambda f: invalid_put(
            case,
            "settings.empty_string",
            with_settings(case, **{f: ""}),
            {"scope": "service_settings", "field": f},
            f"{f} empty",
        ),
    )


@mutation("settings.wrong_type")
def _wrong_type(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service in ("openai", "azureopenai") and case.task_type == "text_embedding":
        return only_drawn(
            word().map(
                lambda w: invalid_put(
                    case,
                    "settings.wrong_type",
                    with_settings(case, dimensions=w),
                    {"field": "dimensions", "value": w, "expected_type": "Integer"},
                    "dimensions is a string",
                )
            )
        )
    if case.service == "amazonbedrock" and case.task_type != "text_embedding":
        return each(
            [0, 1],
            lambda n: invalid_put(
                case,
                "settings.wrong_type",
                with_task_settings(case, temperature=n),
                {"field": "temperature", "value": n, "expected_type": "Double"},
                "temperature is a JSON integer",
            ),
        )
    return None


@mutation("settings.wrong_types")
def _wrong_types(case: EndpointCase, profile: Profile) -> Variants | None:
    return only_drawn(
        word().map(
            lambda w: invalid_put(
                case,
                "settings.wrong_types",
                with_settings(case, rate_limit={"requests_per_minute": w}),
                {"field": "requests_per_minute", "value": w, "types": "[Integer, Long]"},
                "requests_per_minute is a string",
            )
        )
    )


@mutation("settings.positive_integer")
def _positive_int(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service in ("openai", "azureopenai") and case.task_type == "text_embedding":
        return each(
            [0, -1],
            lambda v: invalid_put(
                case,
                "settings.positive_integer",
                with_settings(case, dimensions=v),
                {"scope": "service_settings", "field": "dimensions", "value": v},
                f"dimensions {v}",
            ),
        )
    if case.service == "amazonbedrock" and case.task_type != "text_embedding":
        return each(
            [0, -1],
            lambda v: invalid_put(
                case,
                "settings.positive_integer",
                with_task_settings(case, max_new_tokens=v),
                {"scope": "task_settings", "field": "max_new_tokens", "value": v},
                f"max_new_tokens {v}",
            ),
        )
    return None


@mutation("settings.positive_long")
def _positive_long(case: EndpointCase, profile: Profile) -> Variants | None:
    return each(
        [0, -5],
        lambda v: invalid_put(
            case,
            "settings.positive_long",
            with_settings(case, rate_limit={"requests_per_minute": v}),
            {"scope": "rate_limit", "field": "requests_per_minute", "value": v},
            f"requests_per_minute {v}",
        ),
    )


def _bedrock_range(rule: str, case: EndpointCase, values: list[float], bound: dict[str, float]) -> Variants | None:
    if case.service != "amazonbedrock" or case.task_type == "text_embedding":
        return None
    pairs = [(f, v) for v in values for f in ("temperature", "top_p")]  # the value next to the bound first
    return each(
        pairs,
        lambda t: invalid_put(
            case,
            rule,
            with_task_settings(case, **{t[0]: t[1]}),
            {"scope": "task_settings", "field": t[0], "value": t[1], **bound},
            f"{t[0]} {t[1]}",
        ),
    )


@mutation("settings.range.min")
def _range_min(case: EndpointCase, profile: Profile) -> Variants | None:
    return _bedrock_range("settings.range.min", case, [-0.01, -0.5], {"min": 0.0})


@mutation("settings.range.max")
def _range_max(case: EndpointCase, profile: Profile) -> Variants | None:
    return _bedrock_range("settings.range.max", case, [1.01, 1.5], {"max": 1.0})


@mutation("settings.similarity.enum")
def _similarity(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.task_type != "text_embedding":
        return None
    return only_drawn(
        word().map(
            lambda w: invalid_put(
                case,
                "settings.similarity.enum",
                with_settings(case, similarity=f"by_{w}"),
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


@mutation("settings.url.invalid")
def _url(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service != "openai":
        return None
    url = "https://www.abc^.com"
    return only_fixed(
        invalid_put(
            case,
            "settings.url.invalid",
            with_settings(case, url=url),
            {"scope": "service_settings", "field": "url", "url": url, "reason": "Illegal character in authority"},
            "url with '^'",
        )
    )


@mutation("settings.not_allowed")
def _not_allowed(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.task_type != "text_embedding":
        return None
    if case.service == "amazonbedrock":
        return only_drawn(
            st.integers(1, 64).map(
                lambda n: invalid_put(
                    case,
                    "settings.not_allowed",
                    with_settings(case, dimensions=n),
                    {"scope": "service_settings", "field": "dimensions"},
                    "dimensions",
                )
            )
        )
    if case.service == "openai":  # left over in a PUT, an unknown setting there (issue 20)
        return None
    return each(
        [True, False],
        lambda b: invalid_put(
            case,
            "settings.not_allowed",
            with_settings(case, dimensions_set_by_user=b),
            {"scope": "service_settings", "field": "dimensions_set_by_user"},
            "dimensions_set_by_user",
        ),
    )


# ---------------------------------------------------------------------------------------- secrets, bedrock
@mutation("secrets.azure.neither")
def _azure_neither(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service != "azureopenai":
        return None
    return only_fixed(
        invalid_put(
            case,
            "secrets.azure.neither",
            with_settings(case, api_key=DROP, entra_id=DROP),
            {},
            "no api_key nor entra_id",
        )
    )


@mutation("secrets.azure.both")
def _azure_both(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service != "azureopenai":
        return None
    secret = case.auth_secret
    extra = (
        {"entra_id": "eyJcanary." + secret[-12:] + ".both"}
        if "api_key" in case.secrets
        else {"api_key": "azcanaryboth" + secret[-12:]}
    )
    return only_fixed(
        invalid_put(
            case,
            "secrets.azure.both",
            with_settings(case, **extra),
            {"received": "api_key, entra_id"},
            "both api_key and entra_id",
        )
    )


@mutation("bedrock.provider.enum")
def _provider_enum(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service != "amazonbedrock":
        return None
    return only_drawn(
        word().map(
            lambda w: invalid_put(
                case,
                "bedrock.provider.enum",
                with_settings(case, provider=f"{w}ai"),
                {"value": f"{w}ai", "allowed": ", ".join(sorted(profile.bedrock_providers))},
                "unknown provider",
            )
        )
    )


@mutation("bedrock.provider.task_type")
def _provider_task(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service != "amazonbedrock":
        return None
    unsupported = [
        p for p in profile.bedrock_providers if p not in profile.bedrock_providers_by_task.get(case.task_type, ())
    ]
    return each(
        unsupported,
        lambda p: invalid_put(
            case,
            "bedrock.provider.task_type",
            with_settings(case, provider=p, model=BEDROCK_MODELS[p]["completion"][0]),
            {"task_type": case.task_type, "provider": p},
            f"provider {p}",
        ),
    )


@mutation("bedrock.top_k.provider")
def _top_k(case: EndpointCase, profile: Profile) -> Variants | None:
    if case.service != "amazonbedrock" or case.task_type == "text_embedding":
        return None
    providers = [
        p for p in profile.bedrock_providers_by_task.get(case.task_type, ()) if p not in profile.bedrock_top_k_providers
    ]

    def build(p: str) -> InvalidCase:
        body = with_settings(case, provider=p, model=BEDROCK_MODELS[p]["completion"][0])
        body.setdefault("task_settings", {})["top_k"] = 0.5
        return invalid_put(case, "bedrock.top_k.provider", body, {"provider": p}, f"top_k for {p}")

    return each(providers, build)
