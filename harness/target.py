"""The system under test and the mocks behind it.

* :class:`Target`: an ``_inference`` implementation reached over HTTP (base URL, auth, version profile);
  :meth:`Target.request` returns a :class:`Response` (status, headers, body) and never raises for an HTTP
  error status, only :class:`~harness.errors.TargetUnreachable` when nothing answers.
* :class:`MockHandle`: one provider mock as the harness sees it: its calls (the journal) and its faults,
  either in-process (:class:`LocalMock`, embedded mode) or through the mock's HTTP admin API
  (:class:`RemoteMock`, ``--openai-mock URL`` …).
* :class:`MockHandles`: the handles per service. A service without one has its upstream checks reported
  as *not checked*, never as passed.

The run's environment (the servers an embedded run starts, or the URLs it connects to) is
:class:`harness.environment.Environment`.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
import urllib3

from harness.config import MOCK_OPTIONS
from harness.errors import ConfigError, NotChecked, TargetUnreachable
from harness.leftovers import Leftovers
from mocks.core.fast_head import FAST_HEAD, FastHTTPConnection
from mocks.core.journal import Call

#: called with every exchange :meth:`Target.send_direct` makes: ``(method, url, body, status, headers, content,
#: seconds)``; :func:`harness.diff.record_http` sees those as it sees the exchanges sent through requests
DIRECT_OBSERVERS: list[Callable[[str, str, bytes | None, int, dict[str, str], bytes, float], None]] = []
#: requests' default retries (``HTTPAdapter.max_retries``): none, and no retried read
_NO_RETRIES = urllib3.Retry(0, read=False)
#: salt of the embedded superuser's password (per process: never written anywhere)

__all__ = [
    "LocalMock",
    "MockHandle",
    "MockHandles",
    "RemoteMock",
    "Response",
    "SendFailed",
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


class SendFailed(Exception):
    """:meth:`Target.send` got no answer; ``cause`` is the error (requests' ``RequestException``, or on the
    direct path the error requests would have raised; its text is that error's)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


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
    #: an API key with only ``monitor_inference`` (``--monitor-api-key``), for the ``security.authz`` checks
    monitor_api_key: str | None = None
    #: send through urllib3 directly, with the same request line, headers and body as the requests session
    #: would (see :meth:`send_direct`): for the embedded reference, which never redirects or sets cookies
    direct: bool = False
    #: endpoints and indexes created and not yet deleted, force-deleted by :meth:`sweep`
    leftovers: Leftovers = field(default_factory=Leftovers, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def headers(self) -> dict[str, str]:
        """Headers sent on every request (auth and content type)."""
        out = {"Accept": "application/json"}
        if self.api_key:
            out["Authorization"] = f"ApiKey {self.api_key}"
        elif self.user:
            out["Authorization"] = "Basic " + base64.b64encode(self.user.encode("utf-8")).decode()
        return out

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(self.headers())
            _environment_once(session, self.base_url)
            self._local.session = session
        return session

    def bare_session(self) -> requests.Session:
        """This thread's session without the target's headers, for requests that carry other credentials (or
        none); the environment's proxies and ``~/.netrc`` are read once, as for :meth:`request`."""
        session = getattr(self._local, "bare", None)
        if session is None:
            session = self._local.bare = requests.Session()
            _environment_once(session, self.base_url)
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
            status, got, content, sent_url = self.send(self._session(), method, path, data, params, headers)
        except SendFailed as failed:
            raise TargetUnreachable(
                f"target {self.base_url} did not answer {method} {path}: {_short(failed.cause)}"
            ) from None
        return Response(method, sent_url if params else url, body, status, got, content, raw is not None)

    def send(
        self,
        session: requests.Session,
        method: str,
        path: str,
        data: bytes | None,
        params: Mapping[str, str] | None,
        headers: dict[str, str],
    ) -> tuple[int, dict[str, str], bytes, str]:
        """One exchange through ``session``, or :meth:`send_direct` where it stands in for the session
        (:meth:`sends_direct`). Returns status, headers, body and the sent URL.

        Raises:
            SendFailed: no answer (connection refused, DNS failure, timeout, an invalid header).
        """
        known = self.leftovers.before(method, path)
        if self.sends_direct(session):
            answer = self.send_direct(session, method, path, data, params, headers)
        else:
            try:
                resp = session.request(
                    method, self.base_url + path, data=data, params=params, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as exc:
                raise SendFailed(exc) from None
            answer = resp.status_code, dict(resp.headers), resp.content, str(resp.url)
        self.leftovers.after(method, path, answer[0], params, known=known)
        return answer

    def sweep(self, *, every_thread: bool = False) -> None:
        """Force-delete what this thread (``every_thread``: any thread) sent in a PUT and did not see deleted
        (see :mod:`harness.leftovers`)."""
        if self.leftovers:
            delete = lambda path, params: self.request("DELETE", path, params=params)  # noqa: E731
            self.leftovers.sweep(delete, every_thread=every_thread)

    def sends_direct(self, session: requests.Session) -> bool:
        """Whether :meth:`send_direct` stands in for ``session``: a ``direct`` target on plain HTTP, with no
        proxy and no ``~/.netrc`` credentials from the environment."""
        return self.direct and session.auth is None and not session.proxies and self.base_url.startswith("http://")

    def send_direct(
        self,
        session: requests.Session,
        method: str,
        path: str,
        data: bytes | None,
        params: Mapping[str, str] | None,
        headers: dict[str, str],
    ) -> tuple[int, dict[str, str], bytes, str]:
        """What ``session.request`` sends and returns, without requests' per-request machinery (request
        preparation, hooks, cookie jar, adapter lookup: about half a millisecond of CPU a request).

        The URL is prepared by requests itself; the headers are the session's then ``headers``, then
        ``Content-Length`` as requests sets it (``0`` for a body-less method other than GET/HEAD); the body
        is read and decoded as ``Response.content`` would. Returns status, headers, body and the sent URL.

        Raises:
            SendFailed: what the requests session would have raised as a ``RequestException``.
        """
        try:
            for header in headers.items():
                requests.utils.check_header_validity(header)
        except requests.RequestException as exc:
            raise SendFailed(exc) from None
        prepared = requests.models.PreparedRequest()
        prepared.prepare_url(self.base_url + path, params)
        body = data or None  # requests sends an empty body as none
        sent: dict[str, Any] = {**session.headers, **headers}
        if body is not None:
            sent["Content-Length"] = str(len(body))
        elif method.upper() not in ("GET", "HEAD"):
            sent["Content-Length"] = "0"
        started = time.perf_counter()
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = urllib3.connection_from_url(self.base_url, maxsize=10, block=False)
            if FAST_HEAD and isinstance(pool, urllib3.HTTPConnectionPool) and pool.scheme == "http":
                # the same HTTPMessage without the email package (mocks.core.fast_head): ~3% of a run's CPU
                pool.ConnectionCls = FastHTTPConnection
        try:
            resp = pool.urlopen(
                method.upper(),
                prepared.path_url,
                body=body,
                headers=sent,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                retries=_NO_RETRIES,
                timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
            )
            content = resp.read(decode_content=True)
            resp.release_conn()
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise SendFailed(exc) from None
        got = dict(resp.headers)
        for observe in list(DIRECT_OBSERVERS):
            observe(method.upper(), str(prepared.url), body, resp.status, got, content, time.perf_counter() - started)
        return resp.status, dict(got), content, str(prepared.url)

    def ping(self) -> None:
        """Check the target answers the run's principal before any rule runs.

        Raises :class:`TargetUnreachable` if it does not answer HTTP, :class:`ConfigError` (one line naming
        the option that fixes it) if it answers 401 (no or wrong credentials) or 403 (a principal without the
        ``monitor_inference`` privilege): a misconfigured run, never a failure of the target.
        """
        resp = self.request("GET", "/_inference/_all")
        where = f"--target {self.base_url}"
        if resp.status == 401:
            if self.api_key or self.user:
                given = "--api-key" if self.api_key else "--user"
                raise ConfigError(
                    f"{where} refused the credentials of {given} (401 to GET /_inference/_all): check "
                    f"{given} (or ${'HARNESS_API_KEY' if self.api_key else 'HARNESS_USER'})"
                )
            raise ConfigError(
                f"{where} requires authentication (401 to GET /_inference/_all): give --user USER:PASSWORD "
                "($HARNESS_USER) or --api-key KEY ($HARNESS_API_KEY)"
            )
        if resp.status == 403:
            raise ConfigError(
                f"{where} denied GET /_inference/_all to the run's principal (403): it needs the "
                "manage_inference cluster privilege (monitor_inference at least to read)"
            )


def _environment_once(session: requests.Session, url: str) -> None:
    """Read what requests takes from the environment (proxies, ``~/.netrc``, CA bundle) once for ``url``'s
    host instead of on every request: the same values, without a file-system lookup per request."""
    env = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies.update(env.get("proxies") or {})
    if env.get("verify") not in (True, None):
        session.verify = env["verify"]
    if session.auth is None:
        session.auth = requests.utils.get_netrc_auth(url)
    session.trust_env = False


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "Connection refused" in text or "NewConnectionError" in text:
        return "connection refused"
    if "timed out" in text.lower():
        return "timed out"
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        # the whole reason, and what fixes it (a cut line once ended mid-word: issue 21)
        reason = text.rsplit("certificate verify failed:", 1)[-1].split("(_ssl")[0].strip(" )'\"")
        return (
            f"TLS certificate verify failed ({reason or 'untrusted certificate'}): give the CA that signed it in "
            "$REQUESTS_CA_BUNDLE (harness serve --tls prints its test CA's PEM path)"
        )
    return text if len(text) <= 300 else text[:297] + "..."


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
                f"{self.option} {self.url} did not answer {method} /__admin/{path}: {_short(exc)}"
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
            raise NotChecked(f"{self.option} {self.url} journal is not readable: {_short(exc)}") from None

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
