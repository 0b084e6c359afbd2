"""Make ``import specs`` reach the shipped package, not this test folder.

pytest puts ``tests/`` on ``sys.path`` (rootdir conftest, prepend import mode), where this folder
would be found as a namespace package ``specs``. A regular package anywhere on ``sys.path`` wins
over namespace portions, so adding the repository root is enough. (The lasting fix is
``pythonpath = ["."]`` in ``[tool.pytest.ini_options]``.)
"""

from __future__ import annotations

import sys
from pathlib import Path

_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.append(_REPO)
_cached = sys.modules.get("specs")
if _cached is not None and getattr(_cached, "__file__", None) is None:  # a namespace package: this folder
    del sys.modules["specs"]
