#!/usr/bin/env bash
# Install Sésame with its test tools, then run every test (unit, HTTP, Dovecot, Chromium).
# The dependencies come from requirements-test.lock (exact versions, hashes checked), so
# every machine tests with the same releases; pyproject.toml keeps the ranges.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --require-hashes -r requirements-test.lock
python3 -m pip install -q --no-deps -e .
npm ci --no-audit --no-fund --silent
python3 -m pytest -q "$@"
