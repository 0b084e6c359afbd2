"""Journal (bounded, assert_called diffs, no secrets) and the fault schedule."""

from __future__ import annotations

import gc
import pickle
import tracemalloc

import pytest

from mocks.core import Fault, FaultSchedule, Journal, fingerprint
from mocks.core.journal import Call
from mocks.core.secrets import redact_headers

CANARY = "sk-CANARY-journal-42"


def _record(
    journal: Journal, path: str = "/v1/embeddings", body: bytes = b'{"model": "m1"}', **kw: object
) -> None:
    journal.record(
        service="openai",
        method="POST",
        path=path,
        query=[("api-version", "1")],
        headers=[("Authorization", f"Bearer {CANARY}"), ("Content-Type", "application/json")],
        body=body,
        status=int(kw.get("status", 200)),  # type: ignore[call-overload]
        endpoint="embeddings",
    )


def test_call_helpers_and_filters() -> None:
    journal = Journal()
    _record(journal)
    _record(journal, path="/v1/chat/completions", body=b'{"model": "m2"}', status=400)
    call = journal.last
    assert call is not None and call.json == {"model": "m2"} and call.model == "m2"
    assert call.header("content-type") == "application/json" and call.query_param("api-version") == "1"
    assert call.key == fingerprint(CANARY)
    assert journal.count(path="/v1/*") == 2
    assert journal.count(model="m1") == 1 and journal.count(status=400) == 1
    assert journal.count(key=fingerprint(CANARY)) == 2 and journal.count(key="fp-0000000000000000") == 0
    assert [c.seq for c in journal.filter(json={"model": "m1"})] == [1]


def test_a_calls_key_is_read_from_its_headers_once_and_kept() -> None:
    headers = redact_headers([("api-key", CANARY), ("Content-Length", "2")])
    made = Call(1, "azure", "POST", "/openai/deployments/d/embeddings", (), headers, b"{}", 0.0, 200, True, "e")
    assert made.key == fingerprint(CANARY)  # built by hand (as call_from_dict does): derived from the headers
    assert Call(2, "openai", "GET", "/v1/models", (), (), b"", 0.0, 200, True, "m").key is None
    assert pickle.loads(pickle.dumps(made)) == made  # forked workers and the admin API's copies keep it
    assert made._replace(seq=9).key == made.key
    journal = Journal()
    for secret in (CANARY, "sk-other-1", CANARY):
        journal.record(service="openai", method="POST", path="/v1/embeddings", headers=[("Authorization", f"Bearer {secret}")])
    assert [c.seq for c in journal.filter(key=fingerprint(CANARY))] == [1, 3]
    assert [c.seq for c in journal.filter(key=fingerprint(CANARY), since=1)] == [3]


def test_no_secret_in_call_repr_dict_or_json() -> None:
    journal = Journal()
    _record(journal)
    call = journal.calls[0]
    for text in (repr(call), str(call.to_dict()), journal.to_json().decode(), repr(journal), str(call)):
        assert CANARY not in text
    assert all(CANARY not in v for _, v in call.headers)


def test_assert_called_passes_and_returns_matches() -> None:
    journal = Journal()
    _record(journal)
    assert (
        len(journal.assert_called(times=1, method="post", path="/v1/embeddings", json={"model": "m1"})) == 1
    )
    assert journal.assert_called(headers={"content-type": "application/json"})


def test_assert_called_message_shows_diff_and_similar_calls() -> None:
    journal = Journal()
    for i in range(5):
        _record(journal, body=b'{"model": "m%d"}' % i)
    with pytest.raises(AssertionError) as info:
        journal.assert_called(times=1, path="/v1/embeddings", json={"model": "m9"})
    message = str(info.value)
    assert "expected 1 call(s)" in message and "found 0 (of 5)" in message
    assert "most similar calls:" in message and message.count("json: expected {'model': 'm9'}") == 3
    assert CANARY not in message


def test_assert_called_times_mismatch() -> None:
    journal = Journal()
    _record(journal)
    _record(journal)
    with pytest.raises(AssertionError, match="expected 1 call"):
        journal.assert_called(times=1, path="/v1/embeddings")
    with pytest.raises(AssertionError, match="at least 1"):
        journal.assert_called(path="/nowhere")


def test_journal_is_bounded_and_memory_flat() -> None:
    journal = Journal(maxlen=1000)
    tracemalloc.start()
    try:
        for _ in range(20_000):
            _record(journal)
        gc.collect()
        first, _ = tracemalloc.get_traced_memory()
        for _ in range(20_000):
            _record(journal)
        gc.collect()
        second, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(journal) == 1000 and journal.calls[-1].seq == 40_000
    # 20k more records into a full journal must not grow it (allow 64 KiB of allocator noise)
    assert second - first < 64 * 1024


def test_fault_from_dict_validates() -> None:
    fault = Fault.from_dict({"kind": "http_error", "status": 429, "match": {"path": "/v1/*"}, "times": 2})
    assert fault.path == "/v1/*" and fault.remaining == 2
    for bad in (
        {"kind": "boom"},
        {"kind": "latency", "nope": 1},
        {"status": 500},
        {"kind": "reset", "times": 0},
        {"kind": "reset", "probability": 2},
    ):
        with pytest.raises(ValueError):
            Fault.from_dict(bad)


def test_schedule_times_and_match() -> None:
    schedule = FaultSchedule(seed=1)
    fid = schedule.add(Fault("http_error", status=503, path="/v1/embeddings", model="m", times=2))
    assert schedule.pick("/v1/chat/completions", "m") is None
    assert schedule.pick("/v1/embeddings", "other") is None
    assert schedule.pick("/v1/embeddings", "m") is not None
    assert schedule.pick("/v1/embeddings", "m") is not None
    assert schedule.pick("/v1/embeddings", "m") is None
    assert schedule.list()[0].hits == 2 and schedule.remove(fid) and not schedule.remove(fid)


def test_schedule_key_match() -> None:
    schedule = FaultSchedule()
    schedule.add({"kind": "reset", "key": fingerprint("k1")})
    assert schedule.pick("/x", key=fingerprint("k2")) is None
    assert schedule.pick("/x", key=fingerprint("k1")) is not None


def test_probability_is_reproducible_from_the_seed() -> None:
    def run(seed: int) -> list[bool]:
        schedule = FaultSchedule(seed)
        schedule.add(Fault("latency", probability=0.5))
        return [schedule.pick("/p") is not None for _ in range(64)]

    assert run(7) == run(7)
    assert run(7) != run(8)
    assert 10 < sum(run(7)) < 54
