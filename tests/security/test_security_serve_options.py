"""``harness serve`` security options: what turns security on, where the password comes from, bad files."""

from __future__ import annotations

import argparse
import base64
import io
import re
from pathlib import Path

import pytest
from werkzeug.test import Client

from mocks.reference import ReferenceConfig, create_app
from mocks.reference.cli import add_serve_arguments, security_config
from mocks.reference.security.realm import FileRealmError


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    return parser.parse_args(list(argv))


def _status(config: object, password: str) -> int:
    app = create_app(ReferenceConfig(skip_validation=True, security=config))
    auth = "Basic " + base64.b64encode(f"elastic:{password}".encode()).decode()
    return Client(app).get("/_inference/_all", headers={"Authorization": auth}).status_code


def test_elastic_password_variable_alone_does_not_turn_security_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELASTIC_PASSWORD", "from-the-environment")
    assert security_config(_args()) is None
    config = security_config(_args("--security"))
    assert _status(config, "from-the-environment") == 200 and _status(config, "other") == 401
    assert "from-the-environment" not in repr(config)


def test_flag_password_wins_and_implies_security(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELASTIC_PASSWORD", "from-the-environment")
    config = security_config(_args("--elastic-password", "from-the-flag"))
    assert _status(config, "from-the-flag") == 200 and _status(config, "from-the-environment") == 401


def test_without_a_password_one_is_generated_and_printed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ELASTIC_PASSWORD", raising=False)
    out = io.StringIO()
    config = security_config(_args("--security"), out)
    password = out.getvalue().strip().rsplit(" ", 1)[1]
    assert len(password) >= 16 and _status(config, password) == 200


@pytest.mark.parametrize(("files", "problem"), [
    ({"users": "reader:plain-text-password\n"}, "is not a bcrypt or {PBKDF2} hash"),
    ({"users": "no-colon-here\n"}, "expected username:hash"),
    ({"roles.yml": "r:\n  cluster: [no_such_privilege]\n"}, "unknown cluster privilege [no_such_privilege]"),
    ({"roles.yml": "r: [oops\n"}, "not valid YAML"),
])
def test_bad_file_realm_files_are_refused_at_start(tmp_path: Path, files: dict[str, str], problem: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(FileRealmError, match=re.escape(problem)):
        security_config(_args("--security-config", str(tmp_path)))


def test_security_routes_do_not_exist_without_security() -> None:
    resp = Client(create_app(ReferenceConfig(skip_validation=True))).get("/_security/_authenticate")
    assert resp.status_code == 400 and "no handler found" in resp.get_data(as_text=True)
