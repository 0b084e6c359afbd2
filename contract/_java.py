"""Render Python values the way Elasticsearch's Java code prints them in error messages.

``Strings.format("%s", value)`` calls ``toString()``: maps print as ``{k=v, k2=v2}``, lists as
``[a, b]``, doubles as ``Double.toString`` (``9.0``, ``1.0E7``), booleans ``true``/``false``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

__all__ = [
    "REST_STATUS_CODES",
    "java_cast_message",
    "java_double",
    "java_hash_order",
    "java_str",
    "java_type_name",
    "to_rest_status",
]

#: The codes of ES's ``RestStatus`` enum (``ES/server/src/main/java/org/elasticsearch/rest/RestStatus.java``);
#: ``RestStatus.fromCode`` answers null for any other code (418, 308, ...).
REST_STATUS_CODES = frozenset(
    {100, 101, 200, 201, 202, 203, 204, 205, 206, 207, 300, 301, 302, 303, 304, 305, 307}
    | {400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417}
    | {422, 423, 424, 429, 500, 501, 502, 503, 504, 505, 507}
)


def to_rest_status(code: int) -> int:
    """``BaseResponseHandler.toRestStatus``: an upstream code below 500 that ``RestStatus`` knows passes
    through, anything else (>= 500, or unknown such as 418) becomes 400."""
    return code if code < 500 and code in REST_STATUS_CODES else 400


def java_double(value: float) -> str:
    """``Double.toString(value)``: ``9`` -> ``"9.0"``, ``1e7`` -> ``"1.0E7"``, ``0.0001`` -> ``"1.0E-4"``."""
    d = float(value)
    if d != d:
        return "NaN"
    if d in (float("inf"), float("-inf")):
        return "Infinity" if d > 0 else "-Infinity"
    if d == 0:
        return "-0.0" if str(d).startswith("-") else "0.0"
    if 1e-3 <= abs(d) < 1e7:
        return repr(d)  # Python's shortest repr is plain decimal in this range, like Java
    sign, digits, exponent = Decimal(repr(d)).as_tuple()
    ds = "".join(str(x) for x in digits).rstrip("0") or "0"
    exp10 = len(digits) - 1 + int(exponent)
    mantissa = ds[0] + "." + (ds[1:] or "0")
    return ("-" if sign else "") + f"{mantissa}E{exp10}"


def _string_hash(text: str) -> int:
    """``String.hashCode()`` (over UTF-16 code units, as a signed 32-bit int)."""
    h = 0
    for unit in text.encode("utf-16-be").hex(" ", 2).split() if text else ():
        h = (31 * h + int(unit, 16)) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def java_hash_order(keys: Any) -> list[str]:
    """The order a ``java.util.HashMap`` filled with ``keys`` (in that order) iterates them.

    Elasticsearch parses a request body into a ``HashMap`` (``XContentHelper.convertToMap(..., false, ...)``),
    so a message printing left-over keys or a map lists them in bucket order: ``(h ^ (h >>> 16)) & (n - 1)``
    for a table of ``n`` buckets (16, doubled whenever the size passes 0.75 n), insertion order within a bucket.

    >>> java_hash_order(["foo", "bar"])
    ['bar', 'foo']
    """
    names = [str(k) for k in keys]
    buckets = 16
    while len(names) > buckets * 3 // 4:
        buckets *= 2

    def bucket(name: str) -> int:
        h = _string_hash(name) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & (buckets - 1)

    return sorted(names, key=lambda n: (bucket(n), names.index(n)))


def java_str(value: Any) -> str:
    """Java ``toString()`` of a JSON-decoded value (``dict`` as ``{k=v}`` in ``HashMap`` order, ``list`` as
    ``[a, b]``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_str(value[k])}" for k in java_hash_order(value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(java_str(v) for v in value) + "]"
    return str(value)


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def java_type_name(value: Any) -> str:
    """The Java class a JSON value decodes to in Elasticsearch's XContent map parser."""
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        if _INT_MIN <= value <= _INT_MAX:
            return "Integer"
        if _LONG_MIN <= value <= _LONG_MAX:
            return "Long"
        return "BigInteger"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, str):
        return "String"
    if isinstance(value, dict):
        return "Map"
    if isinstance(value, list):
        return "List"
    return "Object"


_JAVA_CLASSES = {
    "Boolean": "java.lang.Boolean",
    "Integer": "java.lang.Integer",
    "Long": "java.lang.Long",
    "BigInteger": "java.math.BigInteger",
    "Double": "java.lang.Double",
    "String": "java.lang.String",
    "List": "java.util.ArrayList",
    "Map": "java.util.HashMap",
}


def java_cast_message(value: Any, target: str = "java.util.Map") -> str:
    """The JVM's ``ClassCastException`` message for casting a JSON-decoded ``value`` to ``target`` (both in
    java.base, as HotSpot words it since JDK 11: ``SharedRuntime::generate_class_cast_message``).

    >>> java_cast_message(1)[:61]
    'class java.lang.Integer cannot be cast to class java.util.Map'
    """
    cls = _JAVA_CLASSES.get(java_type_name(value), "java.lang.Object")
    where = f"({cls} and {target} are in module java.base of loader 'bootstrap')"
    return f"class {cls} cannot be cast to class {target} {where}"
