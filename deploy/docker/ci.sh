#!/usr/bin/env bash
# CI step: the Docker images and the compose deployment, verified by building and running them.
# Installs Docker (Debian's docker.io and docker-compose) when missing and starts dockerd when it is
# not running; makes the public base images locally when they can't be pulled (base-images.sh);
# builds both images and checks them (non-root, health check, no sources or tests); then runs the
# whole compose stack and, through nginx, uploads with tus (resumed across a `docker-compose
# restart`) and sees a WebSocket event cross nodes (smoke.mjs); tears down with `down -v`.
# Keep /var/lib/docker between runs: a cold run takes 6-15 minutes (compiling better-sqlite3 is most
# of it, and is repeated whenever pnpm-lock.yaml changes), a warm one about 2.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Debian's docker client (BuildKit built in) before any other in /usr/local/bin.
export PATH="/usr/bin:/usr/sbin:/bin:/sbin:$PATH"
export DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1
export COMPOSE_PROJECT_NAME=dropline-ci

step() { printf '\n==> docker: %s\n' "$*"; }

step "engine"
if ! command -v dockerd >/dev/null || ! command -v docker-compose >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose debootstrap >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  nohup dockerd >/var/log/dockerd-ci.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null || { tail -20 /var/log/dockerd-ci.log; exit 1; }
fi
docker version --format 'engine {{.Server.Version}}, client {{.Client.Version}}'
docker-compose version --short

step "base images"
deploy/docker/base-images.sh

step "build"
ca_args=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  # This machine reaches npm through a proxy whose CA only the host trusts: the build stages trust it too.
  cp "$NODE_EXTRA_CA_CERTS" deploy/docker/ca/extra.pem
  ca_args=(--build-arg NODE_EXTRA_CA_CERTS=/tmp/ca/extra.pem)
fi
trap 'rm -f deploy/docker/ca/extra.pem' EXIT
started=$(date +%s)
docker build -q "${ca_args[@]}" -f server.Dockerfile -t dropline-server:latest . >/dev/null
docker build -q "${ca_args[@]}" -f client.Dockerfile -t dropline-nginx:latest . >/dev/null
echo "built in $(( $(date +%s) - started ))s"

step "images: non-root, health-checked, no sources or tests"
for image in dropline-server:latest dropline-nginx:latest; do
  user=$(docker image inspect --format '{{.Config.User}}' "$image")
  health=$(docker image inspect --format '{{if .Config.Healthcheck}}{{join .Config.Healthcheck.Test " "}}{{end}}' "$image")
  [ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || { echo "$image runs as root" >&2; exit 1; }
  [ -n "$health" ] || { echo "$image has no HEALTHCHECK" >&2; exit 1; }
  echo "$image: user $user, health check: $health"
done
docker run --rm --entrypoint sh dropline-server:latest -c '
  set -e
  test -f dist/main.js && test -f dist/worker.js
  for p in src test vitest.config.ts tsconfig.json; do test ! -e "$p" || { echo "runtime image contains $p"; exit 1; }; done
  for dev in vitest typescript tsx tus-js-client socket.io-client; do
    test ! -e "node_modules/$dev" || { echo "runtime image contains the dev dependency $dev"; exit 1; }
  done
  node -e "require(\"better-sqlite3\"); import(\"sharp\")"
  echo "dropline-server: dist only, production dependencies only, native modules load"'

work=$(mktemp -d)
step "compose: every command works without .env"
: > "$work/empty.env"
docker-compose --env-file "$work/empty.env" config -q
docker-compose --env-file "$work/empty.env" ps >/dev/null

cleanup() {
  docker-compose --env-file "$work/ci.env" down -v --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$work" deploy/docker/ca/extra.pem
}
trap cleanup EXIT
port=${DROPLINE_CI_PORT:-18080}
cat > "$work/ci.env" <<ENV
JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')
SEED_USERS=ci-admin@example.com:ci-admin-password-1:admin
DROPLINE_PORT=$port
ENV

step "compose: up"
docker-compose --env-file "$work/ci.env" down -v --remove-orphans >/dev/null 2>&1 || true
started=$(date +%s)
docker-compose --env-file "$work/ci.env" up -d --no-build || { docker-compose --env-file "$work/ci.env" logs --tail 40; exit 1; }
echo "up in $(( $(date +%s) - started ))s"
# No 502 once `up` has returned: nginx started only after both nodes were ready.
for _ in $(seq 1 20); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")
  [ "$code" = 200 ] || { echo "GET /readyz right after up answered $code" >&2; docker-compose --env-file "$work/ci.env" logs --tail 30; exit 1; }
done
for _ in $(seq 1 60); do
  states=$(docker-compose --env-file "$work/ci.env" ps -q | xargs docker inspect --format '{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{else}}no-healthcheck{{end}}')
  echo "$states" | grep -qv ' healthy$' || break
  sleep 2
done
echo "$states"
if echo "$states" | grep -qv ' healthy$'; then echo "not every service is healthy" >&2; docker-compose --env-file "$work/ci.env" logs --tail 30; exit 1; fi
[ "$(echo "$states" | wc -l)" = 6 ] || { echo "expected 6 services" >&2; exit 1; }
# Published on the loopback address only.
docker-compose --env-file "$work/ci.env" port nginx 8080 | grep -q "^127.0.0.1:$port$"

step "compose: uploads and events through nginx"
DROPLINE_URL="http://127.0.0.1:$port" COMPOSE_ENV_FILE="$work/ci.env" \
  node deploy/docker/smoke.mjs || { docker-compose --env-file "$work/ci.env" logs --tail 50; exit 1; }

step "compose: down -v"
docker-compose --env-file "$work/ci.env" down -v --remove-orphans
[ -z "$(docker volume ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")" ]
echo "docker: ok"
