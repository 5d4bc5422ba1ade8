# syntax=docker/dockerfile:1.7
# One image for every Tessera service; the first argument picks which one runs:
#   docker run tessera:dev router | storage-node | control-plane | operator [--flag=value ...]
# Build: docker build -t tessera:dev .   (BuildKit, the default since Docker 23)

ARG NODE_IMAGE=node:20.19-bookworm-slim

# ---- build: compile TypeScript to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY lib lib
COPY services services
COPY operator operator
RUN npx tsc -p tsconfig.build.json

# ---- production dependencies only ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# A fixed non-root user (10001): the manifests' runAsUser and fsGroup name it.
RUN groupadd --system --gid 10001 tessera \
 && useradd --system --uid 10001 --gid tessera --home-dir /app --shell /usr/sbin/nologin tessera \
 && mkdir -p /var/lib/tessera \
 && chown tessera:tessera /var/lib/tessera
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# The entry point maps a service name to its compiled main module. `exec` makes node
# PID 1, so SIGTERM from the kubelet reaches the service's graceful-shutdown handler.
COPY --chmod=0755 <<'SCRIPT' /usr/local/bin/tessera
#!/bin/sh
set -eu
service="${1:-}"
if [ "$#" -gt 0 ]; then shift; fi
case "$service" in
  router|storage-node|control-plane) exec node /app/dist/services/"$service"/main.js "$@" ;;
  operator) exec node /app/dist/operator/main.js "$@" ;;
  *)
    echo "usage: tessera router|storage-node|control-plane|operator [--flag=value ...]" >&2
    exit 64
    ;;
esac
SCRIPT
USER 10001:10001
VOLUME ["/var/lib/tessera"]
EXPOSE 8000 8001 7000 7100 9090
ENTRYPOINT ["/usr/local/bin/tessera"]
