# syntax=docker/dockerfile:1
# capsched: the daemon image (`capsched run`). Debian-based on purpose: the Temporal core-bridge
# ships glibc binaries only (no Alpine/musl). Every stage uses the same pinned Node 24 (LTS) image:
# the workflow bundle must be built with the same @temporalio/worker that runs it. CI (.ci/run)
# runs the suite on the same Node 24 line.
#
#   docker build -t capsched --build-arg VERSION=$(node -p 'require("./package.json").version') \
#     --build-arg SOURCE=https://github.com/your-org/capsched .
#   docker run --rm -e TEMPORAL_ADDRESS=… -e TEMPORAL_NAMESPACE=… -e TEMPORAL_API_KEY=… \
#     -e TEMPORAL_CLOUD_API_KEY=… -e CAPSCHED_SOURCE=https://github.com/acme/capacity.git capsched

# ---- build: compile TypeScript and prebuild the workflow bundle ----
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
# Only the bundle script: CI's own scripts (scripts/test-image.sh, …) do not invalidate the build cache.
COPY scripts/build-workflow-bundle.mjs ./scripts/
COPY schema ./schema
# Compiles to dist/ and writes dist/workflow-bundle.js so the worker starts without bundling.
RUN npm run build && test -f dist/workflow-bundle.js

# ---- production dependencies only ----
FROM node:24.22.3-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The Temporal core-bridge ships a prebuilt native module for five platforms (~110 MB of them for
# macOS, Windows and the other Linux arch); keep the one this image's platform loads, and fail the
# build when it is not there.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force \
 && target="$(node -p 'require("@temporalio/core-bridge/common.js").getPrebuiltTargetName()')" \
 && test -f "node_modules/@temporalio/core-bridge/releases/$target/index.node" \
 && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 ! -name "$target" -exec rm -rf {} +

# ---- runtime ----
FROM node:24.22.3-bookworm-slim
# OCI labels: set VERSION and SOURCE at build time (docker build --build-arg …).
ARG VERSION=0.1.0
ARG SOURCE=https://github.com/your-org/capsched
LABEL org.opencontainers.image.title="capsched" \
      org.opencontainers.image.description="Temporal Cloud capacity as code: YAML capacity plans in git become Temporal Schedules that raise and revert namespace capacity." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="MIT"
# git (+ ssh for git@ URLs) runs the plan source's fetches. tini (Debian's) is PID 1: it forwards
# SIGTERM/SIGINT to capsched (which drains and exits) and reaps git's orphaned children, so no
# `docker run --init` is needed.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 capsched \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/capsched --shell /usr/sbin/nologin capsched \
 && mkdir -p /var/lib/capsched \
 && chown 10001:10001 /var/lib/capsched
# The image listens beyond loopback: `capsched run` refuses to start without CAPSCHED_WEBHOOK_SECRET
# (anyone reaching the port could otherwise start passes, each billed Actions), unless
# CAPSCHED_WEBHOOK_INSECURE=1 says so explicitly (docs/daemon.md "GitHub webhook").
ENV NODE_ENV=production \
    HOME=/var/lib/capsched \
    CAPSCHED_WORK_DIR=/var/lib/capsched \
    CAPSCHED_LISTEN=0.0.0.0:9464 \
    CAPSCHED_SDK_METRICS_LISTEN=127.0.0.1:9465
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# dist/ = the compiled JS and every prebuilt workflow bundle (test/ and bench/ never reach the build).
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY schema ./schema
# Numeric non-root user (works with runAsNonRoot in Kubernetes).
USER 10001:10001
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/capsched.js", "run"]
