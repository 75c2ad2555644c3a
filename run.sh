#!/usr/bin/env bash
# Run sshgate on http://127.0.0.1:8443 with SQLite, installing whatever is missing first.
# Extra arguments go to `sshgate serve` (e.g. --port 9000, or --sandbox for a built-in SSH
# target on loopback that every user can open at once). Data lives in var/.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh

mkdir -p var
if [ -z "${SSHGATE_SECRET_KEY:-}" ]; then
  # A key kept beside the data, so that stored credentials stay readable across restarts.
  [ -s var/secret_key ] || (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_hex(32))' > var/secret_key)
  export SSHGATE_SECRET_KEY=$(cat var/secret_key)
fi
export SSHGATE_HOST=${SSHGATE_HOST:-127.0.0.1}
export SSHGATE_DB_URL=${SSHGATE_DB_URL:-sqlite+aiosqlite:///$PWD/var/sshgate.db}
export SSHGATE_DATA_DIR=${SSHGATE_DATA_DIR:-$PWD/var}
case " $* " in
  *" --sandbox "*) ;;
  *) echo "run.sh: tip: ./run.sh --sandbox also starts a built-in SSH target (server 'sandbox')," \
       "so the first sign-in leads straight to a terminal and files" >&2 ;;
esac
exec .venv/bin/sshgate serve "$@"
