"""Provider mocks served by granian for ``harness serve --mock-server granian``: one subprocess per mock.

With ``--server granian --mock-server granian`` the target is a load-test stand-in; the mocks behind it
must not be the bottleneck. On werkzeug's threaded server (a thread per connection) the same app costs more
CPU per request than under granian: about three times when werkzeug's server closed every connection, about
twice with connections kept alive (635 against 342 us at c=8 in ``bench/mock_throughput.py``). Here each mock
runs as ``harness mock <kind> --server granian`` does (the same app factory and
:data:`mocks.core.serving.GRANIAN_OPTIONS`: one worker, so the journal and fault schedule stay whole), in a
subprocess of ``harness serve``; the target's connection pool keeps its connections to them alive.
As under ``harness mock --server granian``, a ``reset`` or ``sse_cut`` fault cannot reset the connection
(granian gives the app no socket): the answer's body breaks instead.

A mock process watches its parent: when ``harness serve`` dies without stopping it (SIGKILL), the mock
stops too instead of holding its port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any, Self

from mocks.core.processes import stop_process
from mocks.core.serving import free_port, serve_granian

__all__ = ["GranianMock"]

#: How long a mock process may take to answer its health check after it starts (a loaded 2-core machine
#: imports the app in well under this)
START_TIMEOUT_S = 60.0


class GranianMock:
    """One provider mock (``kind``: openai, azure or bedrock) served by granian in a subprocess.

    ``settings`` are :func:`mocks.apps.build_app` settings (seed, regions...). ``port`` 0 picks a free port.
    Has what ``harness serve`` needs of a mock server: :attr:`url` and :meth:`stop`.
    """

    def __init__(self, kind: str, settings: dict[str, Any], host: str = "127.0.0.1", port: int = 0) -> None:
        self.kind = kind
        self.settings = settings
        self.host = host
        self.port = port
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``http://host:port`` of the running mock."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        """Start the mock and wait until it answers; ``OSError`` when its port cannot be bound."""
        return self.launch().wait()

    def launch(self) -> Self:
        """Start the mock process without waiting for it (see :meth:`wait`); ``OSError`` when ``port`` is
        taken. Launching several mocks before waiting for any lets them start side by side."""
        from mocks.cli import granian_environment

        port = self.port or free_port(self.host)
        if self.port:
            _check_bindable(self.host, port)
        # the settings (keys included) reach the worker through the child's environment only, as with
        # `harness mock --server granian`; the worker drops them once read (mocks.cli.granian_app)
        env = {**os.environ, **granian_environment(self.kind, self.settings)}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", __name__, self.host, str(port), str(os.getpid())],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.port = port
        return self

    def wait(self) -> Self:
        """Wait until the launched mock answers its health check (``OSError`` when it exits or takes longer
        than :data:`START_TIMEOUT_S`; the process is stopped then)."""
        if self._proc is None:
            raise RuntimeError("the mock was not launched")
        try:
            _wait_until_serving(self._proc, self.host, self.port)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the mock process (idempotent): SIGTERM, then SIGKILL after 10 s."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        stop_process(proc, signal.SIGTERM, timeout=10)

    def __repr__(self) -> str:
        return f"GranianMock({self.kind!r}, {self.url})"


def _check_bindable(host: str, port: int) -> None:
    """Raise ``OSError`` when ``host:port`` is taken (before starting a process that would fail on it, and
    whose health check could otherwise reach the other server on that port)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))


def _wait_until_serving(proc: subprocess.Popen[bytes], host: str, port: int) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + START_TIMEOUT_S
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}/__admin/health"
    while True:
        if proc.poll() is not None:
            raise OSError(f"the mock on {host}:{port} exited at start (status {proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise OSError(f"the mock on {host}:{port} did not answer within {START_TIMEOUT_S:.0f} s")
        time.sleep(0.05)


def _exit_with_parent(parent: int) -> None:
    """Stop this process (granian shuts down on SIGTERM) once ``parent`` is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str]) -> None:
    """``python -m mocks.reference._granian_mocks HOST PORT PARENT_PID`` (kind and settings in the
    environment, see :meth:`GranianMock.launch`)."""
    from mocks.cli import GRANIAN_FACTORY

    host, port, parent = argv[0], int(argv[1]), int(argv[2])
    _exit_with_parent(parent)
    serve_granian(GRANIAN_FACTORY, host, port)


if __name__ == "__main__":
    main(sys.argv[1:])
