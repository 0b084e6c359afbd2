"""Planted credentials never leave (issue 10 acceptance): the superuser's and a file-realm user's passwords
and the API keys created on a secured ``harness serve`` are found in no response, no log line of the
server, no journal export of the mocks, not in the storage file, and not in any report or console output
of a ``harness run`` that used them (as --user and --monitor-api-key).

Everything runs as users run it: ``harness serve`` and ``harness run`` in their own processes.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import bcrypt
import requests

ELASTIC_PW = "canary-serve-elastic-pw-71c0aa"
OPS_PW = "canary-serve-ops-pw-0b44e2"
OPENAI_KEY = "sk-canary-serve-openai-93d1"
_URL = re.compile(r"https?://\S+")


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _start_serve(tmp_path: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    realm = tmp_path / "realm"
    realm.mkdir()
    (realm / "users").write_text(f"ops:{bcrypt.hashpw(OPS_PW.encode(), bcrypt.gensalt(4)).decode()}\n")
    (realm / "users_roles").write_text("inference_ops:ops\n")
    (realm / "roles.yml").write_text("inference_ops:\n  cluster: [manage_inference, manage_own_api_key]\n")
    cmd = [sys.executable, "-m", "harness", "serve", "--port", "0", "--security", "--security-config", str(realm),
           "--storage", str(tmp_path / "endpoints.json")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "ELASTIC_PASSWORD": ELASTIC_PW})
    urls: dict[str, str] = {}
    assert proc.stdout is not None
    while len(urls) < 4:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"harness serve exited early: {proc.stderr.read() if proc.stderr else ''}")
        match, name = _URL.search(line), (line.split() or [""])[0].lower()
        if match and name in ("elasticsearch", "openai", "azure", "bedrock"):
            urls[name] = match.group(0)
    return proc, urls


def _exercise(url: str, openai: str) -> tuple[list[str], list[str]]:
    """Requests of every kind; returns (every response as text, the API key credentials created)."""
    seen, keys = [], []
    admin, ops = {"Authorization": _basic("elastic", ELASTIC_PW)}, {"Authorization": _basic("ops", OPS_PW)}
    body = {"service": "openai", "service_settings": {"api_key": OPENAI_KEY, "model_id": "text-embedding-3-small",
                                                      "url": openai + "/v1/embeddings"}}
    calls = [("PUT", "/_inference/text_embedding/canary-1", ops, body),
             ("POST", "/_inference/canary-1", admin, {"input": ["x"]}),
             ("GET", "/_security/_authenticate", ops, None),
             ("GET", "/_inference/_all", {"Authorization": _basic("ops", OPS_PW + "x")}, None),
             ("GET", "/_inference/_all", {"Authorization": _basic("elastic", OPS_PW)}, None),
             ("GET", "/_inference/_all", {"Authorization": "Basic " + base64.b64encode(ELASTIC_PW.encode()).decode()},
              None)]
    for method, path, headers, data in calls:
        resp = requests.request(method, url + path, headers=headers, json=data, timeout=30)
        seen.append(f"{resp.status_code} {resp.headers} {resp.text}")
    for who, privilege in ((admin, "monitor_inference"), (ops, "manage_inference")):
        resp = requests.post(url + "/_security/api_key", headers=who, timeout=30, json={
            "name": f"canary-{privilege}", "role_descriptors": {"r": {"cluster": [privilege]}}})
        assert resp.status_code == 200, resp.text
        keys += [resp.json()["api_key"], resp.json()["encoded"]]
        denied = requests.delete(url + "/_inference/canary-1", timeout=30,
                                 headers={"Authorization": f"ApiKey {resp.json()['encoded']}"})
        seen.append(f"{denied.status_code} {denied.headers} {denied.text}")
        wrong = base64.b64encode(f"{resp.json()['id']}:{OPS_PW}".encode()).decode()
        seen.append(requests.get(url + "/_inference", headers={"Authorization": f"ApiKey {wrong}"}, timeout=30).text)
    return seen, keys


def test_planted_credentials_are_found_nowhere(tmp_path: Path) -> None:
    proc, urls = _start_serve(tmp_path)
    try:
        openai = urls["openai"].removesuffix("/v1")
        responses, keys = _exercise(urls["elasticsearch"], openai)
        run = subprocess.run(
            [sys.executable, "-m", "harness", "run", "--target", urls["elasticsearch"], "--user", f"ops:{OPS_PW}",
             "--monitor-api-key", keys[1], "--openai-mock", openai, "--azure-mock", urls["azure"], "--bedrock-mock",
             urls["bedrock"], "--rules", "security.*", "--rules", "secrets.never_returned", "--max-examples", "1",
             "--report-dir", str(tmp_path / "reports")], check=False, capture_output=True, text=True, timeout=900)
        journals = [requests.get(f"{u.removesuffix('/v1')}/__admin/calls", timeout=30).text
                    for n, u in urls.items() if n != "elasticsearch"]
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "security.authz.monitor_inference" in (tmp_path / "reports" / "report.json").read_text()

    canaries = {"elastic password": ELASTIC_PW, "ops password": OPS_PW, "elastic Basic value": _basic(
        "elastic", ELASTIC_PW)[6:], "ops Basic value": _basic("ops", OPS_PW)[6:]}
    canaries.update({f"API key credential {i}": k for i, k in enumerate(keys)})
    places = {"responses": "\n".join(responses), "serve output (its log)": out + err,
              "journal exports": "\n".join(journals), "storage file": (tmp_path / "endpoints.json").read_text(),
              "harness run output": run.stdout + run.stderr}
    places.update({f"report {p.name}": p.read_text() for p in (tmp_path / "reports").iterdir() if p.is_file()})
    found = [(name, where) for where, text in places.items() for name, c in canaries.items() if c in text]
    assert found == []
    assert OPENAI_KEY not in "".join(places.values())
