# syntax=docker/dockerfile:1
# capsched: the daemon image. Debian-based on purpose: the Temporal core-bridge ships glibc
# binaries only (no Alpine/musl).

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
ENV NODE_ENV=production \
    CAPSCHED_LISTEN=0.0.0.0:9464
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
COPY package.json ./
COPY bin ./bin
COPY schema ./schema
# Numeric non-root user (works with runAsNonRoot in Kubernetes).
USER 10001:10001
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/capsched.js", "run"]
