"""Inputs that made the reference answer its catch-all 500 ("internal error") now get Elasticsearch's answer.

Sources: ``UpdateInferenceModelAction.Request.getContentAsSettings`` ("Request body is empty"),
``AmazonBedrockInferenceClient.onFailure`` ("Amazon Bedrock <method> call failed"), ``RetryingHttpSender``
(unknown host); see the rules ``crud.update.empty_body``, ``upstream.bedrock.call_failed``,
``upstream.invalid_host``.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from reference_helpers import OPENAI_KEY, assert_no_canary, azure_settings, bedrock_settings, openai_settings

from mocks.core import Fault

INTERNAL = "internal error"


def _put(url: str, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.put(url + path, json=body, timeout=60)


def _error(response: requests.Response, status: int, error_type: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["type"] == error_type, body
    assert INTERNAL not in response.text
    assert_no_canary(response.content)
    return body


def test_azure_resource_name_outside_the_bmp_is_an_invalid_host(target: Any) -> None:
    with target() as (server, _):
        response = _put(server.url, "/_inference/text_embedding/az-emoji", {
            "service": "azureopenai", "service_settings": azure_settings(resource_name="res\U0001f600"),
        })
        body = _error(response, 400, "status_exception")
        assert "please check that the URL is correct" in body["error"]["caused_by"]["reason"]
        assert not server.app.errors


@pytest.mark.parametrize(("task_type", "method"), [("text_embedding", "invoke model"), ("completion", "converse")])
def test_bedrock_answer_that_is_not_json_fails_as_es_bedrock_client_does(
    target: Any, mocks: dict[str, Any], task_type: str, method: str
) -> None:
    with target(skip_validation=True) as (server, _):
        created = _put(server.url, f"/_inference/{task_type}/br-bad-json", {
            "service": "amazonbedrock", "service_settings": bedrock_settings(task_type),
        })
        assert created.status_code == 200, created.text
        mocks["bedrock"].faults.add(Fault("malformed_json"))
        response = requests.post(server.url + f"/_inference/{task_type}/br-bad-json", json={"input": "hi"}, timeout=60)
        body = _error(response, 500, "exception")
        assert body["error"]["reason"] == f"Amazon Bedrock {method} call failed"
        assert not server.app.errors


@pytest.mark.parametrize("data", [b"[1, 2]", b"[]", b"5", b'"text"', b"{}"], ids=["array", "empty-array", "number", "string", "empty-object"])
def test_update_with_a_body_that_is_not_a_non_empty_object(target: Any, mocks: dict[str, Any], data: bytes) -> None:
    with target(skip_validation=True) as (server, _):
        created = _put(server.url, "/_inference/text_embedding/oa-upd", {
            "service": "openai", "service_settings": openai_settings(mocks["openai"], "text_embedding"),
        })
        assert created.status_code == 200, created.text
        response = requests.put(server.url + "/_inference/oa-upd/_update", data=data,
                                headers={"Content-Type": "application/json"}, timeout=60)
        body = _error(response, 400, "status_exception")
        assert body["error"]["reason"] == "Request body is empty"


def test_api_key_with_a_line_break_is_not_our_500(target: Any, mocks: dict[str, Any]) -> None:
    with target() as (server, _):
        response = _put(server.url, "/_inference/text_embedding/oa-crlf", {
            "service": "openai",
            "service_settings": openai_settings(mocks["openai"], "text_embedding", api_key=OPENAI_KEY + "\r\nX-Evil: 1"),
        })
        assert response.status_code < 500 or INTERNAL not in response.text, response.text
        assert_no_canary(response.content)
        assert not server.app.errors


# ---- --storage across a restart -----------------------------------------------------------------------
def test_stale_temp_files_of_a_killed_server_are_removed_on_start(tmp_path: Any) -> None:
    from mocks.reference import ReferenceConfig, ReferenceServer

    path = tmp_path / "store.json"
    stale = [tmp_path / ".store.json.k1ll3d.tmp", tmp_path / ".reference-old.tmp"]
    for file in stale:
        file.write_text('{"secrets": "sk-canary"}')
    unrelated = tmp_path / ".other.json.x.tmp"  # another file's temp file is not ours to remove
    unrelated.write_text("{}")
    with ReferenceServer(ReferenceConfig(skip_validation=True, storage_path=str(path))):
        pass
    assert not any(file.exists() for file in stale) and unrelated.exists()


def _serve_args(storage: str) -> Any:
    import argparse

    from mocks.reference.cli import add_serve_arguments

    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    return parser.parse_args(["--port", "0", "--storage", storage, "--skip-validation"])


def _run_stack(storage: str, body: Any = None) -> tuple[str, int]:
    """Start ``harness serve``'s stack, optionally create an OpenAI endpoint, infer; (openai mock URL, status)."""
    from mocks.reference.cli import start_stack

    target, mocks = start_stack(_serve_args(storage))
    try:
        if body is not None:
            settings = openai_settings(mocks["openai"], "text_embedding")
            created = _put(target.url, "/_inference/text_embedding/oa-kept", {"service": "openai", "service_settings": settings})
            assert created.status_code == 200, created.text
        answer = requests.post(target.url + "/_inference/oa-kept", json={"input": "hi"}, timeout=60)
        return mocks["openai"].url, answer.status_code
    finally:
        target.stop()
        for mock in mocks.values():
            mock.stop()


@pytest.mark.parametrize("port_taken", [False, True], ids=["same-port-back", "port-taken-urls-rewritten"])
def test_openai_endpoints_still_reach_the_mock_after_a_restart(tmp_path: Any, port_taken: bool) -> None:
    import socket

    storage = str(tmp_path / "store.json")
    first_url, status = _run_stack(storage, body=True)
    assert status == 200
    blocker = socket.socket()
    try:
        if port_taken:
            blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT must not stop us
            try:
                blocker.bind(("127.0.0.1", int(first_url.rsplit(":", 1)[1])))
                blocker.listen()
            except OSError:  # another process took the port meanwhile: taken all the same
                pass
        second_url, status = _run_stack(storage)
    finally:
        blocker.close()
    assert status == 200, "the stored OpenAI endpoint lost its mock"
    assert (second_url != first_url) is port_taken or not port_taken and _port_busy(first_url)


def _port_busy(url: str) -> bool:
    """Whether another process holds ``url``'s port now (then the same-port case cannot get it back)."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", int(url.rsplit(":", 1)[1])))
        except OSError:
            return True
    return False


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
@pytest.mark.parametrize("path", ["/_inference//x", "/_inference/text_embedding//x", "/_inference//_all",
                                  "/_inference/x//_update", "/_inference/completion//x/_stream"])
def test_an_empty_path_segment_is_never_a_500_or_an_html_page(method: str, path: str) -> None:
    """werkzeug's slash merging answered a 308 outside the app (a 500 HTML page behind a server): issue 24."""
    from werkzeug.test import Client

    from mocks.reference import ReferenceConfig
    from mocks.reference.app import create_app

    resp = Client(create_app(ReferenceConfig(skip_validation=True))).open(path, method=method)
    assert resp.status_code == 400 and resp.headers["Content-Type"].startswith("application/json")
    assert resp.get_json() == {"error": f"no handler found for uri [{path}] and method [{method}]"}
