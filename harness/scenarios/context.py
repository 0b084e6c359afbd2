"""The context a scenario's sending step runs in: the profile, the rule table, the target, the mocks, the seed
and the redactor; every request it sends is kept as evidence, every secret it plants is redacted and told to the
run's listeners."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from contract import SECRET_FIELDS, Profile, RuleTable
from harness.checks.registry import JudgeContext
from harness.errors import Failure
from harness.mock_handles import MockHandles
from harness.report.redact import Redactor
from harness.target import Response, Target

__all__ = ["CheckContext"]


@dataclass
class CheckContext:
    """What every check may read: the profile, the rule table, the target, the mocks and the run seed.

    ``exchanges`` collects every response of the current plan item (evidence for a failure); ``planted`` is
    told every set of canary secrets :meth:`plant` registers (the run's listeners).
    """

    profile: Profile
    rules: RuleTable
    target: Target
    mocks: MockHandles
    seed: int
    redactor: Redactor
    exchanges: list[Response] = field(default_factory=list)
    planted: Callable[[tuple[str, ...]], None] = field(default=lambda secrets: None, repr=False)

    def plant(self, *secrets: str) -> None:
        """The current example uses these canary secrets: redact them from every output, tell the listeners."""
        self.redactor.add(*secrets)
        self.planted(secrets)

    def request(self, method: str, path: str, *, body: Any = None, params: dict[str, str] | None = None) -> Response:
        """Send a request to the target and keep the exchange as evidence.

        Before a PUT (create or ``_update``) that plants secrets, the service's mock learns them: the
        Bedrock mock the AWS key pair (so it verifies the target's SigV4 signatures with the configured
        secret, not just the access key), an OpenAI / Azure mock that restricts keys the API key or Entra
        token. External mocks forget them at the end of the run."""
        if method == "PUT":
            self.register_secrets(body)
        response = self.target.request(method, path, body=body, params=params)
        self.exchanges.append(response)
        return response

    def evidence(self, failure: Failure) -> list[Response]:
        """The exchanges so far, up to the one ``failure`` is about (all of them when it names none): a
        scenario sends its whole plan before it is judged, so the evidence stops where the failure is."""
        for i in range(len(self.exchanges) - 1, -1, -1):
            if self.exchanges[i] is failure.response:
                return self.exchanges[: i + 1]
        return list(self.exchanges)

    @property
    def judge_context(self) -> JudgeContext:
        """The profile and the rule table alone, for a scenario's judge."""
        return JudgeContext(self.profile, self.rules)

    @contextlib.contextmanager
    def fault(self, service: str, spec: dict[str, Any]) -> Iterator[None]:
        """Inject ``spec`` into ``service``'s mock for the duration of the block, then remove it (even on error).

        >>> with ctx.fault("openai", {"kind": "http_error", "status": 429, "key": case.key}):
        ...     resp = ctx.request("POST", case.path, body=body)
        """
        handle = self.mocks[service]
        fault_id = handle.add_fault(spec)
        try:
            yield
        finally:
            handle.remove_fault(fault_id)

    def register_secrets(self, body: Any) -> None:
        """Tell the mock of ``body["service"]`` the secrets of ``body["service_settings"]`` (see :meth:`request`)."""
        settings = body.get("service_settings") if isinstance(body, dict) else None
        service = body.get("service") if isinstance(body, dict) else None
        if not isinstance(settings, dict):
            return
        # every secret a PUT plants is redacted, also one a mutation adds beside the case's own (secrets.azure.both)
        self.redactor.also(*(v for k, v in settings.items() if k in SECRET_FIELDS and isinstance(v, str) and v))
        access_key, secret_key = settings.get("access_key"), settings.get("secret_key")
        if service is None and isinstance(access_key, str):
            service = "amazonbedrock"  # an _update body names no service: AWS keys are Bedrock's
        if service is None:  # an _update body with an API key: any mock that restricts keys learns it
            handles = list(self.mocks.values())
        else:
            handles = [self.mocks[service]] if isinstance(service, str) and service in self.mocks else []
        for handle in handles:
            if isinstance(access_key, str) and isinstance(secret_key, str) and access_key and secret_key:
                handle.register_credentials(access_key, secret_key)
            for name in ("api_key", "entra_id"):
                secret = settings.get(name)
                if isinstance(secret, str) and secret:
                    handle.register_key(secret)
