"""The run's environment: :class:`Environment` starts the three mocks and the reference target wired to them
(embedded mode) or connects to the given URLs (checking the target answers the run's principal and probing each
given mock, :mod:`harness.preflight`), and stops or forgets what it started at the end."""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import threading
from types import TracebackType
from typing import Any

from harness.config import SERVICES, RunConfig
from harness.errors import DependencyMissing
from harness.mock_handles import LocalMock, MockHandle, MockHandles, RemoteMock
from harness.target import Target

__all__ = ["Environment"]

_PROCESS_SALT = secrets.token_bytes(16)


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
        #: credentials this environment made up (the embedded ``elastic`` password): to redact from every output
        self.secrets: tuple[str, ...] = ()

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
        """Make every mock forget the credentials this run registered; stop every server this environment
        started: the last started (the target) first, then the others at once (each stop waits for its
        server's poll loop, up to half a second: one after the other they took seconds)."""
        if self.config.target is not None and getattr(self, "target", None) is not None:
            self.target.sweep(every_thread=True)  # an interrupted run leaves nothing on the user's cluster
        for handle in self.mocks.values():
            try:
                handle.forget_credentials()
            except Exception:  # noqa: BLE001 - cleaning up must not mask the run's outcome
                pass
        if self._servers:
            _stop_quietly(self._servers.pop())
        stopping = [threading.Thread(target=_stop_quietly, args=(server,)) for server in self._servers]
        self._servers.clear()
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()

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

        # kept-alive connections from the reference to the mocks too (each mock closes after a fault)
        mocks = {
            "openai": OpenAIMock(seed=seed),
            "azureopenai": AzureMock(seed=seed),
            # the Bedrock mock checks the SigV4 credential scope: accept every region the generators draw
            "amazonbedrock": BedrockMock(seed=seed, regions=REGIONS),
        }
        for service, mock in mocks.items():
            handles[service] = LocalMock(service, self._start(mock), seed)
        self.mocks = MockHandles(handles, azure_resource=self.config.azure_resource)
        ref_config = ReferenceConfig(
            es_version=self.config.es_version,
            azure_base_url=handles["azureopenai"].url,
            bedrock_base_url=handles["amazonbedrock"].url,
            seed=seed,
        ).with_harness_retries()
        # security on, as a real cluster: the harness authenticates as the superuser `elastic` with a password
        # made up for this run (hashed by the reference, redacted from every output)
        from mocks.reference.security import SecurityConfig

        # the same within one process for one seed (a replayed run sees the same redactions), unguessable outside
        digest = hashlib.sha256(_PROCESS_SALT + f"{seed}/{self.config.es_version}".encode()).hexdigest()
        password = "elastic-" + digest[:24]
        self.secrets = (password,)
        ref_config = dataclasses.replace(ref_config, security=SecurityConfig.with_password(password))
        # kept-alive connections: a default run sends ~10,000 requests, each otherwise a TCP connection and a thread
        reference = self._start(ReferenceServer(ref_config, keep_alive=True))
        self.target = Target(
            reference.url,
            es_version=self.config.es_version,
            user=f"elastic:{password}",
            timeout=self.config.timeout,
            direct=True,
        )

    def _connect(self) -> None:
        cfg = self.config
        assert cfg.target is not None
        self.target = Target(
            cfg.target.rstrip("/"),
            es_version=cfg.es_version,
            api_key=cfg.api_key,
            user=cfg.user,
            timeout=cfg.timeout,
            monitor_api_key=cfg.monitor_api_key,
        )
        self.target.ping()
        handles: dict[str, MockHandle] = {}
        for service in SERVICES:
            url = cfg.mocks.get(service)
            if url:
                handles[service] = RemoteMock(service, url, cfg.seed, run=cfg.nonce).connect()
        self.mocks = MockHandles(handles, azure_resource=cfg.azure_resource)
        if cfg.probe_mocks:
            from harness.preflight import probe_mocks

            self.secrets += probe_mocks(self.target, self.mocks, seed=cfg.seed, nonce=cfg.nonce or "run")


def _stop_quietly(server: Any) -> None:
    try:
        server.stop()
    except Exception:  # noqa: BLE001 - stopping must not mask the run's outcome
        pass
