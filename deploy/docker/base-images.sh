#!/usr/bin/env bash
# Makes local stand-ins for the public base images that server.Dockerfile, client.Dockerfile and
# docker-compose.yml name, for a machine that reaches a Debian mirror but no image registry (this
# project's CI). They are built from Debian bookworm packages alone: a `debootstrap --variant=minbase`
# root file system imported as debian:bookworm-slim, this machine's Node.js 20 added for the node
# image, Debian's nginx, PostgreSQL 15 and Redis 7 for the others. Each keeps the name and the
# entrypoint behaviour the project relies on (see deploy/docker/base/). Images that exist are kept.
set -euo pipefail
export PATH="/usr/bin:/usr/sbin:/bin:/sbin:$PATH"
cd "$(dirname "$0")/base"

have() { docker image inspect "$1" >/dev/null 2>&1; }
say() { printf '  base image %s\n' "$*"; }

if ! have debian:bookworm-slim; then
  say "debian:bookworm-slim: debootstrap --variant=minbase from this machine's Debian mirror"
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  rootfs=$(mktemp -d /var/tmp/dropline-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >/dev/null
  # Like the official slim image: no package lists or caches, apt pointed at the same mirror.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - debian:bookworm-slim >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
fi

if ! have node:20-bookworm-slim; then
  say "node:20-bookworm-slim: debian:bookworm-slim + this machine's Node.js $(node --version)"
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$node_major" = 20 ] || { echo "Node.js 20 is needed on this machine (found $(node --version))" >&2; exit 1; }
  context=$(mktemp -d)
  trap 'rm -rf "$context"' EXIT
  # Laid out as in the official image: /usr/local/{bin,lib/node_modules,include/node}.
  node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  mkdir -p "$context/usr/local/bin" "$context/usr/local/lib" "$context/usr/local/include"
  cp "$node_prefix/bin/node" "$context/usr/local/bin/"
  cp -a "$node_prefix/include/node" "$context/usr/local/include/"
  mkdir -p "$context/usr/local/lib/node_modules"
  cp -a "$node_prefix/lib/node_modules/npm" "$node_prefix/lib/node_modules/corepack" "$context/usr/local/lib/node_modules/"
  cp node.Dockerfile "$context/Dockerfile"
  docker build -q -t node:20-bookworm-slim "$context" >/dev/null
  rm -rf "$context"
  trap - EXIT
fi

build() { # image, Dockerfile
  have "$1" && return
  say "$1: debian:bookworm-slim + Debian's packages ($2)"
  docker build -q -t "$1" -f "$2" . >/dev/null
}
build nginx:stable-bookworm nginx.Dockerfile
build postgres:15-bookworm postgres.Dockerfile
build redis:7-bookworm redis.Dockerfile
