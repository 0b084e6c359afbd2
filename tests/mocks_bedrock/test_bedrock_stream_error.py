"""The ``stream_error`` fault through boto3: an exception frame mid-stream raises ``EventStreamError``."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest
import requests
from bedrock_helpers import BEARER, SECRET_KEY
from botocore.eventstream import EventStreamBuffer

from mocks.bedrock import BedrockMock
from mocks.bedrock.errors import ModelStreamErrorException, ThrottlingException
from mocks.core import Fault

CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"
LLAMA = "meta.llama3-8b-instruct-v1:0"
MESSAGES = [{"role": "user", "content": [{"text": "Say something long enough to stream"}]}]


def _converse_stream(client: Any) -> Any:
    return client.converse_stream(modelId=CLAUDE, messages=MESSAGES)["stream"]


def _consume(stream: Any) -> tuple[list[Any], botocore.exceptions.EventStreamError]:
    events: list[Any] = []
    with pytest.raises(botocore.exceptions.EventStreamError) as info:
        for event in stream:
            events.append(event)  # noqa: PERF402 - keeps what came before the error
    return events, info.value


@pytest.mark.parametrize(
    ("fault", "code", "message"),
    [
        pytest.param({}, "modelStreamErrorException", ModelStreamErrorException.default_message, id="default"),
        pytest.param({"code": "throttlingException"}, "throttlingException", ThrottlingException.default_message,
                     id="camel-case-name"),
        pytest.param({"code": "ThrottlingException", "message": "slow down"}, "throttlingException", "slow down",
                     id="pascal-case-name-and-message"),
        pytest.param({"type": "internalServerException"}, "internalServerException",
                     "The system encountered an unexpected error during processing. Try your request again.",
                     id="type-names-it-too"),
    ],
)
def test_converse_stream_raises_after_n_events(
    client: Any, mock: BedrockMock, fault: dict[str, Any], code: str, message: str
) -> None:
    full = list(_converse_stream(client))
    mock.faults.add(Fault("stream_error", after=2, times=1, **fault))
    events, error = _consume(_converse_stream(client))
    assert events == full[:2]
    assert error.response["Error"] == {"Code": code, "Message": message}
    assert SECRET_KEY not in str(error)
    assert list(_converse_stream(client)) == full  # times=1: the next stream is whole


def test_unknown_exception_name_is_sent_as_given(mock: BedrockMock) -> None:
    # botocore only names exceptions of its service model, so read the frame itself
    mock.faults.add(Fault("stream_error", after=0, times=1, code="MadeUpException", message="odd"))
    raw = requests.post(
        f"{mock.url}/model/{CLAUDE}/converse-stream", json={"messages": MESSAGES},
        headers={"Authorization": f"Bearer {BEARER}"}, timeout=10,
    )
    assert raw.status_code == 200
    buffer = EventStreamBuffer()
    buffer.add_data(raw.content)
    (frame,) = list(buffer)
    assert frame.headers[":message-type"] == "exception"
    assert frame.headers[":exception-type"] == "madeUpException"
    assert json.loads(frame.payload) == {"message": "odd"}


def test_invoke_with_response_stream_raises_mid_stream(client: Any, mock: BedrockMock) -> None:
    mock.faults.add(Fault("stream_error", after=1, times=1, code="modelTimeoutException"))
    body = client.invoke_model_with_response_stream(modelId=LLAMA, body=json.dumps({"prompt": "Hi"}))["body"]
    events, error = _consume(body)
    assert len(events) == 1 and "chunk" in events[0]
    assert error.response["Error"]["Code"] == "modelTimeoutException"


def test_non_stream_operations_do_not_spend_the_fault(client: Any, mock: BedrockMock) -> None:
    mock.faults.add(Fault("stream_error", after=0, times=1))
    answer = client.converse(modelId=CLAUDE, messages=MESSAGES)
    assert answer["output"]["message"]["content"][0]["text"]
    assert mock.faults.list()[0].remaining == 1
    events, error = _consume(_converse_stream(client))
    assert events == [] and error.response["Error"]["Code"] == "modelStreamErrorException"


def test_admin_api_accepts_stream_error(client: Any, mock: BedrockMock) -> None:
    resp = requests.post(f"{mock.url}/__admin/faults", json={"kind": "stream_error", "after": 1}, timeout=10)
    assert resp.status_code == 201
    events, error = _consume(_converse_stream(client))
    assert len(events) == 1 and "messageStart" in events[0]
    assert error.response["Error"]["Code"] == "modelStreamErrorException"
