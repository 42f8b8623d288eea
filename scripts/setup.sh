#!/usr/bin/env bash
# Set up everything the app, training and tests need; safe to run again.
#   .venv/             Python packages pinned in pyproject.toml
#   node_modules/      npm packages pinned in package-lock.json (MNIST and the browser runtime)
#   web/runtime/       the runtime files the page loads, copied out of node_modules
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
echo "setup: installing Python packages"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[train,test]"

echo "setup: installing npm packages (npm ci)"
npm ci --no-audit --no-fund --loglevel=error

.venv/bin/python scripts/setup_runtime.py
[ -f web/replay.npz ] || .venv/bin/python scripts/make_replay.py
