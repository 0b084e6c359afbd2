"""The reference target with security on, driven by the official ``elasticsearch`` client.

Expected bodies are built from Elasticsearch's sources (``elastic/elasticsearch``):
``DefaultAuthenticationFailureHandler.missingToken`` / ``failedAuthentication`` (401 reasons, 8.x),
``AuthenticatorChain.handleNullToken`` (API-key 401 + ``additional_unsuccessful_credentials``),
``AuthorizationDenialMessages.actionDenied`` (403 reasons, user and API-key variants),
``ClusterPrivilegeResolver`` (``MONITOR_INFERENCE_PATTERN``, ``MANAGE_INFERENCE_PATTERN``, order of the
granting privileges) and the inference ``*Action.NAME`` constants.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests
from elasticsearch import AuthenticationException, AuthorizationException, Elasticsearch
from security_helpers import CHALLENGES, ELASTIC_PASSWORD, OPENAI_KEY, envelope

from harness.es_client import official_client
from mocks.openai.app import OpenAIMock
from mocks.reference import ReferenceServer


def _client(url: str, **kwargs: Any) -> Elasticsearch:
    """The official client as the default line's (8.18) client sends it (compatible-with=8)."""
    return official_client(url, "8.18", **kwargs)  # type: ignore[no-any-return]


def _admin(server: ReferenceServer) -> Elasticsearch:
    return _client(server.url, basic_auth=("elastic", ELASTIC_PASSWORD), request_timeout=30)


def _put_endpoint(es: Elasticsearch, mock: OpenAIMock, inference_id: str) -> None:
    es.inference.put(task_type="text_embedding", inference_id=inference_id, inference_config={
        "service": "openai",
        "service_settings": {"api_key": OPENAI_KEY, "model_id": "text-embedding-3-small",
                             "url": mock.url + "/v1/embeddings"},
    })


def _key(es: Elasticsearch, privilege: str) -> dict[str, Any]:
    created = es.security.create_api_key(name=f"{privilege}-key",
                                         role_descriptors={privilege: {"cluster": [privilege]}})
    return dict(created.body)


def test_basic_auth_and_api_keys_limited_by_role_descriptors(secured: ReferenceServer, openai_mock: OpenAIMock) -> None:
    admin = _admin(secured)
    _put_endpoint(admin, openai_mock, "emb-1")
    monitor = _key(admin, "monitor_inference")
    assert set(monitor) == {"id", "name", "api_key", "encoded"}
    assert base64.b64decode(monitor["encoded"]).decode() == f"{monitor['id']}:{monitor['api_key']}"

    reader = _client(secured.url, api_key=monitor["encoded"], request_timeout=30)
    assert reader.inference.get(inference_id="emb-1")["endpoints"][0]["inference_id"] == "emb-1"
    assert len(reader.inference.inference(inference_id="emb-1", input=["a", "b"])["text_embedding"]) == 2
    for call in (lambda: reader.inference.delete(inference_id="emb-1"),
                 lambda: _put_endpoint(reader, openai_mock, "emb-2")):
        with pytest.raises(AuthorizationException) as denied:
            call()
        assert denied.value.meta.status == 403
    reason = denied.value.body["error"]["reason"]
    assert reason == (f"action [cluster:admin/xpack/inference/put] is unauthorized for API key id [{monitor['id']}] "
                      "of user [elastic], this action is granted by the cluster privileges "
                      "[manage_inference,manage,all]")
    assert denied.value.body == envelope(403, reason, header=False)

    manage = _key(admin, "manage_inference")  # the (id, api_key) tuple form of the client this time
    manager = _client(secured.url, api_key=(manage["id"], manage["api_key"]), request_timeout=30)
    _put_endpoint(manager, openai_mock, "emb-2")
    manager.inference.update(inference_id="emb-2", inference_config={"task_settings": {"user": "u1"}})
    assert manager.inference.delete(inference_id="emb-2")["acknowledged"] is True


def test_authenticate_shows_the_principal(secured: ReferenceServer) -> None:
    admin = _admin(secured)
    me = admin.security.authenticate()
    assert (me["username"], me["roles"], me["authentication_realm"], me["authentication_type"]) == (
        "elastic", ["superuser"], {"name": "reserved", "type": "reserved"}, "realm")
    key = _key(admin, "monitor_inference")
    as_key = _client(secured.url, api_key=key["encoded"]).security.authenticate()
    assert as_key["api_key"] == {"id": key["id"], "name": "monitor_inference-key"}
    assert as_key["authentication_realm"] == {"name": "_es_api_key", "type": "_es_api_key"}


def test_401_bodies_and_challenges(secured: ReferenceServer) -> None:
    with pytest.raises(AuthenticationException) as missing:
        _client(secured.url).inference.get()
    assert missing.value.body == envelope(
        401, "missing authentication credentials for REST request [/_inference]", header=True)
    assert missing.value.meta.headers.get("WWW-Authenticate") is not None

    with pytest.raises(AuthenticationException) as wrong:
        _client(secured.url, basic_auth=("elastic", "not-the-password")).inference.get()
    assert wrong.value.body == envelope(
        401, "unable to authenticate user [elastic] for REST request [/_inference]", header=True)

    with pytest.raises(AuthenticationException) as bad_key:
        _client(secured.url, api_key=("no-such-id", "secret")).inference.get()
    assert bad_key.value.body == envelope(
        401, "unable to authenticate with provided credentials and anonymous access is not allowed for this request",
        header=True, additional="API key: unable to find apikey with id no-such-id")


@pytest.mark.parametrize(("header", "reason"), [
    ("Basic !!!!", "invalid basic authentication header encoding"),
    ("Basic " + base64.b64encode(b"no-colon").decode(), "invalid basic authentication header value"),
    ("Basic", "missing authentication credentials for REST request [/_inference/_all]"),
    ("Bogus abc", "missing authentication credentials for REST request [/_inference/_all]"),
    ("ApiKey " + base64.b64encode(b"no-colon").decode(), "unable to authenticate with provided credentials"),
    ("ApiKey \u00e9\u00e9", "unable to authenticate with provided credentials"),
    ("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), "invalid basic authentication header encoding"),
])
def test_malformed_authorization_is_a_401_never_a_500(secured: ReferenceServer, header: str, reason: str) -> None:
    resp = requests.get(secured.url + "/_inference/_all", headers={"Authorization": header.encode("utf-8")},
                        timeout=10)
    assert resp.status_code == 401
    assert resp.json()["error"]["reason"].startswith(reason)
    assert resp.headers["WWW-Authenticate"] == ", ".join(CHALLENGES)  # two header lines, joined by requests


def test_file_realm_user_with_bcrypt_hash_and_roles(openai_mock: OpenAIMock, tmp_path: Any) -> None:
    import bcrypt

    from mocks.reference import ReferenceConfig
    from mocks.reference.security import SecurityConfig

    (tmp_path / "users").write_text(f"reader:{bcrypt.hashpw(b'reader-pw-1', bcrypt.gensalt(4)).decode()}\n")
    (tmp_path / "users_roles").write_text("inference_reader:reader\nghost_role:reader\n")
    (tmp_path / "roles.yml").write_text("inference_reader:\n  cluster: [monitor_inference]\n")
    config = ReferenceConfig(security=SecurityConfig.with_password(None, str(tmp_path)))
    with ReferenceServer(config) as server:
        es = _client(server.url, basic_auth=("reader", "reader-pw-1"))
        assert es.inference.get()["endpoints"] == []
        with pytest.raises(AuthorizationException) as denied:
            es.inference.delete(inference_id="x")
    assert denied.value.body["error"]["reason"] == (
        "action [cluster:admin/xpack/inference/delete] is unauthorized for user [reader] with effective roles "
        "[inference_reader] (assigned roles [ghost_role] were not found), this action is granted by the cluster "
        "privileges [manage_inference,manage,all]")


def test_api_key_ids_repeat_with_the_seed_secrets_never(secured: ReferenceServer) -> None:
    """Ids come from (seed, owner, name, count), so two runs with one seed name the same keys in their 403s
    (``harness diff``); the secret is random every time."""
    admin = _admin(secured)
    first, second = _key(admin, "monitor_inference"), _key(admin, "monitor_inference")
    assert first["id"] != second["id"] and first["api_key"] != second["api_key"]
    for key in (first, second):
        assert _client(secured.url, api_key=key["encoded"]).security.authenticate()["api_key"]["id"] == key["id"]
    again = create_app_security_ids(secured)
    assert again[:2] == [first["id"], second["id"]]


def create_app_security_ids(server: ReferenceServer) -> list[str]:
    """The ids a fresh target with the same seed gives the same two requests."""
    from werkzeug.test import Client

    from mocks.reference import create_app

    client = Client(create_app(server.config))
    auth = {"Authorization": "Basic " + base64.b64encode(f"elastic:{ELASTIC_PASSWORD}".encode()).decode()}
    body = {"name": "monitor_inference-key", "role_descriptors": {"monitor_inference": {"cluster": ["monitor_inference"]}}}
    return [client.post("/_security/api_key", json=body, headers=auth).json["id"] for _ in range(2)]


@pytest.mark.parametrize(("data", "error_type", "reason"), [
    (b'{"name": ', "x_content_parse_exception", "Unexpected end-of-input"),
    (b"", "action_request_validation_exception", "Validation Failed: 1: api key name is required;"),
    (b'{"name": "k", "role_descriptors": {"r": {"cluster": ["bogus"]}}}', "action_request_validation_exception",
     "unknown cluster privilege [bogus]. a privilege must be either one of the predefined cluster privilege names"),
])
def test_bad_create_api_key_requests_are_400s(secured: ReferenceServer, data: bytes, error_type: str,
                                              reason: str) -> None:
    """CreateApiKeyRequest#validate ("api key name is required", CreateApiKeyRequestTests) and
    ClusterPrivilegeResolver#resolve ("unknown cluster privilege [...]"); never a 500."""
    auth = "Basic " + base64.b64encode(f"elastic:{ELASTIC_PASSWORD}".encode()).decode()
    resp = requests.post(secured.url + "/_security/api_key", data=data, timeout=10,
                         headers={"Authorization": auth, "Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json()["error"]["type"] == error_type and reason in resp.json()["error"]["reason"]


def test_verify_cache_remembers_answers_without_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """A repeated secret, right or wrong, is answered from the cache (one slow hash each), and the cache holds
    keyed digests, never the secret."""
    from mocks.reference.security import hashing

    stored = hashing.hash_secret("right-password", cost=1000)
    cache = hashing.VerifyCache()
    slow: list[str] = []
    real_verify = hashing.verify
    monkeypatch.setattr(hashing, "verify", lambda secret, h: slow.append(secret) or real_verify(secret, h))
    answers = [cache.verify(s, stored) for s in ["right-password", "wrong-password"] * 3]
    assert answers == [True, False] * 3
    assert slow == ["right-password", "wrong-password"]
    assert not cache.verify("other-wrong", stored) and slow[-1] == "other-wrong"
    other = hashing.hash_secret("wrong-password", cost=1000)  # the refused secret against another hash: hashed
    assert cache.verify("wrong-password", other) and slow[-1] == "wrong-password"
    assert "password" not in repr(vars(cache))
