"""Azure OpenAI mock: ``/openai/deployments/{deployment}/(embeddings|chat/completions)?api-version=…``.

``create_app(AzureConfig(...))`` gives the WSGI app; ``AzureMock(...)`` runs it on a port (a context
manager). ``models`` holds the pure behaviour, ``errors`` Azure's error bodies.
"""

from mocks.azure import errors, models
from mocks.azure.app import AzureApp, AzureConfig, AzureMock, create_app
from mocks.azure.errors import AzureError

__all__ = ["AzureApp", "AzureConfig", "AzureError", "AzureMock", "create_app", "errors", "models"]
