"""The pure cassette functions: stream framing both ways, match keys, header objects, secret removal."""

from __future__ import annotations

import json
from pathlib import Path

import openai
import pytest

from mocks.azure import AzureMock
from mocks.bedrock.eventstream import encode_frame, event_frame, exception_frame
from mocks.cli import build_app
from mocks.core import MockServer
from mocks.record import cassette as cs
from mocks.record.recorder import RecordingApp
from mocks.record.replay import ReplayApp, load_cassettes

SSE = b'data: {"a":1}\n\ndata: {"b": 2}\n\nevent: error\ndata: {"error":{"message":"x"}}\n\ndata: [DONE]\n\n'


def test_sse_events_round_trip_and_stay_readable() -> None:
    events = cs.split_events("sse", SSE)
    assert events[0] == {"data": {"a": 1}}
    assert events[1] == {"text": 'data: {"b": 2}\n\n'}  # not compact JSON: kept verbatim
    assert events[2]["text"].startswith("event: error")
    assert b"".join(cs.event_bytes("sse", e) for e in events) == SSE


def test_eventstream_frames_round_trip_decoded() -> None:
    data = event_frame("messageStart", {"role": "assistant"}) + exception_frame("throttlingException", "slow")
    odd = encode_frame({":event-type": "chunk"}, b"\xff\xfe not json")
    events = cs.split_events("eventstream", data + odd)
    assert events[0] == {"headers": {":event-type": "messageStart", ":content-type": "application/json",
                                     ":message-type": "event"}, "json": {"role": "assistant"}}
    assert events[1]["headers"][":exception-type"] == "throttlingException"
    assert "base64" in events[2] and "headers" in events[2]
    assert b"".join(cs.event_bytes("eventstream", e) for e in events) == data + odd


def test_a_cut_frame_is_kept_as_bytes() -> None:
    frame = event_frame("messageStop", {"stopReason": "end_turn"})
    events = cs.split_events("eventstream", frame[:-3])
    assert events == [{"base64": __import__("base64").b64encode(frame[:-3]).decode()}]


def test_match_key_ignores_key_order_and_fingerprints_secret_fields() -> None:
    a = cs.match_key("post", "/v1/embeddings", b'{"model":"m","input":"x"}')
    b = cs.match_key("POST", "/v1/embeddings", b'{"input": "x", "model": "m"}')
    assert a == b
    secret = cs.normalised_body(b'{"service_settings":{"api_key":"sk-canary-body-123"}}')
    assert "sk-canary-body-123" not in secret and "fp-" in secret
    assert cs.normalised_body(b"\x00binary").startswith("sha256:")


def test_header_object_keeps_repeats() -> None:
    pairs = [("A", "1"), ("Set-Cookie", "x"), ("Set-Cookie", "y")]
    assert cs.header_object(pairs) == {"A": "1", "Set-Cookie": ["x", "y"]}
    assert cs.header_pairs(cs.header_object(pairs)) == pairs


def test_exchange_removes_every_secret_and_an_echoed_key() -> None:
    key, token, akid = "sk-echo-canary-7f3e21", "entra-canary-token-55c1", "AKIDCASSETTECANARY"
    record = cs.exchange(
        provider="openai", upstream="http://u", method="POST", path="/v1/embeddings",
        query=[("api-key", "query-canary-secret")],
        request_headers=[("Authorization", f"Bearer {key}"), ("api-key", token), ("X-Amz-Security-Token", "stok-canary-9"),
                         ("X-Auth", f"AWS4-HMAC-SHA256 Credential={akid}/20250101/us-east-1/bedrock/aws4_request")],
        request_body=b'{"input":"x"}', status=401, response_headers=[("Content-Type", "application/json")],
        response_body=json.dumps({"error": {"message": f"Incorrect API key provided: {key}"}}).encode(),
    )
    text = json.dumps(record)
    for secret in (key, token, "stok-canary-9", "query-canary-secret"):
        assert secret not in text, secret
    assert cs.fingerprint(key) in record["response"]["json"]["error"]["message"]


def test_timing_is_recorded_only_when_asked() -> None:
    kw = dict(provider="openai", upstream="u", method="POST", path="/p", query=[], request_headers=[], request_body=b"",
              status=200, response_headers=[("Content-Type", "text/event-stream")], response_body=SSE)
    plain = cs.exchange(**kw)["response"]["stream"]["events"]  # the first SSE event is 15 bytes long
    timed = cs.exchange(**kw, arrivals_ms=[(15, 1.0), (len(SSE), 25.0)])["response"]["stream"]["events"]
    assert all("t_ms" not in e for e in plain)
    assert [e["t_ms"] for e in timed] == [1.0, 25.0, 25.0, 25.0]


def test_azure_record_and_replay_with_the_openai_azure_client(tmp_path: Path) -> None:
    token = "entra-record-canary-0c4d2b"
    calls = lambda url: [  # noqa: E731
        openai.AzureOpenAI(azure_ad_token=token, azure_endpoint=url, api_version="2024-10-21", max_retries=0)
        .embeddings.create(model="embed", input="hi").model_dump(),
        [c.model_dump() for c in openai.AzureOpenAI(azure_ad_token=token, azure_endpoint=url, api_version="2024-10-21",
                                                    max_retries=0).chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "hi"}], stream=True)],
    ]
    with AzureMock(seed=2, entra_tokens={token}, deployments={"embed": "text-embedding-3-small", "chat": "gpt-4o"}) as up:
        with MockServer(RecordingApp("azure", up.url, tmp_path, renderer=build_app("azure", {}), timing=True)) as rec:
            recorded = calls(rec.url)
    assert not [p for p in tmp_path.iterdir() if token in p.read_text()]
    events = load_cassettes(tmp_path)[1]["response"]["stream"]["events"]
    assert events[0]["data"]["object"] == "" and all("t_ms" in e for e in events)
    with MockServer(ReplayApp(tmp_path, renderer=build_app("azure", {}), timing=True)) as player:
        assert calls(player.url) == recorded


def test_an_unreachable_upstream_is_a_provider_502(tmp_path: Path) -> None:
    with MockServer(build_app("openai", {})) as gone:
        url = gone.url
    with MockServer(RecordingApp("openai", url, tmp_path, renderer=build_app("openai", {}))) as rec:
        with pytest.raises(openai.APIStatusError) as info:
            openai.OpenAI(api_key="k", base_url=rec.url + "/v1", max_retries=0).models.list()
    assert info.value.status_code == 502 and "unreachable" in info.value.message
    assert not list(tmp_path.glob("*.json"))
