"""Servers as users run them: ``harness serve`` in its own process, ``harness run`` in another, and a
byte-transparent TCP proxy between them (what a gateway or a load balancer in TCP mode does)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

__all__ = ["Serve", "TcpProxy", "harness_run", "serve"]

_URL = re.compile(r"https?://\S+")
_LINES = ("elasticsearch", "openai", "azure", "bedrock")


@dataclass
class Serve:
    """A running ``harness serve``: its URLs (as printed) and the CA file when served with ``--tls``."""

    process: subprocess.Popen[str]
    urls: dict[str, str] = field(default_factory=dict)
    ca_pem: str | None = None
    password: str = ""

    @property
    def target(self) -> str:
        """The ``_inference`` target's URL."""
        return self.urls["elasticsearch"]

    def auth_args(self) -> list[str]:
        """``--user elastic:<password>`` (security is on, as on a real cluster)."""
        return ["--user", f"elastic:{self.password}"]

    def mock_args(self) -> list[str]:
        """``--openai-mock … --azure-mock … --bedrock-mock …`` (the OpenAI line prints the ``/v1`` base)."""
        openai = self.urls["openai"].removesuffix("/v1")
        return ["--openai-mock", openai, "--azure-mock", self.urls["azure"], "--bedrock-mock", self.urls["bedrock"]]


@contextmanager
def serve(es_version: str, *, tls_dir: Path | None = None, extra: Sequence[str] = ()) -> Iterator[Serve]:
    """``harness serve --port 0`` with security on (a fresh ``elastic`` password) in a subprocess; yields once
    it printed its four URLs; SIGTERM at the end."""
    password = "pw-" + os.urandom(8).hex()
    cmd = [sys.executable, "-m", "harness", "serve", "--port", "0", "--es-version", es_version,
           "--elastic-password", password, *extra]
    if tls_dir is not None:
        cmd += ["--tls", "--ca-dir", str(tls_dir)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = Serve(proc, password=password)
    try:
        assert proc.stdout is not None
        while len(out.urls) < len(_LINES) or (tls_dir is not None and out.ca_pem is None):
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"harness serve exited early: {proc.stderr.read() if proc.stderr else ''}")
            name = line.split()[0].lower() if line.split() else ""
            match = _URL.search(line)
            if name.startswith("test") and "certificate" in line:
                out.ca_pem = line.split(":", 1)[1].strip()
            elif match and name in _LINES:
                out.urls[name] = match.group(0)
        yield out
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class RunResult:
    """Exit code, console output and the JSON report of one ``harness run`` subprocess."""

    exit_code: int
    output: str
    report: dict[str, Any]

    @property
    def summary(self) -> dict[str, Any]:
        """The report's summary (outcome counts)."""
        return dict(self.report.get("summary") or {})

    @property
    def failures(self) -> list[dict[str, Any]]:
        """The failed results."""
        return [r for r in self.report.get("results", []) if r["outcome"] == "failed"]

    def outcomes(self, outcome: str) -> list[str]:
        """``rule[service/task]: reason`` of every result with ``outcome`` (for assertion messages)."""
        return [f"{r['rule_id']}[{r['service']}/{r['task_type']}]: {r['reason']}"
                for r in self.report.get("results", []) if r["outcome"] == outcome]


def harness_run(args: Sequence[str], report_dir: Path, *, env: dict[str, str] | None = None) -> RunResult:
    """``harness run ARGS --report-dir DIR --format json`` in a subprocess."""
    cmd = [sys.executable, "-m", "harness", "run", *args, "--report-dir", str(report_dir), "--format", "json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=1200,
                          check=False)
    path = report_dir / "report.json"
    report = json.loads(path.read_text()) if path.exists() else {}
    return RunResult(proc.returncode, proc.stdout + proc.stderr, report)


class TcpProxy:
    """Forwards every byte between a client and ``upstream`` unchanged, both ways (a thread per direction).

    ``url`` is ``http://127.0.0.1:<port>``; ``connections`` counts the accepted connections (proof that the
    traffic went through it)."""

    def __init__(self, upstream_url: str) -> None:
        host_port = upstream_url.split("://", 1)[1].split("/", 1)[0]
        host, _, port = host_port.rpartition(":")
        self.upstream = (host, int(port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.connections = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._listener.close()
        self._thread.join(timeout=10)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            try:
                upstream = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(src, dst), daemon=True).start()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (dst, src):
            try:
                sock.shutdown(socket.SHUT_WR if sock is dst else socket.SHUT_RD)
            except OSError:
                pass
