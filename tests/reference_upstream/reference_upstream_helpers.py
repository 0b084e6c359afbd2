"""Shared constants and the endpoint builder of the upstream tests (imported by name: no __init__.py)."""

from __future__ import annotations

from typing import Any

from contract import EndpointConfig

OPENAI_KEY = "sk-upstream-test-0123456789"
AZURE_KEY = "azure-key-0123456789"
ENTRA_TOKEN = "entra-token-0123456789"
AWS_ACCESS_KEY = "AKIDUPSTREAMTEST"
AWS_SECRET_KEY = "aws-secret-0123456789"


def endpoint(
    service: str,
    task_type: str,
    service_settings: dict[str, Any],
    secrets: dict[str, str],
    task_settings: dict[str, Any] | None = None,
    *,
    inference_id: str = "my-endpoint",
    dimensions_set_by_user: bool = False,
) -> EndpointConfig:
    """A stored endpoint as the reference target holds it."""
    return EndpointConfig(
        inference_id=inference_id,
        task_type=task_type,
        service=service,
        service_settings=service_settings,
        task_settings=task_settings or {},
        secrets=secrets,
        dimensions_set_by_user=dimensions_set_by_user,
    )
