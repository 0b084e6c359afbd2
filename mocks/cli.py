"""`harness mock openai|azure|bedrock|all`: run provider mocks from the command line.

The mocks bind to 127.0.0.1 unless ``--host`` says otherwise, print their URLs (and the admin API
under ``/__admin/``), and stop cleanly on Ctrl-C. ``--server granian`` serves the same WSGI app with
the granian production server (one worker process, so the journal stays whole; read it through
``/__admin/calls``). ``--record DIR --upstream URL`` and ``--replay DIR`` turn one mock into a recorder
or a player of real provider traffic (:mod:`mocks.record`).
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mocks.apps import KINDS, build_app
from mocks.core import MockApp, MockServer
from mocks.core.serving import free_port, serve_granian

__all__ = [
    "GRANIAN_FACTORY",
    "KINDS",
    "add_mock_arguments",
    "bind_failure",
    "build_app",
    "granian_app",
    "granian_environment",
    "port_number",
    "run_mock",
]

_ENV_PREFIX = "HARNESS_MOCK_"
MAX_PORT = 65535
#: The app factory a granian worker serving a mock calls (:func:`granian_app`).
GRANIAN_FACTORY = "mocks.cli:granian_app"


def port_number(text: str) -> int:
    """``--port`` values: 0 (a free port) or 1-65535; anything else is an argparse error naming the value."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"must be 0 (a free port) or 1-{MAX_PORT}, got {port}")
    return port


def _pair(separator: str, example: str, *, secret: bool = False) -> Any:
    """An argparse type for ``A<separator>B`` values (both parts non-empty), kept as the text; a ``secret``
    value is never echoed in the error."""

    def parse(text: str) -> str:
        first, sep, second = text.partition(separator)
        if not sep or not first or not second:
            shown = "a value without it" if secret else repr(text)
            raise argparse.ArgumentTypeError(f"expected {example}, got {shown}")
        return text

    return parse


def bind_failure(command: str, host: str, port: int, exc: OSError, files: Mapping[str, object] | None = None) -> str:
    """The one line ``harness serve`` and ``harness mock`` print when they cannot start: a file they open
    (named by its option in ``files``: ``{"--storage": path}``) or the address ``host:port``."""
    reason = os.strerror(exc.errno) if exc.errno else (str(exc).splitlines() or ["cannot bind"])[0]
    if exc.filename is not None:  # a file the server opens (a --storage file, a --record folder), not the address
        failed = Path(str(exc.filename))
        for option, path in (files or {}).items():
            if path and (failed == Path(str(path)) or failed.parent == Path(str(path)).parent):
                return f"{command}: {option} {path}: {reason.lower()}"
        return f"{command}: {exc.filename}: {reason.lower()}"
    hint = "; pick another --port, or 0 for a free one" if exc.errno == errno.EADDRINUSE else ""
    if exc.errno == errno.EADDRNOTAVAIL:
        hint = "; --host must be an address of this machine (127.0.0.1, or 0.0.0.0 for every interface)"
    return f"{command}: cannot listen on {host}:{port}: {reason.lower()}{hint}"


def add_mock_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``harness mock`` arguments to ``parser``."""
    parser.add_argument("kind", choices=[*KINDS, "all"], help="which provider mock to run ('all': the three)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)")
    parser.add_argument(
        "--port",
        type=port_number,
        default=0,
        help="port to bind (default 0: a free port); with 'all', the three mocks use PORT, PORT+1, PORT+2",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of every generated vector, text and fault draw")
    parser.add_argument(
        "--api-key",
        action="append",
        default=None,
        metavar="KEY",
        help="accepted OpenAI/Azure key (repeatable; default: any non-empty key)",
    )
    parser.add_argument(
        "--entra-token",
        action="append",
        default=None,
        metavar="TOKEN",
        help="accepted Azure Entra bearer token (repeatable; default: any)",
    )
    parser.add_argument(
        "--deployment",
        action="append",
        default=None,
        metavar="NAME=MODEL",
        type=_pair("=", "NAME=MODEL"),
        help="Azure deployment and the model behind it (repeatable; default: any deployment)",
    )
    parser.add_argument(
        "--aws-credentials",
        action="append",
        default=None,
        metavar="ACCESS_KEY:SECRET_KEY",
        type=_pair(":", "ACCESS_KEY:SECRET_KEY", secret=True),
        help="Bedrock credentials whose SigV4 signatures are verified (repeatable; default: any signature)",
    )
    parser.add_argument(
        "--region", action="append", default=None, help="Bedrock region(s) answered (default us-east-1)"
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with certificates from a local test CA "
        "(for a real Elasticsearch: see docs/real-elasticsearch.md)",
    )
    parser.add_argument(
        "--ca-dir",
        default=".harness-ca",
        metavar="DIR",
        help="with --tls: where the test CA lives (created on first use, reused after; default .harness-ca)",
    )
    parser.add_argument(
        "--server",
        choices=["werkzeug", "granian"],
        default="werkzeug",
        help="WSGI server: werkzeug (threaded, default) or granian (faster; single mock only)",
    )
    from mocks.record.cli import add_record_arguments

    add_record_arguments(parser)


def _settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    deployments = None
    if args.deployment:
        deployments = dict(item.split("=", 1) for item in args.deployment)
    credentials = None
    if args.aws_credentials:
        credentials = dict(item.split(":", 1) for item in args.aws_credentials)
    return {
        "seed": args.seed,
        "api_keys": args.api_key,
        "entra_tokens": args.entra_token,
        "deployments": deployments,
        "credentials": credentials,
        "regions": args.region,
    }


def granian_app() -> MockApp:
    """App factory for granian (:data:`GRANIAN_FACTORY`): reads the kind and settings
    :func:`granian_environment` put in the environment.

    It removes them from the worker's environment once read: granian copies the process environment into
    every WSGI ``environ``, and the settings hold the accepted keys.
    """
    kind = os.environ.pop(_ENV_PREFIX + "KIND")
    settings = json.loads(os.environ.pop(_ENV_PREFIX + "SETTINGS", "{}"))
    return build_app(kind, settings)


def granian_environment(kind: str, settings: Mapping[str, Any]) -> dict[str, str]:
    """The environment entries that hand mock ``kind`` and its :func:`build_app` settings to
    :func:`granian_app` in a granian worker.

    The settings hold the accepted keys: they go through the environment of the serving process only, are
    never printed, and the worker drops them once read.
    """
    return {_ENV_PREFIX + "KIND": kind, _ENV_PREFIX + "SETTINGS": json.dumps(settings)}


def _run_granian(kind: str, args: argparse.Namespace, settings: dict[str, Any]) -> int:
    port = args.port or free_port(args.host)
    os.environ.update(granian_environment(kind, settings))
    print(f"{kind} mock: http://{args.host}:{port}  (admin: http://{args.host}:{port}/__admin/calls)", flush=True)
    serve_granian(GRANIAN_FACTORY, args.host, port)
    return 0


def run_mock(args: argparse.Namespace) -> int:
    """Run the mocks selected by ``args`` until Ctrl-C (or SIGTERM); returns the exit code."""
    kinds = list(KINDS) if args.kind == "all" else [args.kind]
    if args.port and args.port + len(kinds) - 1 > MAX_PORT:
        print(
            f"harness mock: error: argument --port: with 'all' the mocks use ports {args.port}-"
            f"{args.port + len(kinds) - 1}; the last must be <= {MAX_PORT}",
            file=sys.stderr,
        )
        return 2
    from mocks.record.cli import check_record_arguments, describe, wrap_app

    problem = check_record_arguments(args, kinds)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    settings = _settings_from_args(args)
    if args.server == "granian":
        if len(kinds) != 1:
            print("harness mock: --server granian runs one mock at a time", file=sys.stderr)
            return 2
        return _run_granian(kinds[0], args, settings)
    if args.tls and args.server != "werkzeug":
        print("harness mock: --tls needs --server werkzeug", file=sys.stderr)
        return 2
    ca = None
    if args.tls:
        from mocks.tls import MockCA

        try:
            ca = MockCA.load_or_create(args.ca_dir)
        except OSError as exc:
            print(
                f"harness mock: --ca-dir {args.ca_dir}: cannot keep the test CA there: "
                f"{(exc.strerror or str(exc)).lower()}",
                file=sys.stderr,
            )
            return 2
        print(f"test CA certificate: {Path(args.ca_dir).resolve() / 'mock-ca.pem'}", flush=True)
    servers: list[MockServer] = []
    port = args.port
    server: MockServer
    try:
        for offset, kind in enumerate(kinds):
            port = args.port + offset if args.port else 0
            if ca is not None:
                from mocks.tls import TLSMockServer

                server = TLSMockServer(
                    wrap_app(kind, build_app(kind, settings), args), host=args.host, port=port, ca=ca
                ).start()
            else:
                server = MockServer(wrap_app(kind, build_app(kind, settings), args), host=args.host, port=port).start()
            servers.append(server)
    except OSError as exc:
        for server in servers:
            server.stop()
        files = {"--record": getattr(args, "record", None), "--replay": getattr(args, "replay", None)}
        print(bind_failure("harness mock", args.host, port, exc, files), file=sys.stderr)
        return 2
    for kind, server in zip(kinds, servers, strict=True):  # printed once every port is bound
        print(f"{kind} mock: {server.url}  (admin: {server.url}/__admin/calls)", flush=True)
        if describe(server.app):
            print(describe(server.app), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        print("Press Ctrl-C to stop.", flush=True)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for server in servers:
            server.stop()
        print("mocks stopped", flush=True)
    return 0
