"""``harness serve`` helpers: the stack starts, is wired, and stops."""

from __future__ import annotations

import argparse

import requests
from elasticsearch import Elasticsearch

from mocks.reference.cli import add_serve_arguments, start_stack


def test_start_stack_wires_the_mocks() -> None:
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    args = parser.parse_args(["--port", "0", "--es-version", "9.4", "--seed", "3"])
    assert args.port == 0 and args.es_version == "9.4"
    target, mocks = start_stack(args)
    try:
        info = Elasticsearch(target.url).info()
        assert info["version"]["number"].startswith("9.4")
        assert target.config.azure_base_url == mocks["azure"].url
        body = {
            "service": "azureopenai",
            "service_settings": {"api_key": "k-1234", "resource_name": "r", "deployment_id": "d", "api_version": "v"},
        }
        assert requests.put(f"{target.url}/_inference/text_embedding/a", json=body).status_code == 200
        assert mocks["azure"].journal.count() == 1
    finally:
        target.stop()
        for mock in mocks.values():
            mock.stop()
    assert not target.running
