"""Amazon Bedrock Runtime mock: InvokeModel (Titan/Cohere embeddings, six completion providers),
Converse, ConverseStream and InvokeModelWithResponseStream, with SigV4 (or Bearer) auth checked
server-side and AWS's own error format.

Layout: ``models.py`` (pure request/response models), ``eventstream.py`` (binary framing),
``sigv4.py`` (auth check), ``errors.py`` (AWS errors), ``app.py`` (thin werkzeug app).
"""

from mocks.bedrock.app import MAX_BODY_BYTES, BedrockApp, BedrockConfig, BedrockMock, create_app
from mocks.bedrock.errors import BedrockError
from mocks.bedrock.sigv4 import AuthConfig, Principal, verify_request

__all__ = [
    "MAX_BODY_BYTES",
    "AuthConfig",
    "BedrockApp",
    "BedrockConfig",
    "BedrockError",
    "BedrockMock",
    "Principal",
    "create_app",
    "verify_request",
]
