# The web client, served by nginx, which also spreads /api and /socket.io over the server nodes
# (nginx.conf). Build from the repository root:  docker build -f client.Dockerfile -t dropline-nginx .
FROM node:20-bookworm-slim AS build
# Unset for everyone but builds behind a TLS-intercepting proxy: see deploy/docker/ca/README.txt.
ARG NODE_EXTRA_CA_CERTS
COPY deploy/docker/ca/ /tmp/ca/
RUN npm install -g pnpm@10.34.9
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY server/package.json server/
COPY client/package.json client/
COPY e2e/package.json e2e/
# The root depends on the CLI (so `npx @dropline/cli` works in a checkout): install builds it too.
COPY cli cli
# The shared wire types: compiled by its `prepare` script during install.
COPY packages/contract packages/contract
RUN pnpm install --frozen-lockfile --filter @dropline/client...
COPY client client
RUN pnpm --filter @dropline/client run build

# The runtime: nginx as the unprivileged nginx user, the built client and the site configuration.
FROM nginx:stable-bookworm
COPY deploy/docker/nginx-main.conf /etc/nginx/nginx.conf
COPY nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /app/client/dist /usr/share/nginx/html
USER nginx
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=10s --start-period=60s --retries=3 CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/"]
CMD ["nginx", "-g", "daemon off;"]
