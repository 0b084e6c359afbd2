"""Record through the mock in front of a stand-in upstream, replay with the upstream stopped: the official
``openai`` and ``boto3`` clients get identical answers, streams included; planted canary secrets appear in
no cassette."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from mocks.bedrock import BedrockMock
from mocks.cli import build_app
from mocks.core import MockServer
from mocks.openai import OpenAIMock
from mocks.record import replay_server
from mocks.record.recorder import RecordingApp
from mocks.record.replay import ReplayApp, load_cassettes

OPENAI_KEY = "sk-record-canary-5b2e9d71c4"
ACCESS_KEY = "AKIDRECORDCANARY7Q"
SECRET_KEY = "record-canary-aws-secret-0d9e"
SESSION_TOKEN = "record-canary-session-token-77aa"
CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"
MESSAGES = [{"role": "user", "content": "Say hello to the recorder"}]


def _openai_calls(base_url: str) -> list[Any]:
    """The same calls on record and on replay; each result as plain data (errors included)."""
    out: list[Any] = []
    with openai.OpenAI(api_key=OPENAI_KEY, base_url=base_url, max_retries=0) as c:
        out.append(c.embeddings.create(model="text-embedding-3-small", input=["a", "b"]).model_dump())
        out.append(c.embeddings.create(model="text-embedding-3-small", input="a", encoding_format="float").model_dump())
        out.append(c.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES).model_dump())
        stream = c.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        out.append([chunk.model_dump() for chunk in stream])
        for bad in ({"model": "no-such-model", "input": "a"}, {"model": "text-embedding-3-small", "input": ""}):
            with pytest.raises(openai.APIStatusError) as info:
                c.embeddings.create(**bad)
            out.append((type(info.value).__name__, info.value.status_code, info.value.body, info.value.request_id))
    return out


def _assert_no_canary(directory: Path, *canaries: str) -> None:
    files = list(directory.glob("*.json"))
    assert files
    for file in files:
        text = file.read_text()
        for canary in canaries:
            assert canary not in text, f"{canary[:6]}… leaked into {file.name}"


def test_openai_record_then_replay_with_upstream_stopped(tmp_path: Path) -> None:
    upstream = OpenAIMock(seed=9, api_keys={OPENAI_KEY}).start()
    recorder = MockServer(RecordingApp("openai", upstream.url, tmp_path, renderer=build_app("openai", {}))).start()
    try:
        recorded = _openai_calls(recorder.url + "/v1")
    finally:
        recorder.stop()
        upstream.stop()
    cassettes = load_cassettes(tmp_path)
    assert len(cassettes) == 6
    assert cassettes[3]["response"]["stream"]["format"] == "sse"
    assert [e.get("data", {}).get("object") for e in cassettes[3]["response"]["stream"]["events"][:1]] == ["chat.completion.chunk"]
    _assert_no_canary(tmp_path, OPENAI_KEY)
    with replay_server("openai", tmp_path) as player:  # the Python helper builds the same player
        replayed = _openai_calls(player.url + "/v1")
    assert replayed == recorded


def test_replay_miss_is_a_provider_error(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("no cassettes yet")
    with MockServer(ReplayApp(tmp_path, renderer=build_app("openai", {}))) as player:
        with openai.OpenAI(api_key=OPENAI_KEY, base_url=player.url + "/v1", max_retries=0) as c:
            with pytest.raises(openai.NotFoundError) as info:
                c.embeddings.create(model="text-embedding-3-small", input="never recorded")
    assert info.value.code == "cassette_miss"
    assert "no recorded exchange matches POST /v1/embeddings" in info.value.message
    assert info.value.request_id


def _bedrock_calls(url: str) -> list[Any]:
    client = _client(url)
    out: list[Any] = []

    def plain(response: dict[str, Any]) -> dict[str, Any]:
        meta = response.pop("ResponseMetadata")
        return {**response, "RequestId": meta["RequestId"], "status": meta["HTTPStatusCode"]}

    conversation = [{"role": "user", "content": [{"text": "Say hello to the recorder"}]}]
    out.append(plain(client.converse(modelId=CLAUDE, messages=conversation)))
    streamed = client.converse_stream(modelId=CLAUDE, messages=conversation)
    out.append([event for event in streamed.pop("stream")] + [plain(streamed)])
    embedded = client.invoke_model(modelId="amazon.titan-embed-text-v2:0", body=json.dumps({"inputText": "hi"}))
    out.append({**plain(embedded), "body": json.loads(embedded["body"].read())})
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 30, "messages": MESSAGES})
    chunks = client.invoke_model_with_response_stream(modelId=CLAUDE, body=body)
    out.append([json.loads(e["chunk"]["bytes"]) for e in chunks.pop("body")] + [plain(chunks)])
    with pytest.raises(ClientError) as info:
        client.invoke_model(modelId="amazon.titan-embed-text-v2:0", body=b"{not json")
    out.append((info.value.response["Error"], info.value.response["ResponseMetadata"]["RequestId"]))
    return out


def _client(url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "bedrock-runtime", region_name="us-east-1", endpoint_url=url, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, aws_session_token=SESSION_TOKEN,
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_bedrock_record_then_replay_with_upstream_stopped(tmp_path: Path) -> None:
    upstream = BedrockMock(seed=4, credentials={ACCESS_KEY: SECRET_KEY}).start()
    # the client signs for the recorder's address; the recorder signs again for the upstream's
    recorder_app = RecordingApp("bedrock", upstream.url, tmp_path, renderer=build_app("bedrock", {}),
                                aws_credentials=Credentials(ACCESS_KEY, SECRET_KEY))
    recorder = MockServer(recorder_app).start()
    try:
        recorded = _bedrock_calls(recorder.url)
    finally:
        recorder.stop()
        upstream.stop()
    cassettes = load_cassettes(tmp_path)
    assert [c["response"].get("stream", {}).get("format") for c in cassettes] == [None, "eventstream", None, "eventstream", None]
    frames = cassettes[1]["response"]["stream"]["events"]
    assert frames[0]["headers"][":event-type"] == "messageStart" and "json" in frames[0]
    _assert_no_canary(tmp_path, ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    with MockServer(ReplayApp(tmp_path, renderer=build_app("bedrock", {}))) as player:
        replayed = _bedrock_calls(player.url)
    assert replayed == recorded
