"""Security of the reference target: authentication (Basic, ApiKey), cluster-privilege authorization of
the ``_inference`` routes, ``POST /_security/api_key`` and ``GET /_security/_authenticate``, as
Elasticsearch answers them. Passwords and API keys are kept only as hashes."""

from mocks.reference.security.config import SecurityConfig
from mocks.reference.security.service import Security

__all__ = ["Security", "SecurityConfig"]
