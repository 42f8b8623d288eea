#!/usr/bin/env bash
# Set up, then serve the app on http://127.0.0.1:8000/ (PORT=... to change).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python train/evaluate.py
exec .venv/bin/python scripts/serve.py --port "${PORT:-8000}"
