"""Fixtures for the HTML report tests (the sample report lives in ``html_sample.py``)."""

from __future__ import annotations

import pytest
from html_sample import CANARY, make_report  # type: ignore[import-not-found]

from harness.report.model import RunReport
from harness.report.redact import Redactor


@pytest.fixture
def report() -> RunReport:
    """A report with one failure (carrying a canary and hostile text)."""
    return make_report()


@pytest.fixture
def redactor() -> Redactor:
    """The run's redactor, knowing the canary (not the body secret)."""
    return Redactor([CANARY])
