"""Thread-safe store of inference endpoints, ``semantic_text`` indexes and their documents.

Configuration and secrets are kept apart: :meth:`Store.get` and :meth:`Store.list` return an
:class:`~contract.EndpointConfig` whose ``secrets`` are empty, and only
:meth:`Store.with_secrets` (used for upstream calls) joins them back. One lock guards every read and
write; records are copied in and out, so a reader never sees a half-written endpoint.

With ``path`` set, every acknowledged change is written to a JSON file before the call returns
(temp file + ``os.replace``, mode ``0600`` since the file holds the secrets, as ES's own secrets index
does), and the file is loaded on start, so nothing acknowledged is lost across a restart. Temp files a
killed server left behind (``.<file name>.*.tmp`` beside the file, and the older ``.reference-*.tmp``) are
removed on start: one could hold secrets. :meth:`Store.meta` keeps small facts about the stack that wrote
the file (``harness serve`` keeps its mock URLs there, see :meth:`Store.rewrite_urls`).
"""

from __future__ import annotations

import builtins
import copy
import dataclasses
import glob
import json
import os
import tempfile
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from contract.config import EndpointConfig

__all__ = ["DocResult", "Store"]

_FORMAT = 1


@dataclasses.dataclass(frozen=True)
class DocResult:
    """The outcome of indexing one document (``result`` is ``created`` or ``updated``)."""

    index: str
    doc_id: str
    result: str
    version: int
    seq_no: int


def _public(config: EndpointConfig) -> EndpointConfig:
    return dataclasses.replace(copy.deepcopy(config), secrets={})


def _copied(config: EndpointConfig, secrets: Mapping[str, str]) -> EndpointConfig:
    """A copy of a stored endpoint that no caller can change the stored one through, with ``secrets``:
    what ``copy.deepcopy`` gave, about three times faster on JSON values (read on every inference request)."""
    chunking = config.chunking_settings
    return dataclasses.replace(
        config,
        service_settings=_json_copy(config.service_settings),
        task_settings=_json_copy(config.task_settings),
        chunking_settings=None if chunking is None else _json_copy(chunking),
        secrets=dict(secrets),
    )


def _json_copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: _json_copy(item) for key, item in value.items()}
    if kind is list:
        return [_json_copy(item) for item in value]
    if value is None or kind in (str, int, float, bool):
        return value
    return copy.deepcopy(value)


def _config_to_json(config: EndpointConfig) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        out[f.name] = copy.deepcopy(dict(value)) if isinstance(value, Mapping) else value
    return out


def _config_from_json(data: Mapping[str, Any]) -> EndpointConfig:
    names = {f.name for f in dataclasses.fields(EndpointConfig)}
    return EndpointConfig(**{k: v for k, v in data.items() if k in names})


def _temp_prefix(path: str) -> str:
    return f".{os.path.basename(path)}."


def _remove_stale_temp_files(path: str) -> None:
    """Remove the temp files a killed server left beside ``path`` (no other process writes them: one
    server per storage file)."""
    directory = os.path.dirname(os.path.abspath(path))
    patterns = (glob.escape(_temp_prefix(path)) + "*.tmp", ".reference-*.tmp")
    for pattern in patterns:
        for stale in glob.glob(os.path.join(glob.escape(directory), pattern)):
            try:
                os.unlink(stale)
            except OSError:
                pass


class Store:
    """Endpoints, secrets and indexes behind one lock, optionally persisted to ``path``.

    Example:
        >>> store = Store()
        >>> store.get("missing") is None
        True
    """

    def __init__(self, path: str | None = None) -> None:
        self._lock = threading.RLock()
        self._path = path
        self._configs: dict[str, EndpointConfig] = {}
        self._secrets: dict[str, dict[str, str]] = {}
        self._indexes: dict[str, dict[str, Any]] = {}
        self._meta: dict[str, Any] = {}
        if path:
            _remove_stale_temp_files(path)
        if path and os.path.exists(path):
            self._load(path)

    # ------------------------------------------------------------------ endpoints
    def get(self, inference_id: str) -> EndpointConfig | None:
        """The endpoint ``inference_id`` without its secrets, or ``None``."""
        with self._lock:
            config = self._configs.get(inference_id)
            return _copied(config, config.secrets) if config is not None else None

    def list(self) -> list[EndpointConfig]:
        """Every endpoint (without secrets), sorted by id."""
        with self._lock:
            return [_copied(self._configs[k], self._configs[k].secrets) for k in sorted(self._configs)]

    def with_secrets(self, inference_id: str) -> EndpointConfig | None:
        """The endpoint joined with its secrets, for an upstream call only (never render it)."""
        with self._lock:
            config = self._configs.get(inference_id)
            if config is None:
                return None
            return _copied(config, self._secrets.get(inference_id, {}))

    def create(self, config: EndpointConfig) -> bool:
        """Store a new endpoint; ``False`` (nothing stored) when the id already exists."""
        with self._lock:
            if config.inference_id in self._configs:
                return False
            self._configs[config.inference_id] = _public(config)
            self._secrets[config.inference_id] = dict(config.secrets)
            self._save()
            return True

    def replace(self, config: EndpointConfig, *, keep_secrets: bool = False) -> bool:
        """Overwrite an existing endpoint (``_update``); ``False`` when it no longer exists.

        With ``keep_secrets`` the stored secrets stay and ``config.secrets`` is ignored.
        """
        with self._lock:
            if config.inference_id not in self._configs:
                return False
            self._configs[config.inference_id] = _public(config)
            if not keep_secrets:
                self._secrets[config.inference_id] = dict(config.secrets)
            self._save()
            return True

    def delete(self, inference_id: str) -> bool:
        """Remove an endpoint; ``False`` when it did not exist."""
        with self._lock:
            if self._configs.pop(inference_id, None) is None:
                return False
            self._secrets.pop(inference_id, None)
            self._save()
            return True

    def rewrite_urls(self, old_base: str, new_base: str) -> int:
        """Point every endpoint whose ``service_settings.url`` starts with ``old_base`` at ``new_base``
        instead (same path and query); return how many changed. Used by ``harness serve`` when a restarted
        stack's OpenAI mock could not get its previous port back."""
        old_base, new_base = old_base.rstrip("/"), new_base.rstrip("/")
        changed = 0
        with self._lock:
            for inference_id, config in list(self._configs.items()):
                url = config.service_settings.get("url")
                if isinstance(url, str) and (url == old_base or url.startswith(old_base + "/")):
                    settings = {**config.service_settings, "url": new_base + url[len(old_base) :]}
                    self._configs[inference_id] = dataclasses.replace(config, service_settings=settings)
                    changed += 1
            if changed:
                self._save()
        return changed

    def meta(self, key: str) -> Any:
        """A value kept with the stored endpoints (``None`` when absent)."""
        with self._lock:
            return copy.deepcopy(self._meta.get(key))

    def set_meta(self, key: str, value: Any) -> None:
        """Keep a JSON value with the stored endpoints (persisted with them)."""
        with self._lock:
            self._meta[key] = copy.deepcopy(value)
            self._save()

    # ------------------------------------------------------------------ indexes
    def create_index(self, name: str, mappings: Mapping[str, Any], semantic_fields: Mapping[str, str]) -> str | None:
        """Create index ``name``; return its uuid, or ``None`` when it already exists."""
        with self._lock:
            if name in self._indexes:
                return None
            index_uuid = uuid.uuid4().hex[:22]
            self._indexes[name] = {
                "uuid": index_uuid,
                "mappings": copy.deepcopy(dict(mappings)),
                "semantic_fields": dict(semantic_fields),
                "docs": {},
                "seq_no": -1,
            }
            self._save()
            return index_uuid

    def index(self, name: str) -> dict[str, Any] | None:
        """A copy of index ``name`` (``uuid``, ``mappings``, ``semantic_fields``), without its documents."""
        with self._lock:
            idx = self._indexes.get(name)
            if idx is None:
                return None
            return {k: copy.deepcopy(v) for k, v in idx.items() if k != "docs"}

    def delete_index(self, name: str) -> bool:
        """Remove index ``name`` and its documents; ``False`` when it did not exist."""
        with self._lock:
            if self._indexes.pop(name, None) is None:
                return False
            self._save()
            return True

    def indexes_using(self, inference_id: str) -> builtins.list[str]:
        """Names of indexes with a ``semantic_text`` field bound to ``inference_id`` (sorted)."""
        with self._lock:
            return sorted(n for n, idx in self._indexes.items() if inference_id in idx["semantic_fields"].values())

    def put_doc(
        self, name: str, doc_id: str, source: Mapping[str, Any], inference: Mapping[str, Any]
    ) -> DocResult | None:
        """Index a document with its ``semantic_text`` chunks; ``None`` when the index is gone."""
        with self._lock:
            idx = self._indexes.get(name)
            if idx is None:
                return None
            previous = idx["docs"].get(doc_id)
            idx["seq_no"] += 1
            version = previous["_version"] + 1 if previous else 1
            idx["docs"][doc_id] = {
                "_source": copy.deepcopy(dict(source)),
                "_inference_fields": copy.deepcopy(dict(inference)),
                "_version": version,
                "_seq_no": idx["seq_no"],
            }
            self._save()
            return DocResult(name, doc_id, "updated" if previous else "created", version, idx["seq_no"])

    def get_doc(self, name: str, doc_id: str) -> dict[str, Any] | None:
        """A copy of the stored document (``_source``, ``_inference_fields``, ``_version``, ``_seq_no``)."""
        with self._lock:
            idx = self._indexes.get(name)
            doc = idx["docs"].get(doc_id) if idx is not None else None
            return copy.deepcopy(doc) if doc is not None else None

    # ------------------------------------------------------------------ persistence
    def _save(self) -> None:
        if not self._path:
            return
        data = {
            "format": _FORMAT,
            "endpoints": {k: _config_to_json(v) for k, v in self._configs.items()},
            "secrets": self._secrets,
            "indexes": self._indexes,
            "meta": self._meta,
        }
        directory = os.path.dirname(os.path.abspath(self._path))
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(self._path), suffix=".tmp", dir=directory)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def _load(self, path: str) -> None:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        if data.get("format") != _FORMAT:
            raise ValueError(f"{path}: unknown storage format {data.get('format')!r}")
        self._configs = {k: _config_from_json(v) for k, v in data.get("endpoints", {}).items()}
        self._secrets = {k: dict(v) for k, v in data.get("secrets", {}).items()}
        self._indexes = dict(data.get("indexes", {}))
        self._meta = dict(data.get("meta", {}))

    def __repr__(self) -> str:
        with self._lock:
            return f"Store(endpoints={len(self._configs)}, indexes={len(self._indexes)}, path={self._path!r})"
