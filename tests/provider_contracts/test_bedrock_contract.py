"""The Bedrock mock judged by botocore's bedrock-runtime service model (read from the installed botocore).

Bodies of Converse, every event of ConverseStream and InvokeModelWithResponseStream (payloads against their
event shapes, event types against the stream union), the headers the output shapes require, and every error:
its name is one the operation models, its status the shape's ``httpStatusCode``, its body the shape's members.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.eventstream import EventStreamBuffer
from contract_facts import bedrock_errors, bedrock_model, load, shape_schema
from werkzeug.test import Client

from mocks.bedrock import BedrockConfig, create_app
from mocks.core import Fault

CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"
TITAN = "amazon.titan-embed-text-v2:0"
CONVERSE = {"messages": [{"role": "user", "content": [{"text": "Say hi in a few words please"}]}]}
AUTH = {"Authorization": "Bearer contract-canary-token"}
#: Errors AWS's front door answers before an operation runs; botocore's model does not list them (they are
#: not operation errors). Checked for AWS's wire format only. Source: mocks/bedrock/errors.py docstring.
FRAMEWORK_ERRORS = {"UnknownOperationException", "UnrecognizedClientException", "InvalidSignatureException"}


@pytest.fixture(scope="module")
def app():  # type: ignore[no-untyped-def]
    return create_app(BedrockConfig(seed=3))


def _call(app: Any, op: str, model: str, body: Any, fault: dict[str, Any] | None = None, headers: Any = None) -> Any:
    app.reset()
    if fault:
        app.faults.add(Fault.from_dict(fault))
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    path = {"InvokeModel": "invoke", "Converse": "converse", "ConverseStream": "converse-stream",
            "InvokeModelWithResponseStream": "invoke-with-response-stream"}[op]
    return Client(app).post(f"/model/{model}/{path}", data=data, headers=AUTH if headers is None else headers)


def _frames(data: bytes) -> list[tuple[dict[str, Any], bytes]]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return [(dict(m.headers), m.payload) for m in buffer]


def _output_shape(op: str) -> dict[str, Any]:
    return bedrock_model()["shapes"][bedrock_model()["operations"][op]["output"]["shape"]]


def _required_headers(op: str) -> list[str]:
    shape = _output_shape(op)
    return [m["locationName"] for n, m in shape["members"].items() if m.get("location") == "header" and n in shape.get("required", [])]


def test_converse_body_conforms(app) -> None:  # type: ignore[no-untyped-def]
    response = _call(app, "Converse", CLAUDE, CONVERSE)
    assert response.status_code == 200
    found = bedrock_errors(shape_schema("ConverseResponse"), response.get_json())
    assert not found, found


@pytest.mark.parametrize("model", [TITAN, CLAUDE])
def test_invoke_model_headers(app, model: str) -> None:  # type: ignore[no-untyped-def]
    body = {"inputText": "hi"} if model == TITAN else {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]}
    response = _call(app, "InvokeModel", model, body)
    assert response.status_code == 200, response.get_data()
    assert all(h in response.headers for h in _required_headers("InvokeModel")), _required_headers("InvokeModel")


def _check_stream(op: str, union: str, data: bytes) -> list[str]:
    members = bedrock_model()["shapes"][union]["members"]
    kinds = []
    for headers, payload in _frames(data):
        kind = headers.get(":event-type") or headers.get(":exception-type")
        assert kind in members, f"{op} sent {kind!r}; botocore's {union} has {sorted(members)}"
        shape = members[kind]["shape"]
        found = bedrock_errors(shape_schema(shape), json.loads(payload))
        assert not found, f"{kind}: {found}"
        kinds.append(kind)
    return kinds


def test_converse_stream_events_conform_in_order(app) -> None:  # type: ignore[no-untyped-def]
    response = _call(app, "ConverseStream", CLAUDE, CONVERSE)
    kinds = _check_stream("ConverseStream", "ConverseStreamOutput", response.get_data())
    assert kinds[0] == "messageStart" and kinds[-2:] == ["messageStop", "metadata"], kinds
    body = kinds[1:-2]
    assert body and body[-1] == "contentBlockStop" and set(body[:-1]) <= {"contentBlockStart", "contentBlockDelta"}, kinds


def test_invoke_stream_chunks_conform(app) -> None:  # type: ignore[no-untyped-def]
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]}
    response = _call(app, "InvokeModelWithResponseStream", CLAUDE, body)
    assert all(h in response.headers for h in _required_headers("InvokeModelWithResponseStream"))
    kinds = _check_stream("InvokeModelWithResponseStream", "ResponseStream", response.get_data())
    assert kinds and set(kinds) == {"chunk"}
    for _, payload in _frames(response.get_data()):
        json.loads(base64.b64decode(json.loads(payload)["bytes"]))  # the model JSON inside


@pytest.mark.parametrize(
    ("op", "union", "code"),
    [
        ("ConverseStream", "ConverseStreamOutput", None),
        ("ConverseStream", "ConverseStreamOutput", "throttlingException"),
        ("InvokeModelWithResponseStream", "ResponseStream", None),
        ("InvokeModelWithResponseStream", "ResponseStream", "modelTimeoutException"),
    ],
)
def test_stream_exception_frames_conform(app, op: str, union: str, code: str | None) -> None:  # type: ignore[no-untyped-def]
    body = CONVERSE if op == "ConverseStream" else {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]}
    fault = {"kind": "stream_error", "after": 1, **({"code": code} if code else {})}
    kinds = _check_stream(op, union, _call(app, op, CLAUDE, body, fault).get_data())
    assert kinds[-1].endswith("Exception"), kinds


ERROR_CASES = [
    ("InvokeModel", TITAN, b"{not json", None, None),
    ("InvokeModel", "no.such-model-v1", {"inputText": "x"}, None, None),
    ("Converse", CLAUDE, {"messages": []}, None, None),
    ("InvokeModel", TITAN, {"inputText": "x"}, {"kind": "http_error", "status": 429}, None),
    ("InvokeModel", TITAN, {"inputText": "x"}, {"kind": "http_error", "status": 500}, None),
    ("InvokeModel", TITAN, {"inputText": "x"}, {"kind": "http_error", "status": 503}, None),
    ("Converse", CLAUDE, CONVERSE, {"kind": "http_error", "status": 424, "code": "ModelErrorException"}, None),
    ("Converse", CLAUDE, CONVERSE, {"kind": "http_error", "status": 429, "code": "ModelNotReadyException"}, None),
    ("Converse", CLAUDE, CONVERSE, {"kind": "http_error", "status": 408}, None),
    ("InvokeModel", TITAN, {"inputText": "x"}, {"kind": "http_error", "status": 403}, None),
    ("InvokeModel", TITAN, {"inputText": "x"}, None, {}),
]


@pytest.mark.parametrize(("op", "model", "body", "fault", "headers"), ERROR_CASES)
def test_errors_are_modelled(app, op, model, body, fault, headers) -> None:  # type: ignore[no-untyped-def]
    response = _call(app, op, model, body, fault, headers)
    assert response.status_code >= 400
    name = response.headers["x-amzn-ErrorType"].split(":", 1)[0]
    modelled = [e["shape"] for e in bedrock_model()["operations"][op]["errors"]]
    assert name in modelled, f"{op} answered {name}; botocore models {modelled}"
    shape = bedrock_model()["shapes"][name]
    if headers == {}:  # the front door's AccessDeniedException ("Message", captured in karthink/gptel#1397)
        assert response.get_json() == {"Message": "Authorization header is missing"}
    else:
        assert response.status_code == shape["error"]["httpStatusCode"], (name, response.status_code)
        found = bedrock_errors(shape_schema(name), response.get_json())
        assert not found, found
    assert response.headers["x-amzn-RequestId"]
    assert all(h in response.headers for h in load("headers")["bedrock"]["every_response"])


def test_framework_errors_are_aws_format(app) -> None:  # type: ignore[no-untyped-def]
    response = Client(app).post("/nothing/here", data=b"{}", headers=AUTH)
    name = response.headers["x-amzn-ErrorType"].split(":", 1)[0]
    assert name in FRAMEWORK_ERRORS and response.headers["x-amzn-RequestId"]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.update(stopReason="finished"),
        lambda b: b["usage"].pop("inputTokens"),
        lambda b: b.update(extraField=1),
    ],
    ids=["stop-reason-enum", "usage-required", "unknown-member"],
)
def test_a_drifted_converse_body_is_rejected(app, mutate) -> None:  # type: ignore[no-untyped-def]
    body = _call(app, "Converse", CLAUDE, CONVERSE).get_json()
    mutate(body)
    assert bedrock_errors(shape_schema("ConverseResponse"), body)
