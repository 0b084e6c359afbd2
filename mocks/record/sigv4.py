"""Sign a forwarded request again with SigV4 for the upstream host (botocore's signer).

A client signs for the address it calls (the recorder's); AWS checks the ``Host`` it receives. The recorder
re-signs with credentials of its own (``botocore.credentials.Credentials``), keeping the region and service
of the caller's credential scope.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

__all__ = ["resign"]

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_DROP = frozenset({"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "host"})


def resign(
    credentials: Any, method: str, url: str, headers: list[tuple[str, str]], body: bytes
) -> list[tuple[str, str]]:
    """``headers`` with a fresh SigV4 ``Authorization`` (and ``X-Amz-Date``) for ``url``."""
    auth = next((v for k, v in headers if k.lower() == "authorization"), "")
    match = _SCOPE.search(auth)
    region, service = match.groups() if match else ("us-east-1", "bedrock")
    request = AWSRequest(
        method=method, url=url, data=body, headers={k: v for k, v in headers if k.lower() not in _DROP}
    )
    SigV4Auth(credentials, service, region).add_auth(request)
    return list(request.headers.items())
