"""Case generation: hypothesis strategies for valid endpoints (:mod:`.strategies`), one-rule-broken
mutations (:mod:`.mutations`) and the case data they produce (:mod:`.cases`)."""

from harness.gen.cases import SECRET_FIELDS, EndpointCase, InvalidCase
from harness.gen.mutations import MUTATIONS, Variants, mutate, variants
from harness.gen.strategies import chunking_settings, endpoint, inference_id, inputs

__all__ = [
    "MUTATIONS",
    "SECRET_FIELDS",
    "EndpointCase",
    "InvalidCase",
    "Variants",
    "chunking_settings",
    "endpoint",
    "inference_id",
    "inputs",
    "mutate",
    "variants",
]
