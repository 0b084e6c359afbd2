"""Constants and helpers of the Bedrock mock tests (canary credentials, a boto3 client factory)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

ACCESS_KEY = "AKIDBEDROCKCANARY"
SECRET_KEY = "canary-aws-secret-9f3b7c1e"  # planted: must never appear in any output
BEARER = "ABSKcanary-bearer-4e8d2a"  # planted: must never appear in any output
SEED = 11


def make_client(
    url: str,
    *,
    access_key: str = ACCESS_KEY,
    secret_key: str = SECRET_KEY,
    region: str = "us-east-1",
    **config: Any,
) -> Any:
    """A boto3 bedrock-runtime client, unchanged but for the endpoint (one attempt, no retries)."""
    return boto3.client(
        "bedrock-runtime",
        region_name=region,
        endpoint_url=url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(retries={"total_max_attempts": 1}, **config),
    )
