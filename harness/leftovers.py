"""What a run created on the target and has not deleted yet, so that nothing is left behind (issue 21).

Every scenario force-deletes the endpoints and indexes it creates in a ``finally`` block, but an interrupt
(Ctrl-C, the whole process group: the worker processes too) that lands while a PUT is in flight, or between
its answer and the block, used to leave an endpoint on the user's cluster. :class:`Leftovers` watches the
requests the :class:`~harness.target.Target` sends: a PUT of an endpoint or an index is noted before it is
sent (it may be created although its answer never arrives), forgotten when the target refuses it or when it
is deleted; :func:`sweep` force-deletes what remains, after each plan item and when the run ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["Leftovers", "resource_of", "sweeping"]

_SWEEP = threading.local()


def sweeping() -> bool:
    """True in a thread while it sweeps: cleanup, not behaviour (``harness diff`` leaves these exchanges out)."""
    return bool(getattr(_SWEEP, "active", False))


def resource_of(path: str) -> tuple[str, str] | None:
    """``("endpoint", id)`` or ``("index", name)`` for a path that names one, else ``None``.

    >>> resource_of("/_inference/text_embedding/my-id"), resource_of("/_inference/my-id")
    (('endpoint', 'my-id'), ('endpoint', 'my-id'))
    >>> resource_of("/my-index"), resource_of("/_inference/my-id/_update"), resource_of("/_inference/_all")
    (('index', 'my-index'), None, None)
    """
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if parts and parts[0] == "_inference" and 2 <= len(parts) <= 3 and not parts[-1].startswith("_"):
        return "endpoint", parts[-1]
    if len(parts) == 1 and not parts[0].startswith("_"):
        return "index", parts[0]
    return None


@dataclass
class _Noted:
    endpoints: set[str] = field(default_factory=set)
    indexes: set[str] = field(default_factory=set)


@dataclass
class Leftovers:
    """The endpoints and indexes sent in a PUT and not known to be refused or deleted, per thread: items run
    concurrently in threads (the stateful pass beside the items, a pool of threads), and the sweep after an
    item must not delete what another thread's item is still using."""

    _by_thread: dict[int, _Noted] = field(default_factory=dict)

    def _mine(self) -> _Noted:
        return self._by_thread.setdefault(threading.get_ident(), _Noted())

    @property
    def endpoints(self) -> set[str]:
        """Every noted endpoint id, of every thread."""
        return {name for noted in list(self._by_thread.values()) for name in noted.endpoints}

    @property
    def indexes(self) -> set[str]:
        """Every noted index name, of every thread."""
        return {name for noted in list(self._by_thread.values()) for name in noted.indexes}

    def before(self, method: str, path: str) -> bool:
        """Note a PUT before it is sent; returns whether the resource was already noted (a second PUT of it)."""
        resource = resource_of(path) if method.upper() == "PUT" else None
        if resource is None:
            return True
        mine = self._mine()
        bucket = mine.endpoints if resource[0] == "endpoint" else mine.indexes
        known = resource[1] in bucket
        bucket.add(resource[1])
        return known

    def after(self, method: str, path: str, status: int, params: Mapping[str, str] | None, *, known: bool) -> None:
        """Forget a refused PUT (unless an earlier PUT created the resource) and a deleted resource (in every
        thread's notes: a cleanup may run elsewhere)."""
        resource = resource_of(path)
        if resource is None:
            return
        verb = method.upper()
        refused = verb == "PUT" and not 200 <= status < 300 and not known
        deleted = verb == "DELETE" and status in (200, 404) and not _dry_run(params)
        if refused:
            mine = self._mine()
            (mine.endpoints if resource[0] == "endpoint" else mine.indexes).discard(resource[1])
        elif deleted:
            for noted in list(self._by_thread.values()):
                (noted.endpoints if resource[0] == "endpoint" else noted.indexes).discard(resource[1])

    def __bool__(self) -> bool:
        return any(noted.endpoints or noted.indexes for noted in list(self._by_thread.values()))

    def sweep(self, delete: Callable[[str, Mapping[str, str]], object], *, every_thread: bool = False) -> None:
        """Force-delete what this thread noted (``every_thread``: what any thread did; the run is over): every
        index, then every endpoint (an index can reference an endpoint), with ``delete(path, params)``; errors are
        ignored (cleaning up never changes a run's outcome)."""
        if every_thread:
            notes = list(self._by_thread.values())
        else:
            notes = [self._by_thread[me]] if (me := threading.get_ident()) in self._by_thread else []
        _SWEEP.active = True
        try:
            for noted in notes:
                for name in sorted(noted.indexes):
                    _quietly(delete, f"/{name}", {})
                for name in sorted(noted.endpoints):
                    _quietly(delete, f"/_inference/{name}", {"force": "true"})
                noted.indexes.clear()
                noted.endpoints.clear()
        finally:
            _SWEEP.active = False


def _dry_run(params: Mapping[str, str] | None) -> bool:
    return str((params or {}).get("dry_run", "")).lower() == "true"


def _quietly(delete: Callable[[str, Mapping[str, str]], object], path: str, params: Mapping[str, str]) -> None:
    try:
        delete(path, params)
    except Exception:  # noqa: BLE001 - a target gone or refusing: nothing more to do
        pass
