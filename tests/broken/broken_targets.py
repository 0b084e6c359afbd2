"""Deliberately broken ``_inference`` targets: the reference behind a proxy that adds exactly ONE defect.

A :class:`BrokenProxy` is a werkzeug WSGI app in front of a running reference target. Every request is
forwarded unchanged unless the proxy's :class:`Defect` rewrites the request (an invalid configuration
made valid, a setting stripped before it is stored) or the response (a secret added, a status changed,
an event dropped). The reference itself stays clean, so the same stack without a defect is the control.

Each defect names the ``--rules`` pattern that selects its family and the rule ids ``harness run`` must
report among its failures. Example::

    with ProxyServer(BrokenProxy(reference.url, DEFECTS["embedding_missing"])) as proxy:
        main(["run", "--target", proxy.url, "--rules", "check.embeddings_oracle", ...])  # exit code 1
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Self

import urllib3
from werkzeug.wrappers import Request, Response

from contract import SECRET_FIELDS
from mocks.core.server import MockServer

__all__ = [
    "DEFECTS",
    "BrokenProxy",
    "Defect",
    "HarnessRun",
    "ProxyRequest",
    "ProxyServer",
    "Reply",
    "Stack",
    "parse_inference_path",
]

_FORWARDED = {"accept", "authorization", "content-type"}
_HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "content-encoding", "keep-alive", "date",
               "server"}


def parse_inference_path(path: str) -> tuple[str | None, str | None, str | None]:
    """``(task_type, inference_id, suffix)`` of an ``/_inference/...`` path (``None`` where absent).

    >>> parse_inference_path("/_inference/chat_completion/my-id/_stream")
    ('chat_completion', 'my-id', '_stream')
    >>> parse_inference_path("/_inference/my-id")
    (None, 'my-id', None)
    """
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0] != "_inference":
        return None, None, None
    rest = parts[1:]
    suffix = rest.pop() if rest and rest[-1] in ("_stream", "_update") else None
    if len(rest) == 2:
        return rest[0], (None if rest[1] == "_all" else rest[1]), suffix
    if len(rest) == 1 and rest[0] != "_all":
        return None, rest[0], suffix
    return None, None, suffix


@dataclass(frozen=True)
class ProxyRequest:
    """A request as the proxy received it (``body`` parsed as JSON when it is JSON, else ``None``)."""

    method: str
    path: str
    query: str
    body: Any
    raw: bytes
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def task_type(self) -> str | None:
        """Task type named in the path."""
        return parse_inference_path(self.path)[0]

    @property
    def inference_id(self) -> str | None:
        """Inference id named in the path."""
        return parse_inference_path(self.path)[1]

    @property
    def suffix(self) -> str | None:
        """``_stream`` / ``_update`` or ``None``."""
        return parse_inference_path(self.path)[2]

    def with_body(self, body: Any) -> ProxyRequest:
        """A copy carrying ``body`` (JSON-encoded)."""
        return replace(self, body=body, raw=json.dumps(body).encode())


@dataclass
class Reply:
    """A response on its way back to the client."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or ``None``."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header (``""`` when absent)."""
        return next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")

    def with_json(self, data: Any, status: int | None = None) -> Reply:
        """A copy with a JSON body (and optionally another status)."""
        headers = {k: v for k, v in self.headers.items() if k.lower() != "content-type"}
        headers["Content-Type"] = "application/json"
        return Reply(self.status if status is None else status, headers, json.dumps(data).encode())


#: ``(proxy, request) -> reply``: a defect decides what to forward (``proxy.forward``) and what to answer.
Handler = Callable[["BrokenProxy", ProxyRequest], Reply]


@dataclass(frozen=True)
class Defect:
    """One deliberate defect.

    Attributes:
        name: pytest id.
        description: what is broken, in one line.
        rules: the ``harness run --rules`` pattern selecting the family under test.
        detected_by: rule ids that must be among the failures of the report.
        handler: the proxy behaviour (``None`` = a transparent proxy).
        reason: a substring of the failure's reason (the check that must catch it, not another one).
        seen: a substring of the failure's ``seen`` value (``""`` = not checked).
        on: ``(service, task_type)`` where it must be caught (``None`` = anywhere), for a defect the reference
            does not share everywhere.
        es_version: the version profile the defect is a defect in.
        gap: when the engine does not catch it yet, the missing check (the test is a strict xfail).
    """

    name: str
    description: str
    rules: str
    detected_by: tuple[str, ...]
    handler: Handler | None = None
    reason: str = ""
    seen: str = ""
    on: tuple[str, str] | None = None
    es_version: str = "8.18"
    gap: str = ""


class BrokenProxy:
    """WSGI app forwarding to ``upstream_url`` through ``defect`` (transparent when ``defect`` is ``None``).

    It remembers the last PUT body per inference id (:meth:`remembered`) so defects can put back what
    they stripped or leak what they were given.
    """

    service = "broken-proxy"

    def __init__(self, upstream_url: str, defect: Defect | None = None, *, timeout: float = 60.0) -> None:
        self.upstream_url = upstream_url.rstrip("/")
        self.defect = defect
        self.timeout = timeout
        self.errors: list[BaseException] = []
        self._puts: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        # one thread-safe pool for every request thread of the server
        self._pool = urllib3.PoolManager(maxsize=8, retries=False, timeout=urllib3.Timeout(total=timeout))

    # -------------------------------------------------------------- state
    def remembered(self, inference_id: str | None) -> dict[str, Any]:
        """The last PUT body sent for ``inference_id`` (``{}`` if none)."""
        with self._lock:
            return copy.deepcopy(self._puts.get(inference_id or "", {}))

    def secrets_of(self, inference_id: str | None) -> dict[str, str]:
        """Secret fields of the last PUT for ``inference_id``."""
        settings = self.remembered(inference_id).get("service_settings") or {}
        return {k: v for k, v in settings.items() if k in SECRET_FIELDS and isinstance(v, str)}

    def all_secrets(self) -> set[str]:
        """Every secret value of every PUT body the proxy has seen (to grep outputs for)."""
        with self._lock:
            bodies = list(self._puts.values())
        return {v for b in bodies for k, v in (b.get("service_settings") or {}).items()
                if k in SECRET_FIELDS and isinstance(v, str)}

    def close(self) -> None:
        """Close the pooled connections to the reference."""
        self._pool.clear()

    def reset(self) -> None:
        """Forget remembered PUTs and collected errors."""
        with self._lock:
            self._puts.clear()
        self.errors.clear()

    # -------------------------------------------------------------- forwarding
    def forward(self, req: ProxyRequest) -> Reply:
        """Send ``req`` to the reference unchanged; return its whole response."""
        url = self.upstream_url + req.path + (f"?{req.query}" if req.query else "")
        headers = {k: v for k, v in req.headers if k.lower() in _FORWARDED}
        if req.raw and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        resp = self._pool.request(req.method, url, body=req.raw or None, headers=headers, redirect=False)
        kept = {k: v for k, v in resp.headers.items() if k.lower() not in _HOP_BY_HOP}
        return Reply(resp.status, kept, resp.data)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        raw = request.get_data()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        req = ProxyRequest(request.method, request.path, environ.get("QUERY_STRING", ""), body, raw,
                           tuple(request.headers.items()))
        if req.method == "PUT" and req.inference_id and req.suffix is None and isinstance(body, dict):
            with self._lock:
                self._puts[req.inference_id] = copy.deepcopy(body)
        try:
            reply = self.defect.handler(self, req) if self.defect and self.defect.handler else self.forward(req)
        except Exception as exc:  # noqa: BLE001 - surfaced by raise_errors(), never as a traceback on the wire
            self.errors.append(exc)
            reply = Reply(502, {"Content-Type": "text/plain"}, f"broken proxy failed: {type(exc).__name__}".encode())
        return Response(reply.body, status=reply.status, headers=list(reply.headers.items()))(environ, start_response)


class ProxyServer(MockServer):
    """A :class:`BrokenProxy` on ``127.0.0.1`` port 0 (a context manager, like every mock server)."""

    app: BrokenProxy  # type: ignore[assignment]

    def __init__(self, proxy: BrokenProxy, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(proxy, host=host, port=port)  # type: ignore[arg-type]

    def clear(self) -> None:
        """Forget remembered PUTs and collected errors."""
        self.app.reset()

    def stop(self) -> None:
        """Stop serving and close the proxy's connections to the reference."""
        super().stop()
        self.app.close()


# ================================================================================================= helpers
def _endpoints(data: Any) -> list[dict[str, Any]]:
    """The endpoint objects of a PUT response (the object) or a GET listing (``endpoints``/``models``)."""
    if not isinstance(data, dict):
        return []
    if "inference_id" in data:
        return [data]
    out: list[dict[str, Any]] = []
    for key in ("endpoints", "models"):
        out += [e for e in data.get(key) or [] if isinstance(e, dict)]
    return out


def _patch_endpoints(reply: Reply, patch: Callable[[dict[str, Any]], None]) -> Reply:
    """Apply ``patch`` to every endpoint object of a successful JSON reply."""
    data = reply.json
    if reply.status != 200 or not _endpoints(data):
        return reply
    for endpoint in _endpoints(data):
        patch(endpoint)
    return reply.with_json(data)


def _is_error_envelope(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("error"), dict) and "root_cause" in data["error"]


# ================================================================================================= secrets
def _leak(proxy: BrokenProxy, endpoint: dict[str, Any]) -> None:
    secrets = proxy.secrets_of(endpoint.get("inference_id"))
    endpoint.setdefault("service_settings", {}).update(secrets)


def _leak_in_get(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    reply = proxy.forward(req)
    if req.method != "GET":
        return reply
    return _patch_endpoints(reply, lambda e: _leak(proxy, e))


def _leak_in_put_response(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    reply = proxy.forward(req)
    if req.method != "PUT" or req.suffix is not None:
        return reply
    return _patch_endpoints(reply, lambda e: _leak(proxy, e))


def _leak_in_error(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    reply = proxy.forward(req)
    data = reply.json
    secrets = proxy.secrets_of(req.inference_id)
    if reply.status < 400 or not secrets or not _is_error_envelope(data):
        return reply
    detail = ", ".join(f"{k}={v}" for k, v in sorted(secrets.items()))
    data["error"]["reason"] += f" (endpoint credentials: {detail})"
    return reply.with_json(data)


# ================================================================================================= chunking
_MIN_SIZE = {"word": 10, "sentence": 20, "recursive": 10}


def _accept_chunking(fix: Callable[[dict[str, Any]], None]) -> Handler:
    """A handler that repairs ``chunking_settings`` with ``fix`` before forwarding the PUT, and echoes the
    original (invalid) settings back, as if they had been accepted."""

    def handler(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
        body = req.body
        chunking = body.get("chunking_settings") if isinstance(body, dict) and req.method == "PUT" else None
        if not isinstance(chunking, dict):
            return proxy.forward(req)
        repaired = copy.deepcopy(body)
        fix(repaired["chunking_settings"])
        if repaired == body:
            return proxy.forward(req)
        reply = proxy.forward(req.with_body(repaired))

        def echo(endpoint: dict[str, Any]) -> None:
            endpoint["chunking_settings"] = chunking

        return _patch_endpoints(reply, echo)

    return handler


def _only(strategy: str, fix: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """``fix`` applied only to ``chunking_settings`` of ``strategy``."""

    def apply(chunking: dict[str, Any]) -> None:
        if chunking.get("strategy") == strategy:
            fix(chunking)

    return apply


def _cap_max_chunk_size(chunking: dict[str, Any]) -> None:
    size = chunking.get("max_chunk_size")
    if isinstance(size, int) and size > 300:
        chunking["max_chunk_size"] = 300
        if isinstance(chunking.get("overlap"), int):
            chunking["overlap"] = min(chunking["overlap"], 150)


def _raise_min_chunk_size(chunking: dict[str, Any]) -> None:
    size, lo = chunking.get("max_chunk_size"), _MIN_SIZE.get(str(chunking.get("strategy")))
    if isinstance(size, int) and lo is not None and size < lo:
        chunking["max_chunk_size"] = lo


def _halve_overlap(chunking: dict[str, Any]) -> None:
    size, overlap = chunking.get("max_chunk_size"), chunking.get("overlap")
    if chunking.get("strategy") == "word" and isinstance(size, int) and isinstance(overlap, int) and overlap > size // 2:
        chunking["overlap"] = size // 2


# ================================================================================================= task types
_TASK_TYPES = ("completion", "text_embedding", "chat_completion")


def _accept_unsupported_task_type(only: tuple[str, str] | None = None) -> Handler:
    """Store an endpoint of a task type its service does not support under a task type it does
    (only for ``only = (service, task_type)`` when given; other unsupported types are still refused)."""

    def handler(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
        reply = proxy.forward(req)
        reason = json.dumps(reply.json) if reply.status == 400 else ""
        if req.method != "PUT" or "does not support task type" not in reason or not req.inference_id:
            return reply
        service = req.body.get("service") if isinstance(req.body, dict) else None
        if only is not None and (service, req.task_type) != only:
            return reply
        requested = req.task_type

        def relabel(endpoint: dict[str, Any]) -> None:
            endpoint["task_type"] = requested

        for task in _TASK_TYPES:
            if task == requested:
                continue
            retry = proxy.forward(replace(req, path=f"/_inference/{task}/{req.inference_id}"))
            if retry.status == 200:
                return _patch_endpoints(retry, relabel)
        return reply

    return handler


def _chat_without_stream(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """Answer a plain POST to a chat_completion endpoint (instead of the 400 pointing at ``_stream``)."""
    reply = proxy.forward(req)
    if req.method != "POST" or reply.status != 400 or "only supports streaming" not in reply.body.decode("utf-8", "replace"):
        return reply
    text = (req.body or {}).get("input") if isinstance(req.body, dict) else None
    text = text[0] if isinstance(text, list) and text else text
    stream = proxy.forward(replace(req.with_body({"messages": [{"role": "user", "content": str(text)}]}),
                                   path=req.path.rstrip("/") + "/_stream"))
    deltas: list[str] = []
    for _, data in _sse_blocks(stream.body):
        try:
            chunk = json.loads(data)
        except ValueError:
            continue
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        for choice in choices or []:
            deltas.append(str((choice.get("delta") or {}).get("content") or ""))
    return reply.with_json({"completion": [{"result": "".join(deltas)}]}, status=200)


def _chat_body_parsed_first(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A plain POST with a chat body to a chat_completion endpoint answered as the body parser would
    (``unknown field [messages]``) instead of TransportInferenceActionProxy's "only supports streaming"
    (the reference's behaviour before issue 9)."""
    reply = proxy.forward(req)
    body = req.body if isinstance(req.body, dict) else {}
    if req.method != "POST" or req.suffix is not None or "messages" not in body:
        return reply
    if "only supports streaming" not in reply.body.decode("utf-8", "replace"):
        return reply
    reason = "[1:2] [cluster:internal/xpack/inference] unknown field [messages]"
    return reply.with_json(_es_error(400, "x_content_parse_exception", reason), status=400)


def _es_error(status: int, error_type: str, reason: str) -> dict[str, Any]:
    cause = {"type": error_type, "reason": reason}
    return {"error": {"root_cause": [cause], **cause}, "status": status}


def _query_dropped(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A POST ``query`` on an embedding task type removed before forwarding (so it is accepted, 200)."""
    body = req.body
    if req.method == "POST" and req.suffix is None and isinstance(body, dict) and "query" in body:
        req = req.with_body({k: v for k, v in body.items() if k != "query"})
    return proxy.forward(req)


def _drop_separator_group(chunking: dict[str, Any]) -> None:
    if chunking.get("strategy") == "recursive" and "separators" in chunking:
        chunking.pop("separator_group", None)


def _unknown_group_as_plaintext(chunking: dict[str, Any]) -> None:
    group = chunking.get("separator_group")
    if chunking.get("strategy") == "recursive" and isinstance(group, str) and group.strip().lower() != "markdown":
        chunking["separator_group"] = "plaintext"


def _fill_empty_separators(chunking: dict[str, Any]) -> None:
    if chunking.get("strategy") == "recursive" and chunking.get("separators") == []:
        chunking["separators"] = ["\n"]


# ================================================================================================= errors
def _bad_request_as_500(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    reply = proxy.forward(req)
    if reply.status != 400:
        return reply
    data = reply.json
    if isinstance(data, dict) and data.get("status") == 400:
        data["status"] = 500
        return reply.with_json(data, status=500)
    return replace(reply, status=500)


def _envelope_without(key: str) -> Handler:
    def handler(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
        reply = proxy.forward(req)
        data = reply.json
        if reply.status < 400 or not _is_error_envelope(data):
            return reply
        if key == "root_cause":
            del data["error"]["root_cause"]
        else:
            data.pop(key, None)
        return reply.with_json(data)

    return handler


def _upstream_429_as_500(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    reply = proxy.forward(req)
    if reply.status != 429:
        return reply
    data = reply.json
    if isinstance(data, dict):
        data["status"] = 500
        return reply.with_json(data, status=500)
    return replace(reply, status=500)


# ================================================================================================= upstream
def _strip_before_store(where: str, key: str) -> Handler:
    """Forward a PUT without ``body[where][key]`` (so it is never stored nor sent upstream), and show the
    original value in every PUT/GET response, as if it had been kept."""

    def handler(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
        if req.method == "PUT" and req.suffix is None and isinstance(req.body, dict):
            section = req.body.get(where)
            if isinstance(section, dict) and key in section:
                stripped = copy.deepcopy(req.body)
                del stripped[where][key]
                req = req.with_body(stripped)
        reply = proxy.forward(req)
        if req.method not in ("PUT", "GET") or req.suffix is not None:
            return reply

        def restore(endpoint: dict[str, Any]) -> None:
            sent = (proxy.remembered(endpoint.get("inference_id")).get(where) or {})
            if key in sent:
                endpoint.setdefault(where, {})[key] = sent[key]

        return _patch_endpoints(reply, restore)

    return handler


def _aws_secret_altered(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """Forward a Bedrock PUT with a different ``secret_key`` (the target then signs with the wrong secret)."""
    if req.method == "PUT" and req.suffix is None and isinstance(req.body, dict):
        settings = req.body.get("service_settings")
        if isinstance(settings, dict) and isinstance(settings.get("secret_key"), str):
            altered = copy.deepcopy(req.body)
            altered["service_settings"]["secret_key"] = settings["secret_key"][::-1] + "x"
            req = req.with_body(altered)
    return proxy.forward(req)


def _embeddings(transform: Callable[[list[Any]], list[Any]]) -> Handler:
    def handler(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
        reply = proxy.forward(req)
        data = reply.json
        if req.method != "POST" or reply.status != 200 or not isinstance(data, dict):
            return reply
        items = data.get("text_embedding")
        if not isinstance(items, list) or not items:
            return reply
        data["text_embedding"] = transform(items)
        return reply.with_json(data)

    return handler


def _sse_blocks(raw: bytes) -> list[tuple[str, str]]:
    """``(block, data)`` per SSE event of ``raw`` (block = the event's raw text)."""
    out = []
    for block in raw.decode("utf-8", "replace").split("\n\n"):
        data = "\n".join(line[5:].lstrip() for line in block.split("\n") if line.startswith("data:"))
        if block.strip():
            out.append((block, data))
    return out


def _stream_without_done(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    reply = proxy.forward(req)
    if reply.status != 200 or not reply.content_type.startswith("text/event-stream"):
        return reply
    kept = [block for block, data in _sse_blocks(reply.body) if data.strip() != "[DONE]"]
    return replace(reply, body=("\n\n".join(kept) + "\n\n").encode())


def _closed_reported_as_reset(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """Report an upstream stream that ended cleanly mid-body as if it had been reset."""
    reply = proxy.forward(req)
    if reply.status != 200 or not reply.content_type.startswith("text/event-stream"):
        return reply
    text = reply.body.decode("utf-8", "replace")
    text = text.replace("connection_closed_exception", "socket_exception")
    text = text.replace("Premature end of chunk coded message body: closing chunk expected", "Connection reset")
    return replace(reply, body=text.encode())


def _stream_error_dropped(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """Replace a 200 stream's ``event: error`` with ``data: [DONE]``: an upstream failure mid-stream then
    looks like a complete (if short) answer."""
    reply = proxy.forward(req)
    if reply.status != 200 or not reply.content_type.startswith("text/event-stream"):
        return reply
    blocks = []
    for block, _ in _sse_blocks(reply.body):
        if "event: error" in block:
            bom = "\ufeff" if block.lstrip("\n").startswith("\ufeff") else ""
            block = f"{bom}event: message\ndata: [DONE]"
        blocks.append(block)
    return replace(reply, body=("\n\n".join(blocks) + "\n\n").encode())


# ================================================================================================= rendering
def _empty_task_settings_rendered(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """Render ``"task_settings": {}`` on endpoints that have none (8.x style, a defect from 9.x on)."""
    reply = proxy.forward(req)
    if req.method not in ("PUT", "GET") or req.suffix is not None:
        return reply

    def render_empty(endpoint: dict[str, Any]) -> None:
        endpoint.setdefault("task_settings", {})

    return _patch_endpoints(reply, render_empty)


# ================================================================================================= crud
def _delete_not_done(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    if req.method == "DELETE" and req.path.startswith("/_inference/"):
        return Reply(200, {"Content-Type": "application/json"}, b'{"acknowledged":true}')
    return proxy.forward(req)


# ================================================================================================= the catalogue
def _defects() -> dict[str, Defect]:
    leak, wrong_status = "a secret was returned", "wrong status"
    secrets, upstream, oracle = "secrets.never_returned", "check.upstream_request", "check.embeddings_oracle"
    task_type_rules = ("task_type.unknown", "task_type.missing", "task_type.any_in_body", "task_type.conflict")
    items = [
        # secrets
        Defect("key_leaked_in_get", "GET shows the api_key in service_settings", secrets, (secrets,),
               _leak_in_get, reason=leak),
        Defect("key_leaked_in_put_response", "the PUT response echoes the secret settings", secrets, (secrets,),
               _leak_in_put_response, reason=leak),
        Defect("key_leaked_in_error_message", "error reasons about an endpoint quote its credentials", secrets,
               (secrets,), _leak_in_error, reason=leak),
        # chunking: the invalid settings are repaired before the PUT is forwarded, echoed back as accepted
        Defect("word_max_chunk_size_301_accepted", "word max_chunk_size above 300 accepted in 8.18 (stored as 300)",
               "chunking.max_chunk_size.max", ("chunking.max_chunk_size.max",),
               _accept_chunking(_only("word", _cap_max_chunk_size)), reason=wrong_status, seen="200"),
        Defect("word_max_chunk_size_9_accepted", "word max_chunk_size below 10 accepted (stored as 10)",
               "chunking.max_chunk_size.min", ("chunking.max_chunk_size.min",),
               _accept_chunking(_only("word", _raise_min_chunk_size)), reason=wrong_status, seen="200"),
        Defect("sentence_max_chunk_size_19_accepted", "sentence max_chunk_size below 20 accepted (stored as 20)",
               "chunking.max_chunk_size.min", ("chunking.max_chunk_size.min",),
               _accept_chunking(_only("sentence", _raise_min_chunk_size)), reason=wrong_status, seen="200"),
        Defect("overlap_above_half_accepted", "word overlap above max_chunk_size/2 accepted (stored halved)",
               "chunking.overlap.max", ("chunking.overlap.max",), _accept_chunking(_halve_overlap),
               reason=wrong_status, seen="200"),
        # service / streaming
        Defect("unsupported_task_type_accepted", "any task type a service lacks accepted, stored as a "
               "supported one", "service.unsupported_task_type", ("service.unsupported_task_type",),
               _accept_unsupported_task_type(), reason=wrong_status, seen="200"),
        Defect("azure_chat_completion_accepted", "azureopenai chat_completion accepted in 8.18 (stored as "
               "completion); other unsupported types still refused", "service.unsupported_task_type",
               ("service.unsupported_task_type",), _accept_unsupported_task_type(("azureopenai", "chat_completion")),
               reason=wrong_status, seen="200"),
        Defect("chat_completion_without_stream", "a chat_completion endpoint answers a plain POST",
               "streaming.chat_completion.only_stream", ("streaming.chat_completion.only_stream",),
               _chat_without_stream, reason=wrong_status, seen="200"),
        # issue 9: the three disagreements with Elasticsearch's source, kept as the reference had them
        Defect("chat_body_parsed_before_stream_check", "a plain POST with a chat body to a chat_completion "
               "endpoint answered x_content_parse_exception (body parsed before the streaming check)",
               "streaming.chat_completion.only_stream", ("streaming.chat_completion.only_stream",),
               _chat_body_parsed_first, reason="not the unified error format",
               seen="x_content_parse_exception"),
        Defect("query_accepted_for_text_embedding", "POST /_inference/text_embedding/{id} with a query "
               "accepted in 9.4", "input.query.not_for_task", ("input.query.not_for_task",), _query_dropped,
               reason=wrong_status, seen="200", es_version="9.4"),
        Defect("recursive_separators_and_group_accepted", "recursive chunking with separators and "
               "separator_group accepted in 9.4", "chunking.recursive.*", ("chunking.recursive.separators_conflict",),
               _accept_chunking(_drop_separator_group), reason=wrong_status, seen="200", es_version="9.4"),
        Defect("recursive_unknown_separator_group_accepted", "recursive chunking with an unknown "
               "separator_group accepted (as plaintext) in 9.1", "chunking.recursive.*",
               ("chunking.recursive.separator_group",), _accept_chunking(_unknown_group_as_plaintext),
               reason=wrong_status, seen="200", es_version="9.1"),
        Defect("recursive_empty_separators_accepted", "recursive chunking with an empty separators list "
               "accepted in 9.1", "chunking.recursive.*", ("chunking.recursive.separators_empty",),
               _accept_chunking(_fill_empty_separators), reason=wrong_status, seen="200", es_version="9.1"),
        Defect("stream_without_done", "_stream ends without data: [DONE]", "check.sse_framing",
               ("check.sse_framing",), _stream_without_done, reason="must end with data: [DONE]"),
        # errors
        Defect("bad_request_as_500", "every 400 answered as 500", "task_type.*", task_type_rules,
               _bad_request_as_500, reason=wrong_status, seen="500"),
        Defect("envelope_without_root_cause", "error envelopes lack error.root_cause", "envelope.error",
               ("envelope.error",), _envelope_without("root_cause"),
               reason="error.root_cause is not a non-empty list"),
        Defect("envelope_without_status", "error envelopes lack the top-level status", "envelope.error",
               ("envelope.error",), _envelope_without("status"), reason="status field None"),
        Defect("stream_error_dropped", "a mid-stream upstream error event replaced by data: [DONE]",
               "upstream.stream_error", ("upstream.stream_error",), _stream_error_dropped,
               reason="must reach the client as an event: error", seen="[DONE]"),
        Defect("upstream_429_as_500", "an upstream 429 answered as 500", "upstream.429", ("upstream.429",),
               _upstream_429_as_500, reason=wrong_status, seen="500", on=("openai", "text_embedding")),
        # what reaches the upstream, what comes back from it
        Defect("dimensions_not_sent_upstream", "dimensions dropped before the endpoint is stored (PUT/GET "
               "still show it)", upstream, (upstream,), _strip_before_store("service_settings", "dimensions"),
               reason="dimensions sent only when set"),
        Defect("user_not_sent_upstream", "task_settings.user dropped before the endpoint is stored (PUT/GET "
               "still show it)", upstream, (upstream,), _strip_before_store("task_settings", "user"),
               reason="upstream user"),
        Defect("aws_secret_key_altered", "the Bedrock secret_key is changed before it is stored, so upstream "
               "calls are signed with another secret", upstream, (upstream,), _aws_secret_altered,
               on=("amazonbedrock", "text_embedding")),
        Defect("embeddings_reversed", "POST returns the embeddings in reverse order", oracle, (oracle,),
               _embeddings(lambda items: items[::-1]), reason="is not the upstream vector"),
        Defect("embedding_missing", "POST drops the last embedding", oracle, (oracle,),
               _embeddings(lambda items: items[:-1]), reason="one embedding per input"),
        Defect("empty_task_settings_rendered_in_9_1", "GET/PUT render an empty task_settings {} in 9.1, where "
               "it is omitted", "envelope.filtered_config", ("envelope.filtered_config",),
               _empty_task_settings_rendered, reason="empty task_settings must be omitted", es_version="9.1"),
        # crud
        Defect("delete_acknowledged_not_done", "DELETE answers acknowledged without deleting",
               "check.crud_consistency", ("check.crud_consistency",), _delete_not_done,
               reason="GET after DELETE"),
    ]
    return {d.name: d for d in items}


#: Every defect by name.
DEFECTS: dict[str, Defect] = _defects()


# ================================================================================================= raw bodies, indexes,
# upstream failures without an HTTP error status (scenarios_requests.py, scenarios_faults.py)
def _error_type(reply: Reply) -> str | None:
    data = reply.json
    return data["error"].get("type") if _is_error_envelope(data) else None


def _parse_error_as_500(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A body that is not JSON answered 500 (as if the parser's exception escaped)."""
    reply = proxy.forward(req)
    if reply.status != 400 or _error_type(reply) != "x_content_parse_exception":
        return reply
    data = reply.json
    data["status"] = 500
    return reply.with_json(data, status=500)


def _missing_index_as_empty(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A missing index answered ``200 {}``."""
    reply = proxy.forward(req)
    if reply.status == 404 and _error_type(reply) == "index_not_found_exception":
        return reply.with_json({}, status=200)
    return reply


def _io_error_leaks_key(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """The "Failed to send ... request" error of an upstream I/O failure quotes the endpoint's key."""
    reply = proxy.forward(req)
    secrets = proxy.secrets_of(req.inference_id)
    if reply.status != 500 or _error_type(reply) != "status_exception" or not secrets:
        return reply
    data = reply.json
    if "Failed to send" not in data["error"]["reason"]:
        return reply
    data["error"]["reason"] += f" (with key {min(secrets.values())})"
    return reply.with_json(data)


def _update_echoes_new_secret(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """The ``_update`` response shows the secrets the update set (in ``service_settings``)."""
    reply = proxy.forward(req)
    sent = (req.body or {}).get("service_settings") if isinstance(req.body, dict) else None
    if req.suffix != "_update" or reply.status != 200 or not isinstance(sent, dict):
        return reply
    secrets = {k: v for k, v in sent.items() if k in SECRET_FIELDS}
    return _patch_endpoints(reply, lambda endpoint: endpoint["service_settings"].update(secrets)) if secrets else reply


def _update_keeps_old_secret(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """``_update`` acknowledges new secrets but stores the old ones: later upstream calls use the old key."""
    sent = (req.body or {}).get("service_settings") if isinstance(req.body, dict) else None
    if req.method == "PUT" and req.suffix == "_update" and isinstance(sent, dict):
        kept = {k: v for k, v in sent.items() if k not in SECRET_FIELDS}
        body = {k: v for k, v in req.body.items() if k != "service_settings"}
        if kept:
            body["service_settings"] = kept
        req = req.with_body(body or {"task_settings": {}})
    return proxy.forward(req)


def _empty_update_accepted(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """An ``_update`` body with no field (``{}``, an array, a scalar) is taken as an update of nothing."""
    if req.method == "PUT" and req.suffix == "_update" and (not isinstance(req.body, dict) or not req.body):
        req = req.with_body({"task_settings": {}})
    return proxy.forward(req)


def _empty_messages_as_missing(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A unified body with ``messages: []`` treated as one without ``messages`` (the parser's "Required
    [messages]" in the unified format, instead of the request validation's envelope)."""
    body = req.body
    if req.method == "POST" and isinstance(body, dict) and body.get("messages") == []:
        req = req.with_body({k: v for k, v in body.items() if k != "messages"})
    return proxy.forward(req)


# ================================================================================================= issue 20
# Behaviours the reference had before the systematic reading of Elasticsearch's source: each keeps the old answer.
def _reword(old: str, new: str, *, old_type: str | None = None, new_type: str | None = None) -> Handler:
    """Error answers (JSON or an SSE error event) with ``old`` in them say ``new`` instead (and ``new_type``)."""

    def handler(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
        reply = proxy.forward(req)
        text = reply.body.decode("utf-8", "replace")
        if reply.status < 400 and "event: error" not in text or old not in text:
            return reply
        text = text.replace(old, new)
        if old_type and new_type:
            text = text.replace(f'"type":"{old_type}"', f'"type":"{new_type}"')
        return replace(reply, body=text.encode())

    return handler


def _none_with_keys_refused(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """Strategy none with other chunking keys refused, as NoneChunkingSettings#fromMap would (never called)."""
    chunking = req.body.get("chunking_settings") if isinstance(req.body, dict) and req.method == "PUT" else None
    if isinstance(chunking, dict) and chunking.get("strategy") == "none" and len(chunking) > 1:
        extra = ", ".join(k for k in chunking if k != "strategy")
        reason = f"Validation Failed: 1: When chunking is disabled (none), settings can not have the following: [{extra}];"
        return Reply(400, {"Content-Type": "application/json"},
                     json.dumps(_es_error(400, "validation_exception", reason)).encode())
    return proxy.forward(req)


def _update_unknown_fields_dropped(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """An ``_update`` drops the top-level keys it cannot update (``service``, ...) instead of refusing them."""
    if req.method == "PUT" and req.suffix == "_update" and isinstance(req.body, dict):
        kept = {k: v for k, v in req.body.items() if k in ("task_type", "service_settings", "task_settings")}
        if kept != req.body:
            req = req.with_body(kept or {"task_settings": {}})
    return proxy.forward(req)


def _class_cast_as_bad_request(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A settings value that is not an object answered as a 400 type error (the JVM's class cast is a 500)."""
    reply = proxy.forward(req)
    data = reply.json
    if reply.status == 500 and _is_error_envelope(data) and data["error"].get("type") == "class_cast_exception":
        reason = "field [task_settings] is not of the expected type. The value [x] cannot be converted to a [Map]"
        return reply.with_json(_es_error(400, "status_exception", reason), status=400)
    return reply


def _drop_body_keys(*keys: str) -> Handler:
    """POST inference bodies lose ``keys`` before they are forwarded (a gateway that knows an older API)."""

    def handler(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
        body = req.body
        if req.method == "POST" and isinstance(body, dict) and any(k in body for k in keys):
            req = req.with_body({k: v for k, v in body.items() if k not in keys})
        return proxy.forward(req)

    return handler


def _dimensions_set_by_user_not_allowed(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """An OpenAI PUT with dimensions_set_by_user refused as Azure's "does not allow" (OpenAI leaves it over)."""
    settings = req.body.get("service_settings") if isinstance(req.body, dict) and req.method == "PUT" else None
    if isinstance(settings, dict) and req.body.get("service") == "openai" and "dimensions_set_by_user" in settings:
        reason = "Validation Failed: 1: [service_settings] does not allow the setting [dimensions_set_by_user];"
        return Reply(400, {"Content-Type": "application/json"},
                     json.dumps(_es_error(400, "validation_exception", reason)).encode())
    return proxy.forward(req)


ISSUE20 = (
    Defect("openai_dimensions_set_by_user_not_allowed", "an OpenAI PUT with dimensions_set_by_user answered "
           "\"does not allow the setting\"", "settings.unknown", ("settings.unknown",),
           _dimensions_set_by_user_not_allowed, reason="wrong error type", on=("openai", "text_embedding")),
    Defect("completion_prefix_of_the_removed_action", "two inputs to an OpenAI completion answered with the "
           "prefix of the OpenAiChatCompletionAction removed before 8.16", "input.completion.single",
           ("input.completion.single",), _reword("OpenAI chat completions only accepts", "OpenAI completions only accepts"),
           reason="stable text", on=("openai", "completion")),
    Defect("none_chunking_with_keys_refused", "chunking strategy none with max_chunk_size refused in 9.1",
           "chunking.none.*", ("chunking.none.extra_keys_ignored",), _none_with_keys_refused, es_version="9.1"),
    Defect("update_unknown_fields_dropped", "an _update naming `service` answered 200, the key dropped",
           "crud.update.unknown_fields", ("crud.update.unknown_fields",), _update_unknown_fields_dropped,
           reason="wrong status"),
    Defect("unknown_body_field_old_parser_name", "an unknown POST body field names a parser `inference_request`",
           "input.unknown_field", ("input.unknown_field",),
           _reword("[cluster:internal/xpack/inference]", "[inference_request]"), reason="stable text"),
    Defect("class_cast_as_bad_request", "a string task_settings answered as a 400 type error", "settings.not_an_object",
           ("settings.not_an_object",), _class_cast_as_bad_request, reason="wrong status", seen="400"),
    Defect("input_type_ignored_on_8_19", "an openai input_type ignored on 8.19 (rejected there since backport "
           "#125049)", "input.input_type.rejected", ("input.input_type.rejected",), _drop_body_keys("input_type"),
           reason="wrong status", seen="200", es_version="8.19"),
    Defect("rerank_options_ignored", "return_documents / top_n on a text_embedding URL ignored in 9.1",
           "input.rerank_option.*", ("input.rerank_option.not_for_task",),
           _drop_body_keys("return_documents", "top_n"), reason="wrong status", seen="200", es_version="9.1"),
    Defect("semantic_text_task_type_invented_message", "a semantic_text field on a completion endpoint refused "
           "with a message Elasticsearch does not have", "index.semantic_text.task_type",
           ("index.semantic_text.task_type",),
           _reword("Wrong [task_type], expected", "Field [semantic] of type [semantic_text] does not support task type",
                   old_type="mapper_parsing_exception", new_type="illegal_argument_exception"),
           reason="wrong error type"),
)


DEFECTS.update({d.name: d for d in (
    Defect("malformed_json_as_500", "a body that is not valid JSON answered 500", "body.malformed",
           ("body.malformed",), _parse_error_as_500, reason="wrong status", seen="500"),
    Defect("empty_messages_as_missing", "a unified body with messages: [] answered as one without messages",
           "streaming.unified.*", ("streaming.unified.empty_messages",), _empty_messages_as_missing,
           reason="malformed error envelope", seen="Required [messages]"),
    Defect("missing_index_as_empty_200", "GET/DELETE of a missing index answered 200 {}", "index.not_found",
           ("index.not_found",), _missing_index_as_empty, reason="wrong status", seen="200"),
    Defect("io_error_leaks_key", "an upstream connection reset reported with the endpoint's key in the reason",
           "upstream.io_error", ("upstream.io_error",), _io_error_leaks_key, reason="a secret was returned"),
    Defect("stream_closed_reported_as_reset", "an upstream stream that ended cleanly reported as a reset",
           "upstream.stream.connection_closed", ("upstream.stream.connection_closed",), _closed_reported_as_reset),
    Defect("stream_reset_swallowed", "an upstream reset mid-stream turned into data: [DONE]",
           "upstream.stream.connection_reset", ("upstream.stream.connection_reset",), _stream_error_dropped,
           reason="the stream carries no error event"),
    Defect("empty_update_accepted", "an _update with no field ({}, an array, a scalar) answered 200",
           "crud.update.empty_body", ("crud.update.empty_body",), _empty_update_accepted, reason="wrong status",
           seen="200"),
    # _update judged like PUT (issue 8)
    Defect("update_echoes_new_key", "the _update response echoes the new api_key / access keys", "check.update*",
           ("check.update",), _update_echoes_new_secret, reason="a secret was returned"),
    *ISSUE20,
    Defect("update_keeps_old_key_upstream", "_update acknowledged, but the upstream keeps getting the old key",
           "check.update*", ("check.update",), _update_keeps_old_secret,
           reason="the upstream was called with the key replaced by _update"),
)})


# ================================================================================================= the stack
class Stack:
    """The three provider mocks, the reference wired to them, and a proxy (with ``defect``) in front.

    A context manager; ``url`` is the proxy's (the broken target), ``reference_url`` the clean one.
    Every server listens on ``127.0.0.1`` port 0 and is fresh, so journals and stored endpoints never leak
    from one run into the next (runs with the same seed reuse ids and canaries).
    """

    def __init__(self, defect: Defect | None = None, *, es_version: str | None = None, seed: int = 0) -> None:
        self.defect = defect
        self.es_version = es_version or (defect.es_version if defect else "8.18")
        self.seed = seed
        self._servers: list[MockServer] = []

    def __enter__(self) -> Self:
        from harness.gen.strategies import REGIONS
        from mocks.azure import AzureMock
        from mocks.bedrock import BedrockMock
        from mocks.openai import OpenAIMock
        from mocks.reference import ReferenceConfig, ReferenceServer

        try:
            self.openai = self._start(OpenAIMock(seed=self.seed))
            self.azure = self._start(AzureMock(seed=self.seed))
            self.bedrock = self._start(BedrockMock(seed=self.seed, regions=REGIONS))
            config = ReferenceConfig(es_version=self.es_version, azure_base_url=self.azure.url,
                                     bedrock_base_url=self.bedrock.url, seed=self.seed,
                                     **self.reference_settings()).with_harness_retries()
            self.reference = self._start(ReferenceServer(config))
            self.proxy = self._start(ProxyServer(BrokenProxy(self.reference.url, self.defect)))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reference_settings(self) -> dict[str, Any]:
        """Extra :class:`ReferenceConfig` settings of this stack's reference (none: the plain reference)."""
        return {}

    def _start(self, server: Any) -> Any:
        server.start()
        self._servers.append(server)
        return server

    def close(self) -> None:
        """Stop every server (in parallel: each ``shutdown`` waits for its serve loop to poll)."""
        servers, self._servers = self._servers, []
        threads = [threading.Thread(target=server.stop, daemon=True) for server in servers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)

    @property
    def url(self) -> str:
        """The broken target (the proxy)."""
        return str(self.proxy.url)

    @property
    def reference_url(self) -> str:
        """The clean reference target behind the proxy."""
        return str(self.reference.url)

    def harness_args(self, target: str, *, rules: str | Sequence[str], report_dir: str, max_examples: int = 3,
                     ) -> list[str]:
        """``harness run`` arguments judging ``target`` with this stack's mocks (``rules``: glob(s))."""
        args = ["run", "--target", target, "--openai-mock", self.openai.url, "--azure-mock", self.azure.url,
                "--bedrock-mock", self.bedrock.url, "--es-version", self.es_version, "--seed", str(self.seed),
                "--max-examples", str(max_examples), "--report-dir", report_dir, "--format", "json"]
        for pattern in [rules] if isinstance(rules, str) else rules:
            args += ["--rules", pattern]
        return args


class HarnessRun:
    """The outcome of one ``harness run``: exit code, the JSON report, and its failures."""

    def __init__(self, exit_code: int, report: dict[str, Any], output: str) -> None:
        self.exit_code = exit_code
        self.report = report
        self.output = output

    @property
    def results(self) -> list[dict[str, Any]]:
        """Every result of the report."""
        return list(self.report.get("results") or [])

    @property
    def failed_rules(self) -> set[str]:
        """Rule ids with at least one failed result."""
        return {r["rule_id"] for r in self.results if r["outcome"] == "failed"}

    def failures(self) -> list[str]:
        """``rule[service/task]: reason`` for each failure (assertion messages)."""
        return [f"{r['rule_id']}[{r['service']}/{r['task_type']}]: {r['reason']}"
                for r in self.results if r["outcome"] == "failed"]

