"""A misconfigured run against a secured target is one line and exit 2, never violations blamed on the target
(issue 21, item 1, the credentials part): ``harness serve`` (security on) and ``harness run`` each in its own
process, as a user meets it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from external_processes import Serve, harness_run, serve


@pytest.fixture(scope="module")
def secured() -> Iterator[Serve]:
    with serve("8.18") as served:
        yield served


def _one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("harness: ")]
    assert len(lines) == 1, output[-2000:]
    return lines[0]


def test_no_credentials_is_one_line_naming_the_options(secured: Serve, tmp_path: Path) -> None:
    run = harness_run(["--target", secured.target, "--rules", "crud.*", *secured.mock_args()], tmp_path,
                      env={"HARNESS_USER": "", "HARNESS_API_KEY": ""})
    assert run.exit_code == 2
    line = _one_line(run.output)
    assert "requires authentication (401" in line and "--user" in line and "HARNESS_API_KEY" in line
    assert run.report == {}, "no rule ran, so no report blames the target"
    assert "Traceback" not in run.output


def test_a_wrong_password_is_one_line_and_not_a_violation(secured: Serve, tmp_path: Path) -> None:
    run = harness_run(["--target", secured.target, "--user", "elastic:not-the-password", "--rules", "crud.*",
                       *secured.mock_args()], tmp_path)
    assert run.exit_code == 2
    line = _one_line(run.output)
    assert "refused the credentials of --user" in line
    assert "not-the-password" not in run.output
    assert run.report == {}


def test_the_right_password_runs(secured: Serve, tmp_path: Path) -> None:
    run = harness_run(["--target", secured.target, *secured.auth_args(), "--rules", "crud.not_found",
                       "--max-examples", "1", *secured.mock_args()], tmp_path)
    assert run.exit_code == 0, run.output[-2000:]
    assert run.summary["passed"] > 0


def test_services_without_a_mock_are_announced_and_not_checked(secured: Serve, tmp_path: Path) -> None:
    """The README promises "not checked, never passed" for a service without a mock: the run says so first."""
    openai = secured.urls["openai"].removesuffix("/v1")
    run = harness_run(["--target", secured.target, *secured.auth_args(), "--openai-mock", openai,
                       "--rules", "defaults.rate_limit", "--max-examples", "1"], tmp_path)
    assert ("no mock given for azureopenai, amazonbedrock: the rules that need its upstream are not checked "
            "(give --azure-mock / --bedrock-mock URL)") in run.output
    assert run.exit_code == 0, run.output[-2000:]
    by_service = {r["service"]: r["outcome"] for r in run.report["results"]}
    assert by_service["openai"] == "passed"
    assert by_service["azureopenai"] == by_service["amazonbedrock"] == "not_checked"


def test_one_azure_resource_name_per_run(secured: Serve, tmp_path: Path) -> None:
    """--azure-resource: every Azure call of the run goes to NAME.openai.azure.com (one hosts entry for a real
    cluster, issue 21); the Azure mock reads the resource from the Host header."""
    import requests

    azure = secured.urls["azure"]
    before = len(requests.get(f"{azure}/__admin/calls", timeout=10).json()["calls"])
    run = harness_run(["--target", secured.target, *secured.auth_args(), *secured.mock_args(), "--azure-resource",
                       "myres", "--rules", "check.upstream_request", "--max-examples", "2"], tmp_path)
    assert run.exit_code == 0, run.output[-2000:]
    calls = requests.get(f"{azure}/__admin/calls", timeout=10).json()["calls"][before:]
    hosts = {str(dict((k.lower(), v) for k, v in c["headers"]).get("host", "")).split(":")[0] for c in calls}
    assert hosts == {"myres.openai.azure.com"}, hosts


def test_a_mock_the_target_never_calls_is_one_line(secured: Serve, tmp_path: Path) -> None:
    """An --azure-mock the cluster is not wired to: the probe endpoint's validation call never arrives there,
    so the run stops before any rule with one line naming the service's option, the mock's URL and what the
    target answered (issue 21, item 1); before, 65 failures read as the target's."""
    from mocks.azure import AzureMock

    with AzureMock() as elsewhere:
        args = [*secured.mock_args()]
        args[args.index("--azure-mock") + 1] = elsewhere.url
        run = harness_run(["--target", secured.target, *secured.auth_args(), *args, "--rules", "crud.*"], tmp_path)
        journal, url = elsewhere.app.journal.calls, elsewhere.url
    assert run.exit_code == 2, run.output[-2000:]
    line = _one_line(run.output)
    assert line.startswith(f"harness: --azure-mock {url}: the target did not reach this mock"), line
    assert "answered 200, yet no call arrived here" in line and "docs/real-elasticsearch.md" in line
    assert run.report == {} and journal == []


def test_the_probe_can_be_turned_off(secured: Serve, tmp_path: Path) -> None:
    """--no-mock-probe: the run goes on (here, with the wrong Azure mock, the Azure rules then fail or are
    not checked: the user asked for it)."""
    from mocks.azure import AzureMock

    with AzureMock() as elsewhere:
        args = [*secured.mock_args()]
        args[args.index("--azure-mock") + 1] = elsewhere.url
        run = harness_run(["--target", secured.target, *secured.auth_args(), *args, "--no-mock-probe",
                           "--rules", "crud.not_found", "--max-examples", "1"], tmp_path)
    assert run.exit_code == 0, run.output[-2000:]
    assert run.summary["passed"] > 0
