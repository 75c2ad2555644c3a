# sshgate: a multi-stage image. The build stage installs the front-end libraries from the npm
# registry (pinned by frontend/package-lock.json) and builds wheels; the runtime stage has no
# compiler, no Node.js and runs as an unprivileged user with its data on /data.

FROM python:3.11-slim-bookworm AS build
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
RUN python -m pip wheel --no-cache-dir --wheel-dir /wheels ./core ./plugins/*/

FROM python:3.11-slim-bookworm
RUN useradd --system --create-home --home-dir /home/sshgate --uid 10001 sshgate \
 && mkdir -p /data && chown sshgate /data
COPY --from=build /wheels /wheels
RUN python -m pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER sshgate
WORKDIR /data
VOLUME ["/data"]
ENV SSHGATE_DB_URL=sqlite+aiosqlite:////data/sshgate.db \
    SSHGATE_HOST=0.0.0.0 \
    SSHGATE_PORT=8443 \
    PYTHONUNBUFFERED=1
EXPOSE 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8443/api/health', timeout=4).status != 200)"
# SSHGATE_SECRET_KEY must be set: sshgate refuses to listen on 0.0.0.0 without it.
CMD ["sshgate", "serve"]
