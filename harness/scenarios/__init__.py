"""The scenarios that exercise each rule against a target, one module per rule family: a rule id's prefix names
its module (``chunking.word.max_size`` in :mod:`~harness.scenarios.chunking`; ``check.update*`` in
:mod:`~harness.scenarios.check_update`, ``upstream.stream*`` in :mod:`~harness.scenarios.upstream_stream`).

A scenario is a sending step, which does the I/O through a :class:`~harness.scenarios.context.CheckContext` and
returns plain data, and a pure judge of that data (:mod:`~harness.scenarios.sending`); importing this package
registers every one in :data:`SCENARIOS`. The passes live here too: the state machine
(:mod:`~harness.scenarios.stateful`) and schemathesis (:mod:`~harness.scenarios.schema_pass`); the security rules'
principals in :mod:`~harness.scenarios.principals`.
"""

from harness.scenarios import (  # noqa: F401 - each registers its scenarios
    bedrock,
    body,
    check,
    check_update,
    chunking,
    crud,
    defaults,
    envelope,
    id_format,
    index,
    input,
    param,
    rest,
    secrets,
    security,
    service,
    settings,
    streaming,
    task_type,
    upstream,
    upstream_stream,
    validation_call,
)
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import SCENARIOS

__all__ = ["SCENARIOS", "CheckContext"]
