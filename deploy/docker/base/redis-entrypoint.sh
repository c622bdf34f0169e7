#!/bin/sh
# The official redis entrypoint's behaviour: flags alone mean `redis-server <flags>`; redis-server
# runs as the redis user with protected mode off.
set -eu
case "$1" in -*|*.conf) set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  chown -R redis:redis /data
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
[ "$1" = redis-server ] && set -- "$@" --protected-mode no
exec "$@"
