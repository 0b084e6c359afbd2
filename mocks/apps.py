"""Build a provider mock's WSGI app from plain settings: what ``harness mock``, the recorder's renderer,
``harness compare-recording`` and the granian workers share (a module of its own, so none of them imports
another's command line)."""

from __future__ import annotations

from typing import Any

from mocks.core import MockApp

__all__ = ["KINDS", "build_app"]

#: the mock kinds, as ``harness mock KIND`` names them
KINDS: tuple[str, ...] = ("openai", "azure", "bedrock")


def build_app(kind: str, settings: dict[str, Any]) -> MockApp:
    """The WSGI app of mock ``kind`` from plain settings (see :func:`add_mock_arguments`)."""
    seed = int(settings.get("seed") or 0)
    if kind == "openai":
        from mocks.openai import OpenAIConfig, create_app

        keys = settings.get("api_keys")
        return create_app(OpenAIConfig(seed=seed, api_keys=frozenset(keys) if keys else None))
    if kind == "azure":
        from mocks.azure import AzureConfig
        from mocks.azure import create_app as create_azure

        keys, tokens = settings.get("api_keys"), settings.get("entra_tokens")
        return create_azure(
            AzureConfig(
                seed=seed,
                api_keys=frozenset(keys) if keys else None,
                entra_tokens=frozenset(tokens) if tokens else None,
                deployments=settings.get("deployments"),
            )
        )
    if kind == "bedrock":
        from mocks.bedrock import BedrockConfig
        from mocks.bedrock import create_app as create_bedrock

        extra: dict[str, Any] = {}
        if settings.get("regions"):
            extra["regions"] = tuple(settings["regions"])
        return create_bedrock(BedrockConfig(seed=seed, credentials=settings.get("credentials"), **extra))
    raise ValueError(f"unknown mock kind {kind!r}; expected one of {', '.join(KINDS)}")
