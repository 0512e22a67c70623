# One image for the api, worker, migrate and fake-provider services of docker-compose.yml (the command differs).
# TypeScript runs through tsx, as in development; only the console (a static single-page app) is built, in its own
# stage, and copied in.
FROM node:20-bookworm-slim AS console
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY client ./client
COPY console ./console
RUN npm run console:build

FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false

# Dependencies first, so source edits do not reinstall them. tsx is a runtime dependency; typescript and @types are not
# needed to run. Install scripts (esbuild, @swc/core) only verify their prebuilt platform binaries.
COPY package.json package-lock.json ./
COPY scripts/prepare.mjs ./scripts/prepare.mjs
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=console /build/console/dist ./console/dist

# Only the sources (node_modules, .venv and data/ from the build context must not end up in the image).
COPY tsconfig.json ./
COPY lib ./lib
COPY migrations ./migrations
COPY api ./api
COPY worker ./worker
COPY workflows ./workflows
COPY activities ./activities
COPY fake-provider ./fake-provider
COPY scripts ./scripts
COPY plugins ./plugins

# tsx keeps its transform cache in the OS temp dir; the worker bundles workflows at start-up (webpack + swc).
USER node
EXPOSE 3000 9090
CMD ["npx", "tsx", "api/main.ts"]
