#!/bin/sh
# The image's install step (Dockerfile, runtime stage), also run outside Docker by
# tests/deploy/test_image_steps.py: install every wheel from WHEELS and nothing from an
# index, so the runtime gets exactly what the build stage resolved under the lock.
#   deploy/install-wheels.sh WHEELS
set -eu
python -m pip install --no-index --find-links "$1" "$1"/*.whl
python -m pip check
