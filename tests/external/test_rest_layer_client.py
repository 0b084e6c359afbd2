"""The official ``elasticsearch`` client through the REST layer (issue 24): ``filter_path`` and the
``compatible-with`` media type it sends, against ``harness serve`` in its own process (security on)."""

from __future__ import annotations

import pytest
from elasticsearch import BadRequestError, Elasticsearch
from external_processes import Serve, serve

_MAJOR = 9  # the installed client's major: it sends compatible-with=9 (pyproject pins elasticsearch>=9)


def _client(served: Serve) -> Elasticsearch:
    return Elasticsearch(served.target, basic_auth=("elastic", served.password), request_timeout=30)


def test_filter_path_and_pretty_through_the_client() -> None:
    with serve("9.4") as served:
        es = _client(served)
        config = {"service": "openai", "service_settings": {
            "api_key": "sk-canary-client-rest", "model_id": "text-embedding-3-small",
            "url": served.urls["openai"].removesuffix("/v1") + "/v1/embeddings"}}
        es.inference.put(task_type="text_embedding", inference_id="client-fp", inference_config=config)
        try:
            filtered = es.inference.get(inference_id="client-fp", filter_path="endpoints.inference_id")
            excluded = es.inference.get(inference_id="client-fp", filter_path="-endpoints.service_settings")
            whole = es.inference.get(inference_id="client-fp", pretty=True, human=True)
        finally:
            es.inference.delete(inference_id="client-fp")
    assert filtered.body == {"endpoints": [{"inference_id": "client-fp"}]}
    assert "service_settings" not in excluded.body["endpoints"][0] and excluded.body["endpoints"][0]["service"]
    assert whole.body["endpoints"][0]["service_settings"]["model_id"] == "text-embedding-3-small"
    assert whole.meta.headers["x-elastic-product"] == "Elasticsearch"
    assert "compatible-with=9" in whole.meta.headers["content-type"]


def test_compatible_with_per_release_line() -> None:
    """The client's compatible-with=9 is refused by an 8.x line (as Elasticsearch 8 refuses a 9.x client) and
    accepted once it asks for 8; the 9.x line takes both."""
    with serve("8.18") as served:
        with pytest.raises(BadRequestError) as refused:
            _client(served).inference.get()
        # the API methods ask for JSON, which the client turns into its own major: the raw call keeps the header
        eight = _client(served).perform_request(
            "GET", "/_inference/_all", headers={"accept": "application/vnd.elasticsearch+json; compatible-with=8"}
        )
    error = refused.value.body["error"]
    assert refused.value.meta.status == 400 and error["type"] == "media_type_header_exception"
    assert error["reason"].startswith("Invalid media-type value on headers [")
    assert error["caused_by"]["reason"].startswith(f"Accept version must be either version 8 or 7, but found {_MAJOR}.")
    assert eight.meta.status == 200 and "endpoints" in eight.body
