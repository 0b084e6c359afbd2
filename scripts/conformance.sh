#!/usr/bin/env bash
# Installs the harness and runs a conformance run against the embedded default target
# (reference _inference implementation + OpenAI, Azure OpenAI and Bedrock mocks), writing
# reports to reports/. Extra arguments go to `harness run` (see `harness run --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/harness run "$@"
