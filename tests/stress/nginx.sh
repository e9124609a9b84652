#!/bin/sh
# Issue 19 item 3: the shipped nginx front (cli/deploy/nginx/vigil.conf, Debian's nginx) in
# front of `vigil serve`, under abuse.py's attack (200 idle and slow connections from 20
# addresses, 48 from one, header bombs, bodies never sent, answers never read), while a normal
# client's GET /checkpoint (fresh connection every 50 ms) and signed appends (vigil_append_load,
# 10/s) go through nginx: both p99 must stay under 100 ms (or 1.5 x the no-attack baseline for
# appends, as abuse.sh), no normal request may fail, and afterwards the outside verifier
# (tests/outside/verify_log.py) must pass through nginx.
#   tests/stress/nginx.sh BUILD OUT [SECONDS]
# Results: OUT/abuse.json, OUT/append.json, OUT/verify.log, OUT/summary.txt; nginx's logs in
# OUT/nginx/logs.
set -eu
BUILD=$1
OUT=$2
SECS=${3:-60}
VIGIL=$BUILD/bin/vigil
LOAD=$BUILD/bin/vigil_append_load
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$OUT"
mkdir -p "$OUT/nginx"
chmod 755 "$OUT" "$OUT/nginx"
DATA=$OUT/data
"$VIGIL" init --data "$DATA" --origin nginx.vigil.example/log --province "Hà Nội" > "$OUT/init.log"
VKEY=$(sed -n 's/^verifier key: //p' "$OUT/init.log")
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(port)
NGX=$(port)
TLS=$(port)
MET=$(port)
"$VIGIL" serve --data "$DATA" --listen 127.0.0.1:$PORT --max-connections-per-client 1024 \
  --log-level warn > "$OUT/serve.log" 2>&1 &
PID=$!
NGINX_PID=
trap 'kill $PID 2>/dev/null || true; [ -n "$NGINX_PID" ] && kill $NGINX_PID 2>/dev/null || true' EXIT
for i in $(seq 100); do
  /usr/bin/python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz')" 2>/dev/null && break
  sleep 0.1
done

# The shipped configuration, its CHANGE lines set for loopback ports; nginx -t, then nginx.
# (vigil_append_load reads /metrics where it appends: the public listener proxies it here.)
CONF=$(/usr/bin/python3 -c "
import sys; sys.path.insert(0, '$HERE/../deploy')
import nginx_front as f
d = '$OUT/nginx'
cert, key = f.make_cert(d)
# The one change beyond the CHANGE lines: vigil_append_load reads the server's /metrics
# through the URL it appends to, so the public listener proxies /metrics in this test.
variant = ('location = /metrics {\\n        return 404;',
           'location = /metrics {\\n        proxy_pass http://vigil;')
conf = f.render_config(d, $PORT, $TLS, $NGX, $MET, d + '/publish', cert, key, variant)
rc, text = f.check_config(d, conf)
sys.stderr.write(text)
print(conf if rc == 0 else '')
")
[ -n "$CONF" ] || { echo "nginx -t failed"; exit 1; }
nginx -p "$OUT/nginx" -c "$CONF" -g 'daemon off;' > "$OUT/nginx/logs/stdout.log" 2>&1 &
NGINX_PID=$!
for i in $(seq 100); do
  /usr/bin/python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$NGX/healthz')" 2>/dev/null && break
  sleep 0.1
done
URL=http://127.0.0.1:$NGX

# Data first, straight to the server (nginx would rate-limit an unthrottled preload).
"$LOAD" --server "http://127.0.0.1:$PORT" --authority "$DATA/keys/authority.key" --clients 4 \
  --records 200 --id-prefix nginx-pre- > "$OUT/preload.json"

/usr/bin/python3 "$HERE/abuse.py" --port "$NGX" --pid "$PID" --seconds 20 --attack 0 > "$OUT/baseline.json" &
BASE=$!
sleep 3
"$LOAD" --server "$URL" --authority "$DATA/keys/authority.key" --clients 1 --rate 10 \
  --records 140 --id-prefix nginx-base- > "$OUT/append-baseline.json"
wait $BASE

/usr/bin/python3 "$HERE/abuse.py" --port "$NGX" --pid "$PID" --seconds "$SECS" \
  --bomb-pause "${BOMB_PAUSE:-0.05}" > "$OUT/abuse.json" &
ABUSE=$!
sleep 3
append_rc=0
"$LOAD" --server "$URL" --authority "$DATA/keys/authority.key" --clients 1 --rate 10 \
  --records $((10 * (SECS - 6))) --id-prefix nginx-atk- > "$OUT/append.json" || append_rc=$?
abuse_rc=0
wait $ABUSE || abuse_rc=$?

verify_rc=0
/usr/bin/python3 "$HERE/../outside/verify_log.py" --server "$URL" --vkey "$VKEY" \
  > "$OUT/verify.log" 2>&1 || verify_rc=$?
kill $NGINX_PID
wait $NGINX_PID || true
kill $PID
wait $PID || true
trap - EXIT

/usr/bin/python3 - "$OUT" $append_rc $abuse_rc $verify_rc <<'PY'
import json, sys
out, append_rc, abuse_rc, verify_rc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
a = json.load(open(f"{out}/abuse.json"))
b = json.load(open(f"{out}/baseline.json"))
w = json.loads(open(f"{out}/append.json").read().strip().splitlines()[-1])
wb = json.loads(open(f"{out}/append-baseline.json").read().strip().splitlines()[-1])
verify = open(f"{out}/verify.log").read().strip().splitlines()
lines = [
    f"through nginx, baseline: GET /checkpoint n={b['normal']['n']} p50={b['normal']['p50_ms']} ms "
    f"p99={b['normal']['p99_ms']} ms; signed append n={wb.get('records')} "
    f"p50={wb['latency_ms']['p50']} ms p99={wb['latency_ms']['p99']} ms",
    f"attack on nginx: {a['attack']}",
    f"GET /checkpoint through nginx: n={a['normal']['n']} failed={a['normal']['failed']} "
    f"p50={a['normal']['p50_ms']} ms p99={a['normal']['p99_ms']} ms max={a['normal']['max_ms']} ms",
    f"signed append through nginx (10/s): n={w.get('records')} errors={w.get('errors')} "
    f"p50={w['latency_ms']['p50']} ms p99={w['latency_ms']['p99']} ms",
    f"vigil serve RSS: start={a['rss_kib']['start']} KiB peak={a['rss_kib']['peak']} KiB",
    f"outside verifier through nginx (exit {verify_rc}): {verify[-1] if verify else ''}",
]
append_limit = max(100, 1.5 * wb["latency_ms"]["p99"])
if append_limit > 100:
    lines.append(f"note: the baseline append p99 is over 100 ms; limit {append_limit:.0f} ms")
ok = (append_rc == 0 and abuse_rc == 0 and verify_rc == 0 and a["normal"]["failed"] == 0 and
      a["normal"]["p99_ms"] < 100 and w["latency_ms"]["p99"] < append_limit)
lines.append("RESULT " + ("pass" if ok else "FAIL"))
open(f"{out}/summary.txt", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(0 if ok else 1)
PY
