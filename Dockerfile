# syntax=docker/dockerfile:1
# One image for the whole monorepo; docker-compose.yml runs the gateway and the
# sync workers from it with different commands.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: every dependency, then the TypeScript build -------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The manifests first, so that the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY analysis-core/package.json analysis-core/
COPY contract/package.json contract/
COPY kit/package.json kit/
COPY couch/package.json couch/
COPY mobile-sdk/package.json mobile-sdk/
COPY store/package.json store/
COPY server/package.json server/
COPY sync/package.json sync/
COPY fleet/package.json fleet/
COPY demo/package.json demo/
# --ignore-scripts: the root `prepare` script builds, and the sources are not here yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# Only what the image runs: the gateway, the worker and what they import (analysis-core, contract, couch, the service kit).
RUN npx tsc -b server sync

# ---- runtime: production dependencies and the built packages, non-root ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY analysis-core/package.json analysis-core/
COPY contract/package.json contract/
COPY kit/package.json kit/
COPY couch/package.json couch/
COPY mobile-sdk/package.json mobile-sdk/
COPY store/package.json store/
COPY server/package.json server/
COPY sync/package.json sync/
COPY fleet/package.json fleet/
COPY demo/package.json demo/
# --ignore-scripts: `prepare` needs TypeScript, a dev dependency.
# Only the gateway's and the worker's packages: the embedded store (a workspace, a development
# tool declared at the root) and the SDK's, demo's and simulator's dependencies stay out.
RUN npm ci --omit=dev --workspace server --workspace sync --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/analysis-core/dist analysis-core/dist
COPY --from=build /app/contract/dist contract/dist
COPY --from=build /app/kit/dist kit/dist
COPY --from=build /app/couch/dist couch/dist
COPY --from=build /app/server/dist server/dist
COPY --from=build /app/sync/dist sync/dist
# The workers' DATA_DIR in docker-compose.yml: a new named volume takes this folder's owner, so the node user can write its secrets.
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
EXPOSE 3000
CMD ["node", "server/dist/main.js"]
