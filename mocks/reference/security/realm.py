"""Principals: the reserved ``elastic`` user, file-realm users and roles, API keys (all stored hashed).

File formats (``--security-config DIR``, as Elasticsearch's file realm reads ``ES_PATH_CONF``):

* ``users``: ``username:hash`` per line, ``#`` comments
  (``x-pack/plugin/security/src/main/java/org/elasticsearch/xpack/security/authc/file/FileUserPasswdStore.java``);
* ``users_roles``: ``role:user1,user2`` per line (``.../authc/file/FileUserRolesStore.java``);
* ``roles.yml``: ``role_name: {cluster: [...], indices: [...]}``
  (``x-pack/plugin/security/src/main/java/org/elasticsearch/xpack/security/authz/store/FileRolesStore.java``).

Realm names and types as ``GET /_security/_authenticate`` shows them: ``reserved``/``reserved`` for
``elastic`` (``ReservedRealm``), ``default_file``/``file`` for file users, ``_es_api_key``/``_es_api_key``
for API keys (``ApiKeyServiceField.API_KEY_REALM_NAME``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mocks.reference.security import hashing
from mocks.reference.security.privileges import Role, UnknownPrivilege, resolve

__all__ = ["ApiKey", "FileRealmError", "Principal", "Realm", "User", "load_file_realm"]

SUPERUSER = Role("superuser", ("all",))


@dataclass(frozen=True)
class User:
    """A user: its password hash (never the password), roles and realm."""

    username: str
    password_hash: str = field(repr=False)
    roles: tuple[str, ...] = ()
    realm: tuple[str, str] = ("default_file", "file")
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiKey:
    """An API key: the hash of its secret, its own role descriptors and its creator's roles."""

    id: str
    name: str
    key_hash: str = field(repr=False)
    owner: User
    role_descriptors: tuple[Role, ...]
    limited_by: tuple[Role, ...]
    created_ms: int
    expiration_ms: int | None = None


@dataclass(frozen=True)
class Principal:
    """Who a request is authenticated as (a user, or an API key of a user)."""

    user: User
    api_key: ApiKey | None = None
    roles: tuple[Role, ...] = ()

    def grants(self, action: str) -> bool:
        """ES's permission check: an API key needs its own descriptors (if any) AND its creator's roles."""
        if self.api_key is None:
            return any(r.grants(action) for r in self.roles)
        key = self.api_key
        own = not key.role_descriptors or any(r.grants(action) for r in key.role_descriptors)
        return own and any(r.grants(action) for r in key.limited_by)


class FileRealmError(ValueError):
    """A file of ``--security-config DIR`` that cannot be read."""


class Realm:
    """Users, roles and API keys of one reference target (thread-safe)."""

    def __init__(self, users: Mapping[str, User], roles: Mapping[str, Role]) -> None:
        self.users = dict(users)
        self.roles = {"superuser": SUPERUSER, **roles}
        self.cache = hashing.VerifyCache()
        self._keys: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def roles_of(self, user: User) -> tuple[Role, ...]:
        """The user's roles that exist (unknown role names grant nothing, as in ES)."""
        return tuple(self.roles[r] for r in user.roles if r in self.roles)

    def authenticate_user(self, username: str, password: str) -> User | None:
        """The user when ``password`` matches its stored hash."""
        user = self.users.get(username)
        if user is None:
            hashing.verify(password, _DUMMY_HASH)  # same work whether or not the user exists
            return None
        return user if self.cache.verify(password, user.password_hash) else None

    def add_key(self, key: ApiKey) -> None:
        """Store an API key (its secret only as a hash)."""
        with self._lock:
            self._keys[key.id] = key

    def authenticate_key(self, key_id: str, secret: str) -> tuple[ApiKey | None, str]:
        """``(key, "")`` or ``(None, why)`` with ApiKeyService's unsuccessful message."""
        with self._lock:
            key = self._keys.get(key_id)
        if key is None:
            return None, f"unable to find apikey with id {key_id}"
        if not self.cache.verify(secret, key.key_hash):
            return None, f"invalid credentials for API key [{key_id}]"
        if key.expiration_ms is not None and key.expiration_ms <= int(time.time() * 1000):
            return None, "api key is expired"
        return key, ""


_DUMMY_HASH = hashing.hash_secret("not-a-user", cost=1000)


def _lines(path: Path) -> list[tuple[int, str]]:
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    return [
        (n, line.strip())
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.strip().startswith("#")
    ]


def _roles_yml(path: Path) -> dict[str, Role]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise FileRealmError(f"{path.name}: not valid YAML ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise FileRealmError(f"{path.name}: must map role names to role descriptors")
    roles = {}
    for name, descriptor in data.items():
        cluster = (descriptor or {}).get("cluster") or [] if isinstance(descriptor, dict) else None
        if not isinstance(cluster, list) or not all(isinstance(c, str) for c in cluster):
            raise FileRealmError(f"{path.name}: role [{name}]: cluster must be a list of privilege names")
        try:
            for privilege in cluster:
                resolve(privilege)
        except UnknownPrivilege as exc:
            raise FileRealmError(f"{path.name}: role [{name}]: {exc}") from None
        roles[str(name)] = Role(str(name), tuple(cluster))
    return roles


def load_file_realm(directory: str | Path) -> tuple[dict[str, User], dict[str, Role]]:
    """Read ``users``, ``users_roles`` and ``roles.yml`` from ``directory`` (missing files are empty).

    Raises:
        FileRealmError: a malformed line, a password that is not a supported hash, an unknown privilege.
    """
    base = Path(directory)
    if not base.is_dir():
        raise FileRealmError(f"{base}: not a directory")
    hashes: dict[str, str] = {}
    for n, line in _lines(base / "users"):
        name, sep, stored = line.partition(":")
        if not sep or not name or not stored:
            raise FileRealmError(f"users line {n}: expected username:hash")
        if not hashing.is_supported(stored):
            raise FileRealmError(f"users line {n}: the password of [{name}] is not a bcrypt or {{PBKDF2}} hash")
        hashes[name] = stored
    assigned: dict[str, list[str]] = {}
    for n, line in _lines(base / "users_roles"):
        role, sep, members = line.partition(":")
        if not sep or not role:
            raise FileRealmError(f"users_roles line {n}: expected role:user1,user2")
        for member in (m.strip() for m in members.split(",")):
            if member:
                assigned.setdefault(member, []).append(role.strip())
    users = {name: User(name, stored, tuple(sorted(assigned.get(name, ())))) for name, stored in hashes.items()}
    return users, _roles_yml(base / "roles.yml")
