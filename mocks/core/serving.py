"""Serving an app with granian, as ``harness mock --server granian`` and ``harness serve --server granian`` do.

* :data:`GRANIAN_OPTIONS`: the settings every granian-served app of ours runs with;
* :func:`free_port`: a port number to hand granian, which cannot report a port it picked itself;
* :func:`serve_granian`: serve the app an app factory builds until granian is stopped (SIGINT, SIGTERM).
"""

from __future__ import annotations

import socket
from typing import Any

__all__ = ["GRANIAN_OPTIONS", "free_port", "serve_granian"]

#: Granian settings for a mock on a small machine (measured with ``bench/mock_throughput.py`` on 2 cores):
#: one worker process, so the in-memory journal and fault schedule stay whole; one runtime thread for I/O.
#: WSGI calls run on up to 16 blocking threads (started on demand): granian has no body read timeout, so a
#: client that stalls an upload holds a thread while the app reads its body; with one thread that froze
#: every other client (issue 12). 16 such clients at once still would (README, known limits).
GRANIAN_OPTIONS: dict[str, Any] = {
    "interface": "wsgi",
    "workers": 1,
    "blocking_threads": 16,
    "runtime_threads": 1,
    "log_enabled": False,
}


def free_port(host: str) -> int:
    """A port free on ``host`` now (the kernel's pick for port 0), for a server that needs a number."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def serve_granian(factory: str, host: str, port: int) -> None:
    """Serve the WSGI app that ``factory`` (``"module:function"``, called with no argument in the worker)
    builds on ``host:port`` with granian and :data:`GRANIAN_OPTIONS`; returns when granian stops."""
    from granian import Granian

    Granian(factory, address=host, port=port, factory=True, **GRANIAN_OPTIONS).serve()
