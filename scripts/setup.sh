#!/usr/bin/env bash
# Creates .venv (if needed) and installs the project with the extras given as arguments.
# Usage: bash scripts/setup.sh [test] [bench]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
extras=$(IFS=,; echo "$*")
spec="."
[ -n "$extras" ] && spec=".[${extras}]"
echo "setup: installing the harness${extras:+ with [$extras]} into .venv (up to a minute the first time) ..." >&2
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
# The build backend's notices are noise on success; on failure the whole log is shown.
if ! .venv/bin/python -m pip install -q --disable-pip-version-check -e "$spec" > .venv/install.log 2>&1; then
  cat .venv/install.log >&2
  echo "setup: pip install failed (log above)" >&2
  exit 1
fi
echo "setup: done (.venv/bin/harness)" >&2
