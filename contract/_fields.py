"""Field extractors mirroring ``INF/services/ServiceUtils.java``.

Each ``extract_*`` removes a key from a settings dict and, on a problem, appends a
``(rule_id, params)`` to a :class:`Collector` (ES's ``ValidationException``) instead of raising, so
several field errors are reported together in ES's order.
"""

from __future__ import annotations

import re
from typing import Any

from ._java import java_str, java_type_name

__all__ = ["MISSING", "Collector"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Collector:
    """Collects field violations (ES ``ValidationException``) in order."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []

    def add(self, rule_id: str, **params: Any) -> None:
        self.items.append((rule_id, params))

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self) -> None:
        """Raise a ``RuleViolation`` carrying every collected item (if any)."""
        if self.items:
            from .errors import RuleViolation

            raise RuleViolation.of(self.items)

    # -- removeAsType --------------------------------------------------------------------------
    def remove_as(self, m: dict[str, Any], key: str, expected: str) -> Any:
        """``removeAsType``: ``None`` if absent, MISSING if of the wrong type (error recorded)."""
        if key not in m:
            return None
        value = m.pop(key)
        if value is None:
            return None
        if java_type_name(value) != expected:
            self.add("settings.wrong_type", field=key, value=java_str(value), expected_type=expected)
            return MISSING
        return value

    def required_string(self, m: dict[str, Any], key: str, scope: str) -> str | None:
        """``extractRequiredString``."""
        value = self.remove_as(m, key, "String")
        if value is MISSING:
            return None
        if value is None:
            self.add("settings.required", scope=scope, field=key)
            return None
        if value == "":
            self.add("settings.empty_string", scope=scope, field=key)
            return None
        return str(value)

    def optional_string(self, m: dict[str, Any], key: str, scope: str) -> str | None:
        """``extractOptionalString``."""
        value = self.remove_as(m, key, "String")
        if value is MISSING or value is None:
            return None
        if value == "":
            self.add("settings.empty_string", scope=scope, field=key)
            return None
        return str(value)

    def optional_positive_int(self, m: dict[str, Any], key: str, scope: str) -> int | None:
        """``extractOptionalPositiveInteger``."""
        value = self.remove_as(m, key, "Integer")
        if value is MISSING or value is None:
            return None
        if value <= 0:
            self.add("settings.positive_integer", scope=scope, field=key, value=value)
            return None
        return int(value)

    def required_positive_int(self, m: dict[str, Any], key: str, scope: str) -> int | None:
        """``extractRequiredPositiveInteger``."""
        value = self.remove_as(m, key, "Integer")
        if value is MISSING:
            return None
        if value is None:
            self.add("settings.required", scope=scope, field=key)
            return None
        if value <= 0:
            self.add("settings.positive_integer", scope=scope, field=key, value=value)
            return None
        return int(value)

    def optional_positive_long(self, m: dict[str, Any], key: str, scope: str) -> int | None:
        """``extractOptionalPositiveLong`` (Integer or Long accepted)."""
        if key not in m or m[key] is None:
            m.pop(key, None)
            return None
        value = m.pop(key)
        if java_type_name(value) not in ("Integer", "Long"):
            self.add("settings.wrong_types", field=key, value=java_str(value), types="[Integer, Long]")
            return None
        if value <= 0:
            self.add("settings.positive_long", scope=scope, field=key, value=value)
            return None
        return int(value)

    def optional_double_in_range(
        self, m: dict[str, Any], key: str, lo: float | None, hi: float | None, scope: str
    ) -> float | None:
        """``extractOptionalDoubleInRange`` (a bare JSON integer is the wrong type)."""
        value = self.remove_as(m, key, "Double")
        if value is MISSING or value is None:
            return None
        before = len(self)
        if lo is not None and value < lo:
            self.add("settings.range.min", scope=scope, field=key, value=value, min=lo)
        if hi is not None and value > hi:
            self.add("settings.range.max", scope=scope, field=key, value=value, max=hi)
        return None if len(self) > before else float(value)

    def optional_enum(
        self, m: dict[str, Any], key: str, scope: str, allowed: tuple[str, ...], *, rule: str, fold: bool
    ) -> str | None:
        """``extractOptionalEnum``: allowed values printed sorted; ``fold`` = case-insensitive."""
        text = self.optional_string(m, key, scope)
        if text is None:
            return None
        candidate = text.strip().lower() if fold else text
        if candidate not in allowed:
            self.add(rule, scope=scope, field=key, value=text, allowed=", ".join(sorted(allowed)))
            return None
        return candidate

    def url(self, m: dict[str, Any], key: str, scope: str) -> str | None:
        """``extractOptionalString`` + ``convertToUri`` (``java.net.URI`` syntax)."""
        text = self.optional_string(m, key, scope)
        if text is None:
            return None
        reason = uri_syntax_error(text)
        if reason is not None:
            self.add("settings.url.invalid", scope=scope, field=key, url=text, reason=reason)
            return None
        return text


# Characters java.net.URI accepts unescaped (RFC 2396 + '[' ']' for IPv6 and '%' escapes).
_URI_OK = re.compile(r"[A-Za-z0-9\-_.!~*'();/?:@&=+$,%\[\]#]")


def uri_syntax_error(url: str) -> str | None:
    """The ``URISyntaxException.getReason()`` ``java.net.URI`` would give for ``url``, or None.

    Covers the common case (an illegal character, named by URI component); a best effort, not a
    full RFC 2396 parser.
    """
    if url.startswith(":"):
        return "Expected scheme name"
    scheme_end = -1
    m = re.match(r"^[A-Za-z][A-Za-z0-9+\-.]*:", url)
    if m:
        scheme_end = m.end()
    for i, ch in enumerate(url):
        if _URI_OK.fullmatch(ch) or ord(ch) > 127:
            continue
        return f"Illegal character in {_component(url, i, scheme_end)}"
    return None


def _component(url: str, index: int, scheme_end: int) -> str:
    if scheme_end == -1 and ":" in url[:index] and "/" not in url[: url.index(":")]:
        return "scheme name"
    frag = url.find("#")
    if frag != -1 and index > frag:
        return "fragment"
    query = url.find("?")
    if query != -1 and index > query:
        return "query"
    rest_start = scheme_end if scheme_end != -1 else 0
    if url.startswith("//", rest_start):
        auth_end = url.find("/", rest_start + 2)
        if auth_end == -1 or index < auth_end:
            return "authority"
    if scheme_end != -1 and not url.startswith("/", scheme_end):
        return "opaque part"
    return "path"
