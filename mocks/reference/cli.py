"""``harness serve``: the reference target with the three provider mocks wired behind it.

``harness.cli`` adds :func:`add_serve_arguments` to its ``serve`` command and calls :func:`run_serve`.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TextIO

from contract.profiles import DEFAULT_VERSION, PROFILES, UnknownVersionError, resolve_version
from mocks.cli import bind_failure, port_number
from mocks.core.serving import free_port, serve_granian
from mocks.reference.config import ReferenceConfig
from mocks.reference.server import ReferenceServer

__all__ = ["SKIP_VALIDATION_HELP", "add_serve_arguments", "es_version_arg", "granian_app", "run_serve", "start_stack"]

#: ``--skip-validation`` mirrors an Elasticsearch node setting; the help names it
SKIP_VALIDATION_HELP = (
    "skip the upstream validation call a PUT makes before storing the endpoint, as Elasticsearch's node "
    "setting xpack.inference.skip_validate_and_start does (default: validate)"
)


def es_version_arg(text: str) -> str:
    """``argparse`` type of ``--es-version``: a release line or a patch release (``9.1.3`` -> ``9.1``)."""
    try:
        return resolve_version(text)
    except UnknownVersionError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--es-version --host --port --seed --storage --skip-validation``, the security options,
    ``--server --mock-server`` and ``--tls --ca-dir`` to ``parser``."""
    parser.add_argument(
        "--es-version",
        type=es_version_arg,
        default=DEFAULT_VERSION,
        metavar="VERSION",
        help=f"Elasticsearch version to behave as: {', '.join(PROFILES)} or a patch release of one "
        f"(9.1.3 -> 9.1; default {DEFAULT_VERSION})",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=port_number, default=9200, help="port of the _inference target (default 9200; 0: a free port)"
    )
    parser.add_argument("--seed", type=int, default=0, help="run seed (deterministic outputs)")
    parser.add_argument("--storage", metavar="FILE", default=None, help="persist endpoints to FILE (mode 0600)")
    parser.add_argument("--skip-validation", action="store_true", help=SKIP_VALIDATION_HELP)
    parser.add_argument(
        "--security",
        action="store_true",
        help="authenticate every request (Basic, ApiKey) and authorize _inference routes by "
        "cluster privilege, as Elasticsearch with xpack.security.enabled",
    )
    parser.add_argument(
        "--elastic-password",
        metavar="PASSWORD",
        default=None,
        help="password of the built-in superuser 'elastic' (default: $ELASTIC_PASSWORD; "
        "generated and printed once when neither is set); implies --security",
    )
    parser.add_argument(
        "--security-config",
        metavar="DIR",
        default=None,
        help="file-realm users, users_roles and roles.yml in DIR; implies --security",
    )
    parser.add_argument(
        "--server",
        choices=["werkzeug", "granian"],
        default="werkzeug",
        help="WSGI server of the _inference target: werkzeug (threaded, default) or granian (a worker process, "
        "for load tests)",
    )
    parser.add_argument(
        "--mock-server",
        choices=["werkzeug", "granian"],
        default="werkzeug",
        help="WSGI server of the three mocks: werkzeug (threads of this process, default) or granian (a process "
        "each, reached over kept-alive connections: for load tests with --server granian; as with `harness mock "
        "--server granian`, a reset or sse_cut fault breaks the answer instead of resetting the connection). "
        "Not with --tls",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve the three mocks over HTTPS with certificates of a local test CA (the target "
        "trusts it; a harness reading their admin API needs REQUESTS_CA_BUNDLE=<ca pem>)",
    )
    parser.add_argument(
        "--ca-dir",
        default=".harness-ca",
        metavar="DIR",
        help="with --tls: where the test CA lives (created on first use; default .harness-ca)",
    )


def security_config(args: argparse.Namespace, out: TextIO | None = None) -> Any:
    """The :class:`SecurityConfig` the serve options ask for (``None``: security off).

    Raises:
        FileRealmError: ``--security-config`` names an unreadable directory or malformed file.
    """
    config_dir = getattr(args, "security_config", None)
    if not (getattr(args, "security", False) or getattr(args, "elastic_password", None) or config_dir):
        return None
    password = getattr(args, "elastic_password", None) or os.environ.get("ELASTIC_PASSWORD") or None
    from mocks.reference.security import SecurityConfig
    from mocks.reference.security.realm import FileRealmError, load_file_realm

    if config_dir:
        users, _ = load_file_realm(config_dir)  # fail at start, not at the first request
        if not users and password is None:  # nobody could ever authenticate: every request a 401
            raise FileRealmError(
                f"{config_dir}: no users file (or an empty one), and no --elastic-password: no principal could "
                "authenticate; add users (username:bcrypt-hash) or give --elastic-password"
            )
    if password is None and not config_dir:
        password = secrets.token_urlsafe(15)
        print(f"generated password of the built-in superuser elastic: {password}", file=out or sys.stdout)
    return SecurityConfig.with_password(password, config_dir)


def _start_mock(server_cls: Any, args: argparse.Namespace, ca: Any, port: int = 0, **settings: Any) -> Any:
    """A mock on ``port`` if it is free, else on a free port: plain HTTP, or HTTPS from ``ca``
    (``TLSMockServer`` around the mock's app)."""
    for candidate in dict.fromkeys((port, 0)):
        try:
            if ca is None:
                return server_cls(seed=args.seed, host=args.host, port=candidate, **settings).start()
            from mocks.tls import TLSMockServer

            app = server_cls(seed=args.seed, host=args.host, **settings).app
            return TLSMockServer(app, host=args.host, port=candidate, ca=ca).start()
        except OSError:
            if candidate == 0:
                raise
    raise AssertionError("unreachable")


def _previous_mock_urls(storage: str | None) -> dict[str, str]:
    """The mock URLs the last ``harness serve`` on ``storage`` used (empty when unknown)."""
    if not storage or not os.path.exists(storage):
        return {}
    import json

    try:
        with open(storage, encoding="utf-8") as fh:
            urls = json.load(fh).get("meta", {}).get("mock_urls", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {k: v for k, v in urls.items() if isinstance(v, str)} if isinstance(urls, dict) else {}


def _port_of(url: str | None) -> int:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).port or 0 if url else 0
    except ValueError:
        return 0


def _carry_over_mock_urls(target: Any, previous: dict[str, str], mocks: dict[str, Any]) -> None:
    """With ``--storage``: stored OpenAI endpoints name the OpenAI mock by URL. When the restarted mock
    could not get its old port back, point them at the new one; then remember this run's URLs."""
    old, new = previous.get("openai"), mocks["openai"].url
    if old and old != new:
        target.store.rewrite_urls(old, new)
    target.store.set_meta("mock_urls", {name: mock.url for name, mock in mocks.items()})


def _start_granian_mock(kind: str, args: argparse.Namespace, port: int = 0, **settings: Any) -> Any:
    """A mock served by granian in a subprocess (launched, not yet waited for), on ``port`` if it is free,
    else on a free port."""
    from mocks.reference._granian_mocks import GranianMock

    for candidate in dict.fromkeys((port, 0)):
        try:
            return GranianMock(kind, {"seed": args.seed, **settings}, host=args.host, port=candidate).launch()
        except OSError:
            if candidate == 0:
                raise
    raise AssertionError("unreachable")


def _start_mocks(args: argparse.Namespace) -> tuple[dict[str, Any], ReferenceConfig, dict[str, str]]:
    """Start the three mocks; return them, the target's configuration wired to them and the mock URLs of
    the last ``harness serve`` on ``--storage``. With ``--mock-server granian`` each mock is served by
    granian in its own process (:mod:`mocks.reference._granian_mocks`), else on a werkzeug thread here."""
    from mocks.azure.app import AzureMock
    from mocks.bedrock.app import BedrockMock
    from mocks.openai.app import OpenAIMock
    from mocks.tls import BEDROCK_REGIONS, MockCA

    security = security_config(args)
    ca, ca_pem = None, None
    if getattr(args, "tls", False):
        ca = MockCA.load_or_create(args.ca_dir)
        ca_pem = str((Path(args.ca_dir) / "mock-ca.pem").resolve())
    mocks: dict[str, Any] = {}
    previous = _previous_mock_urls(args.storage)
    try:
        # with --storage, the OpenAI mock takes its previous port back when it can: stored endpoints and
        # the user's own configuration name it by URL (else stored URLs are rewritten, see below)
        openai_port = _port_of(previous.get("openai"))
        if getattr(args, "mock_server", "werkzeug") == "granian":
            mocks["openai"] = _start_granian_mock("openai", args, port=openai_port)
            mocks["azure"] = _start_granian_mock("azure", args)
            mocks["bedrock"] = _start_granian_mock("bedrock", args, regions=list(BEDROCK_REGIONS))
            for mock in mocks.values():  # the three start side by side
                mock.wait()
        else:
            mocks["openai"] = _start_mock(OpenAIMock, args, ca, port=openai_port)
            mocks["azure"] = _start_mock(AzureMock, args, ca)
            mocks["bedrock"] = _start_mock(BedrockMock, args, ca, regions=BEDROCK_REGIONS)
    except BaseException:
        for mock in mocks.values():
            mock.stop()
        raise
    config = ReferenceConfig(
        es_version=args.es_version,
        azure_base_url=mocks["azure"].url,
        bedrock_base_url=mocks["bedrock"].url,
        storage_path=args.storage,
        skip_validation=args.skip_validation,
        seed=args.seed,
        security=security,
        ca_certs=ca_pem,
    ).with_harness_retries()
    return mocks, config, previous


def start_stack(args: argparse.Namespace) -> tuple[ReferenceServer, dict[str, Any]]:
    """Start the OpenAI, Azure and Bedrock mocks on free ports and the target wired to them.

    The Bedrock mock answers for every region the test certificate covers (``mocks.tls.BEDROCK_REGIONS``):
    the target sends every region's calls to it, as a hosts file pointing every
    ``bedrock-runtime.{region}.amazonaws.com`` at one mock would."""
    mocks, config, previous = _start_mocks(args)
    try:
        target = ReferenceServer(config, host=args.host, port=args.port).start()
        if args.storage:
            _carry_over_mock_urls(target, previous, mocks)
    except BaseException:
        for mock in mocks.values():
            mock.stop()
        raise
    return target, mocks


_GRANIAN_ENV = "HARNESS_SERVE_CONFIG"
#: The app factory the granian worker serving the target calls (:func:`granian_app`).
_GRANIAN_FACTORY = "mocks.reference.cli:granian_app"


def granian_app() -> Any:
    """App factory for granian (:data:`_GRANIAN_FACTORY`): the target's configuration from this process's
    environment (then removed: granian copies the environment into every WSGI ``environ``)."""
    import base64
    import pickle

    from mocks.reference.app import create_app

    payload = pickle.loads(base64.b64decode(os.environ.pop(_GRANIAN_ENV)))  # noqa: S301 - written by run_serve
    app = create_app(payload["config"])
    if payload["config"].storage_path:
        mocks = {name: SimpleNamespace(url=url) for name, url in payload["mock_urls"].items()}
        _carry_over_mock_urls(app, payload["previous"], mocks)
    return app


def _serve_granian(args: argparse.Namespace, out: TextIO) -> int:
    """The target in a granian worker process, the mocks as ``--mock-server`` says, until Ctrl-C/SIGTERM."""
    import base64
    import pickle

    mocks, config, previous = _start_mocks(args)
    try:
        port = args.port or free_port(args.host)
        # the configuration (a hashed password at most) reaches the worker through the environment only
        payload = {"config": config, "previous": previous, "mock_urls": {n: m.url for n, m in mocks.items()}}
        os.environ[_GRANIAN_ENV] = base64.b64encode(pickle.dumps(payload)).decode("ascii")
        _print_urls(args, f"http://{args.host}:{port}", mocks, config, out)
        serve_granian(_GRANIAN_FACTORY, args.host, port)
    finally:
        os.environ.pop(_GRANIAN_ENV, None)
        for mock in mocks.values():
            mock.stop()
    return 0


def _print_urls(
    args: argparse.Namespace, url: str, mocks: dict[str, Any], config: ReferenceConfig, out: TextIO
) -> None:
    openai = mocks["openai"].url
    print(f"elasticsearch _inference ({args.es_version}): {url}", file=out)
    print(
        f"openai mock:  {openai}  (service_settings.url: {openai}/v1/embeddings for text_embedding, "
        f"{openai}/v1/chat/completions for completion and chat_completion)",
        file=out,
    )
    print(f"azure mock:   {mocks['azure'].url}  (the target sends azureopenai calls here)", file=out)
    print(f"bedrock mock: {mocks['bedrock'].url}  (the target sends amazonbedrock calls here)", file=out)
    if config.security is not None:
        print("security:     on (Basic or ApiKey authentication on every request)", file=out)
    if getattr(args, "tls", False):
        print(f"test CA certificate: {(Path(args.ca_dir) / 'mock-ca.pem').resolve()}", file=out)
    out.flush()


def run_serve(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Serve until Ctrl-C (or SIGTERM); print every URL; return the exit code."""
    out = out or sys.stdout
    if getattr(args, "tls", False) and getattr(args, "mock_server", "werkzeug") == "granian":
        print("harness serve: --tls needs --mock-server werkzeug", file=sys.stderr)
        return 2
    try:
        if getattr(args, "server", "werkzeug") == "granian":
            return _serve_granian(args, out)
        target, mocks = start_stack(args)
    except ValueError as exc:  # FileRealmError: a bad --security-config file
        print(f"harness serve: --security-config: {str(exc).splitlines()[0] if str(exc) else exc!r}", file=sys.stderr)
        return 2
    except OSError as exc:
        files = {"--storage": getattr(args, "storage", None)}
        print(bind_failure("harness serve", args.host, args.port, exc, files), file=sys.stderr)
        return 2
    _print_urls(args, target.url, mocks, target.config, out)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        target.stop()
        for mock in mocks.values():
            mock.stop()
    return 0
