"""OpenAI API mock: ``/v1/embeddings``, ``/v1/chat/completions`` (SSE too), ``/v1/models``.

``create_app(OpenAIConfig(...))`` gives the WSGI app; ``OpenAIMock(seed=..., api_keys=...)`` runs it on a
port (a context manager). ``models`` holds the behaviour as pure functions, ``errors`` the error objects.
"""

from mocks.openai import errors, models
from mocks.openai.app import OpenAIApp, OpenAIConfig, OpenAIMock, create_app
from mocks.openai.errors import OpenAIError
from mocks.openai.models import MODELS, ModelInfo

__all__ = [
    "MODELS",
    "ModelInfo",
    "OpenAIApp",
    "OpenAIConfig",
    "OpenAIError",
    "OpenAIMock",
    "create_app",
    "errors",
    "models",
]
