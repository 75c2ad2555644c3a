# sshgate: a multi-stage image. The build stage installs the front-end libraries from the npm
# registry (pinned by frontend/package-lock.json) and builds wheels of core, the plugins and
# every dependency (pinned by deploy/requirements.lock); the runtime stage installs those
# wheels only, has no compiler and no Node.js, and runs as an unprivileged user with its
# data on /data. deploy/build-wheels.sh and deploy/install-wheels.sh are the same steps that
# tests/deploy runs outside Docker.

# A patch-level tag of the official image (see docs/deploy.md on pinning it by digest).
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY frontend/package.json frontend/package-lock.json frontend/
COPY frontend/tools frontend/tools
COPY frontend/src frontend/src
COPY scripts/vendor.sh scripts/vendor.sh
RUN bash scripts/vendor.sh
COPY . .
RUN sh deploy/build-wheels.sh /wheels

FROM python:3.11.11-slim-bookworm
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# openssh-sftp-server: the file browser of the built-in sandbox (sshgate serve --sandbox).
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssh-sftp-server \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /home/sshgate --uid 10001 sshgate \
 && mkdir -p /data && chown sshgate /data
COPY --from=build /wheels /wheels
COPY deploy/install-wheels.sh /usr/local/lib/sshgate/install-wheels.sh
RUN sh /usr/local/lib/sshgate/install-wheels.sh /wheels && rm -rf /wheels
USER 10001
WORKDIR /data
VOLUME ["/data"]
ENV SSHGATE_DB_URL=sqlite+aiosqlite:////data/sshgate.db \
    SSHGATE_DATA_DIR=/data \
    SSHGATE_HOST=0.0.0.0 \
    SSHGATE_PORT=8443 \
    PYTHONUNBUFFERED=1
EXPOSE 8443
# Asks this container's own listener, at the port and sub-path it is configured with.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('SSHGATE_PORT', '8443'); root = os.environ.get('SSHGATE_ROOT_PATH', '').strip().rstrip('/'); url = f'http://127.0.0.1:{port}{root}/api/health'; sys.exit(urllib.request.urlopen(url, timeout=4).status != 200)"]
# SSHGATE_SECRET_KEY must be set: sshgate refuses to listen on 0.0.0.0 without it.
CMD ["sshgate", "serve"]
