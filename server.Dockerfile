# The Node server (API, tus, Socket.IO); with `node dist/worker.js` as its command, a worker.
# Build from the repository root:  docker build -f server.Dockerfile -t dropline-server .
FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary can be fetched, @dropline/openssl
# always: a toolchain and Node's own headers (in /usr/local/include/node, so node-gyp downloads nothing).
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
# Unset for everyone but builds behind a TLS-intercepting proxy: see deploy/docker/ca/README.txt.
ARG NODE_EXTRA_CA_CERTS
COPY deploy/docker/ca/ /tmp/ca/
RUN npm install -g pnpm@10.34.9
WORKDIR /app
# Manifests first: the dependency layer is rebuilt only when they change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY server/package.json server/
COPY client/package.json client/
COPY e2e/package.json e2e/
# The root depends on the CLI (so `npx @dropline/cli` works in a checkout): install builds it too.
COPY cli cli
# The shared wire types: compiled by its `prepare` script during install. Node's OpenSSL for the
# hot paths (packages/openssl, native): compiled by node-gyp during install.
COPY packages/contract packages/contract
COPY packages/openssl packages/openssl
RUN pnpm install --frozen-lockfile --filter @dropline/server...
COPY server server
RUN pnpm --filter @dropline/server run build \
 && pnpm --filter @dropline/server deploy --prod --legacy /out

# The runtime: the built server and its production dependencies, no sources, tests or toolchain.
FROM node:20-bookworm-slim
ENV NODE_ENV=production STORAGE_DIR=/data PORT=3000
WORKDIR /app
COPY --from=build /out .
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
# Ready, not just alive: the database (and Redis) answer, and the node is not draining.
HEALTHCHECK --interval=5s --timeout=10s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The same V8 heap settings as `pnpm start`: see the benchmark notes in the README.
CMD ["node", "--initial-old-space-size=128", "--max-semi-space-size=4", "dist/main.js"]
