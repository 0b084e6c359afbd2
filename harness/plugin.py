"""pytest plugin ``inference_harness``: provider-mock fixtures and the conformance suite as pytest tests.

Installed with the package (``pytest11`` entry point) and loaded by every pytest session, so it stays
inert: nothing is imported, started or bound until a fixture below is requested or
``--inference-conformance`` is given.

Fixtures (function-scoped handles on session-scoped servers; each test starts with an empty journal, no
faults and no collected server errors, and an error raised inside a server thread is re-raised at the
test's teardown):

=====================  ===================================================================================
``openai_mock``        :class:`mocks.openai.OpenAIMock` (``.url``, ``.base_url``, ``.journal``, ``.faults``)
``azure_mock``         :class:`mocks.azure.AzureMock`
``bedrock_mock``       :class:`mocks.bedrock.BedrockMock`
``inference_target``   :class:`InferenceTarget`: the embedded reference ``_inference`` target wired to the
                       three mocks, or the ``--inference-target`` URL
=====================  ===================================================================================

Each pytest-xdist worker is its own process with its own servers on free ports, so journals never mix.

Options (command line, or the ini keys in brackets under ``[tool.pytest.ini_options]``):

* ``--inference-target URL`` [``inference_target``]: an external ``_inference`` implementation (a real
  Elasticsearch) for ``inference_target`` and the conformance tests, instead of the embedded reference.
* ``--inference-openai-mock URL``, ``--inference-azure-mock URL``, ``--inference-bedrock-mock URL``:
  external mocks (``harness mock …``) the conformance run reads through their admin API.
* ``--inference-es-version V`` [``inference_es_version``]: version profile, ``8.18`` (default), ``9.1``, ``9.4``.
* ``--inference-seed S`` [``inference_seed``]: seed of the mocks' outputs and of generated cases (default 0).
* ``--inference-conformance`` [``inference_conformance``]: add one test per rule x service x task type,
  ``inference-conformance::conformance[<rule>-<service>-<task type>]``, so ``pytest -k chunking`` works.
* ``--inference-max-examples N`` [``inference_max_examples``]: generated cases per conformance test.

Below the ini keys, the ``harness`` config file nearest the invocation directory (``harness.toml`` or
``[tool.harness]``, see :mod:`harness.config`) gives the defaults of ``target``, ``mocks``, ``es_version`` and
``seed``; its ``[skip]`` table turns matching conformance tests into skips with the configured reason.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported lazily at run time: the plugin must cost nothing when unused
    from harness.target import MockHandles

__all__ = [
    "ConformanceCollector",
    "ConformanceFailure",
    "ConformanceItem",
    "InferenceSettings",
    "InferenceTarget",
    "azure_mock",
    "bedrock_mock",
    "inference_settings",
    "inference_target",
    "openai_mock",
]

_VERSIONS = ("8.18", "9.1", "9.4")
_MOCK_OPTIONS = {"openai": "openai", "azureopenai": "azure", "amazonbedrock": "bedrock"}


# ---- options ------------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``--inference-*`` options and their ini keys."""
    group = parser.getgroup("inference_harness", "Elasticsearch _inference contract harness")
    group.addoption("--inference-target", metavar="URL", default=None,
                    help="external _inference target (e.g. a real Elasticsearch) instead of the embedded reference")
    for service, short in _MOCK_OPTIONS.items():
        group.addoption(f"--inference-{short}-mock", metavar="URL", default=None, dest=f"inference_{short}_mock",
                        help=f"external {service} mock (harness mock …) for conformance tests")
    group.addoption("--inference-es-version", metavar="V", default=None, choices=_VERSIONS,
                    help="version profile: 8.18 (default), 9.1, 9.4")
    group.addoption("--inference-seed", metavar="S", type=int, default=None,
                    help="seed of mock outputs and generated cases (default 0)")
    group.addoption("--inference-conformance", action="store_true", default=None,
                    help="run the conformance suite as pytest tests (one per rule x service x task type)")
    group.addoption("--inference-max-examples", metavar="N", type=int, default=None,
                    help="generated cases per conformance test (default 5)")
    parser.addini("inference_target", "external _inference target URL (see --inference-target)", default="")
    parser.addini("inference_es_version", "version profile (see --inference-es-version)", default="")
    parser.addini("inference_seed", "seed (see --inference-seed)", default="")
    parser.addini("inference_conformance", "run the conformance suite (see --inference-conformance)",
                  type="bool", default=False)
    parser.addini("inference_max_examples", "generated cases per conformance test", default="5")


@dataclass(frozen=True)
class InferenceSettings:
    """The plugin's resolved options (command line over ini over defaults)."""

    target: str | None = None
    mocks: dict[str, str] = field(default_factory=dict)
    es_version: str = "8.18"
    seed: int = 0
    conformance: bool = False
    max_examples: int = 5
    skip: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: pytest.Config) -> InferenceSettings:
        """Read the options of ``config`` over the harness config file; ``pytest.UsageError`` on a bad value."""
        opt = config.getoption
        file = _harness_file(config)
        target = opt("inference_target") or config.getini("inference_target") or file.get("target") or None
        version = (opt("inference_es_version") or config.getini("inference_es_version") or file.get("es_version")
                   or "8.18")
        if version not in _VERSIONS:
            raise pytest.UsageError(f"inference_es_version must be one of {', '.join(_VERSIONS)}, got {version!r}")
        try:
            seed = opt("inference_seed")
            seed = int(config.getini("inference_seed") or file.get("seed") or 0) if seed is None else seed
            examples = opt("inference_max_examples")
            examples = int(config.getini("inference_max_examples") or 5) if examples is None else examples
        except ValueError as exc:
            raise pytest.UsageError(f"inference_seed / inference_max_examples must be integers: {exc}") from None
        conformance = opt("inference_conformance")
        conformance = bool(config.getini("inference_conformance")) if conformance is None else conformance
        mocks = {svc: url for svc, short in _MOCK_OPTIONS.items()
                 if (url := opt(f"inference_{short}_mock") or file.get("mocks", {}).get(svc))}
        for name, url in [("--inference-target", target), *((f"--inference-{s}-mock", u) for s, u in mocks.items())]:
            if url and not url.startswith(("http://", "https://")):
                raise pytest.UsageError(f"{name} must be an http(s) URL, got {url!r}")
        return cls(target=target.rstrip("/") if target else None, mocks=mocks, es_version=version, seed=seed,
                   conformance=conformance, max_examples=max(1, examples), skip=dict(file.get("skip", {})))


def _harness_file(config: pytest.Config) -> dict[str, Any]:
    """Defaults from the ``harness`` config file nearest the invocation directory (``{}`` when none)."""
    from harness.config import find_config_file, read_config_file
    from harness.errors import HarnessError

    try:
        path = find_config_file(Path(config.invocation_params.dir))
        return read_config_file(path) if path else {}
    except HarnessError as exc:
        raise pytest.UsageError(exc.reason) from None


_SETTINGS = pytest.StashKey[InferenceSettings]()


def pytest_configure(config: pytest.Config) -> None:
    """Resolve the options once (cheap: no import, no server)."""
    config.stash[_SETTINGS] = InferenceSettings.from_config(config)


def _settings(config: pytest.Config) -> InferenceSettings:
    return config.stash.get(_SETTINGS, None) or InferenceSettings.from_config(config)


@pytest.fixture(scope="session")
def inference_settings(pytestconfig: pytest.Config) -> InferenceSettings:
    """The resolved ``--inference-*`` options."""
    return _settings(pytestconfig)


# ---- mock fixtures ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _serving(server: Any) -> Iterator[Any]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def _handle(server: Any) -> Iterator[Any]:
    """A clean server for one test; its server-thread errors are raised at teardown."""
    server.clear()
    yield server
    server.raise_errors()


@pytest.fixture(scope="session")
def _inference_openai_server(inference_settings: InferenceSettings) -> Iterator[Any]:
    from mocks.openai import OpenAIMock

    with _serving(OpenAIMock(seed=inference_settings.seed)) as server:
        yield server


@pytest.fixture(scope="session")
def _inference_azure_server(inference_settings: InferenceSettings) -> Iterator[Any]:
    from mocks.azure import AzureMock

    with _serving(AzureMock(seed=inference_settings.seed)) as server:
        yield server


@pytest.fixture(scope="session")
def _inference_bedrock_server(inference_settings: InferenceSettings) -> Iterator[Any]:
    from mocks.bedrock import BedrockMock

    with _serving(BedrockMock(seed=inference_settings.seed)) as server:
        yield server


@pytest.fixture
def openai_mock(_inference_openai_server: Any) -> Iterator[Any]:
    """An OpenAI mock (:class:`mocks.openai.OpenAIMock`), journal and faults cleared; any key accepted.

    Example::

        def test_embed(openai_mock):
            client = openai.OpenAI(api_key="sk-test", base_url=openai_mock.base_url, max_retries=0)
            client.embeddings.create(model="text-embedding-3-small", input="hi")
            openai_mock.journal.assert_called(times=1, path="/v1/embeddings")
    """
    with _handle(_inference_openai_server) as server:
        yield server


@pytest.fixture
def azure_mock(_inference_azure_server: Any) -> Iterator[Any]:
    """An Azure OpenAI mock (:class:`mocks.azure.AzureMock`), journal and faults cleared; any key/deployment."""
    with _handle(_inference_azure_server) as server:
        yield server


@pytest.fixture
def bedrock_mock(_inference_bedrock_server: Any) -> Iterator[Any]:
    """A Bedrock Runtime mock (:class:`mocks.bedrock.BedrockMock`), journal and faults cleared; any signature."""
    with _handle(_inference_bedrock_server) as server:
        yield server


# ---- the target ---------------------------------------------------------------------------------------


@dataclass
class InferenceTarget:
    """The ``_inference`` implementation a test talks to, and the mocks behind it.

    Attributes:
        url: base URL (``http://127.0.0.1:PORT`` for the embedded reference).
        es_version: the version profile.
        embedded: True for the embedded reference target.
        openai / azure / bedrock: the mock servers (embedded mocks; a real Elasticsearch reaches the OpenAI mock
            through the endpoint's ``url`` setting, see ``openai_url``).
        mocks: the same mocks as the harness sees them (``harness.target.MockHandles``), external mocks
            (``--inference-*-mock``) included.

    Example::

        def test_put(inference_target):
            es = inference_target.client()
            es.inference.put(task_type="text_embedding", inference_id="e1", inference_config={
                "service": "openai",
                "service_settings": {"api_key": "sk-x", "model_id": "text-embedding-3-small",
                                     "url": inference_target.openai_url("embeddings")}})
            inference_target.openai.journal.assert_called(path="/v1/embeddings")
    """

    url: str
    es_version: str
    embedded: bool
    openai: Any
    azure: Any
    bedrock: Any
    mocks: MockHandles
    server: Any = None

    def openai_url(self, kind: str = "embeddings") -> str:
        """The OpenAI mock's URL for ``embeddings`` or ``chat/completions`` (the endpoint's ``url`` setting)."""
        return f"{self.openai.url}/v1/{kind.strip('/')}"

    def client(self, **kwargs: Any) -> Any:
        """An official ``elasticsearch.Elasticsearch`` client for :attr:`url` (needs the ``elasticsearch`` package)."""
        from elasticsearch import Elasticsearch

        return Elasticsearch(self.url, **kwargs)


@pytest.fixture(scope="session")
def _inference_reference_server(
    inference_settings: InferenceSettings,
    _inference_azure_server: Any,
    _inference_bedrock_server: Any,
) -> Iterator[Any]:
    from mocks.reference.config import ReferenceConfig
    from mocks.reference.server import ReferenceServer

    config = ReferenceConfig(
        es_version=inference_settings.es_version,
        azure_base_url=_inference_azure_server.url,
        bedrock_base_url=_inference_bedrock_server.url,
        seed=inference_settings.seed,
        retry_initial_delay_s=0.01,
        retry_max_delay_s=0.05,
    )
    with _serving(ReferenceServer(config)) as server:
        yield server


def _mock_handles(settings: InferenceSettings, local: dict[str, Any]) -> MockHandles:
    from harness.target import LocalMock, MockHandles, RemoteMock

    handles: dict[str, Any] = {}
    for service, server in local.items():
        url = settings.mocks.get(service)
        handles[service] = RemoteMock(service, url, settings.seed) if url else LocalMock(service, server, settings.seed)
    return MockHandles(handles)


@pytest.fixture
def inference_target(
    request: pytest.FixtureRequest,
    inference_settings: InferenceSettings,
    openai_mock: Any,
    azure_mock: Any,
    bedrock_mock: Any,
) -> Iterator[InferenceTarget]:
    """The target under test: the embedded reference wired to the three mocks, or ``--inference-target``.

    Endpoints a test creates on the embedded reference are deleted at its teardown, so tests do not see each
    other's endpoints; an error inside the reference's server thread fails the test at teardown.
    """
    mocks = _mock_handles(
        inference_settings, {"openai": openai_mock, "azureopenai": azure_mock, "amazonbedrock": bedrock_mock}
    )
    common: dict[str, Any] = {"es_version": inference_settings.es_version, "openai": openai_mock,
                              "azure": azure_mock, "bedrock": bedrock_mock, "mocks": mocks}
    if inference_settings.target:
        yield InferenceTarget(url=inference_settings.target, embedded=False, **common)
        return
    server = request.getfixturevalue("_inference_reference_server")
    server.clear()
    before = {e.inference_id for e in server.store.list()}
    yield InferenceTarget(url=server.url, embedded=True, server=server, **common)
    for endpoint in server.store.list():
        if endpoint.inference_id not in before:
            server.store.delete(endpoint.inference_id)
    server.raise_errors()


# ---- the conformance suite as pytest tests -----------------------------------------------------------


class ConformanceFailure(AssertionError):
    """A conformance test saw the target break its rule; carries the (redacted) :class:`Result`."""

    def __init__(self, result: Any) -> None:
        super().__init__(result.reason or result.title)
        self.result = result


def _item_name(rule_id: str, service: str | None, task_type: str | None) -> str:
    return "conformance[" + "-".join(p for p in (rule_id, service, task_type) if p) + "]"


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
        self.env: Any = None
        self.run_config: Any = None
        self.redactor: Any = None

    def collect(self) -> list[pytest.Item]:
        """One item per plan entry of the runner, in plan order, then the stateful and schema passes."""
        from harness.contract import load_profile, load_rules
        from harness.runner import plan

        self.profile, self.rules = load_profile(self.settings.es_version), load_rules()
        items: list[pytest.Item] = [
            ConformanceItem.from_parent(self, name=_item_name(p.rule_id, p.service, p.task_type), plan_item=p)
            for p in plan(self.profile, self.rules)
        ]
        for name in ("stateful", "schema"):
            items.append(ConformanceItem.from_parent(self, name=_item_name(name, None, None), plan_item=name))
        return items

    def setup(self) -> None:
        """Start (embedded) or connect to (``--inference-target``) the target and mocks."""
        from harness.config import RunConfig
        from harness.errors import HarnessError
        from harness.report.redact import Redactor
        from harness.target import Environment

        s = self.settings
        config = RunConfig(target=s.target, mocks=dict(s.mocks), es_version=s.es_version, seed=s.seed,
                           max_examples=s.max_examples, workers=1, skip=dict(s.skip))
        try:
            config.validate()
            self.env = Environment(config).__enter__()
        except HarnessError as exc:
            raise pytest.UsageError(f"conformance environment: {exc.reason}") from None
        self.run_config, self.redactor = config, Redactor(config.secrets())

    def teardown(self) -> None:
        """Stop what :meth:`setup` started."""
        if self.env is not None:
            self.env.close()
            self.env = None


class ConformanceItem(pytest.Item):
    """One rule x service x task type of the conformance plan, judged by ``harness.runner.execute``."""

    def __init__(self, *args: Any, plan_item: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan_item = plan_item
        self.result: Any = None

    @property
    def _collector(self) -> ConformanceCollector:
        assert isinstance(self.parent, ConformanceCollector)
        return self.parent

    def _run_pass(self, col: ConformanceCollector) -> list[Any]:
        from harness.checks import CheckContext

        ctx = CheckContext(col.profile, col.rules, col.env.target, col.env.mocks, col.run_config.seed, col.redactor)
        if self.plan_item == "stateful":
            from harness.runner import stateful_pass

            return stateful_pass(ctx, col.run_config)
        from harness.checks.schema import run_schema_pass
        from harness.runner import apply_skips

        return apply_skips(run_schema_pass(ctx, col.run_config), col.run_config)

    def runtest(self) -> None:
        """Execute the item; a failure raises :class:`ConformanceFailure`, other outcomes skip with the reason."""
        from harness.runner import execute

        col = self._collector
        if isinstance(self.plan_item, str):
            results = self._run_pass(col)
            if not results:
                _skip(f"the {self.plan_item} pass produced no result")
        else:
            results = [execute(self.plan_item, config=col.run_config, profile=col.profile, rules=col.rules,
                               target=col.env.target, mocks=col.env.mocks, redactor=col.redactor)]
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

        lines = [f"{r.key}: {redact(r.reason or r.title)}", "", "expected:", show(r.expected), "", "seen:", show(r.seen)]
        if r.exchanges:
            last = r.exchanges[-1]
            lines += ["", f"last request: {last.method} {redact(last.url)} -> {last.status}"]
        if r.replay:
            lines += ["", "replay:", redact(r.replay)]
        return "\n".join(lines)

    def reportinfo(self) -> tuple[Any, int, str]:
        """Where the test comes from: the rule's line in ``specs/rules.yaml``."""
        rule = self.plan_item if isinstance(self.plan_item, str) else self.plan_item.rule_id
        path, lines = _rules_file()
        return path, lines.get(rule, 0), self.name


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
    """With ``--inference-conformance``, append the conformance tests (before ``-k``/``-m`` deselect)."""
    settings = _settings(config)
    if not settings.conformance:
        return
    collector = ConformanceCollector.from_parent(
        session, name="inference-conformance", nodeid="inference-conformance", settings=settings
    )
    added = collector.collect()
    items.extend(added)
    session.testscollected += len(added)
