"""`harness compare-recording`: a recording judged against the mock, with another mock standing in for the
provider: an unchanged one (no difference) and deliberately drifted ones (each drift reported)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
from werkzeug.wrappers import Request, Response

from harness.cli import main
from mocks.bedrock import create_app as create_bedrock
from mocks.bedrock.app import BedrockApp
from mocks.cli import build_app
from mocks.core import MockServer
from mocks.core.wsgi import json_response
from mocks.openai import OpenAIApp, OpenAIConfig
from mocks.record.recorder import RecordingApp

KEY = "sk-compare-canary-93ab"
MESSAGES = [{"role": "user", "content": "Compare me"}]


class DriftedOpenAI(OpenAIApp):
    """A stand-in provider that renamed a field, dropped and added a header, added a field to stream chunks."""

    fast_routes = {}  # noqa: RUF012 - every embeddings request through on_embeddings, so the drift applies

    def on_embeddings(self, request: Request) -> Response:
        body = json.loads(super().on_embeddings(request).get_data())
        body["usage"]["tokens"] = body["usage"].pop("total_tokens")
        body["object"] = "embedding_list"
        return json_response(body)

    def on_chat_completions(self, request: Request) -> Response:
        response = super().on_chat_completions(request)
        if response.mimetype != "text/event-stream":
            return response
        out = []
        for block in response.get_data().split(b"\n\n"):
            if block.startswith(b"data: {"):
                chunk = json.loads(block[6:])
                chunk["obfuscation"] = "x1y2"
                block = b"data: " + json.dumps(chunk).encode()
            out.append(block)
        return Response(b"\n\n".join(out), mimetype="text/event-stream")

    def add_response_headers(self, request: Request, response: Response) -> None:
        super().add_response_headers(request, response)
        del response.headers["openai-version"]
        response.headers["x-drift"] = "1"


class ReorderedBedrock(BedrockApp):
    """A stand-in whose ConverseStream sends ``metadata`` before ``messageStop``."""

    def on_converse_stream(self, request: Request, model_id: str) -> Response:
        response = super().on_converse_stream(request, model_id)
        frames = list(response.response)
        frames[-2], frames[-1] = frames[-1], frames[-2]
        response.response = frames
        return response


def _record_openai(upstream_app: Any, directory: Path) -> None:
    with MockServer(upstream_app) as upstream:
        recorder = RecordingApp("openai", upstream.url, directory, renderer=build_app("openai", {}))
        with MockServer(recorder) as proxy, openai.OpenAI(api_key=KEY, base_url=proxy.url + "/v1", max_retries=0) as c:
            c.embeddings.create(model="text-embedding-3-small", input=["a", "b"], encoding_format="float")
            c.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
            list(c.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))
            try:
                c.models.retrieve("no-such-model")
            except openai.NotFoundError:
                pass


def test_a_recording_of_an_unchanged_provider_has_no_difference(tmp_path: Path, capsys: Any) -> None:
    _record_openai(OpenAIApp(OpenAIConfig(seed=3)), tmp_path)
    assert main(["compare-recording", str(tmp_path), "--provider", "openai"]) == 0
    out = capsys.readouterr().out
    assert "4 recorded exchange(s)" in out and "no difference" in out


def test_each_drift_of_the_provider_is_reported(tmp_path: Path, capsys: Any) -> None:
    _record_openai(DriftedOpenAI(OpenAIConfig(seed=3)), tmp_path)
    assert main(["compare-recording", str(tmp_path), "--provider", "openai"]) == 1
    out = capsys.readouterr().out
    assert "0001-post-v1-embeddings.json: body $.usage.tokens: recorded present, mock missing" in out
    assert "0001-post-v1-embeddings.json: body $.usage.total_tokens: recorded missing, mock present" in out
    assert '0001-post-v1-embeddings.json: body $.object: recorded "embedding_list", mock "list"' in out
    assert "header openai-version: recorded missing, mock present" in out
    assert "header x-drift: recorded present, mock missing" in out
    assert "0003-post-v1-chat-completions.json: event chunk(content) $.obfuscation: recorded present, mock missing" in out
    assert "0002-post-v1-chat-completions.json: body" not in out  # the plain chat answer did not drift
    assert KEY not in out
    # a header the user chooses to ignore is no longer reported
    main(["compare-recording", str(tmp_path), "--provider", "openai", "--ignore-header", "x-drift"])
    assert "x-drift" not in capsys.readouterr().out


def test_a_changed_event_order_is_reported(tmp_path: Path, capsys: Any) -> None:
    import boto3
    from botocore.config import Config

    with MockServer(ReorderedBedrock(create_bedrock().config)) as upstream:
        recorder = RecordingApp("bedrock", upstream.url, tmp_path, renderer=build_app("bedrock", {}))
        with MockServer(recorder) as proxy:
            client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=proxy.url,
                                  aws_access_key_id="AKIDCOMPARE", aws_secret_access_key="compare-secret",
                                  config=Config(retries={"total_max_attempts": 1}))
            stream = client.converse_stream(modelId="anthropic.claude-3-haiku-20240307-v1:0",
                                            messages=[{"role": "user", "content": [{"text": "hi"}]}])
            assert [next(iter(e)) for e in stream["stream"]][-2:] == ["metadata", "messageStop"]
    assert main(["compare-recording", str(tmp_path), "--provider", "bedrock"]) == 1
    out = capsys.readouterr().out
    assert "event order: recorded messageStart > contentBlockDelta > contentBlockStop > metadata > messageStop, " \
           "mock messageStart > contentBlockDelta > contentBlockStop > messageStop > metadata" in out


def test_no_recording_is_exit_2(tmp_path: Path, capsys: Any) -> None:
    assert main(["compare-recording", str(tmp_path / "missing"), "--provider", "azure"]) == 2
    assert "no recording directory" in capsys.readouterr().err


def test_unchanged_azure_and_bedrock_recordings_have_no_difference(tmp_path: Path, capsys: Any) -> None:
    import boto3
    from botocore.config import Config

    from mocks.azure import AzureMock
    from mocks.bedrock import BedrockMock

    with AzureMock(seed=1) as upstream, MockServer(
        RecordingApp("azure", upstream.url, tmp_path / "az", renderer=build_app("azure", {}))
    ) as proxy:
        client = openai.AzureOpenAI(api_key=KEY, azure_endpoint=proxy.url, api_version="2024-10-21", max_retries=0)
        client.embeddings.create(model="embed", input="hi")
        list(client.chat.completions.create(model="chat", messages=MESSAGES, stream=True))
    with BedrockMock(seed=1) as upstream, MockServer(
        RecordingApp("bedrock", upstream.url, tmp_path / "br", renderer=build_app("bedrock", {}))
    ) as proxy:
        brt = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=proxy.url,
                           aws_access_key_id="AKIDCOMPARE", aws_secret_access_key="compare-secret",
                           config=Config(retries={"total_max_attempts": 1}))
        brt.invoke_model(modelId="amazon.titan-embed-text-v2:0", body=json.dumps({"inputText": "hi"}))
        list(brt.converse_stream(modelId="anthropic.claude-3-haiku-20240307-v1:0",
                                 messages=[{"role": "user", "content": [{"text": "hi"}]}])["stream"])
    assert main(["compare-recording", str(tmp_path / "az"), "--provider", "azure"]) == 0
    assert main(["compare-recording", str(tmp_path / "br"), "--provider", "bedrock"]) == 0
    out = capsys.readouterr().out
    assert "2 recorded exchange(s)" in out and "difference(s)" not in out
