"""The provider mocks as the harness sees them: their calls (the journal) and their faults.

* :class:`MockHandle`: one mock, either in-process (:class:`LocalMock`, embedded mode) or through the mock's HTTP
  admin API (:class:`RemoteMock`, ``--openai-mock URL`` …).
* :class:`MockHandles`: the handles per service. A service without one has its upstream checks reported as *not
  checked*, never as passed.
"""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

import requests

from harness.config import MOCK_OPTIONS
from harness.errors import NotChecked, TargetUnreachable
from harness.target import short_error
from mocks.core.journal import Call

__all__ = ["LocalMock", "MockHandle", "MockHandles", "RemoteMock", "call_from_dict"]


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

    @property
    def service(self) -> str:
        """The service the mock stands in for (``openai``, ``azureopenai``, ``amazonbedrock``)."""

    @property
    def url(self) -> str:
        """Base URL of the mock."""

    @property
    def seed(self) -> int:
        """The mock's seed (its outputs are deterministic from it)."""

    def calls(self, *, key: str | None = None) -> list[Call]:
        """This run's recorded calls, oldest first (only those authenticated with fingerprint ``key`` when
        given); raises :class:`~harness.errors.NotChecked` when the journal cannot be read."""

    def add_fault(self, fault: Mapping[str, Any]) -> str:
        """Add a fault (the admin API's JSON form); return its id."""

    def remove_fault(self, fault_id: str) -> None:
        """Remove a fault."""

    def register_credentials(self, access_key: str, secret_key: str) -> bool:
        """Ask the mock to verify signatures made with this key pair (Bedrock); False if it cannot."""

    def register_key(self, secret: str) -> bool:
        """Have the mock accept this API key / bearer token where it restricts keys; False if not needed."""

    def forget_credentials(self) -> None:
        """Remove every credential this run registered (at the end of the run)."""

    @property
    def regions(self) -> tuple[str, ...]:
        """The AWS regions the mock answers for (Bedrock; empty: any the harness draws)."""


class LocalMock:
    """A mock running in this process (embedded mode): reads its journal directly."""

    def __init__(self, service: str, server: Any, seed: int, *, run: str = "") -> None:
        self.service = service
        self.server = server
        self.seed = seed
        self.run = run or os.urandom(4).hex()

    @property
    def url(self) -> str:
        """Base URL of the mock server."""
        return str(self.server.url)

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions of an embedded Bedrock mock (every region the generators draw)."""
        config = getattr(self.server.app, "config", None)
        return tuple(getattr(config, "regions", ()) or ())

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
        if self.service != "amazonbedrock":
            return False
        self.server.app.register_credentials(access_key, secret_key, run=self.run)
        return True

    def register_key(self, secret: str) -> bool:
        """Embedded mocks accept any key: nothing to register."""
        return False

    def forget_credentials(self) -> None:
        """Forget the key pairs this run registered."""
        self.server.app.forget_credentials(self.run)


class RemoteMock:
    """A mock reached through its HTTP admin API (``/__admin/``): a mock given by URL.

    At :meth:`connect` it reads ``GET /__admin/health`` (seed, regions, whether any key is accepted, and
    the journal's last sequence number); from then on it reads only the calls recorded after that number
    (``GET /__admin/calls?since=<seq>&key=<fp>``), so a mock with a long history costs nothing extra.
    Credentials are registered under the run's nonce (``POST /__admin/credentials``) and forgotten together
    at the end (``DELETE /__admin/credentials?run=<nonce>``).
    """

    def __init__(self, service: str, url: str, seed: int, *, timeout: float = 10.0, run: str = "") -> None:
        self.service = service
        self.url = url.rstrip("/")
        self.seed = seed
        self.timeout = timeout
        self.run = run or os.urandom(4).hex()
        self.since = 0
        self.accepts_any_key = True
        self._regions: tuple[str, ...] = ()
        self._local = threading.local()

    @property
    def option(self) -> str:
        """The command-line option naming this mock (``--bedrock-mock`` …)."""
        return MOCK_OPTIONS.get(self.service, "mock")

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions the mock announced in its health (Bedrock)."""
        return self._regions

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _admin(self, method: str, path: str, **kwargs: Any) -> Any:
        """One admin call; :class:`NotChecked` when the mock does not answer or refuses (mid-run)."""
        try:
            resp = self._session().request(method, f"{self.url}/__admin/{path}", timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise NotChecked(
                f"{self.option} {self.url} did not answer {method} /__admin/{path}: {short_error(exc)}"
            ) from None
        if resp.status_code >= 400:
            raise NotChecked(
                f"{self.option} {self.url} admin API answered {resp.status_code} to {method} /__admin/{path}"
            )
        try:
            return resp.json() if resp.content else None
        except ValueError:
            raise NotChecked(
                f"{self.option} {self.url} admin API answered {method} /__admin/{path} with no JSON"
            ) from None

    def health(self) -> dict[str, Any]:
        """``GET /__admin/health`` (raises :class:`TargetUnreachable` if the mock does not answer)."""
        try:
            data = self._admin("GET", "health")
        except NotChecked as exc:
            raise TargetUnreachable(exc.reason) from None
        return data if isinstance(data, dict) else {}

    def connect(self) -> RemoteMock:
        """Read the mock's health: its seed, regions, key policy and where this run's calls start."""
        health = self.health()
        if isinstance(health.get("seed"), int):
            self.seed = int(health["seed"])
        if isinstance(health.get("last_seq"), int):
            self.since = int(health["last_seq"])
        if isinstance(health.get("regions"), list):
            self._regions = tuple(str(r) for r in health["regions"])
        self.accepts_any_key = health.get("accepts_any_key") is not False
        return self

    def calls(self, *, key: str | None = None) -> list[Call]:
        """This run's recorded calls (filtered server-side by auth-key fingerprint)."""
        params = {"since": str(self.since)}
        if key:
            params["key"] = key
        data = self._admin("GET", "calls", params=params) or {}
        try:
            return [call_from_dict(c) for c in data.get("calls", [])]
        except (TypeError, ValueError, AttributeError) as exc:
            raise NotChecked(f"{self.option} {self.url} journal is not readable: {short_error(exc)}") from None

    def add_fault(self, fault: Mapping[str, Any]) -> str:
        """``POST /__admin/faults``."""
        data = self._admin("POST", "faults", json=dict(fault)) or {}
        return str(data.get("id") or (data.get("ids") or [""])[0])

    def remove_fault(self, fault_id: str) -> None:
        """``DELETE /__admin/faults/<id>`` (a fault already used up may be gone: ignored)."""
        try:
            self._admin("DELETE", f"faults/{fault_id}")
        except NotChecked:
            pass

    def register_credentials(self, access_key: str, secret_key: str) -> bool:
        """``POST /__admin/credentials`` (Bedrock mocks); False when the mock has no such route.

        The secret goes to the mock only: it needs it to recompute signatures. It is a canary
        planted by the harness, never a real credential."""
        if self.service != "amazonbedrock":
            return False
        try:
            self._admin(
                "POST", "credentials", json={"access_key": access_key, "secret_key": secret_key, "run": self.run}
            )
        except NotChecked:
            return False
        return True

    def register_key(self, secret: str) -> bool:
        """``POST /__admin/credentials`` with an API key (or Entra token) when the mock restricts keys."""
        if self.accepts_any_key or self.service == "amazonbedrock":
            return False
        name = "entra_token" if secret.startswith("eyJ") else "api_key"
        try:
            self._admin("POST", "credentials", json={name: secret, "run": self.run})
        except NotChecked:
            return False
        return True

    def forget_credentials(self) -> None:
        """``DELETE /__admin/credentials?run=<nonce>`` (best effort: the run is over)."""
        try:
            self._admin("DELETE", "credentials", params={"run": self.run})
        except NotChecked:
            pass


class MockHandles(Mapping[str, MockHandle]):
    """Service -> :class:`MockHandle`, for the services whose mock the harness can read."""

    def __init__(self, handles: Mapping[str, MockHandle] | None = None, *, azure_resource: str | None = None) -> None:
        self._handles = dict(handles or {})
        #: the one Azure ``resource_name`` every endpoint of the run uses (``--azure-resource``), else drawn
        self.azure_resource = azure_resource

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

    def regions(self) -> tuple[str, ...]:
        """The regions the Bedrock mock answers for (empty: no Bedrock mock, or it did not say)."""
        handle = self._handles.get("amazonbedrock")
        return handle.regions if handle else ()
