#!/usr/bin/env bash
# Refresh the vendored front-end files from package-lock.json:
#   npm ci && bash scripts/vendor.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p "require('htmx.org/package.json').version")
rm -f static/vendor/htmx-*.min.js
cp node_modules/htmx.org/dist/htmx.min.js "static/vendor/htmx-${version}.min.js"
echo "static/vendor/htmx-${version}.min.js"
# ALTCHA widget, the build without bundled workers or inline styles (strict CSP),
# its stylesheet and the SHA worker it runs the proof-of-work in. static/js/altcha.js
# loads them by name: update ALTCHA_VERSION there too.
version=$(node -p "require('./node_modules/altcha/package.json').version")
rm -f static/vendor/altcha-*
cp node_modules/altcha/dist/external/altcha.min.js "static/vendor/altcha-${version}.min.js"
cp node_modules/altcha/dist/external/altcha.css "static/vendor/altcha-${version}.css"
cp node_modules/altcha/dist/workers/sha.js "static/vendor/altcha-sha-worker-${version}.js"
echo "static/vendor/altcha-${version}.min.js (+ .css, sha worker)"
sed -i "s/var ALTCHA_VERSION = \".*\";/var ALTCHA_VERSION = \"${version}\";/" static/js/altcha.js
