#!/bin/sh
# Issue 15 items 1 and 2: `vigil serve` against keyless abuse while a normal client works.
#   tests/stress/abuse.sh BUILD OUT [SECONDS]
# abuse.py holds, for SECONDS, 200 connections from 10 addresses that send nothing or trickle a
# header line every 2 s (reconnecting when cut off), 48 more from a single address (over the
# per-address cap of 32), a loop of header bombs (2,000,000 fields, 23 MiB each), bodies
# announced and never sent, and pipelined requests whose answers are never read. Meanwhile a
# normal client times GET /checkpoint on a fresh connection every 50 ms and vigil_append_load
# writes signed registrations at 10/s (open loop). Fails if either p99 is 100 ms or more, if a
# normal request fails, or if the server's RSS grows past 64 MiB above its start. Results:
# OUT/abuse.json, OUT/append.json, OUT/summary.txt.
set -eu
BUILD=$1
OUT=$2
SECS=${3:-60}
VIGIL=$BUILD/bin/vigil
LOAD=$BUILD/bin/vigil_append_load
HERE=$(dirname "$0")
rm -rf "$OUT"
mkdir -p "$OUT"
DATA=$OUT/data
"$VIGIL" init --data "$DATA" --origin abuse.vigil.example/log --province "Hà Nội" > "$OUT/init.log"
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
"$VIGIL" serve --data "$DATA" --listen 127.0.0.1:$PORT --log-level warn > "$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for i in $(seq 100); do
  /usr/bin/python3 -c "import urllib.request; urllib.request.urlopen('$URL/healthz')" 2>/dev/null && break
  sleep 0.1
done
"$LOAD" --server "$URL" --authority "$DATA/keys/authority.key" --clients 4 --records 200 > "$OUT/preload.json"

/usr/bin/python3 "$HERE/abuse.py" --port "$PORT" --pid "$PID" --seconds "$SECS" > "$OUT/abuse.json" &
ABUSE=$!
sleep 3  # the attack is in place before the measured appends start
append_rc=0
"$LOAD" --server "$URL" --authority "$DATA/keys/authority.key" --clients 1 --rate 10 \
  --records $((10 * (SECS - 6))) > "$OUT/append.json" || append_rc=$?
abuse_rc=0
wait $ABUSE || abuse_rc=$?
kill $PID
wait $PID || true
trap - EXIT

/usr/bin/python3 - "$OUT" $append_rc $abuse_rc <<'PY'
import json, sys
out, append_rc, abuse_rc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
a = json.load(open(f"{out}/abuse.json"))
w = json.loads(open(f"{out}/append.json").read().strip().splitlines()[-1])
lines = [
    f"attack: {a['attack']}",
    f"GET /checkpoint (fresh connection each): n={a['normal']['n']} failed={a['normal']['failed']} "
    f"p50={a['normal']['p50_ms']} ms p99={a['normal']['p99_ms']} ms max={a['normal']['max_ms']} ms",
    f"signed append (10/s): n={w.get('records')} errors={w.get('errors')} "
    f"p50={w['latency_ms']['p50']} ms p99={w['latency_ms']['p99']} ms",
    f"server RSS: start={a['rss_kib']['start']} KiB peak={a['rss_kib']['peak']} KiB",
]
ok = (append_rc == 0 and abuse_rc == 0 and a["normal"]["failed"] == 0 and
      a["normal"]["p99_ms"] < 100 and w["latency_ms"]["p99"] < 100 and
      a["rss_kib"]["peak"] - a["rss_kib"]["start"] < 64 * 1024)
lines.append("RESULT " + ("pass" if ok else "FAIL"))
open(f"{out}/summary.txt", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(0 if ok else 1)
PY
