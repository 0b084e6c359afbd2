"""The mock-reachability preflight of a run against an external target (issue 21).

Before any rule runs, each service whose mock was given is probed: a valid ``text_embedding`` endpoint
pointing at that mock is created on the target, and the validation call Elasticsearch makes while creating
it must arrive in the mock's journal. When it does not (the cluster cannot resolve the mock's host, does not
trust its certificate, is wired to another upstream), the run stops with one line naming the service, the
mock's URL and what the target answered: a misconfigured run, never a failure of the target. The probe
endpoint is force-deleted afterwards, and each mock's journal is read only from after the probe on.

The probe's secrets are made up for the run (from its seed and nonce) and returned for the redactor.
"""

from __future__ import annotations

import hashlib
from typing import Any

from harness.config import MOCK_OPTIONS
from harness.errors import ConfigError, NotChecked
from harness.gen.strategies import BEDROCK_MODELS, OPENAI_EMBEDDING_MODELS, REGIONS
from harness.mock_handles import MockHandle, MockHandles
from harness.target import Response, Target
from mocks.core.secrets import fingerprint

__all__ = ["probe_body", "probe_mocks"]

_API_VERSION = "2024-02-01"


def _token(seed: int, nonce: str, service: str, n: int) -> str:
    return hashlib.sha256(f"probe/{seed}/{nonce}/{service}".encode()).hexdigest()[:n]


def probe_body(
    service: str, mock: MockHandle, *, seed: int, nonce: str, azure_resource: str | None
) -> tuple[dict[str, Any], str]:
    """The probe's PUT body for ``service`` and the secret its upstream call authenticates with."""
    token = _token(seed, nonce, service, 24)
    if service == "openai":
        key = f"sk-canary-probe{token}"
        url = f"{mock.url.rstrip('/')}/v1/embeddings"
        settings: dict[str, Any] = {"api_key": key, "model_id": OPENAI_EMBEDDING_MODELS[0], "url": url}
    elif service == "azureopenai":
        key = f"azcanaryprobe{token}"
        settings = {
            "api_key": key,
            "resource_name": azure_resource or f"probe-{token[:8]}-res",
            "deployment_id": "harness-probe-dep",
            "api_version": _API_VERSION,
        }
    elif service == "amazonbedrock":
        key = f"AKIACANARYPROBE{token[:8].upper()}"
        regions = mock.regions or REGIONS
        settings = {
            "access_key": key,
            "secret_key": f"canarySecretProbe{token}",
            "region": regions[0],
            "model": BEDROCK_MODELS["amazontitan"]["text_embedding"][0],
            "provider": "amazontitan",
        }
    else:
        raise ValueError(f"unknown service {service!r}")
    return {"service": service, "service_settings": settings}, key


def probe_mocks(
    target: Target,
    mocks: MockHandles,
    *,
    seed: int,
    nonce: str,
) -> tuple[str, ...]:
    """Probe every mock of ``mocks`` through ``target``; return the secrets the probes planted.

    Each mock learns the probe's secrets first, as before any PUT of the run, so a mock that verifies keys
    or SigV4 signatures accepts the target's call.

    Raises:
        ConfigError: a mock was not reached (one line: the service, the mock's URL, the target's answer).
    """
    planted: list[str] = []
    for service in sorted(mocks):
        handle = mocks[service]
        body, key = probe_body(service, handle, seed=seed, nonce=nonce, azure_resource=mocks.azure_resource)
        planted += [v for k, v in body["service_settings"].items() if k in ("api_key", "secret_key", "access_key")]
        inference_id = f"harness-probe-{service}-{_token(seed, nonce, service, 8)}"
        path = f"/_inference/text_embedding/{inference_id}"
        settings = body["service_settings"]
        if service == "amazonbedrock":
            handle.register_credentials(settings["access_key"], settings["secret_key"])
        else:
            handle.register_key(key)
        resp = target.request("PUT", path, body=body)
        try:
            arrived = handle.calls(key=fingerprint(key))
        except NotChecked as exc:
            arrived, unread = [], exc.reason
        else:
            unread = ""
        finally:
            if resp.status == 200:
                target.request("DELETE", f"/_inference/{inference_id}", params={"force": "true"})
        option = MOCK_OPTIONS.get(service, "mock")
        where = f"{option} {handle.url}: the target did not reach this mock"
        if resp.status == 403:
            raise ConfigError(
                f"--target {target.base_url} denied PUT {path} to the run's principal (403): it needs the "
                "manage_inference cluster privilege"
            )
        if unread:  # nothing to verify with: the rules reading this journal will say "not checked" and why
            continue
        if not arrived:
            answered = f"{resp.status} {_reason(resp)}" if resp.status != 200 else "200, yet no call arrived here"
            raise ConfigError(
                f"{where} while creating a probe endpoint (PUT {path} answered {answered}); the cluster must "
                "resolve and trust the mock's host (docs/real-elasticsearch.md)"
            )
        _skip_past_probe(handle)
    return tuple(planted)


def _reason(resp: Response) -> str:
    """The ``error.reason`` of an Elasticsearch error body with its innermost ``caused_by`` reason (where the
    upstream failure is named), else the start of the body."""
    data = resp.json
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return resp.text.strip().replace("\n", " ")[:300]
    reason, cause = str(error.get("reason", "")), error.get("caused_by")
    while isinstance(cause, dict) and isinstance(cause.get("caused_by"), dict):
        cause = cause["caused_by"]
    if isinstance(cause, dict) and cause.get("reason"):
        reason += f" (caused by {cause.get('type', 'exception')}: {cause['reason']})"
    return reason[:400]


def _skip_past_probe(handle: MockHandle) -> None:
    """Read the mock's journal from after the probe on (a remote mock re-reads its health)."""
    connect = getattr(handle, "connect", None)
    if callable(connect):
        connect()
