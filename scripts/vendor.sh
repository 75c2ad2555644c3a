#!/usr/bin/env bash
# Installs the pinned third-party front-end libraries into frontend/vendor/ (git-ignored,
# served at static/vendor/). Fast no-op when frontend/vendor/manifest.json matches the stamp
# of frontend/package-lock.json + frontend/tools/vendor.mjs + frontend/src/codemirror.mjs;
# the stamp itself is defined in vendor.mjs only. Called by our run/test scripts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "vendor.sh: node/npm not found: install Node.js 18+ and npm" >&2
    exit 1
fi
if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)'; then
    echo "vendor.sh: Node.js $(node --version) is too old: install Node.js 18+ and npm" >&2
    exit 1
fi

if node frontend/tools/vendor.mjs --check; then
    echo "frontend/vendor is up to date"
    exit 0
fi

# npm ci wipes node_modules, so only run it when the install is missing or predates the lock
# (npm writes node_modules/.package-lock.json at the end of each install).
# --ignore-scripts: nothing we use needs install scripts (esbuild finds its binary through its
# optional platform package), and swagger-ui-dist's @scarf/scarf postinstall phones home.
if [[ ! -f frontend/node_modules/.package-lock.json \
      || frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]]; then
    (cd frontend && npm ci --no-audit --no-fund --ignore-scripts)
fi
node frontend/tools/vendor.mjs
