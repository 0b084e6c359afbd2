"""``ReferenceConfig``: the settings of the reference ``_inference`` target."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["DEFAULT_MAX_BODY_BYTES", "ReferenceConfig"]

#: Request bodies above this size get Elasticsearch's 413 (ES's own default, ``http.max_content_length``,
#: is 100mb; the reference keeps 10 MB so a stray upload cannot exhaust a CI runner).
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class ReferenceConfig:
    """Settings of the reference target.

    Attributes:
        es_version: the version profile it behaves as (``8.18`` default, ``9.1``, ``9.4``).
        azure_base_url: stand-in for ``https://{resource_name}.openai.azure.com`` (e.g. an ``AzureMock`` url);
            ``None`` means the real host pattern.
        bedrock_base_url: stand-in for ``https://bedrock-runtime.{region}.amazonaws.com``.
        retry_initial_delay_s / retry_max_delay_s / retry_timeout_s: upstream retry back-off (ES:
            1s / 5s / 30s, ``xpack.inference.http.retry.*``; shortened so tests stay fast).
        http_timeout_s: socket timeout of one upstream request.
        storage_path: JSON file the endpoints and indexes persist to (``None`` = memory only).
        skip_validation: skip the PUT validation call (ES's ``xpack.inference.skip_validate_and_start``).
        seed: run seed (deterministic ids and outputs).
        default_headers: extra headers sent with every upstream request.
        max_body_bytes: request bodies above this size are rejected with 413.
        cluster_name: ``cluster_name`` in ``GET /``.
        security: a :class:`~mocks.reference.security.SecurityConfig` (security on), or ``None`` (off).
        ca_certs: PEM file of the CA the upstream HTTPS calls trust (``None``: the system's trust store),
            e.g. the test CA of mocks served with ``harness serve --tls``.

    Example:
        >>> ReferenceConfig(es_version="9.4", skip_validation=True).es_version
        '9.4'
    """

    es_version: str = "8.18"
    azure_base_url: str | None = None
    bedrock_base_url: str | None = None
    retry_initial_delay_s: float = 0.05
    retry_max_delay_s: float = 0.2
    retry_timeout_s: float = 5.0
    http_timeout_s: float = 10.0
    storage_path: str | None = None
    skip_validation: bool = False
    seed: int = 0
    default_headers: Mapping[str, str] = field(default_factory=dict)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    cluster_name: str = "inference-reference"
    security: Any = None
    ca_certs: str | None = None

    def with_harness_retries(self) -> ReferenceConfig:
        """This configuration with the harness's own retry back-off: the reference embedded in a run and the one
        ``harness serve`` starts wait the same (a run against either judges the same behaviour at the same cost;
        Elasticsearch's own: 1s / 5s / 30s)."""
        return replace(self, retry_initial_delay_s=0.01, retry_max_delay_s=0.05)
