"""``harness diff``: run the same seeded cases against two ``_inference`` implementations and report where
they behave differently.

Both sides get exactly the requests of ``harness run`` (the runner's plan, scenarios, state machine and
schema pass, generated from side A's version profile and the seed), so any difference comes from the
targets. Per case (one generated example of one *rule × service × task type*) it compares, exchange by
exchange, the response status, the error type, the error message, the content type and the body shape (its
key paths), then the calls the provider mocks recorded for the case (method, path, query, key, status and
every JSON body value), then the runner's verdict.

Values that legitimately vary between two runs are normalised before comparing, so two identical
implementations produce no difference: secrets (first to their ``fp-…`` fingerprint, then to an ordinal
``<secret#n>`` per case, so two targets fed canaries of different runs still compare equal), inference ids chosen by the
harness (``<id#n>`` per case), ports, UUIDs, timestamps and AWS request ids. JSON keys are walked sorted, so
key order never counts.

Sides: ``--target URL`` (0, 1 or 2 times; missing sides are the embedded reference), ``--es-version V``
(0, 1 or 2 times: one version applies to both sides) and ``--openai-mock URL`` … (once: shared by both
external sides; twice: one per side). Two identical sides (a bare ``harness diff``: the embedded reference
against itself) are misuse. Exit 0 when no difference, 1 when differences, 2 on a harness or connection
error or misuse (one line on stderr).

The summary reports each distinct difference once per *rule × service × task type* (naming the cases,
``#0–#4``, showing it); once the two targets answered differently, the requests that follow in that case
are one ``requests`` difference (a scenario's next step depends on the answer). Progress goes to stderr.

Modules, in the order a diff runs:

* :mod:`~harness.diff.trace`: :func:`collect`, one side's run of the engine, traced per case by a listener
  (:class:`CaseTracer`, :class:`SideTrace`);
* :mod:`~harness.diff.normalise`: the values that vary between runs, made comparable;
* :mod:`~harness.diff.comparison`: :func:`compare`, the :class:`Difference` list of two sides (pure);
* :mod:`~harness.diff.report`: :func:`diff` and the :class:`DiffReport` it returns (the JSON report);
* :mod:`~harness.diff.cli`: the ``harness diff`` options and command.

Example::

    harness diff --es-version 8.18 --es-version 9.4 --rules 'chunking.*' --max-examples 2
    harness diff --target http://127.0.0.1:9200 --openai-mock http://127.0.0.1:8081 --seed 3
"""

from __future__ import annotations

from harness.diff.cli import add_diff_arguments, run_diff
from harness.diff.comparison import Difference, compare
from harness.diff.report import DiffReport, diff
from harness.diff.trace import CaseTrace, CaseTracer, SideTrace, collect

__all__ = [
    "CaseTrace",
    "DiffReport",
    "Difference",
    "CaseTracer",
    "SideTrace",
    "add_diff_arguments",
    "collect",
    "compare",
    "diff",
    "run_diff",
]
