#!/usr/bin/env bash
# Install sshgate into .venv/ (editable: core and every plugin), plus the front-end
# libraries. With --test, also the test dependencies and the test-only plugins.
# Idempotent: a second run with nothing changed returns in about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=run
[ "${1:-}" = "--test" ] && mode=test

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      python=$candidate
      break
    fi
  done
fi
[ -n "$python" ] || { echo "sshgate needs Python 3.11 or newer (set PYTHON=/path/to/python3)" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $python"
  "$python" -m venv .venv || {
    echo "could not create a virtualenv: on Debian, apt-get install python3-venv" >&2; exit 1; }
fi

# Distributions to install: core, first-party plugins, and (tests only) the test plugins.
dists=(core)
for d in plugins/*/; do [ -f "$d/pyproject.toml" ] && dists+=("${d%/}"); done
if [ "$mode" = test ]; then
  for d in tests/plugins/*/; do [ -f "$d/pyproject.toml" ] && dists+=("${d%/}"); done
fi

stamp_file=.venv/.sshgate-$mode.stamp
stamp=$(cat "${dists[@]/%//pyproject.toml}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp_file" 2>/dev/null)" != "$stamp" ]; then
  echo "==> installing ${dists[*]} into .venv"
  args=()
  for d in "${dists[@]}"; do
    if [ "$d" = core ] && [ "$mode" = test ]; then args+=(-e "core[test]"); else args+=(-e "$d"); fi
  done
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "${args[@]}"
  echo "$stamp" > "$stamp_file"
fi

bash scripts/vendor.sh
