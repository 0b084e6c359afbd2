"""Persistence across a restart and concurrent CRUD checked against a model."""

from __future__ import annotations

import os
import random
import stat
import threading
from typing import Any

import requests
from reference_helpers import OPENAI_KEY, assert_no_canary, openai_settings

from mocks.reference import ReferenceConfig, ReferenceServer


def _body(mocks: dict[str, Any], task: str = "completion") -> dict[str, Any]:
    return {"service": "openai", "service_settings": openai_settings(mocks["openai"], task)}


def test_persistence_across_restart(tmp_path: Any, mocks: dict[str, Any]) -> None:
    path = str(tmp_path / "store.json")
    config = ReferenceConfig(skip_validation=True, storage_path=path)
    with ReferenceServer(config) as es:
        assert requests.put(f"{es.url}/_inference/completion/keep", json=_body(mocks)).status_code == 200
        requests.put(f"{es.url}/_inference/completion/gone", json=_body(mocks))
        requests.delete(f"{es.url}/_inference/gone")
        before = requests.get(f"{es.url}/_inference").json()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with ReferenceServer(config) as es:
        assert requests.get(f"{es.url}/_inference").json() == before
        # the secret survived the restart: the upstream still gets the key
        resp = requests.post(f"{es.url}/_inference/keep", json={"input": "hi"})
        assert resp.status_code == 200
        assert mocks["openai"].journal.last.header("Authorization").startswith("Bearer fp-")
        assert_no_canary(resp.content)


def test_secrets_never_in_any_response(target: Any, mocks: dict[str, Any]) -> None:
    with target() as (server, _):
        url = server.url
        responses = [
            requests.put(f"{url}/_inference/text_embedding/e", json=_body(mocks, "text_embedding")),
            requests.get(f"{url}/_inference"),
            requests.get(f"{url}/_inference/e"),
            requests.put(f"{url}/_inference/e/_update", json={"service_settings": {"api_key": OPENAI_KEY}}),
            requests.post(f"{url}/_inference/e", json={"input": OPENAI_KEY}),
            requests.put(f"{url}/_inference/text_embedding/e", json=_body(mocks, "text_embedding")),
            requests.delete(f"{url}/_inference/e?dry_run=true"),
        ]
        for resp in responses:
            assert resp.status_code < 500
            assert_no_canary(resp.content)
            assert_no_canary(str(dict(resp.headers)))
        assert OPENAI_KEY not in repr(server.store) and OPENAI_KEY not in repr(server.store.get("e"))


def test_concurrent_crud_matches_a_model(target: Any, mocks: dict[str, Any]) -> None:
    ids = [f"c{i}" for i in range(4)]
    model: dict[str, str] = {}
    lock = threading.Lock()
    failures: list[str] = []

    with target(skip_validation=True) as (server, _):
        url = server.url
        session_local = threading.local()

        def session() -> requests.Session:
            if not hasattr(session_local, "s"):
                session_local.s = requests.Session()
            return session_local.s

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(30):
                op, eid = rng.choice(["put", "get", "update", "delete"]), rng.choice(ids)
                user = f"u{seed}-{rng.randrange(1000)}"
                # the model lock spans request + check so the model and the target see the same order
                with lock:
                    if op == "put":
                        r = session().put(f"{url}/_inference/completion/{eid}", json=_body(mocks))
                        ok = r.status_code == (400 if eid in model else 200)
                        if r.status_code == 200:
                            model[eid] = ""
                    elif op == "get":
                        r = session().get(f"{url}/_inference/{eid}")
                        ok = r.status_code == (200 if eid in model else 404)
                        if ok and r.status_code == 200:
                            ok = r.json()["endpoints"][0].get("task_settings", {}).get("user", "") == model[eid]
                    elif op == "update":
                        r = session().put(f"{url}/_inference/{eid}/_update", json={"task_settings": {"user": user}})
                        ok = r.status_code == (200 if eid in model else 404)
                        if r.status_code == 200:
                            model[eid] = user
                    else:
                        r = session().delete(f"{url}/_inference/{eid}")
                        ok = r.status_code == (200 if eid in model else 404)
                        if r.status_code == 200:
                            del model[eid]
                    if not ok:
                        failures.append(f"{op} {eid}: {r.status_code} {r.text[:200]}")

        def unlocked_reader() -> None:
            for _ in range(60):
                r = session().get(f"{url}/_inference")
                if r.status_code != 200 or any("service_settings" not in e for e in r.json()["endpoints"]):
                    failures.append(f"listing: {r.status_code}")

        threads = [threading.Thread(target=worker, args=(s,)) for s in range(8)]
        threads += [threading.Thread(target=unlocked_reader) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        final = {e["inference_id"]: e.get("task_settings", {}).get("user", "") for e in requests.get(f"{url}/_inference").json()["endpoints"]}
        assert final == model
        server.raise_errors()


def test_an_endpoint_read_from_the_store_is_a_copy_all_the_way_down() -> None:
    """get / list / with_secrets hand out copies: changing one, nested settings included, changes nothing
    stored (every inference request reads its endpoint this way)."""
    from contract.config import EndpointConfig
    from mocks.reference.store import Store

    store = Store()
    store.create(
        EndpointConfig(
            "e", "text_embedding", "openai",
            {"model_id": "m", "rate_limit": {"requests_per_minute": 3000}, "tags": ["a"]},
            {"user": "u"}, {"strategy": "word", "max_chunk_size": 10}, {"api_key": "k"},
        )
    )
    for read in (store.get("e"), store.list()[0], store.with_secrets("e")):
        assert read is not None
        read.service_settings["rate_limit"]["requests_per_minute"] = 1  # type: ignore[index]
        read.service_settings["tags"].append("b")  # type: ignore[union-attr]
        read.task_settings["user"] = "changed"  # type: ignore[index]
        read.chunking_settings["max_chunk_size"] = 1  # type: ignore[index]
        read.secrets["api_key"] = "changed"  # type: ignore[index]
    again = store.with_secrets("e")
    assert again is not None
    assert again.service_settings == {"model_id": "m", "rate_limit": {"requests_per_minute": 3000}, "tags": ["a"]}
    assert (again.task_settings, again.chunking_settings) == ({"user": "u"}, {"strategy": "word", "max_chunk_size": 10})
    assert again.secrets == {"api_key": "k"}
    assert store.get("e").secrets == {}  # type: ignore[union-attr]
