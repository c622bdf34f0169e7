#!/usr/bin/env bash
# A throw-away, single-host Ceph cluster with a RADOS Gateway: a real S3 server for tests and benches.
#   scripts/s3-gateway.sh start DIR [PORT]   starts mon + osd + rgw from an empty DIR, prints S3_* lines
#   scripts/s3-gateway.sh stop DIR           stops them by PID and removes DIR
# Everything binds to 127.0.0.1; auth between daemons is off (nothing else can reach them); S3 clients
# sign with the access key below. Needs Debian's radosgw, ceph-mon and ceph-osd (Ceph 16).
set -euo pipefail

cmd=${1:?usage: s3-gateway.sh start|stop DIR [PORT]}
dir=${2:?usage: s3-gateway.sh start|stop DIR [PORT]}

stop() {
  # Daemons remove their pid files as they exit, so read every pid first.
  local pids=() pid
  for pidfile in "$dir"/run/*.pid; do
    [ -f "$pidfile" ] && pid=$(cat "$pidfile" 2>/dev/null) && pids+=("$pid")
  done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$dir"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: s3-gateway.sh start|stop DIR [PORT]" >&2; exit 2; }

mkdir -p "$dir"/{mon,osd,run,log}
dir=$(cd "$dir" && pwd)
rgw_port=${3:-$(free_port)}
mon_port=$(free_port)
fsid=$(cat /proc/sys/kernel/random/uuid)
conf="$dir/ceph.conf"
access_key=dropline-test-access
secret_key=dropline-test-secret-key-0123456789

cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
# With auth off the messenger still has to agree on a mode, or radosgw cannot reach the monitor.
ms mon client mode = crc secure
ms mon cluster mode = crc secure
ms mon service mode = crc secure
run dir = $dir/run
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
admin socket = $dir/run/\$name.asok
# One OSD: pools of one copy and few placement groups.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
# Start in seconds, not tens of seconds.
paxos propose interval = 0.05
mon osd full ratio = 0.99
mon osd backfillfull ratio = 0.99
mon osd nearfull ratio = 0.99
osd failsafe full ratio = 0.999
[mon.a]
mon data = $dir/mon
[osd.0]
osd data = $dir/osd
osd objectstore = bluestore
# Bluestore wants its block file outside its data directory.
bluestore block path = $dir/osd-block
bluestore block create = true
bluestore block size = 21474836480
osd memory target = 939524096
bluestore cache autotune = false
bluestore cache size = 134217728
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw dns name = 127.0.0.1
rgw data = $dir/rgw
# Deleted objects go in seconds, so a test can see that bytes are gone.
rgw gc obj min wait = 2
rgw gc processor period = 2
rgw lc debug interval = 10
CONF

monmaptool --create --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$fsid" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" -i a --mkfs --monmap "$dir/monmap" >/dev/null
ceph-mon -c "$conf" -i a 2>>"$dir/log/daemons.err"
for _ in $(seq 1 100); do ceph -c "$conf" --connect-timeout 2 mon stat >/dev/null 2>&1 && break; sleep 0.1; done

osd_uuid=$(cat /proc/sys/kernel/random/uuid)
ceph -c "$conf" --connect-timeout 20 osd new "$osd_uuid" 0 >/dev/null
ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1
ceph-osd -c "$conf" -i 0 2>>"$dir/log/daemons.err"
for _ in $(seq 1 200); do
  ceph -c "$conf" osd stat 2>/dev/null | grep -q '1 up' && break
  sleep 0.1
done

mkdir -p "$dir/rgw"
radosgw -c "$conf" -n client.rgw 2>>"$dir/log/daemons.err"
for _ in $(seq 1 300); do
  curl -s -o /dev/null "http://127.0.0.1:$rgw_port/" && break
  sleep 0.1
done
radosgw-admin -c "$conf" user create --uid=dropline --display-name=Dropline \
  --access-key="$access_key" --secret-key="$secret_key" >/dev/null

tee "$dir/s3.env" <<OUT
S3_ENDPOINT=http://127.0.0.1:$rgw_port
S3_REGION=us-east-1
S3_ACCESS_KEY_ID=$access_key
S3_SECRET_ACCESS_KEY=$secret_key
S3_FORCE_PATH_STYLE=true
OUT
