"""Making one case's raw data comparable between two runs.

Secrets become ``<secret#n>`` (numbered per case in the order the harness sent them), inference ids chosen
by the harness ``<id#n>``; ports, UUIDs, timestamps and AWS request ids are replaced by placeholders, and
JSON keys are walked sorted, so key order never counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from harness.checks.sse import parse_sse
from harness.diff.trace import UNATTRIBUTED, CaseTrace
from harness.report.redact import Redactor
from harness.target import Exchanged
from mocks.core.journal import Call

__all__ = ["normalise_case"]

_TASK_SEGMENTS = frozenset(
    {"text_embedding", "sparse_embedding", "completion", "chat_completion", "rerank", "embedding"}
)
_FP = re.compile(r"fp-[0-9a-f]{16}")
_VOLATILE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(https?://[^/\s\"'<>:]+):\d{1,5}"), r"\1:<port>"),
    (re.compile(r"\b(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}"), r"\1:<port>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<uuid>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"), "<ts>"),
    (re.compile(r"\b\d{8}T\d{6}Z\b"), "<ts>"),
    (re.compile(r"(Request ID: )[^)\s,;]+"), r"\1<request-id>"),
    (re.compile(r"(API key id \[)[^\]]+"), r"\1<api-key-id>"),  # ids the target generates per run
    (re.compile(r"(index \[[^/\]\s]+/)[^\]]+\]"), r"\1<index-uuid>]"),  # "index [name/uuid] already exists"
)
#: JSON keys (in upstream bodies) whose values are per-run by nature.
_VOLATILE_KEYS = frozenset({"created", "created_at", "timestamp", "@timestamp", "took", "request_id", "requestId"})


class _Normaliser:
    """Turns one case's raw data into comparable values (see the module docstring)."""

    def __init__(self, redactor: Redactor, ids: Iterable[str]) -> None:
        self._redactor = redactor
        self._ids: dict[str, str] = {}
        for ident in ids:
            self._ids.setdefault(ident, f"<id#{len(self._ids) + 1}>")
        self._long_ids = sorted((i for i in self._ids if len(i) >= 6), key=len, reverse=True)
        self._secrets: dict[str, str] = {}

    def _secret(self, match: re.Match[str]) -> str:
        return self._secrets.setdefault(match.group(0), f"<secret#{len(self._secrets) + 1}>")

    def text(self, value: str) -> str:
        out = self._redactor.redact(value)
        for ident in self._long_ids:
            if ident in out:
                out = out.replace(ident, self._ids[ident])
        out = _FP.sub(self._secret, out)
        for pattern, repl in _VOLATILE:
            out = pattern.sub(repl, out)
        return out

    def path(self, url: str) -> str:
        parts = urlsplit(url)
        segments = [self._ids.get(unquote(s)) or self.text(unquote(s)) for s in parts.path.split("/")]
        query = "&".join(f"{k}={self.text(v)}" for k, v in parse_qsl(parts.query, keep_blank_values=True))
        return "/".join(segments) + (f"?{query}" if query else "")

    def flat(self, value: Any, prefix: str = "") -> dict[str, Any]:
        """``{dotted.path: normalised scalar}`` of a JSON value, keys walked sorted."""
        out: dict[str, Any] = {}
        if isinstance(value, dict):
            for key in sorted(value, key=str):
                name = f"{prefix}.{self.text(str(key))}" if prefix else self.text(str(key))
                if str(key) in _VOLATILE_KEYS and not isinstance(value[key], (dict, list)):
                    out[name] = "<volatile>"
                else:
                    out.update(self.flat(value[key], name))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                out.update(self.flat(item, f"{prefix}[{i}]"))
            if not value:
                out[prefix or "$"] = []
        else:
            out[prefix or "$"] = self.text(value) if isinstance(value, str) else value
        return out

    def shape(self, value: Any, prefix: str = "") -> set[str]:
        """Key paths of a JSON value (list items merged as ``[]``)."""
        out: set[str] = set()
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{prefix}.{self.text(str(key))}" if prefix else self.text(str(key))
                out.add(name)
                out |= self.shape(item, name)
        elif isinstance(value, list):
            for item in value:
                out |= self.shape(item, f"{prefix}[]")
        return out


def _ids_of(url: str) -> list[str]:
    """Inference ids in an ``/_inference/...`` path (segments that are neither task types nor ``_x``)."""
    segments = [unquote(s) for s in urlsplit(url).path.split("/") if s]
    if not segments or segments[0] != "_inference":
        return []
    return [s for s in segments[1:3] if s not in _TASK_SEGMENTS and not s.startswith("_")]


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _sse_shape(norm: _Normaliser, body: bytes) -> set[str]:
    out: set[str] = set()
    for event in parse_sse(body)[0]:
        if event.event is not None:
            out.add(f"sse.event:{event.event}")
        if event.data is not None:
            parsed = _json(event.data.encode())
            out |= {"sse[DONE]"} if event.data == "[DONE]" else norm.shape(parsed, "sse[]") | {"sse[]"}
    return out


def _exchange(norm: _Normaliser, record: Exchanged) -> dict[str, Any]:
    ctype = next((v for k, v in record.headers.items() if k.lower() == "content-type"), "")
    ctype = ctype.split(";")[0].strip().lower()
    parsed = _json(record.body)
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if ctype == "text/event-stream":
        shape = _sse_shape(norm, record.body)
    else:
        shape = norm.shape(parsed) if parsed is not None else ({"<text>"} if record.body.strip() else set())
    sent = _json(record.request_body or b"")
    return {
        "request": f"{record.method} {norm.path(record.url)}",
        "request_body": norm.flat(sent, "request.body") if sent is not None else {},
        "status": record.status,
        "content_type": ctype,
        "error.type": error.get("type") if isinstance(error, dict) else None,
        "error.reason": (
            norm.text(str(error.get("reason")))
            if isinstance(error, dict) and "reason" in error
            else norm.text(error)
            if isinstance(error, str)
            else None
        ),
        "shape": sorted(shape),
    }


def _upstream(norm: _Normaliser, call: Call) -> dict[str, Any]:
    parsed = call.json
    body = (
        norm.flat(parsed)
        if parsed is not None
        else ({"$": norm.text(call.body.decode("utf-8", "replace"))} if call.body else {})
    )
    return {
        "call": f"{call.service} {call.method} {norm.path(call.path)}",
        "status": call.status,
        "key": norm.text(call.key) if call.key else None,
        **{f"query.{k}": norm.text(v) for k, v in sorted(call.query)},
        **{f"body.{k}" if k != "$" else "body": v for k, v in body.items()},
    }


def normalise_case(case: CaseTrace, redactor: Redactor) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The case's exchanges and upstream calls as flat dicts of normalised values (see the module doc)."""
    ids = [i for r in case.exchanges for i in _ids_of(r.url)]
    norm = _Normaliser(redactor, ids)
    for record in case.exchanges:  # number secrets in the order the harness sent them (same on both sides)
        norm.text((record.request_body or b"").decode("utf-8", "replace"))
    exchanges = [_exchange(norm, r) for r in case.exchanges]
    upstream = [_upstream(norm, c) for c in case.upstream]
    if case.case == UNATTRIBUTED:  # no per-case order to rely on: compare as a sorted multiset
        upstream.sort(key=lambda u: json.dumps(u, sort_keys=True, default=str))
    return exchanges, upstream
