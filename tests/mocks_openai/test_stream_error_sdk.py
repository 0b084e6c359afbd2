"""The ``stream_error`` fault seen through the official openai SDK (OpenAI and AzureOpenAI clients)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
import requests

from mocks.azure import AzureMock
from mocks.core import Fault
from mocks.openai import OpenAIMock
from mocks.openai.app import STREAM_ERROR_MESSAGE

KEY = "sk-CANARY-stream-error-41a2b3"
AZURE_KEY = "azure-CANARY-stream-error-7c8d"
MESSAGES: Any = [{"role": "user", "content": "Tell me about streams and their errors"}]


@pytest.fixture(scope="module")
def openai_mock() -> Iterator[OpenAIMock]:
    with OpenAIMock(seed=5, api_keys={KEY}) as server:
        yield server


@pytest.fixture(scope="module")
def azure_mock() -> Iterator[AzureMock]:
    with AzureMock(seed=5, api_keys={AZURE_KEY}, deployments={"chat": "gpt-4o"}) as server:
        yield server


@pytest.fixture
def client(openai_mock: OpenAIMock) -> Iterator[openai.OpenAI]:
    openai_mock.clear()
    openai_mock.faults.clear()
    with openai.OpenAI(api_key=KEY, base_url=openai_mock.base_url, max_retries=0, timeout=10) as c:
        yield c
    openai_mock.raise_errors()


@pytest.fixture
def azure(azure_mock: AzureMock) -> Iterator[openai.AzureOpenAI]:
    azure_mock.clear()
    azure_mock.faults.clear()
    with openai.AzureOpenAI(
        api_key=AZURE_KEY, azure_endpoint=azure_mock.url, api_version="2024-10-21", max_retries=0, timeout=10
    ) as c:
        yield c
    azure_mock.raise_errors()


def _seen(chunks: list[Any]) -> list[dict[str, Any]]:
    """The chunks as compared across two requests: ``created`` is the clock's second (as OpenAI's), which two
    requests may straddle on a loaded machine; everything else is seeded."""
    return [{k: v for k, v in c.model_dump().items() if k != "created"} for c in chunks]


def _consume(stream: Any) -> tuple[list[Any], openai.APIError]:
    chunks: list[Any] = []
    with pytest.raises(openai.APIError) as info:
        for chunk in stream:
            chunks.append(chunk)  # noqa: PERF402 - keeps what came before the error
    return chunks, info.value


@pytest.mark.parametrize("after", [1, 3])
def test_openai_sdk_raises_api_error_after_n_chunks(
    client: openai.OpenAI, openai_mock: OpenAIMock, after: int
) -> None:
    full = list(client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True))
    assert len(full) > after
    requests.post(
        f"{openai_mock.url}/__admin/faults",
        json={"kind": "stream_error", "after": after, "times": 1, "message": "upstream broke mid-way",
              "code": "stream_broken"},
        timeout=10,
    ).raise_for_status()
    chunks, error = _consume(client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True))
    assert _seen(chunks) == _seen(full[:after])
    assert error.message == "upstream broke mid-way"
    assert error.body == {"message": "upstream broke mid-way", "type": "server_error", "param": None,
                          "code": "stream_broken"}
    assert KEY not in str(error)


def test_openai_default_error_and_non_stream_requests_are_untouched(
    client: openai.OpenAI, openai_mock: OpenAIMock
) -> None:
    openai_mock.faults.add(Fault("stream_error", after=2, times=1))
    whole = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert whole.choices[0].message.content
    assert openai_mock.faults.list()[0].remaining == 1  # not spent on a non-stream request
    chunks, error = _consume(client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True))
    assert len(chunks) == 2 and chunks[0].choices[0].delta.role == "assistant"
    assert error.message == STREAM_ERROR_MESSAGE
    assert error.body == {"message": STREAM_ERROR_MESSAGE, "type": "server_error", "param": None, "code": None}
    assert len(list(client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True))) > 2


def test_openai_wire_format_is_an_error_event_without_done(openai_mock: OpenAIMock) -> None:
    openai_mock.faults.add(Fault("stream_error", after=1, times=1, type="invalid_request_error"))
    raw = requests.post(
        openai_mock.base_url + "/chat/completions",
        json={"model": "gpt-4o", "messages": MESSAGES, "stream": True},
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=10,
    )
    assert raw.status_code == 200 and raw.headers["Content-Type"].startswith("text/event-stream")
    events = [e for e in raw.text.split("\n\n") if e]
    assert len(events) == 2 and events[0].startswith("data: {")
    assert events[1].startswith("event: error\ndata: {")
    assert '"type":"invalid_request_error"' in events[1] and "[DONE]" not in raw.text


def test_azure_sdk_raises_api_error_after_n_chunks(azure: openai.AzureOpenAI, azure_mock: AzureMock) -> None:
    full = list(azure.chat.completions.create(model="chat", messages=MESSAGES, stream=True))
    azure_mock.faults.add(Fault("stream_error", after=2, times=1, message="azure stream failed"))
    chunks, error = _consume(azure.chat.completions.create(model="chat", messages=MESSAGES, stream=True))
    assert _seen(chunks) == _seen(full[:2])
    assert error.message == "azure stream failed"
    assert error.body == {"message": "azure stream failed", "type": "server_error", "param": None, "code": None}
    assert AZURE_KEY not in str(error)
    assert len(list(azure.chat.completions.create(model="chat", messages=MESSAGES, stream=True))) == len(full)


def test_azure_admin_api_accepts_stream_error(azure_mock: AzureMock, azure: openai.AzureOpenAI) -> None:
    resp = requests.post(f"{azure_mock.url}/__admin/faults", json={"kind": "stream_error", "after": 1}, timeout=10)
    assert resp.status_code == 201
    chunks, error = _consume(azure.chat.completions.create(model="chat", messages=MESSAGES, stream=True))
    assert len(chunks) == 1 and error.message == STREAM_ERROR_MESSAGE
    whole = azure.chat.completions.create(model="chat", messages=MESSAGES)  # non-stream: unaffected
    assert whole.choices[0].message.content
