"""A realistic run report with a failure (and hostile text): the HTML writer tests render it."""

from __future__ import annotations

from harness.report.model import Exchange, Result, RunReport, UpstreamCall

#: Planted in the report's evidence; must never appear in any rendered output.
CANARY = "sk-canary-html-3f9a1c77"
#: An API key inside a PUT body field (``api_key``): caught by the body redaction even if unregistered.
BODY_SECRET = "sk-unregistered-body-key-42"
#: Text that would run script if it were not escaped.
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="alert(1)">'

SERVICES = ("openai", "azureopenai", "amazonbedrock")
TASKS = ("text_embedding", "completion")


def _failure() -> Result:
    put_body = (
        '{"service":"openai","service_settings":{"api_key":"' + BODY_SECRET + '","model_id":"text-embedding-3-small"},'
        '"chunking_settings":{"strategy":"word","max_chunk_size":9,"overlap":0}}'
    )
    return Result(
        rule_id="chunking.max_chunk_size.min",
        service="openai",
        task_type="text_embedding",
        outcome="failed",
        title="max_chunk_size below the minimum is rejected",
        reason=f"target accepted max_chunk_size=9 {HOSTILE}",
        expected={"status": 400, "error_type": "validation_exception",
                  "reason": "Validation Failed: 1: [chunking_settings] Invalid value [9.0]. "
                            "[max_chunk_size] must be a greater than or equal to [10.0];"},
        seen={"status": 200, "body": {"inference_id": "e1", "leaked": CANARY}},
        replay=(
            "curl -X PUT 'http://127.0.0.1:9200/_inference/text_embedding/e1' -H 'Content-Type: application/json' "
            f"-d '{put_body}'\nharness run --target http://127.0.0.1:9200 --seed 7 -k chunking.max_chunk_size.min"
        ),
        exchanges=[
            Exchange(
                method="PUT",
                url="http://127.0.0.1:9200/_inference/text_embedding/e1",
                request_body=put_body,
                status=200,
                response_headers={"content-type": "application/json", "authorization": f"Bearer {CANARY}"},
                response_body='{"inference_id":"e1","task_type":"text_embedding","service":"openai"}',
            )
        ],
        upstream=[
            UpstreamCall(service="openai", method="POST", path="/v1/embeddings", status=200,
                         key="fp-0123456789abcdef", body='{"input":["ping"],"model":"text-embedding-3-small"}')
        ],
        examples=3,
        duration=0.02,
    )


def make_report() -> RunReport:
    """A run over 3 services x 2 task types with every outcome and one failure."""
    results: list[Result] = [
        Result("id_format.invalid", None, None, "passed", title="inference ids are validated"),
        Result("schema.get_response", None, None, "not_checked", title="GET response schema",
               reason="the 8.18 spec has no response schema"),
    ]
    for service in SERVICES:
        for task in TASKS:
            if service == "openai" and task == "text_embedding":
                results.append(_failure())
                continue
            outcome = "passed" if (service, task) != ("amazonbedrock", "completion") else "skipped"
            results.append(Result("chunking.max_chunk_size.min", service, task, outcome,
                                  title="max_chunk_size below the minimum is rejected",
                                  reason="" if outcome == "passed" else "upstream mock not running"))
            na = task == "completion"
            results.append(Result("secrets.never_returned", service, task, "not_applicable" if na else "passed",
                                  title="secrets are never returned", reason="no secret for this task" if na else ""))
    return RunReport(es_version="8.18", target="http://127.0.0.1:9200", seed=7, embedded=True,
                     started="2025-01-01T00:00:00Z", duration=1.5, results=results)


def make_full_report(es_version: str = "8.18") -> RunReport:
    """A report as large as a whole run of ``es_version``: every rule x service x task type of the plan (passed,
    or not applicable where the rule does not apply), one failure, and the service-independent passes."""
    from contract import load_profile, load_rules
    from harness.engine.plan import plan

    results = [
        Result(item.rule_id, item.service, item.task_type, "not_applicable" if item.not_applicable else "passed",
               title=item.title, reason=item.not_applicable)
        for item in plan(load_profile(es_version), load_rules())
    ]
    failure = _failure()
    results = [failure if (r.rule_id, r.service, r.task_type) == (failure.rule_id, failure.service, failure.task_type)
               else r for r in results]
    results += [Result("stateful.crud", None, None, "passed", title="state machine"),
                Result("schema.inference-get", None, None, "passed", title="GET /_inference/{id}")]
    return RunReport(es_version=es_version, target="http://127.0.0.1:9200", seed=7, embedded=True,
                     started="2025-01-01T00:00:00Z", duration=12.5, results=results)
