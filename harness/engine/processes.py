"""Plan items on worker processes: how ``--workers N`` uses N cores.

The harness's own work (generation with hypothesis, checks, HTTP client) holds the GIL most of the time,
so threads of one process share one core. With ``--workers N`` (N > 1) the engine hands the rule items to
N forked worker processes instead. Each executes the items it is given with the engine's
:func:`~harness.engine.execute.execute` on its own copy of the run's session, exactly as a thread would: every item
is seeded from the run seed and its own key, so the results do not
depend on which worker ran it or when. Results come back in plan order. Where fork is not available (not
Linux), or a mock lives in this process, the engine keeps threads.

The mocks must be reachable by URL (:class:`~harness.target.RemoteMock`): a default run starts the
embedded reference and mocks in each worker (:func:`start_embedded_workers`), an external run is given
URLs. Each worker returns, with each result, the canary secrets it planted, so the run's redactor knows
every one of them when the reports are written.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
from collections.abc import Callable, Generator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from harness.config import RunConfig
from harness.engine.events import Events
from harness.mock_handles import MockHandles, RemoteMock
from harness.report.model import Result

if TYPE_CHECKING:
    from harness.engine.session import Session

__all__ = ["can_use_processes", "execute_in_processes", "start_embedded_workers"]

_worker: dict[str, Any] = {}


def can_use_processes(mocks: MockHandles | None = None) -> bool:
    """True when worker processes can run the items: on Linux (fork), with every mock (if given) reachable by
    URL from another process."""
    if not sys.platform.startswith("linux"):
        return False
    return mocks is None or all(isinstance(h, RemoteMock) for h in mocks.values())


def _own_connections(obj: Any) -> Any:
    """``obj`` with fresh thread-local state: a forked worker must not share the parent's open sessions."""
    for name, value in list(vars(obj).items()):
        if isinstance(value, threading.local):
            setattr(obj, name, threading.local())
    return obj


def _ignore_interrupts() -> None:
    """A worker finishes the item it runs when Ctrl-C comes (its cleanup included): the terminal sends SIGINT to
    the whole process group, and a worker it stopped between items broke the pool, which then killed the other
    workers in the middle of theirs (an endpoint left on the cluster). The parent stops handing out items."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _init_worker(session: Session, events: Events) -> None:
    # runs in the forked worker: the session is this process's copy, with connections of its own, telling the
    # listeners that fork with the workers (the driver tells the others each item's results, in the parent)
    _ignore_interrupts()
    _worker.clear()
    mocks = session.mocks
    own = MockHandles(
        {s: _own_connections(h) for s, h in mocks.items()}, azure_resource=getattr(mocks, "azure_resource", None)
    )
    target = _own_connections(session.target)
    target.observers = []
    events.observe(target)
    _worker["session"] = replace(session, target=target, mocks=own, events=events)
    _worker["sent"] = set(session.redactor.secrets)


def _init_embedded_worker(config: RunConfig, events: Events) -> None:
    # runs in the forked worker: its own embedded reference and mocks, in this process (as a one-worker run)
    _ignore_interrupts()
    from harness.engine.session import open_session
    from harness.environment import Environment

    env = Environment(config).__enter__()  # lives as long as the worker
    _init_worker(open_session(config, env, events), events)


def _ready() -> bool:
    return True


def _import_embedded() -> None:
    """Import the embedded servers' modules here, once: the forked workers inherit them instead of each
    importing them again (about half a second of CPU per worker)."""
    import contextlib

    with contextlib.suppress(ImportError):  # reported by the worker's Environment, as without this
        import harness.gen.strategies  # noqa: F401
        import mocks.azure  # noqa: F401
        import mocks.bedrock  # noqa: F401
        import mocks.openai  # noqa: F401
        import mocks.reference  # noqa: F401
        import mocks.reference.security  # noqa: F401


def start_embedded_workers(config: RunConfig, events: Events | None = None) -> ProcessPoolExecutor:
    """``config.workers`` forked processes, each with its own embedded reference target and mocks.

    Call it before this process starts threads (its own embedded servers included): the workers are
    forked at once. Items are independent (each seeded from its own key, with its own endpoint ids), so
    which worker's reference judges an item does not change its result; the run's stateful and schema
    passes run afterwards in this process, against its own embedded reference.
    """
    _import_embedded()
    pool = ProcessPoolExecutor(
        max_workers=config.workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_init_embedded_worker,
        initargs=(config, events or Events()),
    )
    pool.submit(_ready).result()  # forks every worker now (a fork pool starts them all on the first task)
    return pool


def _execute_item(item: Any) -> tuple[list[Result], list[str]]:
    from harness.engine.execute import execute

    session = _worker["session"]
    results = execute(item, session)
    new = [s for s in session.redactor.secrets if s not in _worker["sent"]]
    _worker["sent"].update(new)
    return results, new


def execute_in_processes(
    items: list[Any],
    *,
    session: Session,
    events: Events | None = None,
    started: Callable[[], None],
    pool: ProcessPoolExecutor | None = None,
) -> Generator[list[Result], None, None]:
    """Execute ``items`` on worker processes; yield each item's results in plan order.

    ``pool``: workers from :func:`start_embedded_workers`; without it, ``session.config.workers`` processes are
    forked now and run the items against ``session``'s target and mocks (URLs), telling ``events`` (the
    listeners that fork with the workers). ``started`` is called once the
    workers exist, so a progress display may start its thread then. The canaries a worker planted come back
    with each item and are added to ``session``'s redactor.
    """
    own = pool is None
    if pool is None:
        pool = ProcessPoolExecutor(
            max_workers=session.config.workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_init_worker,
            initargs=(session, events or Events()),
        )
    try:
        answers = pool.map(_execute_item, items)  # forks the workers now
        started()
        for results, secrets in answers:
            session.redactor.add(*secrets)
            yield results
    except BaseException:
        # Ctrl-C, or the caller stopped early: no item starts any more, and the run waits for the items under
        # way to finish (the workers ignore SIGINT), so none creates an endpoint after the run's cleanup
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        if own:
            pool.shutdown()
