"""``task_type.*``: task types a service does not support: the invalid endpoint configurations of
:mod:`harness.gen.mutations`, each refused with the rule's error before any upstream call
(:mod:`harness.scenarios.invalid_put`)."""

from __future__ import annotations

from harness.scenarios.invalid_put import register_invalid_puts

register_invalid_puts("task_type")
