"""Helpers for the ``harness diff`` tests: an external reference stack, a rewriting proxy, an in-process
``harness diff``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import urllib3
from werkzeug.wrappers import Request, Response

from harness.diff import add_diff_arguments, run_diff
from harness.gen.strategies import REGIONS
from mocks.azure import AzureMock
from mocks.bedrock import BedrockMock
from mocks.core.server import MockServer
from mocks.openai import OpenAIMock
from mocks.reference import ReferenceConfig, ReferenceServer

_HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "content-encoding", "keep-alive", "date", "server"}
Rewrite = Callable[[bytes], bytes]


class Proxy:
    """A werkzeug app forwarding every request to ``upstream``; ``request``/``response`` rewrite the bodies."""

    service = "proxy"

    def __init__(self, upstream: str, *, request: Rewrite | None = None, response: Rewrite | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.rewrite_request = request or (lambda b: b)
        self.rewrite_response = response or (lambda b: b)
        self._pool = urllib3.PoolManager()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        url = self.upstream + request.full_path.rstrip("?")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP | {"host"}}
        body = self.rewrite_request(request.get_data())
        upstream = self._pool.request(request.method, url, body=body or None, headers=headers, redirect=False,
                                      retries=False)
        out = Response(self.rewrite_response(upstream.data), status=upstream.status)
        for key, value in upstream.headers.items():
            if key.lower() not in _HOP_BY_HOP:
                out.headers[key] = value
        return out(environ, start_response)


def serve(app: Any) -> MockServer:
    """Run a WSGI app on 127.0.0.1, a free port."""
    return MockServer(app).start()


class Stack:
    """The three provider mocks and a reference target wired to them, as an external target."""

    def __init__(self, es_version: str = "8.18", seed: int = 0) -> None:
        self.openai = OpenAIMock(seed=seed).start()
        self.azure = AzureMock(seed=seed).start()
        self.bedrock = BedrockMock(seed=seed, regions=REGIONS).start()
        config = ReferenceConfig(es_version=es_version, azure_base_url=self.azure.url,
                                 bedrock_base_url=self.bedrock.url, seed=seed, retry_initial_delay_s=0.01,
                                 retry_max_delay_s=0.05)
        self.reference = ReferenceServer(config).start()
        self.servers: list[Any] = [self.openai, self.azure, self.bedrock, self.reference]

    @property
    def url(self) -> str:
        return str(self.reference.url)

    def mock_args(self, *, openai: str | None = None) -> list[str]:
        """``--openai-mock … --azure-mock … --bedrock-mock …`` for this stack."""
        return ["--openai-mock", openai or self.openai.url, "--azure-mock", self.azure.url,
                "--bedrock-mock", self.bedrock.url]

    def add(self, server: Any) -> Any:
        self.servers.append(server)
        return server

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        for server in reversed(self.servers):
            server.stop()


@dataclass
class DiffRun:
    """What an in-process ``harness diff`` returned."""

    code: int
    report: dict[str, Any]
    out: str
    err: str

    def differences(self) -> list[dict[str, Any]]:
        """Every difference, each with its ``case``."""
        return [{"case": c["case"], **d} for c in self.report.get("cases", []) for d in c["differences"]]


def harness_diff(argv: list[str], report_dir: Path, capsys: Any) -> DiffRun:
    """``harness diff ARGV --report-dir REPORT_DIR`` in process (parser built by ``add_diff_arguments``)."""
    parser = argparse.ArgumentParser(prog="harness diff")
    add_diff_arguments(parser)
    code = run_diff(parser.parse_args([*argv, "--report-dir", str(report_dir)]))
    captured = capsys.readouterr()
    path = report_dir / "diff.json"
    return DiffRun(code, json.loads(path.read_text()) if path.exists() else {}, captured.out, captured.err)
