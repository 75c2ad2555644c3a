#!/usr/bin/env bash
# Install sshgate into .venv/ (editable: core and every plugin), plus the front-end
# libraries. With --test, also the test dependencies, and the test-only plugins
# (tests/plugins/*) into .venv-test-plugins/: never into .venv, which ./run.sh serves from;
# pytest puts that folder on sys.path (pythonpath in pyproject.toml).
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

# Distributions to install into .venv: core and the first-party plugins.
dists=(core)
for d in plugins/*/; do [ -f "$d/pyproject.toml" ] && dists+=("${d%/}"); done
# The test-only plugins, which .venv must not hold (an older setup.sh put them there).
test_dists=()
for d in tests/plugins/*/; do [ -f "$d/pyproject.toml" ] && test_dists+=("${d%/}"); done

stamp_file=.venv/.sshgate-$mode.stamp
# This script is part of the stamp: a change to how it installs reinstalls.
stamp=$(cat "${dists[@]/%//pyproject.toml}" scripts/setup.sh deploy/requirements.lock | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp_file" 2>/dev/null)" != "$stamp" ]; then
  echo "==> installing ${dists[*]} into .venv"
  args=()
  for d in "${dists[@]}"; do
    # With --test, a distribution's own test extra comes along (core's, and a plugin's test
    # dependencies such as a real server its tests start).
    if [ "$mode" = test ] && grep -q '^test *=' "$d/pyproject.toml"; then
      args+=(-e "$d[test]")
    else
      args+=(-e "$d")
    fi
  done
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  # The runtime dependencies at the versions the image ships (deploy/requirements.lock), so
  # that what runs here, what the tests prove and what the image installs are the same.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check \
    --constraint deploy/requirements.lock "${args[@]}"
  echo "$stamp" > "$stamp_file"
fi

# Remove test plugins an older setup.sh installed into .venv (checked without pip: fast).
stale=()
for d in "${test_dists[@]}"; do
  name=$(sed -n 's/^name *= *"\([^"]*\)".*/\1/p' "$d/pyproject.toml" | head -n1)
  dist_info=$(echo "$name" | tr '.-' '__')
  if compgen -G ".venv/lib/python*/site-packages/${dist_info}-*.dist-info" >/dev/null; then
    stale+=("$name")
  fi
done
if [ ${#stale[@]} -gt 0 ]; then
  echo "==> removing test-only ${stale[*]} from .venv"
  .venv/bin/python -m pip uninstall --quiet --disable-pip-version-check -y "${stale[@]}"
fi

# The test plugins, in a folder of their own: pip writes their metadata (the entry points),
# then each package pip copied becomes a symlink to its source, so that an edit shows in the
# next pytest run as with an editable install (editable .pth files do nothing outside
# site-packages). Reinstalled whenever a file of theirs changes (a new module, a changed
# entry point); built beside the old folder and swapped in, so that a running test session
# never sees half a folder.
if [ "$mode" = test ]; then
  target=.venv-test-plugins
  test_stamp=$(
    if [ ${#test_dists[@]} -gt 0 ]; then
      find "${test_dists[@]}" -type f -not -path '*/__pycache__/*' -not -name '*.pyc' \
        -not -path '*.egg-info/*' -not -path '*/build/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    fi | sha256sum | cut -d' ' -f1
  )
  if [ "$(cat "$target/.sshgate-test-plugins.stamp" 2>/dev/null)" != "$test_stamp" ]; then
    echo "==> installing ${test_dists[*]:-no test plugins} into $target/"
    rm -rf "$target.new" "$target.old"
    mkdir -p "$target.new"
    if [ ${#test_dists[@]} -gt 0 ]; then
      .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
        --target "$target.new" "${test_dists[@]/#/./}"
    fi
    for d in "${test_dists[@]}"; do
      for installed in "$target.new"/*; do
        name=${installed##*/}
        if [[ $name != *.dist-info && -e "$d/$name" ]]; then
          rm -rf "$installed"
          ln -s "../$d/$name" "$installed"
        fi
      done
    done
    echo "$test_stamp" > "$target.new/.sshgate-test-plugins.stamp"
    [ -d "$target" ] && mv "$target" "$target.old"
    mv "$target.new" "$target"
    rm -rf "$target.old"
  fi
fi

bash scripts/vendor.sh
