#!/usr/bin/env bash
# Installs everything the test suite needs (venv, test extras, headless Chromium for the
# HTML-report browser test when apt is available) and runs the whole suite on 2 workers.
# Usage: bash scripts/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; browser tests will skip" >&2
fi
# the habits enforced: lint and types first (a regression fails CI before the long suite runs)
.venv/bin/ruff check .
.venv/bin/ruff format --check contract harness mocks specs specgen bench scripts
.venv/bin/mypy
exec .venv/bin/python -m pytest -n 2 "$@" tests
