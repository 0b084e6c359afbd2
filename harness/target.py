"""The system under test: :class:`Target`, an ``_inference`` implementation reached over HTTP (base URL, auth,
version profile), and the one transport every request to it goes through (:meth:`Target.send`, which tells its
:attr:`Target.observers` each :class:`Exchanged`). :meth:`Target.request` returns a :class:`Response` (status,
headers, body) and never raises for an HTTP error status, only :class:`~harness.errors.TargetUnreachable` when
nothing answers.

The provider mocks behind it are :mod:`harness.mock_handles`; the run's environment (the servers an embedded run
starts, or the URLs it connects to) is :class:`harness.environment.Environment`.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

from harness.errors import ConfigError, TargetUnreachable
from harness.leftovers import Leftovers, sweeping
from mocks.core.fast_head import FAST_HEAD, FastHTTPConnection

#: requests' default retries (``HTTPAdapter.max_retries``): none, and no retried read
_NO_RETRIES = urllib3.Retry(0, read=False)

__all__ = ["Exchanged", "Response", "SendFailed", "Target", "short_error"]


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


@dataclass(frozen=True)
class Exchanged:
    """One exchange with the target as it went over the wire, for :attr:`Target.observers`: the request sent and
    the whole answer, ``elapsed`` the seconds from sending to the body read (network and target work)."""

    method: str
    url: str
    request_body: bytes | None
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float


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
    #: told every exchange :meth:`send` (or a :meth:`tool_session`) makes, on the sending thread; the run's own
    #: cleanup (:meth:`sweep`) is not told: it is not the target's behaviour
    observers: list[Callable[[Exchanged], None]] = field(default_factory=list, repr=False)
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
                f"target {self.base_url} did not answer {method} {path}: {short_error(failed.cause)}"
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
        started = time.perf_counter()
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
        if self.observers:
            status, got, content, url = answer
            self.observe(
                Exchanged(method.upper(), url, data or None, status, got, content, time.perf_counter() - started)
            )
        self.leftovers.after(method, path, answer[0], params, known=known)
        return answer

    def observe(self, exchanged: Exchanged) -> None:
        """Tell every observer about ``exchanged`` (not while this thread sweeps: cleanup, not behaviour)."""
        if not sweeping():
            for observer in list(self.observers):
                observer(exchanged)

    def tool_session(self) -> requests.Session:
        """This thread's session for a tool that sends by itself (schemathesis): the environment's proxies and
        ``~/.netrc`` read once, as for :meth:`request`, and every exchange told to the :attr:`observers`."""
        session = getattr(self._local, "tool", None)
        if session is None:
            session = self._local.tool = requests.Session()
            _environment_once(session, self.base_url)
            adapter = _ObservedAdapter(self)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        return session

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
        return resp.status, dict(resp.headers), content, str(prepared.url)

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


class _ObservedAdapter(HTTPAdapter):
    """requests' adapter telling a target's observers every exchange it makes (the body read before)."""

    def __init__(self, target: Target) -> None:
        super().__init__()
        self.target = target

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        """Send ``request``; tell the target's observers about it."""
        started = time.perf_counter()
        response = super().send(request, *args, **kwargs)
        if self.target.observers:
            content = response.content  # read here so the timing covers the body; requests keeps it cached
            body = request.body.encode() if isinstance(request.body, str) else request.body
            self.target.observe(
                Exchanged(
                    str(request.method),
                    str(request.url),
                    body if isinstance(body, bytes) else None,
                    response.status_code,
                    dict(response.headers),
                    content or b"",
                    time.perf_counter() - started,
                )
            )
        return response


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


def short_error(exc: BaseException) -> str:
    """One line of ``exc`` a user can act on (a refused connection, a timeout, an untrusted certificate)."""
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
