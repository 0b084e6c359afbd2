"""How the harness runs its hypothesis properties (rule scenarios, schema operations, the state machine)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings

__all__ = ["run_settings"]


def run_settings(max_examples: int, *, explicit: bool = True, **extra: Any) -> settings:
    """``max_examples`` examples, no example database (a seed reproduces a run), no deadline and no health
    checks (a slow target is not a failure of the harness), no shrinking (each example is a request plan);
    ``explicit`` keeps the explicit examples phase; ``extra`` adds settings (``report_multiple_bugs``...)."""
    phases = [Phase.explicit, Phase.generate] if explicit else [Phase.generate]
    return settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        **extra,
    )
