"""HTTPS for the mocks: a local test CA (made with ``trustme``) and server certificates for the real host names.

Elasticsearch builds the Azure OpenAI and Bedrock URLs itself (``https://{resource}.openai.azure.com``,
``https://bedrock-runtime.{region}.amazonaws.com``; neither is overridable), so a real cluster can only reach
a mock through DNS (hosts file) plus TLS with a certificate it trusts. :class:`MockCA` makes that CA, issues
one leaf certificate for every host name a mock stands in for, writes the CA PEM for a JVM truststore
(``keytool -importcert``) and builds the :class:`ssl.SSLContext` objects for servers and clients.

Example::

    ca = MockCA()
    ca.write_ca_pem("reports/mock-ca.pem")
    with TLSMockServer(AzureMock(), ca=ca) as server:
        client = httpx.Client(verify=ca.client_context())
        ...

Run ``python -m mocks.tls DIR`` to create (or reuse) a persistent CA in ``DIR`` and print its PEM path; the
key stays next to it so that restarting a mock does not require importing a new CA into the truststore.
The CA is a *test* CA: never import it into a truststore that protects real traffic.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import trustme

from mocks.core.server import MockServer

__all__ = [
    "AZURE_WILDCARD",
    "BEDROCK_REGIONS",
    "MockCA",
    "TLSMockServer",
    "azure_host",
    "bedrock_host",
    "mock_hostnames",
]

#: Wildcard covering every ``{resource}.openai.azure.com`` (one label, as TLS wildcards match).
AZURE_WILDCARD = "*.openai.azure.com"
#: Regions whose ``bedrock-runtime.{region}.amazonaws.com`` names the default certificate covers. A TLS
#: wildcard matches one label only, so ``*.amazonaws.com`` would not do: each region is listed.
BEDROCK_REGIONS: tuple[str, ...] = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "sa-east-1",
)
_CA_CERT = "mock-ca.pem"
_CA_KEY = "mock-ca.key"
_ORG = "inference-contract-harness test CA"


def azure_host(resource: str) -> str:
    """``{resource}.openai.azure.com``: the host Elasticsearch calls for an Azure OpenAI resource."""
    return f"{resource}.openai.azure.com"


def bedrock_host(region: str) -> str:
    """``bedrock-runtime.{region}.amazonaws.com``: the host Elasticsearch (AWS SDK) calls for a region."""
    return f"bedrock-runtime.{region}.amazonaws.com"


def mock_hostnames(*, azure_resources: Iterable[str] = (), regions: Iterable[str] = BEDROCK_REGIONS) -> tuple[str, ...]:
    """Every identity the default server certificate carries.

    ``localhost``, ``127.0.0.1``, ``::1``, ``api.openai.com``, ``*.openai.azure.com``, one
    ``{resource}.openai.azure.com`` per entry of ``azure_resources`` (the wildcard already covers them; listing
    them keeps clients that dislike wildcards happy) and ``bedrock-runtime.{region}.amazonaws.com`` per region.
    """
    names = ["localhost", "127.0.0.1", "::1", "api.openai.com", AZURE_WILDCARD]
    names += [azure_host(r) for r in azure_resources]
    names += [bedrock_host(r) for r in regions]
    return tuple(dict.fromkeys(names))


class MockCA:
    """A local certificate authority for the mocks, and the certificates and SSL contexts made from it.

    Args:
        ca: an existing ``trustme.CA``; a fresh one (random key) when omitted.

    Leaf certificates are cached per set of identities, so building many servers is cheap.
    """

    def __init__(self, ca: trustme.CA | None = None) -> None:
        self._ca = ca or trustme.CA(organization_name=_ORG)
        self._leaves: dict[tuple[str, ...], trustme.LeafCert] = {}
        self._lock = threading.Lock()

    @classmethod
    def load_or_create(cls, directory: str | os.PathLike[str]) -> MockCA:
        """Return the CA stored in ``directory`` (``mock-ca.pem`` + ``mock-ca.key``), creating it if absent.

        A persistent CA lets a real Elasticsearch keep its truststore across mock restarts. The key file is
        written with mode 0600.
        """
        folder = Path(directory)
        cert, key = folder / _CA_CERT, folder / _CA_KEY
        if cert.is_file() and key.is_file():
            return cls(trustme.CA.from_pem(cert.read_bytes(), key.read_bytes()))
        folder.mkdir(parents=True, exist_ok=True)
        made = cls()
        made.write_ca_pem(cert)
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(made._ca.private_key_pem.bytes())
        return made

    @property
    def cert_pem(self) -> bytes:
        """The CA certificate, PEM-encoded (what a client or a JVM truststore must trust)."""
        return self._ca.cert_pem.bytes()

    def write_ca_pem(self, path: str | os.PathLike[str]) -> Path:
        """Write the CA certificate (PEM) to ``path`` (parents created) and return the path.

        Import it into a JVM truststore with
        ``keytool -importcert -noprompt -alias inference-mock-ca -file PATH -cacerts -storepass changeit``.
        """
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(self.cert_pem)
        return out

    def leaf(self, hostnames: Sequence[str] | None = None) -> trustme.LeafCert:
        """The server certificate for ``hostnames`` (default :func:`mock_hostnames`), issued once and cached."""
        names = tuple(hostnames) if hostnames else mock_hostnames()
        with self._lock:
            cert = self._leaves.get(names)
            if cert is None:
                cert = self._leaves[names] = self._ca.issue_cert(*names, organization_name=_ORG)
            return cert

    def server_context(self, hostnames: Sequence[str] | None = None) -> ssl.SSLContext:
        """An ``ssl.SSLContext`` presenting :meth:`leaf` (for ``werkzeug.serving.make_server(ssl_context=…)``)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        # HTTP/1.1 only: werkzeug does not speak h2, and clients that offer ALPN must settle on http/1.1.
        ctx.set_alpn_protocols(["http/1.1"])
        self.leaf(hostnames).configure_cert(ctx)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """A client ``ssl.SSLContext`` trusting this CA only (hostname checking on)."""
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=self.cert_pem.decode("ascii"))
        return ctx

    def __repr__(self) -> str:
        return f"MockCA({len(self._leaves)} leaf certificate(s))"


class TLSMockServer(MockServer):
    """A :class:`~mocks.core.server.MockServer` that serves HTTPS with a certificate from ``ca``.

    Args:
        app: the mock's WSGI app (``OpenAIMock()``, ``AzureMock()``, ``BedrockMock()``, a reference app).
        host / port: where to listen (``127.0.0.1``, port 0 = any free port).
        ca: the :class:`MockCA` issuing the certificate (a fresh one when omitted; see :attr:`ca`).
        hostnames: identities of the certificate (default :func:`mock_hostnames`).

    ``url`` is ``https://127.0.0.1:PORT``; :meth:`url_for` gives the same port under another host name
    (``https://myres.openai.azure.com:PORT``), for clients whose DNS points that name at the mock.
    """

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ca: MockCA | None = None,
        hostnames: Sequence[str] | None = None,
    ) -> None:
        self.ca = ca or MockCA()
        super().__init__(app, host=host, port=port, ssl_context=self.ca.server_context(hostnames))

    def url_for(self, hostname: str) -> str:
        """``https://{hostname}:{port}``: this server under one of the certificate's names."""
        return f"https://{hostname}:{self.port}"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mocks.tls DIR``: create or reuse the persistent CA in ``DIR`` and print the PEM path."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m mocks.tls DIR   (writes DIR/mock-ca.pem and DIR/mock-ca.key)", file=sys.stderr)
        return 2
    MockCA.load_or_create(args[0])
    print(Path(args[0]) / _CA_CERT)
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised by the docs' commands
    raise SystemExit(main())
