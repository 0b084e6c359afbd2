"""The contract of the Elasticsearch ``_inference`` API as data: version profiles, the rule table and
pure validators. The reference target (``mocks/reference``) and the conformance harness both use it,
so a rule is written once.

* :func:`load_profile` / :class:`Profile` — per-version facts from ``specs/profiles.yaml``
  (``PROFILES``: every supported release line, read from ``specs/profiles.yaml``; ``DEFAULT_VERSION``;
  ``resolve_version("9.1.3") == "9.1"``).
* :func:`load_rules` / :class:`RuleTable` / :class:`Rule` — ``specs/rules.yaml``, validated against
  ``rules.schema.json``; ``RuleTable.expected(rule_id, profile, **params)`` gives the exact ES error.
* :class:`RuleViolation` — raised by the validators; ``.render(profile, rules)`` -> ``(status, envelope)``.
* :data:`SERVICE_SECRETS` / :data:`SECRET_FIELDS`, :func:`settings_fields`, :func:`required_secrets`,
  :func:`output_order` — each service's secrets and ``service_settings`` fields, written once (the OpenAPI
  generator ``specgen`` and the harness's mutations read them here).
* :mod:`.validate` — ``parse_put``, ``parse_update``, ``parse_inference_request``, ``parse_unified_chat``,
  ``validate_inference_id``, ``resolve_task_type`` (pure, no I/O).

Rule families (``RuleTable.families``):

=================  ==================================================================
``id_format``      inference id syntax (``MlStrings``) and reserved ids
``task_type``      task type resolution between URL and body
``service``        missing / unknown service, task types per service per version
``settings``       unknown keys, required / empty / typed / ranged / enum / url settings
``secrets``        api_key, entra_id, access_key, secret_key (Azure XOR, never returned)
``bedrock``        Bedrock provider enum, provider x task type, top_k per provider
``chunking``       chunking_settings per strategy and version bounds
``input``          POST body: input, input_type, completion single input, task type match
``streaming``      ``_stream`` support, chat_completion only via ``_stream`` (unified errors)
``crud``           not found, task type mismatch, duplicate id, delete conflicts, update
``validation_call`` the upstream call made by PUT (wrapping, dimensions mismatch)
``upstream_errors`` upstream HTTP / AWS failures mapped to ES errors (a status may come from a param:
                   ``status_from: code`` = :func:`to_rest_status` of the upstream code)
``defaults``       rate_limit, similarity, dimensions, chunking defaults
``envelope``       error envelope, filtered configuration rendering
``request``        REST request parsing: body required / malformed / not an object, boolean params
``index``          the index API and semantic_text ingest served by the reference target
=================  ==================================================================

Example:
    >>> from contract import load_profile, load_rules, RuleViolation
    >>> from contract.validate import parse_put
    >>> profile, rules = load_profile("8.18"), load_rules()
    >>> try:
    ...     parse_put(profile, url_task_type="text_embedding", inference_id="e1",
    ...               body={"service": "nope", "service_settings": {}})
    ... except RuleViolation as err:
    ...     err.render(profile, rules)[1]["error"]["reason"]
    'Unknown service [nope]'
"""

from __future__ import annotations

from ._java import java_cast_message, java_hash_order, java_str, java_type_name, to_rest_status
from ._services import AZURE_OAUTH2_SECRET, SERVICE_SECRETS, output_order, required_secrets, settings_fields
from ._suggest import did_you_mean, key_locations
from .config import EndpointConfig, InferenceRequest, UnifiedChatRequest
from .errors import RuleViolation, es_error, unified_error
from .profiles import (
    DEFAULT_VERSION,
    PROFILES,
    REPRESENTATIVE_PROFILES,
    ChunkingBounds,
    Profile,
    UnknownVersionError,
    load_profile,
    resolve_version,
)
from .rules import Expected, Outcome, Rule, RuleTable, load_rules, parse_rules, rules_schema
from .validate import (
    SECRET_FIELDS,
    parse_inference_request,
    parse_put,
    parse_unified_chat,
    parse_update,
    resolve_task_type,
    validate_inference_id,
)

__all__ = [
    "AZURE_OAUTH2_SECRET",
    "DEFAULT_VERSION",
    "SECRET_FIELDS",
    "SERVICE_SECRETS",
    "PROFILES",
    "REPRESENTATIVE_PROFILES",
    "ChunkingBounds",
    "EndpointConfig",
    "Expected",
    "InferenceRequest",
    "Outcome",
    "Profile",
    "Rule",
    "RuleTable",
    "RuleViolation",
    "UnifiedChatRequest",
    "UnknownVersionError",
    "es_error",
    "load_profile",
    "load_rules",
    "parse_inference_request",
    "parse_put",
    "parse_rules",
    "parse_unified_chat",
    "parse_update",
    "resolve_task_type",
    "did_you_mean",
    "java_cast_message",
    "java_hash_order",
    "java_str",
    "java_type_name",
    "key_locations",
    "output_order",
    "required_secrets",
    "resolve_version",
    "rules_schema",
    "settings_fields",
    "to_rest_status",
    "unified_error",
    "validate_inference_id",
]
