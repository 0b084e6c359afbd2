"""pytest plugin ``inference_harness``: provider-mock fixtures and the conformance suite as pytest tests.

Installed with the package (``pytest11`` entry point) and loaded by every pytest session, so it stays
inert: nothing is imported, started or bound until a fixture below is requested or
``--inference-conformance`` is given.

Fixtures (function-scoped handles on session-scoped servers; each test starts with an empty journal, no
faults and no collected server errors, and an error raised inside a server thread is re-raised at the
test's teardown):

=====================  ===================================================================================
``openai_mock``        :class:`mocks.openai.OpenAIMock` (``.url``, ``.base_url``, ``.journal``, ``.faults``)
``azure_mock``         :class:`mocks.azure.AzureMock`
``bedrock_mock``       :class:`mocks.bedrock.BedrockMock`
``inference_target``   :class:`InferenceTarget`: the embedded reference ``_inference`` target wired to the
                       three mocks, or the ``--inference-target`` URL
=====================  ===================================================================================

Each pytest-xdist worker is its own process with its own servers on free ports, so journals never mix.

Options (command line, or the ini keys in brackets under ``[tool.pytest.ini_options]``):

* ``--inference-target URL`` [``inference_target``]: an external ``_inference`` implementation (a real
  Elasticsearch) for ``inference_target`` and the conformance tests, instead of the embedded reference.
* ``--inference-openai-mock URL``, ``--inference-azure-mock URL``, ``--inference-bedrock-mock URL``:
  external mocks (``harness mock …``) the conformance run reads through their admin API.
* ``--inference-es-version V`` [``inference_es_version``]: version profile, ``8.18`` (default), ``9.1``, ``9.4``.
* ``--inference-seed S`` [``inference_seed``]: seed of the mocks' outputs and of generated cases (default 0).
* ``--inference-conformance`` [``inference_conformance``]: add one test per rule x service x task type,
  ``inference-conformance::conformance[<rule>-<service>-<task type>]``, so ``pytest -k chunking`` works.
* ``--inference-max-examples N`` [``inference_max_examples``]: generated cases per conformance test.

Below the ini keys, the ``harness`` config file nearest the invocation directory (``harness.toml`` or
``[tool.harness]``, see :mod:`harness.config`) gives the defaults of ``target``, ``mocks``, ``es_version`` and
``seed``; its ``[skip]`` table turns matching conformance tests into skips with the configured reason.

Modules: :mod:`~harness.plugin.options` (the options and ``inference_settings``),
:mod:`~harness.plugin.fixtures` (the mock and target fixtures), :mod:`~harness.plugin.conformance` (the
conformance suite as pytest items). pytest finds hooks and fixtures as attributes of this module (the
``pytest11`` entry point), so each is imported here under its own name.
"""

from __future__ import annotations

from harness.plugin.conformance import ConformanceCollector, ConformanceFailure, ConformanceItem
from harness.plugin.conformance import pytest_collection_modifyitems as pytest_collection_modifyitems
from harness.plugin.fixtures import InferenceTarget, azure_mock, bedrock_mock, inference_target, openai_mock
from harness.plugin.fixtures import _inference_azure_server as _inference_azure_server
from harness.plugin.fixtures import _inference_bedrock_server as _inference_bedrock_server
from harness.plugin.fixtures import _inference_openai_server as _inference_openai_server
from harness.plugin.fixtures import _inference_reference_server as _inference_reference_server
from harness.plugin.options import InferenceSettings, inference_settings
from harness.plugin.options import pytest_addoption as pytest_addoption
from harness.plugin.options import pytest_configure as pytest_configure

__all__ = [
    "ConformanceCollector",
    "ConformanceFailure",
    "ConformanceItem",
    "InferenceSettings",
    "InferenceTarget",
    "azure_mock",
    "bedrock_mock",
    "inference_settings",
    "inference_target",
    "openai_mock",
]
