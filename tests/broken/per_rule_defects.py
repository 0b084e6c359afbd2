"""A broken target per rule id (issue 23): for every rule of ``specs/rules.yaml`` and every harness check that the
defects of :mod:`broken_targets`, :mod:`security_defects` and :mod:`rest_defects` leave uncovered, ONE small
defect an implementation, a gateway or a proxy could really ship, made by a :class:`~broken_targets.BrokenProxy`
in front of the clean reference.

The defects come from a few generic kinds, each parameterised by the rule it breaks (its error message, type or
status as the rule table renders them, or the request that breaks it):

* a message reworded (:func:`_reworded`): the rule's stable text in the answer said another way (the grammar
  fixed, a word replaced, an older release's wording kept);
* the status or the error type changed (:func:`_rewritten`): a gateway mapping errors, a Java exception of
  another class, the provider's status passed through;
* a check skipped (:func:`_put_repaired`, :func:`_request_repaired`, :func:`_retried_without`): the proxy
  repairs the request the target must refuse (drops the key, fills a default, clamps a value), as a lenient
  parser would, so it is accepted;
* a default not filled in, or the wrong one (:func:`_defaults`);
* an upstream call made twice (:func:`_retried`): a gateway retrying a request the target must not repeat;
* a header dropped, a privilege enforced by the gateway (the ``security.*`` ones, :data:`PER_RULE_SECURITY`, run
  on a secured reference).

Each defect selects its single rule (``rules`` is the rule id) on a profile where the rule holds (the rule's
first), and names that rule as ``detected_by``; ``reason`` is the check that must catch it.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from broken_targets import (
    SECRET_FIELDS,
    BrokenProxy,
    Defect,
    Handler,
    ProxyRequest,
    Reply,
    _accept_chunking,
    _es_error,
    _is_error_envelope,
    _patch_endpoints,
    _stream_error_dropped,
)

from contract import PROFILES, load_rules

__all__ = ["PER_RULE", "PER_RULE_SECURITY"]

WRONG_STATUS = "wrong status"
WRONG_TYPE = "wrong error type"
REWORDED = "reason lacks the rule's stable text"
RETRIED = "must not be retried"


# ================================================================================================= helpers
def _first_version(rule_id: str) -> str:
    """The first profile where ``rule_id`` holds (a harness check holds on every one)."""
    rules = load_rules()
    return rules.get(rule_id).versions[0] if rule_id in rules else PROFILES[0]


def _error(reply: Reply) -> dict[str, Any] | None:
    """The parsed Elasticsearch error envelope of ``reply`` (``None`` when it is not one)."""
    data = reply.json
    return data if _is_error_envelope(data) else None


def _json_reply(status: int, data: Any) -> Reply:
    return Reply(status, {"Content-Type": "application/json"}, json.dumps(data).encode())


def _is_create(req: ProxyRequest) -> bool:
    """``PUT /_inference[/{task_type}]/{id}`` with a JSON object body."""
    return req.method == "PUT" and req.inference_id is not None and req.suffix is None and isinstance(req.body, dict)


def _is_inference_post(req: ProxyRequest) -> bool:
    return req.method == "POST" and req.path.startswith("/_inference/") and req.suffix is None


def _rewritten(
    match: str,
    *,
    reason: Callable[[str], str] | None = None,
    status: int | Callable[[str], int] | None = None,
    error_type: str | None = None,
    root_cause_from_cause: bool = False,
) -> Handler:
    """Error answers (the Elasticsearch envelope) whose reason holds ``match`` rewritten: ``reason`` maps each
    reason holding it, ``error_type`` replaces their type, ``status`` (a value, or a function of the reason) the
    HTTP status and the body's; ``root_cause_from_cause`` answers the ``caused_by`` as the error itself."""

    def handler(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
        reply = proxy.forward(req)
        data = _error(reply)
        if data is None or match not in json.dumps(data, ensure_ascii=False):
            return reply
        err = data["error"]
        if root_cause_from_cause and isinstance(err.get("caused_by"), dict):
            cause = {k: v for k, v in err["caused_by"].items() if k in ("type", "reason")}
            data["error"] = err = {"root_cause": [cause], **cause}
        for item in (err, *(err.get("root_cause") or ())):
            if not isinstance(item, dict) or match not in str(item.get("reason")):
                continue
            if error_type is not None:
                item["type"] = error_type
            if reason is not None:
                item["reason"] = reason(item["reason"])
        new_status = status(err["reason"]) if callable(status) else status
        if new_status is not None:
            data["status"] = new_status
        return reply.with_json(data, status=new_status)

    # what it changes, for the test that checks it against the rule table (the rule's message and stable text)
    handler.rewrite = {"reason": reason, "status": status, "error_type": error_type}  # type: ignore[attr-defined]
    return handler


def _reworded(old: str, new: str) -> Handler:
    """The rule's message says ``new`` where it says ``old`` (a message reworded)."""
    return _rewritten(old, reason=lambda text: text.replace(old, new))


def _reworded_re(match: str, pattern: str, new: str) -> Handler:
    """Reasons holding ``match`` with ``pattern`` replaced by ``new`` (a regular expression)."""
    return _rewritten(match, reason=lambda text: re.sub(pattern, new, text))


def _retried(when: Callable[[ProxyRequest, Reply], bool]) -> Handler:
    """A gateway that sends the request again when ``when(request, first answer)``, and answers the second."""

    def handler(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
        reply = proxy.forward(req)
        return proxy.forward(req) if when(req, reply) else reply

    return handler


def _request_repaired(fix: Callable[[ProxyRequest], ProxyRequest | None]) -> Handler:
    """Requests ``fix`` rewrites (it returns ``None`` to leave one alone) forwarded rewritten: a check skipped."""

    def handler(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
        return proxy.forward(fix(req) or req)

    return handler


def _put_repaired(fix: Callable[[dict[str, Any]], None]) -> Handler:
    """Endpoint-creating PUTs forwarded with their body (a copy) repaired by ``fix`` in place."""

    def rewrite(req: ProxyRequest) -> ProxyRequest | None:
        if not _is_create(req):
            return None
        body = copy.deepcopy(req.body)
        fix(body)
        changed = json.dumps(body, sort_keys=True) != json.dumps(req.body, sort_keys=True)  # 0.0 == 0 in Python
        return req.with_body(body) if changed else None

    return _request_repaired(rewrite)


def _settings(body: dict[str, Any], section: str = "service_settings") -> dict[str, Any]:
    value = body.get(section)
    return value if isinstance(value, dict) else {}


def _retried_without(match: str, fix: Callable[[dict[str, Any]], None]) -> Handler:
    """A PUT refused with ``match`` in the reason sent again with its body repaired by ``fix`` (what a gateway's
    "drop unsupported parameters" option does); the second answer is returned."""

    def handler(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
        reply = proxy.forward(req)
        if not _is_create(req) or reply.status < 400 or match not in reply.body.decode("utf-8", "replace"):
            return reply
        body = copy.deepcopy(req.body)
        fix(body)
        return proxy.forward(req.with_body(body))

    return handler


def _defaults(patch: Callable[[dict[str, Any], dict[str, Any]], None]) -> Handler:
    """PUT and GET answers: ``patch(endpoint, the PUT body that created it)`` on every endpoint shown."""

    def handler(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
        reply = proxy.forward(req)
        if req.method not in ("PUT", "GET") or req.suffix is not None:
            return reply
        return _patch_endpoints(reply, lambda e: patch(e, proxy.remembered(e.get("inference_id"))))

    return handler


# ================================================================================================= bespoke handlers
def _lower_case_id(req: ProxyRequest) -> ProxyRequest | None:
    """An inference id with capitals lower-cased (ids taken as case-insensitive) instead of refused."""
    if req.method != "PUT" or req.inference_id is None or req.inference_id == req.inference_id.lower():
        return None
    return replace(req, path=req.path.replace(req.inference_id, req.inference_id.lower()))


def _missing_service_settings_as_empty(body: dict[str, Any]) -> None:
    if "service" in body and "service_settings" not in body:
        body["service_settings"] = {}


def _unknown_rate_limit_keys_dropped(body: dict[str, Any]) -> None:
    rate = _settings(body).get("rate_limit")
    if isinstance(rate, dict):
        body["service_settings"]["rate_limit"] = {k: v for k, v in rate.items() if k == "requests_per_minute"}


def _empty_strings_dropped(body: dict[str, Any]) -> None:
    settings = _settings(body)
    for key in [k for k, v in settings.items() if v == ""]:
        del settings[key]


def _integral_doubles_coerced(body: dict[str, Any]) -> None:
    task = _settings(body, "task_settings")
    for key in ("temperature", "top_p"):
        if isinstance(task.get(key), int) and not isinstance(task[key], bool):
            task[key] = float(task[key])


def _unparsable_rate_limit_dropped(body: dict[str, Any]) -> None:
    rate = _settings(body).get("rate_limit")
    if isinstance(rate, dict) and not isinstance(rate.get("requests_per_minute", 0), int):
        del body["service_settings"]["rate_limit"]


def _non_positive_sizes_dropped(body: dict[str, Any]) -> None:
    for section, key in (("service_settings", "dimensions"), ("task_settings", "max_new_tokens")):
        value = _settings(body, section).get(key)
        if isinstance(value, int) and value <= 0:
            del body[section][key]


_SIMILARITIES = ("cosine", "dot_product", "l2_norm")


def _unknown_similarity_dropped(body: dict[str, Any]) -> None:
    settings = _settings(body)
    if "similarity" in settings and settings["similarity"] not in _SIMILARITIES:
        del settings["similarity"]


def _disallowed_settings_dropped(body: dict[str, Any]) -> None:
    settings = _settings(body)
    settings.pop("dimensions_set_by_user", None)
    if body.get("service") == "amazonbedrock":
        settings.pop("dimensions", None)


def _api_key_wins(body: dict[str, Any]) -> None:
    settings = _settings(body)
    if body.get("service") == "azureopenai" and "api_key" in settings and "entra_id" in settings:
        del settings["entra_id"]


def _top_k_dropped(body: dict[str, Any]) -> None:
    _settings(body, "task_settings").pop("top_k", None)


def _enum_constant(reason: str) -> str:
    value = re.search(r"Invalid value \[([^\]]*)\]", reason)
    constant = (value.group(1) if value else "").upper()
    return f"No enum constant org.elasticsearch.xpack.inference.services.amazonbedrock.AmazonBedrockProvider.{constant}"


def _default_strategy(chunking: dict[str, Any]) -> None:
    if "strategy" not in chunking:
        chunking["strategy"] = "sentence"
        chunking.setdefault("sentence_overlap", 1)


_CHUNKING_KEYS = {
    "word": {"strategy", "max_chunk_size", "overlap"},
    "sentence": {"strategy", "max_chunk_size", "sentence_overlap"},
    "recursive": {"strategy", "max_chunk_size", "separators", "separator_group"},
}


def _unknown_chunking_keys_dropped(chunking: dict[str, Any]) -> None:
    allowed = _CHUNKING_KEYS.get(str(chunking.get("strategy")))
    for key in [k for k in chunking if allowed is not None and k not in allowed]:
        del chunking[key]


def _sentence_overlap_clamped(chunking: dict[str, Any]) -> None:
    value = chunking.get("sentence_overlap")
    if chunking.get("strategy") == "sentence" and isinstance(value, int):
        chunking["sentence_overlap"] = min(max(value, 0), 1)


def _null_input_npe(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """An inference body without ``input`` reaches code that dereferences it: a NullPointerException, a 500."""
    if _is_inference_post(req) and isinstance(req.body, dict) and "input" not in req.body:
        reason = 'Cannot invoke "java.util.List.isEmpty()" because "input" is null'
        return _json_reply(500, _es_error(500, "null_pointer_exception", reason))
    return proxy.forward(req)


def _empty_input_empty_result(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """``input: []`` answered as an empty batch (200, no results) instead of refused."""
    if _is_inference_post(req) and isinstance(req.body, dict) and req.body.get("input") == []:
        return _json_reply(200, {req.task_type or "text_embedding": []})
    return proxy.forward(req)


def _input_type_dropped_on_completion(req: ProxyRequest) -> ProxyRequest | None:
    body = req.body
    if _is_inference_post(req) and req.task_type == "completion" and isinstance(body, dict) and "input_type" in body:
        return req.with_body({k: v for k, v in body.items() if k != "input_type"})
    return None


def _routed_by_id(methods: tuple[str, ...], suffix: str | None = None) -> Callable[[ProxyRequest], ProxyRequest | None]:
    """Requests naming a task type routed by the endpoint id alone (the task type in the URL ignored)."""

    def rewrite(req: ProxyRequest) -> ProxyRequest | None:
        if req.method not in methods or req.task_type is None or req.inference_id is None or req.suffix != suffix:
            return None
        return replace(req, path=f"/_inference/{req.inference_id}" + (f"/{suffix}" if suffix else ""))

    return rewrite


def _missing_messages_as_empty(req: ProxyRequest) -> ProxyRequest | None:
    body = req.body
    if req.method == "POST" and req.suffix == "_stream" and isinstance(body, dict) and "messages" not in body:
        return req.with_body({**body, "messages": []})
    return None


def _stream_falls_back(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A ``_stream`` the service cannot stream answered by the plain inference (a fallback), not refused."""
    reply = proxy.forward(req)
    if req.method == "POST" and req.suffix == "_stream" and reply.status == 405:
        return proxy.forward(replace(req, path=req.path.removesuffix("/_stream")))
    return reply


def _idempotent_delete(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """DELETE of a missing endpoint acknowledged (an idempotent DELETE) instead of a 404."""
    reply = proxy.forward(req)
    data = _error(reply)
    if (
        req.method == "DELETE"
        and reply.status == 404
        and data
        and data["error"]["type"] == "resource_not_found_exception"
    ):
        return _json_reply(200, {"acknowledged": True})
    return reply


def _upsert(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A PUT of an existing id replaces the endpoint (PUT as upsert) instead of a 400."""
    reply = proxy.forward(req)
    data = _error(reply)
    if _is_create(req) and data and data["error"]["type"] == "resource_already_exists_exception":
        proxy.forward(ProxyRequest("DELETE", f"/_inference/{req.inference_id}", "force=true", None, b"", req.headers))
        return proxy.forward(req)
    return reply


def _delete_forced(req: ProxyRequest) -> ProxyRequest | None:
    if req.method != "DELETE" or req.inference_id is None or "force=true" in req.query:
        return None
    return replace(req, query="&".join(q for q in (req.query, "force=true") if q))


_TRUTHY = ("true", "1", "yes", "on", "y")


def _lenient_booleans(req: ProxyRequest) -> ProxyRequest | None:
    """``dry_run`` / ``force`` read leniently (``True``, ``1``, ``yes`` are true, anything else false)."""
    pairs = parse_qsl(req.query, keep_blank_values=True)
    fixed = [
        (k, ("true" if v.lower() in _TRUTHY else "false") if k in ("dry_run", "force") and v else v) for k, v in pairs
    ]
    return replace(req, query=urlencode(fixed)) if fixed != pairs else None


def _missing_body_as_empty(req: ProxyRequest) -> ProxyRequest | None:
    if req.method in ("PUT", "POST") and req.path.startswith("/_inference/") and not req.raw.strip():
        return req.with_body({})
    return None


def _bare_input(req: ProxyRequest) -> ProxyRequest | None:
    """A JSON array of strings (or one string) as the whole inference body taken as its ``input``."""
    body = req.body
    texts = isinstance(body, list) and all(isinstance(t, str) for t in body)
    if _is_inference_post(req) and (texts or isinstance(body, str)):
        return req.with_body({"input": body})
    return None


def _index_create_idempotent(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """Creating an index that exists acknowledged (an idempotent create) instead of a 400."""
    reply = proxy.forward(req)
    data = _error(reply)
    if (
        req.method == "PUT"
        and data
        and data["error"]["type"] == "resource_already_exists_exception"
        and (not req.path.startswith("/_inference/"))
    ):
        name = req.path.strip("/")
        return _json_reply(200, {"acknowledged": True, "shards_acknowledged": True, "index": name})
    return reply


def _values_stringified(req: ProxyRequest) -> ProxyRequest | None:
    """A document value that is not text indexed as its JSON text (a lenient coercion) instead of refused."""
    body = req.body
    if req.method in ("PUT", "POST") and "/_doc/" in req.path and isinstance(body, dict):
        fixed = {
            k: v if isinstance(v, str | int | float | bool) or v is None else json.dumps(v) for k, v in body.items()
        }
        return req.with_body(fixed) if fixed != body else None
    return None


def _dims_set_by_user_rendered(endpoint: dict[str, Any], put: dict[str, Any]) -> None:
    settings = endpoint.get("service_settings")
    if (
        endpoint.get("task_type") == "text_embedding"
        and isinstance(settings, dict)
        and put.get("service") in ("openai", "azureopenai")
    ):
        settings["dimensions_set_by_user"] = "dimensions" in _settings(put)


def _chunking_default_omitted(endpoint: dict[str, Any], put: dict[str, Any]) -> None:
    if put and "chunking_settings" not in put:
        endpoint.pop("chunking_settings", None)


def _one_rate_limit_default(endpoint: dict[str, Any], put: dict[str, Any]) -> None:
    settings = endpoint.get("service_settings")
    if put and "rate_limit" not in _settings(put) and isinstance(settings, dict) and "rate_limit" in settings:
        settings["rate_limit"] = {"requests_per_minute": 3000}


def _similarity_default_cosine(endpoint: dict[str, Any], put: dict[str, Any]) -> None:
    settings = endpoint.get("service_settings")
    if put and "similarity" not in _settings(put) and isinstance(settings, dict) and "similarity" in settings:
        settings["similarity"] = "cosine"


def _dimensions_default_omitted(endpoint: dict[str, Any], put: dict[str, Any]) -> None:
    settings = endpoint.get("service_settings")
    if put and "dimensions" not in _settings(put) and isinstance(settings, dict):
        settings.pop("dimensions", None)


def _put_retried(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """Every endpoint-creating PUT sent twice (a gateway retrying an idempotent method whose answer took longer
    than its timeout), the first answer returned: the second makes its own validation call, then fails."""
    reply = proxy.forward(req)
    if _is_create(req) and reply.status == 200:
        proxy.forward(req)
    return reply


def _get_health_checked(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """GET of one endpoint probes it with a small inference (to report it healthy) before answering."""
    reply = proxy.forward(req)
    if req.method != "GET" or req.inference_id is None or req.suffix is not None or reply.status != 200:
        return reply
    data = reply.json if isinstance(reply.json, dict) else {}
    for endpoint in (data.get("endpoints") or data.get("models") or [])[:1]:
        task, ident = endpoint.get("task_type"), endpoint.get("inference_id")
        if task == "chat_completion":
            probe = ProxyRequest("POST", f"/_inference/chat_completion/{ident}/_stream", "", None, b"", req.headers)
            proxy.forward(probe.with_body({"messages": [{"role": "user", "content": "ping"}]}))
        else:
            probe = ProxyRequest("POST", f"/_inference/{task}/{ident}", "", None, b"", req.headers)
            proxy.forward(probe.with_body({"input": "ping"}))
    return reply


def _update_merged(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """An ``_update`` whose ``service_settings`` carry no secret is completed with the stored secrets (merge
    semantics) instead of refused."""
    settings = req.body.get("service_settings") if isinstance(req.body, dict) else None
    if (
        req.method == "PUT"
        and req.suffix == "_update"
        and isinstance(settings, dict)
        and not any(k in settings for k in SECRET_FIELDS)
    ):
        stored = proxy.secrets_of(req.inference_id)
        if stored:
            req = req.with_body({**req.body, "service_settings": {**settings, **stored}})
    return proxy.forward(req)


def _chunking_ignored(body: dict[str, Any]) -> None:
    body.pop("chunking_settings", None)


def _upstream_status(reason: str) -> int:
    """The upstream's status quoted in a reason (``status [503]``), passed through as the answer's."""
    found = re.search(r"status \[(\d{3})\]", reason)
    return int(found.group(1)) if found else 500


def _inference_answered(status: int) -> Callable[[ProxyRequest, Reply], bool]:
    """An inference POST the target answered with ``status`` (what a retrying gateway retries on)."""

    def when(req: ProxyRequest, reply: Reply) -> bool:
        return _is_inference_post(req) and reply.status == status

    return when


def _cause_dropped(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A failed validation call reported without its cause (no ``caused_by``, the wrapper as the root cause)."""
    reply = proxy.forward(req)
    data = _error(reply)
    if data is None or "caused_by" not in data["error"] or "validation call" not in data["error"]["reason"]:
        return reply
    err = {"type": data["error"]["type"], "reason": data["error"]["reason"]}
    return reply.with_json({"error": {"root_cause": [err], **err}, "status": data["status"]})


# ================================================================================================= the catalogue
def _defect(
    rule_id: str,
    name: str,
    description: str,
    handler: Handler,
    *,
    reason: str = "",
    seen: str = "",
    on: tuple[str, str] | None = None,
    gap: str = "",
) -> Defect:
    """The defect ``name`` breaking ``rule_id`` alone, on the rule's first profile."""
    return Defect(
        name,
        description,
        rule_id,
        (rule_id,),
        handler,
        reason=reason,
        seen=seen,
        on=on,
        es_version=_first_version(rule_id),
        gap=gap,
    )


def _catalogue() -> list[Defect]:
    # fmt: off
    return [
        # ------------------------------------------------------------------ ids, services
        _defect("id_format.invalid", "inference_ids_lower_cased", "an inference id with capitals lower-cased "
                "(ids taken as case-insensitive) instead of refused", _request_repaired(_lower_case_id),
                reason=WRONG_STATUS, seen="200"),
        _defect("service.missing", "missing_service_generic_message", "a PUT without `service` refused with the "
                "generic \"Missing required field [service]\"",
                _reworded("Inference endpoint configuration is missing the [service] setting",
                          "Missing required field [service]"), reason=REWORDED),
        _defect("service.unknown", "unknown_service_reworded", "an unknown service refused as \"Unsupported "
                "service\"", _reworded("Unknown service", "Unsupported service"), reason=REWORDED),
        _defect("service.service_settings_missing", "missing_service_settings_as_empty", "a PUT without "
                "service_settings read as an empty map (so its first required setting is reported)",
                _put_repaired(_missing_service_settings_as_empty), reason=WRONG_TYPE),
        # ------------------------------------------------------------------ settings
        _defect("settings.rate_limit.unknown", "unknown_rate_limit_keys_ignored", "unknown keys in rate_limit "
                "silently dropped (the default rate limit applies)", _put_repaired(_unknown_rate_limit_keys_dropped),
                reason=WRONG_STATUS, seen="200"),
        _defect("settings.required", "required_setting_reworded", "a missing required setting reported as \"is "
                "missing the required setting\"", _reworded("does not contain the required setting",
                                                            "is missing the required setting"), reason=REWORDED),
        _defect("settings.empty_string", "empty_string_as_missing", "an empty string setting treated as a missing "
                "one (the required-setting error instead)", _put_repaired(_empty_strings_dropped), reason=REWORDED),
        _defect("settings.wrong_type", "integral_double_coerced", "an integral temperature (0, 1) coerced to a "
                "double instead of refused", _put_repaired(_integral_doubles_coerced), reason=WRONG_STATUS,
                seen="200", on=("amazonbedrock", "completion")),
        _defect("settings.wrong_types", "unparsable_rate_limit_defaulted", "a requests_per_minute that is not a "
                "number replaced by the default rate limit", _put_repaired(_unparsable_rate_limit_dropped),
                reason=WRONG_STATUS, seen="200"),
        _defect("settings.positive_integer", "non_positive_size_as_unset", "dimensions / max_new_tokens of 0 or "
                "less treated as unset", _put_repaired(_non_positive_sizes_dropped), reason=WRONG_STATUS, seen="200"),
        _defect("settings.positive_long", "positive_long_said_integer", "a rate limit of 0 or less refused as "
                "\"must be a positive integer\" (the integer helper's message)",
                _reworded("must be a positive long", "must be a positive integer"), reason=REWORDED),
        _defect("settings.range.min", "range_min_grammar_fixed", "\"must be a greater than or equal to\" said "
                "\"must be greater than or equal to\"", _reworded("must be a greater than", "must be greater than"),
                reason=REWORDED),
        _defect("settings.range.max", "range_max_grammar_fixed", "\"must be a less than or equal to\" said "
                "\"must be less than or equal to\"", _reworded("must be a less than", "must be less than"),
                reason=REWORDED),
        _defect("settings.similarity.enum", "unknown_similarity_defaulted", "an unknown similarity replaced by "
                "the default instead of refused", _put_repaired(_unknown_similarity_dropped), reason=WRONG_STATUS,
                seen="200"),
        _defect("settings.url.invalid", "invalid_url_capitalised", "\"Invalid url\" said \"Invalid URL\"",
                _reworded("Invalid url", "Invalid URL"), reason=REWORDED),
        _defect("settings.not_allowed", "disallowed_setting_dropped", "a setting the service does not allow "
                "(Azure's dimensions_set_by_user, Bedrock's dimensions) silently dropped",
                _put_repaired(_disallowed_settings_dropped), reason=WRONG_STATUS, seen="200"),
        # ------------------------------------------------------------------ secrets, bedrock
        _defect("secrets.azure.neither", "azure_secret_as_api_key_required", "Azure without api_key or entra_id "
                "refused as a missing api_key (entra_id not known)",
                _reworded_re("must have either the [api_key] or the [entra_id] key set",
                             r"must have either the \[api_key\] or the \[entra_id\] key set",
                             "does not contain the required setting [api_key]"), reason=REWORDED),
        _defect("secrets.azure.both", "azure_api_key_wins", "Azure with both api_key and entra_id: the api_key "
                "kept, entra_id dropped", _put_repaired(_api_key_wins), reason=WRONG_STATUS, seen="200"),
        _defect("secrets.dimensions_set_by_user_hidden", "dimensions_set_by_user_rendered", "the internal "
                "dimensions_set_by_user flag rendered in PUT and GET answers", _defaults(_dims_set_by_user_rendered),
                reason="dimensions_set_by_user rendered"),
        _defect("bedrock.provider.enum", "bedrock_provider_enum_value_of", "an unknown Bedrock provider refused "
                "by Java's Enum.valueOf (\"No enum constant ...\", illegal_argument_exception)",
                _rewritten("[provider] must be one of", reason=_enum_constant, error_type="illegal_argument_exception"),
                reason=WRONG_TYPE),
        _defect("bedrock.provider.task_type", "bedrock_provider_task_reworded", "a provider lacking the task type "
                "refused as \"is not supported\"", _reworded("is not available", "is not supported"),
                reason=REWORDED),
        _defect("bedrock.top_k.provider", "bedrock_top_k_dropped_and_retried", "top_k for a provider without it "
                "dropped and the PUT sent again (a gateway's drop-unsupported-params option)",
                _retried_without("task parameter is not available for provider", _top_k_dropped),
                reason=WRONG_STATUS, seen="200"),
        # ------------------------------------------------------------------ chunking
        _defect("chunking.strategy.missing", "chunking_strategy_defaulted", "chunking settings without a strategy "
                "given the default strategy (sentence)", _accept_chunking(_default_strategy), reason=WRONG_STATUS,
                seen="200"),
        _defect("chunking.strategy.unknown", "chunking_strategy_reworded", "an unknown chunking strategy refused "
                "as \"Unknown chunking strategy\"", _reworded("Invalid chunkingStrategy", "Unknown chunking strategy"),
                reason=REWORDED),
        _defect("chunking.invalid_settings", "unknown_chunking_keys_dropped", "chunking keys the strategy does "
                "not have silently dropped", _accept_chunking(_unknown_chunking_keys_dropped), reason=WRONG_STATUS,
                seen="200"),
        _defect("chunking.sentence_overlap.value", "sentence_overlap_clamped", "sentence_overlap above 1 clamped "
                "to 1", _accept_chunking(_sentence_overlap_clamped), reason=WRONG_STATUS, seen="200"),
        _defect("chunking.default", "default_chunking_not_rendered", "an endpoint created without "
                "chunking_settings shows none (the default not filled in)", _defaults(_chunking_default_omitted),
                reason="default chunking_settings"),
        _defect("check.chunk_bounds", "chunking_settings_ignored", "chunking_settings dropped before the endpoint "
                "is stored: the default chunker cuts the documents", _put_repaired(_chunking_ignored),
                reason="chunk longer than max_chunk_size"),
        # ------------------------------------------------------------------ inference requests, streaming
        _defect("input.null", "missing_input_npe", "an inference body without input answered 500 (a "
                "NullPointerException)", _null_input_npe, reason=WRONG_STATUS, seen="500"),
        _defect("input.empty", "empty_input_empty_result", "input: [] answered 200 with no results",
                _empty_input_empty_result, reason=WRONG_STATUS, seen="200"),
        _defect("input.input_type.not_for_task", "input_type_dropped_for_completion", "input_type on a completion "
                "dropped instead of refused", _request_repaired(_input_type_dropped_on_completion),
                reason=WRONG_STATUS, seen="200"),
        _defect("input.task_type.mismatch", "inference_routed_by_id", "an inference under another task type's URL "
                "routed by the endpoint id alone", _request_repaired(_routed_by_id(("POST",))),
                reason=WRONG_STATUS, seen="200"),
        _defect("streaming.unified.invalid", "missing_messages_as_empty", "a unified body without messages read "
                "as messages: []", _request_repaired(_missing_messages_as_empty), reason="not the unified error format"),
        _defect("streaming.not_allowed", "stream_falls_back_to_plain", "a _stream the service cannot stream "
                "answered by the plain inference", _stream_falls_back, reason=WRONG_STATUS, seen="200"),
        # ------------------------------------------------------------------ crud
        _defect("crud.not_found", "delete_missing_acknowledged", "DELETE of a missing endpoint acknowledged (an "
                "idempotent DELETE)", _idempotent_delete, reason=WRONG_STATUS, seen="200"),
        _defect("crud.task_type.mismatch", "task_type_mismatch_as_not_found", "GET/DELETE under another task "
                "type answered 404 (endpoints looked up by task type and id)",
                _rewritten("does not match the inference endpoint's task type", status=404,
                           error_type="resource_not_found_exception"), reason=WRONG_STATUS, seen="404"),
        _defect("crud.duplicate", "put_is_upsert", "a PUT of an existing id replaces the endpoint", _upsert,
                reason=WRONG_STATUS, seen="200"),
        _defect("crud.delete.referenced", "delete_always_forced", "every DELETE sent with force=true (an endpoint "
                "an index uses is deleted)", _request_repaired(_delete_forced), reason=WRONG_STATUS, seen="200"),
        _defect("crud.update.task_type", "update_routed_by_id", "an _update under another task type's URL routed "
                "by the endpoint id alone", _request_repaired(_routed_by_id(("PUT",), "_update")),
                reason=WRONG_STATUS, seen="200"),
        _defect("check.update_invalid", "update_secrets_merged", "an _update whose service_settings carry no "
                "secret completed with the stored secrets (merged) instead of refused", _update_merged,
                reason=WRONG_STATUS),
        # ------------------------------------------------------------------ validation call, upstream
        _defect("validation_call.failed", "validation_cause_unwrapped", "a failed validation call answered with "
                "the upstream's error itself (not wrapped)", _rewritten(
                    "validation call to service threw an exception", root_cause_from_cause=True), reason=REWORDED),
        _defect("validation_call.dimensions_mismatch", "dimensions_mismatch_adopted", "a validation call "
                "returning another size: the PUT sent again without dimensions (the upstream's size adopted)",
                _retried_without("does not match the size specified in the settings",
                                 lambda body: _settings(body).pop("dimensions", None)),
                reason=WRONG_STATUS, seen="200"),
        _defect("check.validation_call", "put_retried_by_gateway", "every PUT sent twice (a gateway retrying an "
                "idempotent method), so the upstream gets two validation calls", _put_retried,
                reason="exactly one validation call"),
        _defect("check.no_upstream_on_read", "get_health_check", "GET of an endpoint probes it with an inference "
                "call", _get_health_checked, reason="GET/DELETE called the upstream"),
        _defect("upstream.401", "upstream_401_retried", "an upstream 401 retried once (a token-refresh retry)",
                _retried(_inference_answered(401)), reason=RETRIED, on=("openai", "text_embedding")),
        _defect("upstream.500", "upstream_500_passed_through", "an upstream 500 passed through as the answer's "
                "status", _rewritten("Received a server error status code", status=_upstream_status),
                reason=WRONG_STATUS, seen="500"),
        _defect("upstream.503", "upstream_503_passed_through", "an upstream 503 passed through as the answer's "
                "status", _rewritten("Received a server busy error status code", status=_upstream_status),
                reason=WRONG_STATUS, seen="503"),
        _defect("upstream.400", "upstream_400_old_wording", "an upstream 400 reported with the wording of 8.18 "
                "(\"Received an unsuccessful status code\")",
                _reworded("Received a bad request status code", "Received an unsuccessful status code"),
                reason=REWORDED),
        _defect("upstream.404", "upstream_404_old_wording", "an upstream 404 reported with the wording of 8.18 "
                "(\"Received an unsuccessful status code\")",
                _reworded_re("Resource not found at", r"Resource not found at \[[^\]]*\] for request",
                             "Received an unsuccessful status code for request"), reason=REWORDED),
        _defect("upstream.413", "upstream_413_payload_too_large", "an upstream 413 reported as \"payload too "
                "large\"", _reworded("content too large", "payload too large"), reason=REWORDED),
        _defect("upstream.422", "upstream_422_old_wording", "an upstream 422 reported with the wording of 8.18 "
                "(\"Received an unsuccessful status code\")",
                _reworded("Received an input validation error response", "Received an unsuccessful status code"),
                reason=REWORDED),
        _defect("upstream.3xx", "upstream_redirect_as_502", "an upstream redirect answered 502 Bad Gateway",
                _rewritten("Unhandled redirection", status=502), reason=WRONG_STATUS, seen="502"),
        _defect("upstream.other", "upstream_other_passed_through", "an unusual upstream status (418) passed "
                "through as the answer's status", _rewritten("Received an unsuccessful status code",
                                                            status=_upstream_status), reason=WRONG_STATUS),
        _defect("upstream.invalid_host", "invalid_host_cause_dropped", "a validation call to an unknown host "
                "reported without its cause", _cause_dropped,
                reason="unknown host must be reported as the cause"),
        _defect("upstream.bedrock.invoke_model", "bedrock_client_error_as_400", "a Bedrock ValidationException "
                "on an embedding answered 400 (the SDK's client error status)",
                _rewritten("AmazonBedrock invoke model failure", status=400), reason=WRONG_STATUS, seen="400"),
        _defect("upstream.bedrock.converse", "bedrock_converse_brand_spelled", "\"AmazonBedrock converse "
                "failure\" said \"Amazon Bedrock converse failure\"",
                _reworded("AmazonBedrock converse failure", "Amazon Bedrock converse failure"), reason=REWORDED),
        _defect("upstream.azureopenai.429", "azure_429_as_503", "an Azure 429 answered 503 (throttling mapped to "
                "unavailable)", _rewritten("Received a rate limit status code", status=503), reason=WRONG_STATUS,
                seen="503"),
        _defect("upstream.openai.completion_429", "completion_429_retried", "an OpenAI 429 on a completion "
                "retried once by a gateway", _retried(_inference_answered(429)), reason=RETRIED),
        _defect("upstream.empty_body", "empty_body_as_parse_failure", "an empty upstream body reported as "
                "\"Failed to parse\"", _reworded("Failed to send", "Failed to parse"), reason=REWORDED),
        _defect("upstream.malformed_response", "malformed_response_as_502", "an unparsable upstream answer "
                "answered 502 Bad Gateway", _rewritten("Failed to send", status=502), reason=WRONG_STATUS,
                seen="502"),
        _defect("upstream.bedrock.stream", "bedrock_stream_error_dropped", "a broken Bedrock event stream ended "
                "with data: [DONE] instead of an error event", _stream_error_dropped,
                reason="the stream carries no error event"),
        _defect("upstream.bedrock.call_failed", "bedrock_call_failed_retried", "a failed Bedrock call (a reset) "
                "retried once by a gateway on its 500", _retried(_inference_answered(500)), reason=RETRIED),
        # ------------------------------------------------------------------ defaults
        _defect("defaults.rate_limit", "one_rate_limit_default", "every service given OpenAI's default rate limit "
                "(3000)", _defaults(_one_rate_limit_default), reason="default rate_limit"),
        _defect("defaults.similarity", "similarity_default_cosine", "every service given the default similarity "
                "cosine", _defaults(_similarity_default_cosine), reason="default similarity"),
        _defect("defaults.dimensions", "dimensions_default_not_rendered", "dimensions not filled in from the "
                "upstream's vectors when not set", _defaults(_dimensions_default_omitted),
                reason="dimensions = length of the upstream's vectors"),
        # ------------------------------------------------------------------ request bodies, parameters, indexes
        _defect("body.required", "missing_body_as_empty_object", "a PUT or POST without a body read as {}",
                _request_repaired(_missing_body_as_empty), reason=WRONG_TYPE),
        _defect("body.not_object", "bare_array_as_input", "a JSON array (or string) body taken as the input",
                _request_repaired(_bare_input), reason=WRONG_TYPE),
        _defect("param.boolean", "lenient_boolean_params", "dry_run / force read leniently (True, 1 are true, "
                "anything else false)", _request_repaired(_lenient_booleans), reason=WRONG_STATUS, seen="200"),
        _defect("index.already_exists", "index_create_idempotent", "creating an existing index acknowledged",
                _index_create_idempotent, reason=WRONG_STATUS, seen="200"),
        _defect("index.invalid_name", "invalid_index_name_as_illegal_argument", "an invalid index name refused "
                "as illegal_argument_exception", _rewritten("Invalid index name",
                                                            error_type="illegal_argument_exception"),
                reason=WRONG_TYPE),
        _defect("index.semantic_text.inference_id_not_found", "semantic_missing_endpoint_generic", "a semantic_text "
                "field whose endpoint is gone reported as \"Inference endpoint not found\"",
                _reworded_re("not found for field", r"Inference id \[([^\]]*)\] not found for field \[[^\]]*\]",
                             r"Inference endpoint not found [\1]"), reason=REWORDED),
        _defect("index.semantic_text.value", "semantic_value_stringified", "a semantic_text value that is not "
                "text indexed as its JSON text", _request_repaired(_values_stringified), reason=WRONG_STATUS,
                seen="201"),
    ]
    # fmt: on


#: Every per-rule defect (on the plain reference), by name.
PER_RULE: dict[str, Defect] = {d.name: d for d in _catalogue()}


# ================================================================================================= security
def _authorization(req: ProxyRequest) -> str:
    return next((v for k, v in req.headers if k.lower() == "authorization"), "")


def _challenge_stripped(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """401 answers lose ``WWW-Authenticate`` (a gateway stripping it so browsers show no login dialog)."""
    reply = proxy.forward(req)
    if reply.status == 401:
        reply.headers = {k: v for k, v in reply.headers.items() if k.lower() != "www-authenticate"}
    return reply


def _unknown_api_key_forbidden(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """An API key the cluster does not know answered 403 (the gateway's "not allowed") instead of 401."""
    reply = proxy.forward(req)
    if reply.status == 401 and _authorization(req).startswith("ApiKey "):
        data = reply.json
        if isinstance(data, dict):
            data["status"] = 403
            return replace(reply.with_json(data, status=403), headers={"Content-Type": "application/json"})
    return reply


def _well_formed(value: str) -> bool:
    scheme, _, token = value.partition(" ")
    if scheme not in ("Basic", "ApiKey"):
        return True
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return ":" in decoded


def _malformed_refused_by_gateway(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A malformed ``Authorization`` header refused by the gateway's own parser: 400, its own body."""
    value = _authorization(req)
    if value and not _well_formed(value):
        return _json_reply(400, {"error": "bad_request", "message": "malformed Authorization header"})
    return proxy.forward(req)


def _writes_need_a_user(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """The gateway lets API keys only read: PUT / DELETE on ``_inference`` by an API key answered 403."""
    if (
        req.method in ("PUT", "DELETE")
        and req.path.startswith("/_inference/")
        and _authorization(req).startswith("ApiKey ")
    ):
        reason = f"action [{req.method} {req.path}] is unauthorized for API keys at the gateway"
        return _json_reply(403, _es_error(403, "security_exception", reason))
    return proxy.forward(req)


def _security_catalogue() -> list[Defect]:
    # fmt: off
    return [
        _defect("security.authn.wrong_password", "www_authenticate_stripped", "401 answers lose WWW-Authenticate "
                "(a gateway hiding the browser's login dialog)", _challenge_stripped,
                reason="must carry the WWW-Authenticate challenges"),
        _defect("security.authn.wrong_api_key", "unknown_api_key_as_403", "an unknown API key answered 403 "
                "instead of 401", _unknown_api_key_forbidden, reason=WRONG_STATUS, seen="403"),
        _defect("security.authn.malformed", "malformed_authorization_as_400", "a malformed Authorization header "
                "refused 400 by the gateway", _malformed_refused_by_gateway, reason="must be a 401", seen="400"),
        _defect("security.authz.manage_inference", "api_key_writes_forbidden", "a manage_inference API key "
                "refused PUT and DELETE by the gateway (writes only for users)", _writes_need_a_user,
                reason="must be allowed", seen="403"),
    ]
    # fmt: on


#: Per-rule defects judged on a secured reference (``security_defects.SecuredStack``), by name.
PER_RULE_SECURITY: dict[str, Defect] = {d.name: d for d in _security_catalogue()}
