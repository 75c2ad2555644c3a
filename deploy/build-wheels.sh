#!/bin/sh
# The image's build step (Dockerfile, build stage), also run outside Docker by
# tests/deploy/test_image_steps.py: wheels of core, of each plugin folder that has a
# pyproject.toml (or only the folders named after OUT), and of every dependency, each at
# the version pinned in deploy/requirements.lock.
#   deploy/build-wheels.sh OUT [PLUGIN_DIR...]
set -eu
out=$1
shift
if [ "$#" -eq 0 ]; then
    for dir in plugins/*/; do
        if [ -f "${dir}pyproject.toml" ]; then set -- "$@" "${dir%/}"; fi
    done
fi
python -m pip wheel --constraint deploy/requirements.lock --wheel-dir "$out" ./core "$@"
