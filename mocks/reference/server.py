"""``ReferenceServer``: the reference ``_inference`` target on a real port.

Example::

    with ReferenceServer(ReferenceConfig(es_version="9.4", skip_validation=True)) as es:
        Elasticsearch(es.url).inference.get()  # a 9.x client: a 9.x line (an 8.x line refuses it)
"""

from __future__ import annotations

from typing import Any

from mocks.core.server import AppServer
from mocks.reference.app import ReferenceApp, create_app
from mocks.reference.config import ReferenceConfig
from mocks.reference.store import Store

__all__ = ["ReferenceServer"]


class ReferenceServer(AppServer):
    """A threaded werkzeug server running :class:`~mocks.reference.app.ReferenceApp` (port 0 = free port).

    ``upstream`` replaces the provider client (tests); ``keep_alive`` keeps connections open between requests,
    as Elasticsearch does (:mod:`mocks.core.keepalive`; ``False``: werkzeug's close after each response).
    The target records no calls and takes no faults (those belong to the provider mocks); inspect
    :attr:`store` instead.
    """

    app: ReferenceApp

    def __init__(
        self,
        config: ReferenceConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        upstream: Any = None,
        keep_alive: bool = True,
    ) -> None:
        app = create_app(config or ReferenceConfig(), upstream=upstream)
        super().__init__(app, host=host, port=port, keep_alive=keep_alive)

    @property
    def config(self) -> ReferenceConfig:
        """The target's configuration."""
        return self.app.config

    @property
    def store(self) -> Store:
        """The target's endpoint and index store."""
        return self.app.store

    def clear(self) -> None:
        """Forget collected server-thread errors (endpoints are kept)."""
        self.app.reset()
