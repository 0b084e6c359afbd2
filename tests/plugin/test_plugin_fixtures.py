"""The plugin's fixtures in a user's suite: official SDKs against the mocks, errors surfaced, inertness."""

from __future__ import annotations

import pytest

USER_SUITE = '''
import json

import boto3
import openai
from botocore.config import Config


def test_openai_sdk(openai_mock):
    client = openai.OpenAI(api_key="sk-user-suite-key", base_url=openai_mock.base_url, max_retries=0)
    out = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    assert len(out.data) == 2
    openai_mock.journal.assert_called(times=1, path="/v1/embeddings")
    assert "sk-user-suite-key" not in openai_mock.journal.to_json().decode()


def test_journal_starts_empty(openai_mock):
    # The previous test's call is gone: handles are cleared per test.
    assert openai_mock.journal.calls == []


def test_azure_sdk(azure_mock):
    client = openai.AzureOpenAI(api_key="k", azure_endpoint=azure_mock.url, api_version="2024-10-21",
                                max_retries=0)
    chat = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert chat.choices[0].message.content
    azure_mock.journal.assert_called(times=1, path="/openai/deployments/gpt-4o/chat/completions")


def test_bedrock_boto3(bedrock_mock):
    client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=bedrock_mock.url,
                          aws_access_key_id="AKIAUSERSUITE0000001", aws_secret_access_key="user-suite-secret",
                          config=Config(retries={"total_max_attempts": 1}))
    out = client.invoke_model(modelId="amazon.titan-embed-text-v2:0", body=json.dumps({"inputText": "hi"}))
    assert json.loads(out["body"].read())["embedding"]
    assert bedrock_mock.journal.count(method="POST") == 1


def test_faults_are_per_test(openai_mock):
    openai_mock.faults.add({"kind": "http_error", "status": 503, "times": 5})
    client = openai.OpenAI(api_key="sk-x", base_url=openai_mock.base_url, max_retries=0)
    try:
        client.models.list()
    except openai.InternalServerError:
        pass
    else:
        raise AssertionError("fault not applied")


def test_faults_cleared(openai_mock):
    client = openai.OpenAI(api_key="sk-x", base_url=openai_mock.base_url, max_retries=0)
    assert client.models.list().data


def test_inference_target(inference_target):
    es = inference_target.client(request_timeout=60)
    es.inference.put(task_type="text_embedding", inference_id="user-e1", inference_config={
        "service": "openai",
        "service_settings": {"api_key": "sk-user-target", "model_id": "text-embedding-3-small",
                             "url": inference_target.openai_url("embeddings")},
    })
    out = es.inference.inference(task_type="text_embedding", inference_id="user-e1", input=["hello"])
    assert out["text_embedding"][0]["embedding"]
    assert inference_target.embedded
    inference_target.openai.journal.assert_called(path="/v1/embeddings")


def test_endpoints_do_not_leak_between_tests(inference_target):
    es = inference_target.client(request_timeout=60)
    ids = [e["inference_id"] for e in es.inference.get()["endpoints"]]
    assert "user-e1" not in ids
'''


def test_user_suite_with_the_official_clients(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_SUITE)
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=8)


def test_error_in_server_thread_fails_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_thread='''
import requests


def test_handler_blows_up(openai_mock):
    def boom(request, **values):
        raise AssertionError("assertion inside the server thread")
    openai_mock.app.on_embeddings = boom
    response = requests.post(openai_mock.base_url + "/embeddings", json={"model": "m", "input": "x"})
    assert response.status_code >= 500  # the mock answered in its own format, no traceback
    assert "Traceback" not in response.text


def test_next_test_is_clean(openai_mock):
    assert openai_mock.journal.calls == []
''')
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_handler_blows_up*",
                                 "*AssertionError: assertion inside the server thread*"])


def test_plugin_is_inert_without_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain='''
import sys, threading

def test_nothing_started():
    assert not any(t.name.startswith("mock-") for t in threading.enumerate())
    assert "mocks.openai" not in sys.modules and "mocks.reference" not in sys.modules
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)


def test_bad_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = pytester.runpytest("--inference-target", "not-a-url")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--inference-target must be an http(s) URL*"])


def test_ini_options(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ninference_es_version = 9.1\ninference_seed = 42\n")
    pytester.makepyfile(test_ini='''
def test_settings(inference_settings):
    assert inference_settings.es_version == "9.1"
    assert inference_settings.seed == 42
    assert inference_settings.target is None and not inference_settings.conformance
''')
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)
    override = pytester.runpytest("-p", "no:cacheprovider", "-q", "--inference-seed", "7")
    override.assert_outcomes(failed=1)
