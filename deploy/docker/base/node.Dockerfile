# Stand-in for the official node:20-bookworm-slim: Debian bookworm with the CI machine's Node.js 20
# (node, npm, corepack and the headers in /usr/local, as there) and a `node` user with uid 1000.
FROM debian:bookworm-slim
COPY usr/local /usr/local
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && ln -s ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]
