#!/usr/bin/env bash
# Benchmark sshgate against raw OpenSSH, asyncssh, webssh and webgate (see bench/README.md).
# Installs what is missing first (the dev venv, openssh; the peers go to bench/.peers/).
# Arguments go to `python -m bench` (--quick, --smoke, --scenarios, --systems, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test >&2  # the harness reuses sshgate.testing's sshd (needs pytest)

missing=()
for p in openssh-server openssh-client; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  echo "==> installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
exec .venv/bin/python -m bench "$@"
