# syntax=docker/dockerfile:1
# capsched: the daemon image (`capsched run`). Debian-based on purpose: the Temporal core-bridge
# ships glibc binaries only (no Alpine/musl). Every stage uses the same pinned Node 20 image:
# the workflow bundle must be built with the same @temporalio/worker that runs it.
#
#   docker build -t capsched .
#   docker run --rm -e TEMPORAL_ADDRESS=… -e TEMPORAL_NAMESPACE=… -e TEMPORAL_API_KEY=… \
#     -e TEMPORAL_CLOUD_API_KEY=… -e CAPSCHED_SOURCE=https://github.com/acme/capacity.git capsched

# ---- build: compile TypeScript and prebuild the workflow bundle ----
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY scripts ./scripts
COPY schema ./schema
# Compiles to dist/ and writes dist/workflow-bundle.js so the worker starts without bundling.
RUN npm run build && test -f dist/workflow-bundle.js

# ---- production dependencies only ----
FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ----
FROM node:20.20.2-bookworm-slim
# git (+ ssh for git@ URLs) runs the plan source's fetches. Run with `docker run --init` (or a
# pod's shareProcessNamespace) so git's children are reaped; capsched itself handles SIGTERM.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 capsched \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/capsched --shell /usr/sbin/nologin capsched \
 && mkdir -p /var/lib/capsched \
 && chown 10001:10001 /var/lib/capsched
ENV NODE_ENV=production \
    HOME=/var/lib/capsched \
    CAPSCHED_WORK_DIR=/var/lib/capsched \
    CAPSCHED_LISTEN=0.0.0.0:9464
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
ENTRYPOINT ["node", "bin/capsched.js", "run"]
