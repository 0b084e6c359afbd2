"""The reference ``_inference`` implementation: the harness's embedded default target.

Example::

    from elasticsearch import Elasticsearch
    from mocks.reference import ReferenceConfig, ReferenceServer

    with ReferenceServer(ReferenceConfig(skip_validation=True)) as es:
        Elasticsearch(es.url).inference.get()
"""

from mocks.reference.app import ReferenceApp, create_app
from mocks.reference.config import ReferenceConfig
from mocks.reference.server import ReferenceServer
from mocks.reference.store import Store

__all__ = ["ReferenceApp", "ReferenceConfig", "ReferenceServer", "Store", "create_app"]
