"""One mutation per error rule: a valid endpoint turned into PUTs that each break exactly that rule.

A rule's mutation is a :class:`Variants`: ``fixed``, the small finite set of ways to break the rule that
every run must try (each unsupported task type, each required field, each bound's first invalid value:
9/19, 301, overlap = max/2 + 1 for an even and an odd max, sentence_overlap 2), in a fixed order with the
likeliest implementation mistakes first; and ``extra``, a strategy of further invalid values drawn per
example (random words, values deeper past a bound), or ``None``. The scenario sends every fixed variant in
every example, then one ``extra`` draw, so ``--max-examples 1`` already covers the whole finite set.

``variants(rule_id, case, profile)`` returns it, or ``None`` when the rule cannot be broken for this
service × task type (the runner reports *not applicable*). ``MUTATIONS[rule_id](case, profile)`` /
:func:`mutate` give the same requests as one strategy (fixed variants sampled, extras drawn). Every
:class:`~harness.gen.cases.InvalidCase` carries the params the rule's message is rendered with, so the
expected error comes from the rule table.

The mutations live by what they break: :mod:`._mutations_request` (id, task type, service),
:mod:`._mutations_settings` (settings, secrets, Bedrock providers), :mod:`._mutations_chunking`; each registers
its own with ``@mutation(rule_id)`` (:mod:`._mutation`, with the helpers they share). Importing this module
registers them all, in that order (the order of :data:`MUTATIONS`).
"""

from __future__ import annotations

# isort: off
# each mutation module registers its mutations when imported: this order is the order of MUTATIONS
from harness.gen import _mutations_request  # noqa: F401
from harness.gen import _mutations_settings  # noqa: F401
from harness.gen import _mutations_chunking  # noqa: F401

# isort: on
from harness.gen._mutation import MUTATIONS, Mutation, Variants, mutate, variants
from harness.gen._mutations_request import RESERVED_IDS, unsupported_task_types

__all__ = ["MUTATIONS", "RESERVED_IDS", "Mutation", "Variants", "mutate", "unsupported_task_types", "variants"]
