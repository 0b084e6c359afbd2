"""The system under test and the mocks behind it.

* :class:`Target`: an ``_inference`` implementation reached over HTTP (base URL, auth, version profile);
  :meth:`Target.request` returns a :class:`Response` (status, headers, body) and never raises for an HTTP
  error status, only :class:`~harness.errors.TargetUnreachable` when nothing answers.
* :class:`MockHandle`: one provider mock as the harness sees it: its calls (the journal) and its faults,
  either in-process (:class:`LocalMock`, embedded mode) or through the mock's HTTP admin API
  (:class:`RemoteMock`, ``--openai-mock URL`` …).
* :class:`MockHandles`: the handles per service. A service without one has its upstream checks reported
  as *not checked*, never as passed.
* :class:`Environment`: a context manager that starts the three mocks and the reference target wired to
  them (embedded mode) or just connects to the given URLs.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

import requests

from harness.config import MOCK_OPTIONS, SERVICES, RunConfig
from harness.errors import DependencyMissing, TargetUnreachable
from mocks.core.journal import Call

__all__ = [
    "Environment",
    "LocalMock",
    "MockHandle",
    "MockHandles",
    "RemoteMock",
    "Response",
    "Target",
    "call_from_dict",
]


@dataclass
class Response:
    """One exchange with the target: the request sent and what came back (body kept as bytes)."""

    method: str
    url: str
    request_body: Any
    status: int
    headers: dict[str, str]
    body: bytes
    #: True when ``request_body`` is the text sent verbatim (``raw=``), not a value sent as JSON
    request_raw: bool = False

    @property
    def request_text(self) -> str | None:
        """The request body exactly as sent on the wire (``None`` without a body)."""
        if self.request_body is None:
            return None
        return str(self.request_body) if self.request_raw else json.dumps(self.request_body)

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.body.decode("utf-8", "replace")

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or ``None``."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def header(self, name: str) -> str | None:
        """A response header (case-insensitive)."""
        lname = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lname), None)


@dataclass
class Target:
    """An ``_inference`` implementation.

    Args:
        base_url: e.g. ``http://127.0.0.1:9200`` (no trailing slash).
        es_version: version profile the target claims to implement.
        api_key: sent as ``Authorization: ApiKey <key>``.
        user: ``user:password`` sent as HTTP basic auth.
        timeout: seconds per request.

    Example::

        target = Target("http://127.0.0.1:9200", es_version="8.18")
        target.request("GET", "/_inference/_all").status
    """

    base_url: str
    es_version: str = "8.18"
    api_key: str | None = None
    user: str | None = None
    timeout: float = 60.0
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def headers(self) -> dict[str, str]:
        """Headers sent on every request (auth and content type)."""
        out = {"Accept": "application/json"}
        if self.api_key:
            out["Authorization"] = f"ApiKey {self.api_key}"
        return out

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(self.headers())
            if self.user:
                name, _, password = self.user.partition(":")
                session.auth = (name, password)
            self._local.session = session
        return session

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Response:
        """Send one request (``body`` JSON-encoded when not ``None``); return the whole response.

        ``raw`` sends those bytes verbatim as an ``application/json`` body instead (malformed JSON, a
        non-object body); the :class:`Response` then keeps the decoded text as its ``request_body``.

        Raises:
            TargetUnreachable: connection refused, DNS failure or timeout.
        """
        url = self.base_url + path
        if raw is not None:
            data: bytes | None = raw
            body = raw.decode("utf-8", "replace")
        else:
            data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        try:
            resp = self._session().request(
                method, url, data=data, params=params, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise TargetUnreachable(f"target {self.base_url} did not answer {method} {path}: {_short(exc)}") from None
        if params:
            url = resp.url
        return Response(method, url, body, resp.status_code, dict(resp.headers), resp.content, raw is not None)

    def ping(self) -> None:
        """Check the target answers HTTP at all (any status); raise :class:`TargetUnreachable` if not."""
        self.request("GET", "/_inference/_all")


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "Connection refused" in text or "NewConnectionError" in text:
        return "connection refused"
    if "timed out" in text.lower():
        return "timed out"
    return text[:200]


def call_from_dict(data: Mapping[str, Any]) -> Call:
    """Rebuild a journal :class:`Call` from its ``to_dict()`` form (the admin API's JSON)."""
    if data.get("body") is not None:
        body = str(data["body"]).encode("utf-8")
    elif data.get("body_base64"):
        body = base64.b64decode(data["body_base64"])
    else:
        body = b""
    return Call(
        int(data.get("seq", 0)),
        str(data.get("service", "")),
        str(data.get("method", "")),
        str(data.get("path", "")),
        tuple((str(k), str(v)) for k, v in data.get("query") or ()),
        tuple((str(k), str(v)) for k, v in data.get("headers") or ()),
        body,
        float(data.get("time", 0.0)),
        int(data.get("status", 0)),
        bool(data.get("matched", True)),
        str(data.get("endpoint", "")),
    )


class MockHandle(Protocol):
    """What the harness needs from a provider mock."""

    service: str
    url: str
    seed: int

    def calls(self, *, key: str | None = None) -> list[Call]:
        """Recorded calls, oldest first (only those authenticated with fingerprint ``key`` when given)."""

    def add_fault(self, fault: Mapping[str, Any]) -> str:
        """Add a fault (the admin API's JSON form); return its id."""

    def remove_fault(self, fault_id: str) -> None:
        """Remove a fault."""

    def register_credentials(self, access_key: str, secret_key: str) -> bool:
        """Ask the mock to verify signatures made with this key pair (Bedrock); False if it cannot."""


class LocalMock:
    """A mock running in this process (embedded mode): reads its journal directly."""

    def __init__(self, service: str, server: Any, seed: int) -> None:
        self.service = service
        self.server = server
        self.seed = seed

    @property
    def url(self) -> str:
        """Base URL of the mock server."""
        return str(self.server.url)

    def calls(self, *, key: str | None = None) -> list[Call]:
        """Recorded calls (filtered by auth-key fingerprint)."""
        journal = self.server.journal
        return journal.filter(key=key) if key else journal.calls

    def add_fault(self, fault: Mapping[str, Any]) -> str:
        """Add a fault to the mock's schedule."""
        return str(self.server.faults.add(dict(fault)))

    def remove_fault(self, fault_id: str) -> None:
        """Remove a fault (no error if already gone)."""
        self.server.faults.remove(fault_id)

    def register_credentials(self, access_key: str, secret_key: str) -> bool:
        """Have the mock verify SigV4 signatures made with ``access_key`` (Bedrock only)."""
        register = getattr(self.server.app, "register_credentials", None)
        if register is None:
            return False
        register(access_key, secret_key)
        return True


class RemoteMock:
    """A mock reached through its HTTP admin API (``GET /__admin/calls``, ``POST /__admin/faults``)."""

    def __init__(self, service: str, url: str, seed: int, *, timeout: float = 10.0) -> None:
        self.service = service
        self.url = url.rstrip("/")
        self.seed = seed
        self.timeout = timeout

    def _admin(self, method: str, path: str, **kwargs: Any) -> Any:
        option = MOCK_OPTIONS.get(self.service, "mock")
        try:
            resp = requests.request(method, f"{self.url}/__admin/{path}", timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise TargetUnreachable(f"{option} {self.url} did not answer: {_short(exc)}") from None
        if resp.status_code >= 400:
            raise TargetUnreachable(f"{option} {self.url} admin API answered {resp.status_code} to {method} {path}")
        return resp.json() if resp.content else None

    def health(self) -> dict[str, Any]:
        """``GET /__admin/health`` (raises :class:`TargetUnreachable` if the mock does not answer)."""
        data = self._admin("GET", "health")
        return data if isinstance(data, dict) else {}

    def calls(self, *, key: str | None = None) -> list[Call]:
        """Recorded calls (filtered server-side by auth-key fingerprint)."""
        data = self._admin("GET", "calls", params={"key": key} if key else None) or {}
        return [call_from_dict(c) for c in data.get("calls", [])]

    def add_fault(self, fault: Mapping[str, Any]) -> str:
        """``POST /__admin/faults``."""
        data = self._admin("POST", "faults", json=dict(fault)) or {}
        return str(data.get("id") or (data.get("ids") or [""])[0])

    def remove_fault(self, fault_id: str) -> None:
        """``DELETE /__admin/faults/<id>`` (a fault already used up may be gone: ignored)."""
        try:
            self._admin("DELETE", f"faults/{fault_id}")
        except TargetUnreachable:
            pass

    def register_credentials(self, access_key: str, secret_key: str) -> bool:
        """``POST /__admin/credentials`` (Bedrock mocks); False when the mock has no such route.

        The secret goes to the mock only: it needs it to recompute signatures. It is a canary
        planted by the harness, never a real credential."""
        if self.service != "amazonbedrock":
            return False
        try:
            self._admin("POST", "credentials", json={"access_key": access_key, "secret_key": secret_key})
        except TargetUnreachable:
            return False
        return True


class MockHandles(Mapping[str, MockHandle]):
    """Service -> :class:`MockHandle`, for the services whose mock the harness can read."""

    def __init__(self, handles: Mapping[str, MockHandle] | None = None) -> None:
        self._handles = dict(handles or {})

    def __getitem__(self, service: str) -> MockHandle:
        return self._handles[service]

    def __iter__(self) -> Iterator[str]:
        return iter(self._handles)

    def __len__(self) -> int:
        return len(self._handles)

    def url_for(self, service: str) -> str | None:
        """Base URL of ``service``'s mock, or ``None``."""
        handle = self._handles.get(service)
        return handle.url if handle else None


class Environment:
    """Start (embedded) or connect to (external) the target and the mocks; a context manager.

    Example::

        with Environment(RunConfig(seed=1)) as env:
            env.target.request("GET", "/_inference/_all")
            env.mocks["openai"].calls()
    """

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self._servers: list[Any] = []
        self.target: Target
        self.mocks = MockHandles()

    def __enter__(self) -> Environment:
        try:
            if self.config.embedded:
                self._start_embedded()
            else:
                self._connect()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop every server this environment started (in reverse order)."""
        while self._servers:
            server = self._servers.pop()
            try:
                server.stop()
            except Exception:  # noqa: BLE001 - stopping must not mask the run's outcome
                pass

    def _start(self, server: Any) -> Any:
        server.start()
        self._servers.append(server)
        return server

    def _start_embedded(self) -> None:
        try:
            from mocks.azure import AzureMock
            from mocks.bedrock import BedrockMock
            from mocks.openai import OpenAIMock
            from mocks.reference import ReferenceConfig, ReferenceServer
        except ImportError as exc:
            raise DependencyMissing(f"embedded mode needs the mocks and the reference target: {exc}") from None
        seed = self.config.seed
        handles: dict[str, MockHandle] = {}
        from harness.gen.strategies import REGIONS

        handles["openai"] = LocalMock("openai", self._start(OpenAIMock(seed=seed)), seed)
        handles["azureopenai"] = LocalMock("azureopenai", self._start(AzureMock(seed=seed)), seed)
        # the Bedrock mock checks the SigV4 credential scope: accept every region the generators draw
        handles["amazonbedrock"] = LocalMock("amazonbedrock", self._start(BedrockMock(seed=seed, regions=REGIONS)), seed)
        self.mocks = MockHandles(handles)
        ref_config = _reference_config(
            ReferenceConfig,
            es_version=self.config.es_version,
            azure_base_url=handles["azureopenai"].url,
            bedrock_base_url=handles["amazonbedrock"].url,
            seed=seed,
        )
        reference = self._start(ReferenceServer(ref_config))
        self.target = Target(reference.url, es_version=self.config.es_version, timeout=self.config.timeout)

    def _connect(self) -> None:
        cfg = self.config
        assert cfg.target is not None
        self.target = Target(
            cfg.target.rstrip("/"), es_version=cfg.es_version, api_key=cfg.api_key, user=cfg.user, timeout=cfg.timeout
        )
        self.target.ping()
        handles: dict[str, MockHandle] = {}
        for service in SERVICES:
            url = cfg.mocks.get(service)
            if not url:
                continue
            remote = RemoteMock(service, url, cfg.seed)
            health = remote.health()
            if isinstance(health.get("seed"), int):
                remote.seed = int(health["seed"])
            handles[service] = remote
        self.mocks = MockHandles(handles)


def _reference_config(cls: Any, **kwargs: Any) -> Any:
    """Build the reference config with the retry timings shortened when the config has such fields."""
    import dataclasses

    names = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set(kwargs)
    fast = {"retry_initial_delay_s": 0.01, "retry_max_delay_s": 0.05, "retry_timeout_s": 5.0}
    kwargs.update({k: v for k, v in fast.items() if k in names})
    return cls(**{k: v for k, v in kwargs.items() if k in names})
