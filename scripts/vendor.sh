#!/usr/bin/env bash
# Refresh the vendored front-end files from package-lock.json:
#   npm ci && bash scripts/vendor.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p "require('htmx.org/package.json').version")
rm -f static/vendor/htmx-*.min.js
cp node_modules/htmx.org/dist/htmx.min.js "static/vendor/htmx-${version}.min.js"
echo "static/vendor/htmx-${version}.min.js"
