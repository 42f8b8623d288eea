#!/usr/bin/env bash
# Set up, then run every test: unit, training, shipped weights, and the browser tests in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "test: installing Chromium (Debian package) for the browser tests"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium > /dev/null
fi
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
