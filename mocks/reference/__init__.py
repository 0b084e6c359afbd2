"""The reference ``_inference`` implementation: the harness's embedded default target.

Example::

    from elasticsearch import Elasticsearch
    from mocks.reference import ReferenceConfig, ReferenceServer

    with ReferenceServer(ReferenceConfig(es_version="9.4", skip_validation=True)) as es:
        Elasticsearch(es.url).inference.get()  # a 9.x client: a 9.x line (an 8.x line refuses it)
"""

from mocks.reference.app import ReferenceApp, create_app
from mocks.reference.config import ReferenceConfig
from mocks.reference.server import ReferenceServer
from mocks.reference.store import Store

__all__ = ["ReferenceApp", "ReferenceConfig", "ReferenceServer", "Store", "create_app"]
