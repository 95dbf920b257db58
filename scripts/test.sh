#!/usr/bin/env bash
# Install Sésame with its test tools, check formatting, lint and types, then run every test
# (tests/unit, tests/http with real SMTP, Dovecot, slapd, nginx; tests/browser with Chromium).
# The dependencies come from requirements-test.lock (exact versions, hashes checked), so
# every machine tests with the same releases; pyproject.toml keeps the ranges.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --require-hashes -r requirements-test.lock
python3 -m pip install -q --no-deps -e .
npm ci --no-audit --no-fund --silent
bash scripts/check  # formatting, lint, types (ruff, mypy): the same rules everywhere
python3 -m pytest -q "$@"
