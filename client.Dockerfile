# The web client, served by nginx, which also proxies /api and /socket.io to the server.
#   docker build -f client.Dockerfile -t dropline-client .
FROM node:20-bookworm-slim AS build
RUN npm install -g pnpm@10
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY server/package.json server/
COPY client/package.json client/
COPY e2e/package.json e2e/
# The shared wire types: compiled by its `prepare` script during install.
COPY packages/contract packages/contract
RUN pnpm install --frozen-lockfile --filter @dropline/client...
COPY client client
RUN pnpm --filter @dropline/client run build

FROM nginx:1.27-alpine
COPY nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /app/client/dist /usr/share/nginx/html
EXPOSE 8080
