"""The official ``elasticsearch`` client for a release line: the client asks for its own major
(``compatible-with=9`` from a 9.x client), which an 8.x line refuses as Elasticsearch 8 does (rule
``rest.compatible_with.refused``). :func:`official_client` sends the line's major instead, as the client of
that major would, so one installed client talks to every profile."""

from __future__ import annotations

from typing import Any

__all__ = ["official_client"]


def official_client(url: str, es_version: str, **kwargs: Any) -> Any:
    """An ``elasticsearch.Elasticsearch`` for ``url`` whose ``compatible-with`` is ``es_version``'s major."""
    import elasticsearch

    client = elasticsearch.Elasticsearch(url, **kwargs)
    line, own = es_version.split(".", 1)[0], elasticsearch.__versionstr__.split(".", 1)[0]
    if line == own:
        return client
    transport = client.transport
    send = transport.perform_request

    def perform_request(method: str, target: str, *, headers: Any = None, **rest: Any) -> Any:
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                value = headers.get(name)
                if value:
                    headers[name] = value.replace(f"compatible-with={own}", f"compatible-with={line}")
        return send(method, target, headers=headers, **rest)

    transport.perform_request = perform_request  # type: ignore[method-assign]  # options() copies share it
    return client
