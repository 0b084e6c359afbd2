"""Every clone runs every test: no test reads reference material from outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
# A path leaving the repository for the maintainers' reference folder, or the old fixture reading it.
_OUTSIDE = re.compile(r"""\.\./shared|["']shared["']\s*\)|/(?:work|home|root|tmp)/[^\s"']*shared|shared_dir|HARNESS_SHARED_DIR""")


def test_no_test_reads_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(TESTS)}:{n}: {line.strip()}"
        for path in sorted(TESTS.rglob("*.py"))
        if path != Path(__file__).resolve()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _OUTSIDE.search(line)
    ]
    assert offenders == [], "copy the facts into tests/data/ (see tests/data/README.md) instead:\n" + "\n".join(
        offenders
    )


def test_every_data_file_names_its_origin() -> None:
    import json

    for path in sorted((TESTS / "data").glob("*.json")):
        source = json.loads(path.read_text(encoding="utf-8")).get("source", "")
        assert source and "/work" not in source, f"{path.name}: a `source` naming the public origin is required"
