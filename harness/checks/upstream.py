"""Checks on what the target sent upstream (read from the mocks' journals) and on returned vectors."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from harness.checks.registry import NotChecked, Oracle
from harness.checks.sse import sse_events
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from mocks.azure.models import resolve_deployment
from mocks.core.journal import Call
from mocks.core.secrets import fingerprint
from mocks.core.vectors import embedding_for

__all__ = [
    "embeddings_match",
    "expected_path",
    "request_matches",
    "sse_events",
    "texts_sent",
    "validation_call",
    "word_count",
]

VALIDATION_INPUT = "how big"
_WORD = re.compile(r"[A-Za-z0-9]+")


def word_count(chunk: str) -> int:
    """Words of a chunk as ES's ICU word iterator counts them, for the harness's generated texts (runs of
    ASCII letters/digits; see :func:`harness.gen.strategies.chunk_text`).

    Punctuation is no word: ES's word chunker ends a chunk at its last word, so the next chunk starts with
    the ``.`` and space that followed (``". w13 w14 …"``); a whitespace split would count that ``.``.

    >>> word_count(". W13 w14 w15.")
    3
    """
    return len(_WORD.findall(chunk))


def expected_path(case: EndpointCase, *, stream: bool = False) -> str:
    """The upstream path the target must call for ``case``."""
    s = case.settings
    if case.service == "openai":
        return urlsplit(s["url"]).path
    if case.service == "azureopenai":
        op = "embeddings" if case.task_type == "text_embedding" else "chat/completions"
        return f"/openai/deployments/{s['deployment_id']}/{op}"
    op = "invoke" if case.task_type == "text_embedding" else ("converse-stream" if stream else "converse")
    return f"/model/{s['model']}/{op}"


def texts_sent(case: EndpointCase, calls: Sequence[Call]) -> list[Any]:
    """The input texts carried by ``calls`` in order (per service/task wire format; a non-text where the
    target sent one, so the comparison shows it)."""
    out: list[Any] = []
    for call in calls:
        body = call.json if isinstance(call.json, dict) else {}
        if case.task_type == "text_embedding":
            if case.service == "amazonbedrock":
                out += [body["inputText"]] if "inputText" in body else list(body.get("texts") or [])
            else:
                raw = body.get("input")
                out += [raw] if isinstance(raw, str) else list(raw or [])
        elif case.service == "amazonbedrock":
            for m in body.get("messages") or []:
                out += [c.get("text", "") for c in m.get("content") or [] if isinstance(c, dict)]
        else:
            out += [m.get("content") for m in body.get("messages") or [] if isinstance(m, dict)]
    return out


def validation_call(ctx: Oracle, rule_id: str, case: EndpointCase, calls: Sequence[Call]) -> None:
    """PUT made exactly one upstream call, to the right path, carrying the input ``how big``."""
    if len(calls) != 1:
        raise Failure(
            rule_id, "PUT must make exactly one validation call", expected=1, seen=[c.summary() for c in calls]
        )
    texts = texts_sent(case, calls)
    if texts != [VALIDATION_INPUT]:
        raise Failure(rule_id, "validation call input", expected=[VALIDATION_INPUT], seen=texts)
    path = unquote(calls[0].path)
    if path != expected_path(case, stream=case.task_type == "chat_completion"):
        raise Failure(rule_id, "validation call path", expected=expected_path(case), seen=path)


def request_matches(
    ctx: Oracle, rule_id: str, case: EndpointCase, calls: Sequence[Call], inputs: list[str], *, stream: bool = False
) -> None:
    """The upstream calls of one inference carry the configured path, key, model/deployment, api-version,
    organization, user, dimensions (only when set) and the inputs in order."""
    if not calls:
        raise Failure(rule_id, "no upstream call for an inference", expected="at least one call", seen=[])
    s, task = case.settings, case.task_settings
    want_key = fingerprint(case.auth_secret)
    for call in calls:
        seen = {"method": call.method, "path": unquote(call.path), "key": call.key}
        want = {"method": "POST", "path": expected_path(case, stream=stream), "key": want_key}
        if seen != want:
            raise Failure(rule_id, "upstream request line / auth", expected=want, seen=seen)
        body = call.json if isinstance(call.json, dict) else {}
        if case.service == "openai":
            if body.get("model") != s["model_id"]:
                raise Failure(rule_id, "upstream model", expected=s["model_id"], seen=body.get("model"))
            org = s.get("organization_id")
            if org and call.header("OpenAI-Organization") != org:
                raise Failure(
                    rule_id, "OpenAI-Organization header", expected=org, seen=call.header("OpenAI-Organization")
                )
        if case.service == "azureopenai" and call.query_param("api-version") != s["api_version"]:
            raise Failure(rule_id, "api-version query", expected=s["api_version"], seen=call.query_param("api-version"))
        if case.service in ("openai", "azureopenai"):
            if body.get("user") != task.get("user"):
                raise Failure(rule_id, "upstream user", expected=task.get("user"), seen=body.get("user"))
            if case.task_type == "text_embedding" and body.get("dimensions") != s.get("dimensions"):
                raise Failure(
                    rule_id,
                    "dimensions sent only when set, equal to the setting",
                    expected=s.get("dimensions"),
                    seen=body.get("dimensions"),
                )
    texts = texts_sent(case, calls)
    if texts != list(inputs):
        raise Failure(rule_id, "inputs sent upstream (in order)", expected=list(inputs), seen=texts)


def _oracle_model(case: EndpointCase, call: Call) -> str:
    if case.service == "azureopenai":
        return resolve_deployment(None, None, case.settings["deployment_id"], "embeddings")
    if case.service == "amazonbedrock":
        return unquote(call.path).split("/model/", 1)[1].rsplit("/", 1)[0]
    return str(case.settings["model_id"])


def embeddings_match(
    ctx: Oracle,
    rule_id: str,
    case: EndpointCase,
    calls: Sequence[Call],
    inputs: list[str],
    body: Any,
    *,
    seed: int | None,
) -> None:
    """``{"text_embedding":[{"embedding":[…]}…]}`` holds, for each input in order, the deterministic vector
    (``mocks.core.vectors.embedding_for``) of the mock seeded ``seed`` (None: no readable mock), within float32
    tolerance."""
    items = body.get("text_embedding") if isinstance(body, dict) else None
    if not isinstance(items, list) or len(items) != len(inputs):
        raise Failure(
            rule_id,
            "one embedding per input",
            expected=len(inputs),
            seen=None if not isinstance(items, list) else len(items),
        )
    if seed is None or not calls:
        raise NotChecked(f"no readable {case.service} mock")
    model = _oracle_model(case, calls[-1])
    for i, (text, item) in enumerate(zip(inputs, items, strict=True)):
        vec = item.get("embedding") if isinstance(item, dict) else None
        if not isinstance(vec, list) or not vec:
            raise Failure(rule_id, f"embedding {i} missing", expected="list of floats", seen=item)
        want = embedding_for(text, model=model, dimensions=len(vec), seed=seed)
        bad = next(
            (
                j
                for j, (a, b) in enumerate(zip(vec, want, strict=True))
                if not math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6)
            ),
            None,
        )
        if bad is not None:
            raise Failure(
                rule_id,
                f"embedding {i} is not the upstream vector for input {i}",
                expected=f"embedding_for({text!r})[{bad}] = {want[bad]}",
                seen=vec[bad],
            )
