#!/usr/bin/env bash
# Install Sésame with its test tools, then run every test (unit, HTTP, Dovecot, Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e '.[test]'
npm ci --no-audit --no-fund --silent
python3 -m pytest -q "$@"
