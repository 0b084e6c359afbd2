"""Progress of a conformance run on stderr.

On a terminal: a rich bar, green while every result passes, red from the first failure. Anywhere else (a CI
log, a pipe, a file) a bar would print nothing useful, so plain lines are written instead, as pytest and
schemathesis do without a terminal: one when the run starts, one per finished rule family with its counts,
and one at least every :data:`HEARTBEAT_S` seconds while nothing else was printed (a slow target, a long
family)::

    conformance: 732 checks (8.18, seed 0, 2 workers)
    [  48/732   6%] id_format: 36 passed, 12 not applicable (2.1s)
    [  96/732  13%] task_type: 60 passed, 36 not applicable (4.0s)
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from harness.config import RunConfig
from harness.engine.events import Listener
from harness.report.model import OUTCOMES, Result
from harness.target import Target

if TYPE_CHECKING:
    from harness.engine.plan import PlanItem

__all__ = ["HEARTBEAT_S", "Progress", "ProgressListener", "family"]

#: Longest silence (seconds) of the line-per-family output while results keep arriving.
HEARTBEAT_S = 10.0


def family(rule_id: str) -> str:
    """The family of a rule id: ``chunking`` for ``chunking.word.max_size``."""
    return rule_id.split(".", 1)[0]


def _counts(outcomes: Counter[str]) -> str:
    return ", ".join(f"{outcomes[o]} {o.replace('_', ' ')}" for o in OUTCOMES if outcomes[o])


class Progress:
    """Counts results as they finish and reports them (a bar on a terminal, lines otherwise).

    Args:
        planned: the rule id of every planned result (one per plan item, plus one per extra pass).
        stream: where to write (default ``sys.stderr``).
        terminal: draw a bar (default: when ``stream`` is a terminal).
        name: what runs (``conformance``; ``diff A`` for a side of a diff).
    """

    def __init__(
        self,
        planned: Iterable[str],
        *,
        stream: TextIO | None = None,
        terminal: bool | None = None,
        name: str = "conformance",
    ) -> None:
        self.name = name
        self.stream = stream or sys.stderr
        self.terminal = self.stream.isatty() if terminal is None else terminal
        self.left: Counter[str] = Counter(family(r) for r in planned)
        self.total = sum(self.left.values())
        self.done = 0
        self.outcomes: dict[str, Counter[str]] = {}
        self.failed = False
        self._order = list(self.left)
        self._t0 = self._last = time.monotonic()
        self._bar: Any = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._ticker: threading.Thread | None = None

    def start(self, headline: str) -> None:
        """Print ``headline`` (lines mode) or draw the bar (terminal)."""
        if not self.terminal:
            self._line(f"{self.name}: {headline}")
            if HEARTBEAT_S > 0:
                self._ticker = threading.Thread(
                    target=self._tick_until_stopped, args=(HEARTBEAT_S,), name="progress", daemon=True
                )
                self._ticker.start()
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._column = BarColumn(complete_style="green", finished_style="green")
        self._bar = Progress(
            TextColumn(self.name),
            self._column,
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=self.stream),
            transient=True,
        )
        self._task = self._bar.add_task("run", total=self.total)
        self._bar.start()

    def advance(self, results: Result | list[Result], *, planned_as: str | None = None) -> None:
        """Count finished ``results``; ``planned_as`` is the rule id they were planned under (extra passes
        report several results, e.g. one per schema operation, for one planned entry)."""
        with self._lock:
            self._advance(results, planned_as)

    def tick(self) -> None:
        """Print a "still running" line when nothing was printed for :data:`HEARTBEAT_S` seconds (lines mode)."""
        with self._lock:
            if self._bar is None and time.monotonic() - self._last >= HEARTBEAT_S:
                running = next((f for f in self._order if self.left[f] > 0), "")
                so_far = _counts(self.outcomes.get(running, Counter()))
                self._line(
                    f"{self._where()} {running or self.name}: running"
                    f"{', ' + so_far + ' so far' if so_far else ''} ({self._elapsed()})"
                )

    def _tick_until_stopped(self, every: float) -> None:
        while not self._stopped.wait(every):
            self.tick()

    def _advance(self, results: Result | list[Result], planned_as: str | None) -> None:
        batch = results if isinstance(results, list) else [results]
        name = family(planned_as or (batch[0].rule_id if batch else "other"))
        outcomes = self.outcomes.setdefault(name, Counter())
        outcomes.update(r.outcome for r in batch)
        self.done += 1
        self.left[name] -= 1
        if any(r.outcome == "failed" for r in batch) and not self.failed:
            self.failed = True
            if self._bar is not None:
                self._column.complete_style = self._column.finished_style = "red"
        if self._bar is not None:
            self._bar.advance(self._task)
        elif self.left[name] <= 0:
            self._line(f"{self._where()} {name}: {_counts(outcomes) or 'no result'} ({self._elapsed()})")
        elif time.monotonic() - self._last >= HEARTBEAT_S:
            self._line(f"{self._where()} {name}: running, {_counts(outcomes)} so far ({self._elapsed()})")

    def stop(self) -> None:
        """Remove the bar (terminal) or stop the heartbeat (lines)."""
        self._stopped.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def _where(self) -> str:
        width = len(str(self.total))
        percent = 100 * self.done // self.total if self.total else 100
        return f"[{self.done:>{width}}/{self.total} {percent:>3}%]"

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self._t0:.1f}s"

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)
        self._last = time.monotonic()


class ProgressListener(Listener):
    """A :class:`Progress` display as a run's listener: started once the run is (its headline from
    ``headline(items, config, target)``), advanced with each item's results, stopped at the end."""

    def __init__(
        self,
        headline: Callable[[Sequence[PlanItem], RunConfig, Target], str],
        *,
        name: str = "conformance",
        **options: Any,
    ) -> None:
        self.headline, self.name, self.options = headline, name, options
        self.progress: Progress | None = None

    def run_started(self, items: Sequence[PlanItem], config: RunConfig, target: Target) -> None:
        """Count the planned items and show the headline."""
        self.progress = Progress([item.rule_id for item in items], name=self.name, **self.options)
        self.progress.start(self.headline(items, config, target))

    def item_finished(self, item: PlanItem, results: list[Result]) -> None:
        """Count ``item``'s results (a pass's several under its one planned entry)."""
        if self.progress is not None:
            self.progress.advance(results, planned_as=item.rule_id)

    def run_finished(self) -> None:
        """Stop the display."""
        if self.progress is not None:
            self.progress.stop()
