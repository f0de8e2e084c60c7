# syntax=docker/dockerfile:1
#
# One image for both Herald processes: the API (default CMD) and the Temporal worker (compose overrides CMD).
# Node 24 runs the TypeScript source directly (type stripping), so there is no build stage, only a
# production dependency install. Debian (glibc) rather than Alpine: the native modules (Temporal core
# bridge, SWC used by the workflow bundler) come as prebuilt glibc binaries.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# Only the manifests, so this layer is rebuilt only when dependencies change.
COPY package.json package-lock.json ./
# Dependency install scripts run only for packages allowed in package.json's `allowScripts`.
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HERALD_DATA_DIR=/data \
    PORT=3000
WORKDIR /app

# Code stays root-owned, so the app cannot rewrite itself; only /data (the dev JWT key pair and other
# local state) is writable by the unprivileged user. A fresh named volume mounted on /data copies this
# ownership, so it is writable too.
RUN mkdir /data && chown node:node /data

COPY --from=deps /app/node_modules ./node_modules
# The build context is an allowlist (.dockerignore): package.json, package-lock.json, tsconfig.json and
# server/ workflows/ activities/ client-sdk/ scripts/. Copying it whole, instead of one COPY per folder,
# keeps the build working while a listed folder is absent (client-sdk/ is still empty, so git has none).
COPY . .

USER node
EXPOSE 3000

# Liveness only (/healthz): readiness (/readyz) depends on PostgreSQL and Temporal, and an outage there
# should not get the API restarted. Slim images have no curl, so Node's fetch does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM itself, which Herald handles for a graceful stop.
CMD ["node", "--max-semi-space-size=8", "server/entrypoints/api.ts"]
