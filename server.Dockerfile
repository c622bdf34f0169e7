# The Node server (API, tus, Socket.IO, workers). Build from the repository root:
#   docker build -f server.Dockerfile -t dropline-server .
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
RUN npm install -g pnpm@10
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY server/package.json server/
COPY client/package.json client/
COPY e2e/package.json e2e/
# The shared wire types: compiled by its `prepare` script during install.
COPY packages/contract packages/contract
RUN pnpm install --frozen-lockfile --filter @dropline/server...
COPY server server
RUN pnpm --filter @dropline/server run build && pnpm --filter @dropline/server deploy --prod --legacy /out

FROM node:20-bookworm-slim
ENV NODE_ENV=production STORAGE_DIR=/data PORT=3000
WORKDIR /app
COPY --from=build /out .
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The same V8 heap settings as `pnpm start`: see the benchmark notes in the README.
CMD ["node", "--initial-old-space-size=64", "--max-semi-space-size=4", "dist/main.js"]
