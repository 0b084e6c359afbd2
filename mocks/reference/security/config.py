"""``SecurityConfig``: security settings of the reference target (hashes only, never a password)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mocks.reference.security import hashing

__all__ = ["SecurityConfig"]


@dataclass(frozen=True)
class SecurityConfig:
    """Security on: every request is authenticated, ``_inference`` routes are authorized by privilege.

    Attributes:
        elastic_password_hash: hash of the built-in superuser ``elastic``'s password (``None``: no ``elastic``
            user, only file-realm users).
        config_dir: directory with ``users``, ``users_roles`` and ``roles.yml`` (file realm), or ``None``.

    Example:
        >>> SecurityConfig.with_password("changeme").elastic_password_hash.startswith("{PBKDF2}")
        True
    """

    elastic_password_hash: str | None = field(default=None, repr=False)
    config_dir: str | None = None

    @classmethod
    def with_password(cls, elastic_password: str | None, config_dir: str | None = None) -> SecurityConfig:
        """Hash ``elastic_password`` (the clear text is not kept)."""
        hashed = hashing.hash_secret(elastic_password) if elastic_password else None
        return cls(hashed, config_dir)
