"""Nothing a run creates is left on the target (issue 21): the :class:`~harness.leftovers.Leftovers` a
:class:`~harness.target.Target` keeps, against the reference on port 0 (an interrupted ``harness run``
subprocess: tests/external/test_interrupted_run.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.leftovers import Leftovers, resource_of
from harness.target import Target
from mocks.reference import ReferenceConfig, ReferenceServer

_BODY = {"service": "openai", "service_settings": {"api_key": "sk-canary-leftovers", "model_id": "m"}}


@pytest.fixture
def target() -> Iterator[Target]:
    with ReferenceServer(ReferenceConfig(skip_validation=True)) as reference:
        yield Target(reference.url)


def _ids(target: Target) -> list[str]:
    return [e["inference_id"] for e in target.request("GET", "/_inference/_all").json["endpoints"]]


def test_a_created_endpoint_and_index_are_swept(target: Target) -> None:
    assert target.request("PUT", "/_inference/text_embedding/left-1", body=_BODY).status == 200
    assert target.request("PUT", "/left-index", body={}).status == 200
    assert target.leftovers.endpoints == {"left-1"} and target.leftovers.indexes == {"left-index"}
    target.sweep()
    assert _ids(target) == [] and target.request("GET", "/left-index").status == 404
    assert not target.leftovers


def test_refused_deleted_and_dry_run(target: Target) -> None:
    assert target.request("PUT", "/_inference/text_embedding/Bad_Id", body=_BODY).status == 400
    assert not target.leftovers  # refused: nothing was created
    assert target.request("PUT", "/_inference/text_embedding/left-2", body=_BODY).status == 200
    assert target.request("PUT", "/_inference/text_embedding/left-2", body=_BODY).status == 400  # duplicate
    assert target.leftovers.endpoints == {"left-2"}  # the first PUT created it: still there
    target.request("DELETE", "/_inference/left-2", params={"dry_run": "true"})
    assert target.leftovers.endpoints == {"left-2"}
    target.request("DELETE", "/_inference/left-2")
    assert not target.leftovers and _ids(target) == []


def test_a_put_whose_answer_never_came_is_noted() -> None:
    leftovers = Leftovers()
    leftovers.before("PUT", "/_inference/completion/in-flight")  # sent; the interrupt lands before the answer
    deleted: list[tuple[str, dict[str, str]]] = []
    leftovers.sweep(lambda path, params: deleted.append((path, dict(params))))
    assert deleted == [("/_inference/in-flight", {"force": "true"})]


@pytest.mark.parametrize(
    ("path", "resource"),
    [("/_inference/x", ("endpoint", "x")), ("/_inference/completion/x", ("endpoint", "x")),
     ("/_inference/completion/x/_stream", None), ("/_inference/x/_update", None), ("/idx", ("index", "idx")),
     ("/_security/api_key", None), ("/idx/_doc/1", None)],
)
def test_resource_of(path: str, resource: tuple[str, str] | None) -> None:
    assert resource_of(path) == resource
