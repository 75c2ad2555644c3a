#!/bin/sh
# Host keys are made on the container's first start (not baked into the image, so two
# containers never share one); the password is set from the environment every start.
set -eu
: "${SANDBOX_PASSWORD:?set SANDBOX_PASSWORD for the sandbox account}"
ssh-keygen -A
echo "sandbox:${SANDBOX_PASSWORD}" | chpasswd
exec /usr/sbin/sshd -D -e -o PasswordAuthentication=yes -o PermitRootLogin=no
