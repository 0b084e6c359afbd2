"""Mutations of the request's frame: the inference id, the task type (URL and body) and the service."""

from __future__ import annotations

from contract.profiles import PROFILES, Profile, load_profile
from harness.gen._mutation import Variants, each, invalid_put, mutation, only_drawn, only_fixed, word
from harness.gen.cases import EndpointCase, InvalidCase

__all__ = ["RESERVED_IDS", "unsupported_task_types"]

_ALL_TASKS = ("text_embedding", "completion", "chat_completion")
#: Task types ES knows that a PUT may name (the unsupported ones per service are tried).
_KNOWN_TASKS = ("sparse_embedding", "rerank", *_ALL_TASKS)
#: Ids of Elasticsearch's preconfigured endpoints (``QA/DefaultEndPointsIT.java``).
RESERVED_IDS: tuple[str, ...] = (".elser-2-elasticsearch", ".multilingual-e5-small-elasticsearch")


@mutation("id_format.invalid")
def _id_invalid(case: EndpointCase, profile: Profile) -> Variants | None:
    def build(kind: str) -> InvalidCase:
        ident = {
            "upper": case.inference_id.upper(),
            "lead": "-" + case.inference_id,
            "trail": case.inference_id + "_",
            **{f"reserved {r}": r for r in RESERVED_IDS},
        }[kind]
        return invalid_put(
            case,
            "id_format.invalid",
            case.body,
            {"inference_id": ident},
            f"id {kind}",
            path=f"/_inference/{case.task_type}/{ident}",
        )

    # a preconfigured endpoint's id starts with '.': PutInferenceModelAction.Request#validate (MlStrings) refuses
    # it before TransportPutInferenceModelAction's reserved-id check, so the format error wins
    return each(["upper", "lead", "trail", *(f"reserved {r}" for r in RESERVED_IDS)], build)


@mutation("id_format.reserved")
def _id_reserved(case: EndpointCase, profile: Profile) -> Variants | None:
    # every reserved id starts with '.', which the id format check refuses first (see id_format.invalid):
    # no request reaches this check through the REST API
    return None


@mutation("task_type.unknown")
def _task_unknown(case: EndpointCase, profile: Profile) -> Variants | None:
    return only_drawn(
        word().map(
            lambda w: invalid_put(
                case,
                "task_type.unknown",
                case.body,
                {"task_type": f"{w}_task"},
                "unknown task type in URL",
                path=f"/_inference/{w}_task/{case.inference_id}",
            )
        )
    )


@mutation("task_type.missing")
def _task_missing(case: EndpointCase, profile: Profile) -> Variants | None:
    return only_fixed(
        invalid_put(
            case,
            "task_type.missing",
            case.body,
            {},
            "no task type in URL or body",
            path=f"/_inference/{case.inference_id}",
        )
    )


@mutation("task_type.any_in_body")
def _task_any(case: EndpointCase, profile: Profile) -> Variants | None:
    body = {**case.copy().body, "task_type": "any"}
    return only_fixed(
        invalid_put(
            case, "task_type.any_in_body", body, {}, "task_type any in body", path=f"/_inference/{case.inference_id}"
        )
    )


@mutation("task_type.conflict")
def _task_conflict(case: EndpointCase, profile: Profile) -> Variants | None:
    others = [t for t in _ALL_TASKS if t != case.task_type]
    return each(
        others,
        lambda other: invalid_put(
            case,
            "task_type.conflict",
            {**case.copy().body, "task_type": other},
            {"url_task_type": case.task_type, "body_task_type": other},
            "body task type differs",
        ),
    )


@mutation("service.missing")
def _service_missing(case: EndpointCase, profile: Profile) -> Variants | None:
    body = {k: v for k, v in case.copy().body.items() if k != "service"}
    return only_fixed(invalid_put(case, "service.missing", body, {}, "no service"))


@mutation("service.unknown")
def _service_unknown(case: EndpointCase, profile: Profile) -> Variants | None:
    return only_drawn(
        word().map(
            lambda w: invalid_put(
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


@mutation("service.unsupported_task_type")
def _service_unsupported(case: EndpointCase, profile: Profile) -> Variants | None:
    return each(
        unsupported_task_types(profile, case.service),
        lambda t: invalid_put(
            case,
            "service.unsupported_task_type",
            case.body,
            {"service": case.service, "task_type": t},
            f"task type {t}",
            path=f"/_inference/{t}/{case.inference_id}",
        ),
    )


@mutation("service.service_settings_missing")
def _settings_missing(case: EndpointCase, profile: Profile) -> Variants | None:
    body = {k: v for k, v in case.copy().body.items() if k != "service_settings"}
    return only_fixed(invalid_put(case, "service.service_settings_missing", body, {}, "no service_settings"))
