#!/usr/bin/env bash
# Run the whole test suite (SQLite and PostgreSQL), installing what it needs first.
# Extra arguments go to pytest (e.g. -k terminal, --sshgate-db=sqlite).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh --test
bash scripts/test-services.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy  # configured in pyproject.toml: core and every plugin
exec .venv/bin/python -m pytest "$@"
