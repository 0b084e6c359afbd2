"""The admin API every mock serves under ``/__admin/`` (never recorded in the journal).

* ``GET /__admin/health``: service, seed, journal counts (``retained``, ``total``, ``last_seq``), how many
  faults are scheduled, and what the provider adds (:meth:`~mocks.core.app.MockApp.health_extra`);
* ``GET /__admin/calls`` (filters ``method``, ``path``, ``service``, ``endpoint``, ``model``, ``key``,
  ``status``, ``matched``; ``since=<seq>``: only later calls), ``DELETE /__admin/calls``;
* ``GET|POST|DELETE /__admin/faults`` (``POST``: a fault object or an array of them, all validated before
  any is added), ``DELETE /__admin/faults/<id>``;
* ``POST /__admin/reset``: journal, faults and collected errors cleared;
* ``POST /__admin/credentials`` (accept an API key / bearer token, or verify an AWS key pair, for a run)
  and ``DELETE /__admin/credentials?run=<nonce>`` (forget what that run registered).

Every answer is JSON: an unknown path or method is a 404 / 405, a refused fault spec a 400 naming the field,
a bad argument a 400 with its message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from mocks.core.faults import Fault, FaultSchedule, FaultSpecError
from mocks.core.journal import Journal
from mocks.core.wsgi import json_or_none, json_response

__all__ = ["AdminApp", "answer"]


class AdminApp(Protocol):
    """What the admin API reads and changes of a mock (a :class:`~mocks.core.app.MockApp`)."""

    @property
    def service(self) -> str: ...

    seed: int
    journal: Journal
    faults: FaultSchedule

    def health_extra(self) -> dict[str, Any]: ...

    def register_key(self, secret: str, *, run: str = "") -> str: ...

    def register_credentials(self, access_key: str, secret_key: str, *, run: str = "") -> str: ...

    def forget_credentials(self, run: str) -> int: ...

    def reset(self) -> None: ...


def answer(app: AdminApp, request: Request) -> Response:
    """The admin API's answer to ``request`` (a path under ``/__admin/``) for ``app``.

    Any other exception than an ``HTTPException`` or a ``ValueError`` (a ``FaultSpecError`` included)
    propagates: the caller keeps it and answers a 500.
    """
    adapter = _MAP.bind_to_environ(request.environ)
    try:
        endpoint, values = adapter.match()
        return _ROUTES[str(endpoint)](app, request, **values)
    except HTTPException as exc:
        code = exc.code or 500
        return json_response({"error": HTTP_STATUS_CODES.get(code, "Error")}, code)
    except FaultSpecError as exc:
        return json_response({"error": str(exc), "field": exc.field}, 400)
    except ValueError as exc:
        return json_response({"error": str(exc)}, 400)


def _health(app: AdminApp, request: Request) -> Response:
    return json_response(
        {
            "status": "ok",
            "service": app.service,
            "seed": app.seed,
            "calls": len(app.journal),
            "retained": len(app.journal),
            "total": app.journal.recorded,
            "faults": len(app.faults),
            "last_seq": app.journal.recorded,
            **app.health_extra(),
        }
    )


def _calls(app: AdminApp, request: Request) -> Response:
    filters: dict[str, Any] = {}
    for name in ("method", "path", "service", "endpoint", "model", "key"):
        if name in request.args:
            filters[name] = request.args[name]
    if "status" in request.args:
        filters["status"] = int(request.args["status"])
    if "matched" in request.args:
        filters["matched"] = request.args["matched"].lower() in ("1", "true", "yes")
    since = request.args.get("since")
    if since is not None:
        if not since.isdigit():
            raise ValueError("since must be a sequence number (a non-negative integer)")
        filters["since"] = int(since)
    calls = app.journal.filter(**filters) if filters else app.journal.calls
    return json_response(
        {
            "calls": [c.to_dict() for c in calls],
            "count": len(calls),
            "retained": len(app.journal),
            "total": app.journal.recorded,
        }
    )


def _clear_calls(app: AdminApp, request: Request) -> Response:
    app.journal.clear()
    return json_response({"cleared": True})


def _faults(app: AdminApp, request: Request) -> Response:
    return json_response({"faults": app.faults.to_dict()})


def _add_faults(app: AdminApp, request: Request) -> Response:
    data = json_or_none(request.get_data())
    if data is None:
        raise ValueError("the body must be a JSON fault object or an array of them")
    items = data if isinstance(data, list) else [data]
    faults = [_fault_at(i, item, isinstance(data, list)) for i, item in enumerate(items)]  # all before any
    ids = [app.faults.add(f) for f in faults]
    return json_response({"ids": ids, "id": ids[0] if len(ids) == 1 else None}, 201)


def _clear_faults(app: AdminApp, request: Request) -> Response:
    app.faults.clear()
    return json_response({"cleared": True})


def _remove_fault(app: AdminApp, request: Request, fault_id: str) -> Response:
    if not app.faults.remove(fault_id):
        return json_response({"error": f"no fault with id {fault_id!r}"}, 404)
    return json_response({"removed": fault_id})


def _add_credentials(app: AdminApp, request: Request) -> Response:
    body = json_or_none(request.get_data())
    if not isinstance(body, dict):
        raise ValueError(
            'expected {"api_key": "..."}, {"entra_token": "..."} or '
            '{"access_key": "...", "secret_key": "..."}, with an optional "run"'
        )
    run = body.get("run", "")
    if not isinstance(run, str):
        raise ValueError("run must be a string")
    registered = []
    if "access_key" in body or "secret_key" in body:
        access_key, secret_key = body.get("access_key"), body.get("secret_key")
        if not isinstance(access_key, str) or not isinstance(secret_key, str):
            raise ValueError("access_key and secret_key must be strings")
        registered.append(app.register_credentials(access_key, secret_key, run=run))
    for name in ("api_key", "entra_token"):
        if name in body:
            registered.append(app.register_key(body[name], run=run))
    if not registered:
        raise ValueError("nothing to register: give api_key, entra_token or access_key + secret_key")
    return json_response({"registered": registered[0] if len(registered) == 1 else registered})


def _forget_credentials(app: AdminApp, request: Request) -> Response:
    run = request.args.get("run")
    if run is None:
        raise ValueError("give the run whose credentials to forget: ?run=<nonce>")
    return json_response({"forgotten": app.forget_credentials(run)})


def _reset(app: AdminApp, request: Request) -> Response:
    app.reset()
    return json_response({"reset": True})


def _fault_at(index: int, item: Any, in_array: bool) -> Fault:
    """``Fault.from_dict(item)``; in an array, a refused spec's field is prefixed with its index."""
    try:
        return Fault.from_dict(item)
    except FaultSpecError as exc:
        if not in_array:
            raise
        field = f"{index}.{exc.field}" if exc.field else str(index)
        raise FaultSpecError(f"[{index}] {exc}", field) from None


_MAP = Map(
    [
        Rule("/__admin/health", methods=["GET"], endpoint="health"),
        Rule("/__admin/calls", methods=["GET"], endpoint="calls"),
        Rule("/__admin/calls", methods=["DELETE"], endpoint="clear_calls"),
        Rule("/__admin/faults", methods=["GET"], endpoint="faults"),
        Rule("/__admin/faults", methods=["POST"], endpoint="add_faults"),
        Rule("/__admin/faults", methods=["DELETE"], endpoint="clear_faults"),
        Rule("/__admin/faults/<fault_id>", methods=["DELETE"], endpoint="remove_fault"),
        Rule("/__admin/reset", methods=["POST"], endpoint="reset"),
        Rule("/__admin/credentials", methods=["POST"], endpoint="add_credentials"),
        Rule("/__admin/credentials", methods=["DELETE"], endpoint="forget_credentials"),
    ]
)
#: endpoint of :data:`_MAP` -> its handler
_ROUTES: dict[str, Callable[..., Response]] = {
    "health": _health,
    "calls": _calls,
    "clear_calls": _clear_calls,
    "faults": _faults,
    "add_faults": _add_faults,
    "clear_faults": _clear_faults,
    "remove_fault": _remove_fault,
    "reset": _reset,
    "add_credentials": _add_credentials,
    "forget_credentials": _forget_credentials,
}
