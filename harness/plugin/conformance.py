"""The conformance suite as pytest tests: one :class:`ConformanceItem` per rule x service x task type of the
runner's plan (then the stateful and schema passes), under one :class:`ConformanceCollector` that owns the run
environment. Added by ``--inference-conformance``.
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import Any

import pytest

from harness.plugin.options import InferenceSettings, settings_of

__all__ = ["ConformanceCollector", "ConformanceFailure", "ConformanceItem", "pytest_collection_modifyitems"]


class ConformanceFailure(AssertionError):
    """A conformance test saw the target break its rule; carries the (redacted) :class:`Result`."""

    def __init__(self, result: Any) -> None:
        super().__init__(result.reason or result.title)
        self.result = result


def _item_name(item: Any) -> str:
    """``conformance[rule-service-task_type]``; a pass is ``conformance[stateful]`` / ``conformance[schema]``."""
    parts = (item.rule_id, item.service, item.task_type) if item.kind == "rule" else (item.kind,)
    return "conformance[" + "-".join(p for p in parts if p) + "]"


def _skip(reason: str) -> None:
    """Skip the running conformance test, reported at the test's id rather than at this file's line."""
    try:
        raise pytest.skip.Exception(reason, _use_item_location=True)  # type: ignore[call-arg]
    except TypeError:  # pragma: no cover - a pytest without the keyword
        pytest.skip(reason)


class ConformanceCollector(pytest.Collector):
    """All conformance tests; owns the run environment (target + mocks), started before its first test."""

    def __init__(self, *args: Any, settings: InferenceSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings
        self.engine: Any = None
        self.run_session: Any = None
        self.redactor: Any = None
        self._session: Any = None

    def collect(self) -> list[pytest.Item]:
        """One item per item of the engine's plan, in plan order: the rules, then the stateful and schema passes."""
        from harness.engine.run import Engine

        self.engine = Engine(self._run_config())
        return [ConformanceItem.from_parent(self, name=_item_name(item), plan_item=item) for item in self.engine.plan()]

    def _run_config(self) -> Any:
        from harness.config import RunConfig
        from harness.errors import HarnessError

        s = self.settings
        config = RunConfig(
            target=s.target,
            mocks=dict(s.mocks),
            es_version=s.es_version,
            seed=s.seed,
            max_examples=s.max_examples,
            workers=1,
            skip=dict(s.skip),
            user=s.user,
            api_key=s.api_key,
        )
        try:
            return config.validate()
        except HarnessError as exc:
            raise pytest.UsageError(f"conformance environment: {exc.reason}") from None

    def setup(self) -> None:
        """Start (embedded) or connect to (``--inference-target``) the target and mocks: the engine's session."""
        from harness.errors import HarnessError

        self._session = self.engine.session()
        try:
            self.run_session = self._session.__enter__()
        except HarnessError as exc:
            raise pytest.UsageError(f"conformance environment: {exc.reason}") from None
        self.redactor = self.run_session.redactor

    def teardown(self) -> None:
        """Stop what :meth:`setup` started."""
        if self._session is not None:
            self._session.__exit__(None, None, None)
            self._session = None


class ConformanceItem(pytest.Item):
    """One item of the engine's plan (a rule x service x task type, or a pass), executed by the engine."""

    def __init__(self, *args: Any, plan_item: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan_item = plan_item
        self.result: Any = None

    @property
    def _collector(self) -> ConformanceCollector:
        assert isinstance(self.parent, ConformanceCollector)
        return self.parent

    def runtest(self) -> None:
        """Execute the item with the engine; a failure raises :class:`ConformanceFailure`, other outcomes skip
        with the reason."""
        from harness.engine.execute import execute

        results = execute(self.plan_item, self._collector.run_session)
        if not results:
            _skip(f"the {self.plan_item.kind} pass produced no result")
        failed = [r for r in results if r.outcome == "failed"]
        self.result = failed[0] if failed else results[0]
        for r in results:
            self.user_properties.append(("inference_result", r.key + ":" + r.outcome))
        if failed:
            raise ConformanceFailure(failed[0])
        if all(r.outcome != "passed" for r in results):
            r = results[0]
            _skip(f"{r.outcome.replace('_', ' ')}: {r.reason}" if r.reason else r.outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """Expected vs seen, the last request and the replay command (all redacted), not a traceback."""
        if not isinstance(excinfo.value, ConformanceFailure):
            return str(super().repr_failure(excinfo, style=style))
        import json

        r = excinfo.value.result
        redact = self._collector.redactor.redact

        def show(value: Any) -> str:
            return redact(value if isinstance(value, str) else json.dumps(value, indent=2, default=str))

        lines = [
            f"{r.key}: {redact(r.reason or r.title)}",
            "",
            "expected:",
            show(r.expected),
            "",
            "seen:",
            show(r.seen),
        ]
        if r.exchanges:
            last = r.exchanges[-1]
            lines += ["", f"last request: {last.method} {redact(last.url)} -> {last.status}"]
        if r.replay:
            lines += ["", "replay:", redact(r.replay)]
            written = _write_replay_env(self.config, r.replay, self._collector.redactor)
            if written is not None:
                lines += [f"(the canaries the curl reads: . {written})"]
        return "\n".join(lines)

    def reportinfo(self) -> tuple[Any, int, str]:
        """Where the test comes from: the rule's line in ``specs/rules.yaml``."""
        rule = self.plan_item.rule_id
        path, lines = _rules_file()
        return path, lines.get(rule, 0), self.name


def _write_replay_env(config: pytest.Config, replay: str, redactor: Any) -> Path | None:
    """``reports/replay.env`` under pytest's root (mode 0600): the canary values the replay's curl reads, as
    ``harness run`` writes them beside its reports; ``None`` when the replay reads none."""
    from harness.replay import replay_env, write_env_file

    with contextlib.suppress(OSError):
        return write_env_file(Path(config.rootpath) / "reports", replay_env([replay], redactor))
    return None


@functools.cache
def _rules_file() -> tuple[Path, dict[str, int]]:
    """``specs/rules.yaml`` and the (0-based) line of each ``- id:`` in it."""
    import specs

    path = Path(specs.__file__).resolve().parent / "rules.yaml"
    lines: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            stripped = line.strip()
            if stripped.startswith("- id:"):
                lines.setdefault(stripped[5:].strip().strip("'\""), n)
    return path, lines


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``--inference-conformance``, append the conformance tests (before ``-k``/``-m`` deselect).

    They are collected through ``session.genitems``, as pytest collects a file: the collect report and the
    ``pytest_itemcollected`` calls make them count in "collected N items" (and for ``--co``, xdist, plugins), so
    ``-k`` deselecting some reads "collected 653 items / 650 deselected / 3 selected".
    """
    settings = settings_of(config)
    if not settings.conformance:
        return
    if settings.mocks and not settings.target:  # misuse: stop before anything starts
        short = {"openai": "openai", "azureopenai": "azure", "amazonbedrock": "bedrock"}
        service = next(iter(settings.mocks))
        raise pytest.UsageError(
            f"--inference-{short.get(service, service)}-mock needs --inference-target with "
            "--inference-conformance: the embedded reference calls its own mocks"
        )
    collector = ConformanceCollector.from_parent(
        session, name="inference-conformance", nodeid="inference-conformance", settings=settings
    )
    items.extend(session.genitems(collector))
