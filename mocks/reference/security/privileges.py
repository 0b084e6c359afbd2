"""Cluster privileges and the action names of the routes the reference serves.

Sources (``elastic/elasticsearch``, verified for 8.18-9.4 unless marked):

* ``x-pack/plugin/core/src/main/java/org/elasticsearch/xpack/core/security/authz/privilege/``
  ``ClusterPrivilegeResolver.java``:
  the patterns of each named privilege (``MONITOR_INFERENCE_PATTERN``, ``MANAGE_INFERENCE_PATTERN`` …),
  ``resolve`` (a name that is itself a cluster action becomes the pattern ``name*``) and
  ``findPrivilegesThatGrant``, whose order (``sortByAccessLevel``: how many other privileges each implies)
  is written out in :data:`GRANTED_BY` for the actions served here.
* ``x-pack/plugin/core/src/main/java/org/elasticsearch/xpack/core/inference/action/*Action.java``: the
  action names (``GetInferenceModelAction.NAME`` = ``cluster:monitor/xpack/inference/get``, ``PutInferenceModelAction``,
  ``UpdateInferenceModelAction``, ``DeleteInferenceEndpointAction``, ``InferenceActionProxy`` (POST and
  ``_stream``, executed by ``BaseInferenceAction``), ``UnifiedCompletionAction`` (executed by
  ``RestUnifiedCompletionInferenceAction``)).

Only cluster privileges are modelled; index routes of the reference need an authenticated principal only.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["ACTIONS", "GRANTED_BY", "PRIVILEGES", "Role", "UnknownPrivilege", "action_for", "grants", "resolve"]

_ALL_CLUSTER = ("cluster:*", "indices:admin/template/*", "indices:admin/index_template/*")
_SECURITY = ("cluster:admin/xpack/security/*",)
_ML_DEPLOYMENT = (
    "cluster:admin/xpack/ml/trained_models/deployment/start",
    "cluster:admin/xpack/ml/trained_models/deployment/stop",
)
_ML_INFER = "cluster:monitor/xpack/ml/trained_models/deployment/infer"

#: name -> (granted patterns, excluded patterns).
PRIVILEGES: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "none": ((), ()),
    "all": (_ALL_CLUSTER, ()),
    "monitor": (
        (
            "cluster:monitor/*",
            "indices:admin/template/get",
            "indices:admin/index_template/get",
            "cluster:admin/component_template/get",
        ),
        (),
    ),
    "manage": (_ALL_CLUSTER, _SECURITY),
    "monitor_inference": (("cluster:monitor/xpack/inference*", _ML_INFER), ()),
    # "no trailing slash to match the POST InferenceAction name"
    "manage_inference": (
        ("cluster:admin/xpack/inference/*", "cluster:monitor/xpack/inference*", *_ML_DEPLOYMENT, _ML_INFER),
        (),
    ),
    "monitor_ml": (("cluster:monitor/xpack/ml/*",), ()),
    "manage_ml": (("cluster:admin/xpack/ml/*", "cluster:monitor/xpack/ml/*"), ()),
    "manage_security": (_SECURITY + ("cluster:admin/xpack/security/delegate_pki",), ()),
    "manage_api_key": (("cluster:admin/xpack/security/api_key/*",), ()),
    # ManageOwnApiKeyClusterPrivilege: API key actions on the caller's own keys (creation always is)
    "manage_own_api_key": (("cluster:admin/xpack/security/api_key/*",), ()),
}

#: The REST routes of the reference (werkzeug endpoint names) -> the transport action ES authorizes.
ACTIONS: Mapping[str, str] = {
    "info": "cluster:monitor/main",
    "get_all": "cluster:monitor/xpack/inference/get",
    "get": "cluster:monitor/xpack/inference/get",
    "put": "cluster:admin/xpack/inference/put",
    "update": "cluster:admin/xpack/inference/update",
    "delete": "cluster:admin/xpack/inference/delete",
    "infer": "cluster:monitor/xpack/inference",
    "stream": "cluster:monitor/xpack/inference",
    "unified": "cluster:monitor/xpack/inference/unified",
    "create_api_key": "cluster:admin/xpack/security/api_key/create",
}

_MONITOR_INFERENCE = ("monitor_inference", "manage_inference", "monitor", "manage", "all")
_MANAGE_INFERENCE = ("manage_inference", "manage", "all")
#: action -> the privileges that grant it, least privileged first (``findPrivilegesThatGrant``).
GRANTED_BY: Mapping[str, tuple[str, ...]] = {
    "cluster:monitor/main": ("monitor", "manage", "all"),
    "cluster:monitor/xpack/inference/get": _MONITOR_INFERENCE,
    "cluster:monitor/xpack/inference": _MONITOR_INFERENCE,
    "cluster:monitor/xpack/inference/unified": _MONITOR_INFERENCE,
    "cluster:admin/xpack/inference/put": _MANAGE_INFERENCE,
    "cluster:admin/xpack/inference/update": _MANAGE_INFERENCE,
    "cluster:admin/xpack/inference/delete": _MANAGE_INFERENCE,
    # inferred: the same sort over manage_own_api_key < manage_api_key < manage_security < all
    "cluster:admin/xpack/security/api_key/create": ("manage_own_api_key", "manage_api_key", "manage_security", "all"),
}


class UnknownPrivilege(ValueError):
    """A cluster privilege that is neither a known name nor a cluster action pattern."""


def _match(action: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(action, p) for p in patterns)


def resolve(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The (granted, excluded) patterns of a cluster privilege name or action pattern (``resolve``)."""
    lowered = name.lower()
    if _match(lowered, _ALL_CLUSTER):
        return (lowered if lowered.endswith("*") else lowered + "*",), ()
    if lowered in PRIVILEGES:
        return PRIVILEGES[lowered]
    known = ",".join(PRIVILEGES)
    raise UnknownPrivilege(
        f"unknown cluster privilege [{lowered}]. a privilege must be either one of the predefined cluster "
        f"privilege names [{known}] or a pattern over one of the available cluster actions"
    )


def grants(privilege: str, action: str) -> bool:
    """Whether cluster ``privilege`` (a name or an action pattern) grants ``action``."""
    try:
        granted, excluded = resolve(privilege)
    except UnknownPrivilege:
        return False
    return _match(action, granted) and not _match(action, excluded)


@dataclass(frozen=True)
class Role:
    """A role descriptor reduced to what the reference authorizes: its cluster privileges."""

    name: str
    cluster: tuple[str, ...] = ()

    def grants(self, action: str) -> bool:
        """Whether one of the role's cluster privileges grants ``action``."""
        return any(grants(p, action) for p in self.cluster)

    def to_dict(self) -> dict[str, object]:
        """The descriptor as ES renders it (cluster privileges only)."""
        return {
            "cluster": list(self.cluster),
            "indices": [],
            "applications": [],
            "run_as": [],
            "metadata": {},
            "transient_metadata": {"enabled": True},
        }


def action_for(endpoint: str) -> str | None:
    """The action ES authorizes for a reference route (``None``: index routes, authentication only)."""
    return ACTIONS.get(endpoint)
