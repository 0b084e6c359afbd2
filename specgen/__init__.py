"""The generator of the `_inference` OpenAPI documents, ``specs/inference-<version>.yaml``: build time only
(nothing at run time imports it; the wheel ships the documents, not this package).

One base plus the facts it reads: per version profile from ``specs/profiles.yaml`` (:mod:`.profile`), per
service from ``contract`` (settings fields, secrets) and ``specs.SERVICES``.

* :mod:`.schema` — schema helpers, Java bounds, the titles in component names;
* :mod:`.leaves`, :mod:`.settings`, :mod:`.bodies`, :mod:`.answers` — the component schemas;
* :mod:`.paths` — the routes and the rules each operation exercises;
* :mod:`.document` — :func:`build` / :func:`render` one document, :func:`main` writes them all.

The generated files are committed; ``tests/spec_documents`` checks they are current. Regenerate (from the
repository root) with::

    .venv/bin/python -m specgen
"""

from specgen.document import build, main, render

__all__ = ["build", "main", "render"]
