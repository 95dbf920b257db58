#!/usr/bin/env bash
# Refresh the lock files from pyproject.toml's ranges, with every file's hash:
#   requirements.lock       what `sesame` needs to run (the Dockerfile installs it)
#   requirements-test.lock  the same pins plus the test tools (scripts/test.sh installs it)
# Pins already in the files are kept; `bash scripts/lock.sh --upgrade` takes the newest
# releases within the ranges. Run it after changing the dependencies in pyproject.toml
# (tests/http/test_packaging.py fails until the locks match it).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
# The package index only, without a machine's local mirrors or wheel folders.
export PIP_CONFIG_FILE=/dev/null
"$tools/bin/pip" install -q "pip-tools==7.6.2"
compile=("$tools/bin/pip-compile" -q --strip-extras --generate-hashes --allow-unsafe
         --no-emit-index-url --no-emit-find-links "$@")
"${compile[@]}" --extra test -o requirements-test.lock pyproject.toml
"${compile[@]}" -c requirements-test.lock -o requirements.lock pyproject.toml
