#!/bin/sh
# Issue 7, suite 5: sustained mixed read/write load on `vigil serve` over loopback.
#   tests/stress/load.sh BUILD OUT [SECONDS]   (RATE=appends/s, default 50; READERS=wrk connections)
# wrk (Debian) sends public reads (checkpoint, tiles, proofs, log info, health) as fast as it
# can while vigil_append_load --rate writes signed registrations at RATE/s (open loop); the
# server's VmRSS is sampled every 5 s. Fails on any wrk socket error or non-2xx/3xx answer, any
# append that is not 201, anonymous RSS in the second half above 1.5x the first half's peak, or a store
# that does not verify afterwards. Results: OUT/wrk.txt, OUT/append.json, OUT/rss.tsv,
# OUT/summary.txt.
set -eu
BUILD=$1
OUT=$2
SECS=${3:-180}
RATE=${RATE:-50}
READERS=${READERS:-8}
VIGIL=$BUILD/bin/vigil
LOAD=$BUILD/bin/vigil_append_load
command -v wrk >/dev/null || { echo "wrk is not installed (make stress installs it)"; exit 2; }
rm -rf "$OUT"
mkdir -p "$OUT"
DATA=$OUT/data
"$VIGIL" init --data "$DATA" --origin stress.vigil.example/log --province "Hà Nội" > "$OUT/init.log"
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
"$VIGIL" serve --data "$DATA" --listen 127.0.0.1:$PORT --log-level warn > "$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for i in $(seq 100); do
  /usr/bin/python3 -c "import urllib.request; urllib.request.urlopen('$URL/healthz')" 2>/dev/null && break
  sleep 0.1
done

# 600 entries first, so that the reads have full tiles and proofs to ask for.
"$LOAD" --server "$URL" --authority "$DATA/keys/authority.key" --clients 8 --records 600 > "$OUT/preload.json"

cat > "$OUT/reads.lua" <<'LUA'
local paths = {"/checkpoint", "/tile/0/000", "/tile/0/001", "/tile/1/000.p/2",
               "/v1/proof/inclusion?seq=17&size=512", "/v1/proof/consistency?from=100&to=600",
               "/v1/proof/inclusion?seq=300&size=600", "/v1/log", "/healthz"}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d seconds=%.1f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "connect=%d read=%d write=%d timeout=%d non2xx3xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, e.connect, e.read, e.write, e.timeout, e.status))
end
LUA

# VmRSS, and its anonymous part (heap, stacks) and file part (the store's map: it grows with the
# log, and the kernel may drop it at any time).
rss() { awk '/^(VmRSS|RssAnon|RssFile)/ {printf "\t%s", $2}' /proc/$PID/status; }
( t=0; while kill -0 $PID 2>/dev/null; do printf '%d%s\n' $t "$(rss)"; sleep 5; t=$((t + 5)); done ) > "$OUT/rss.tsv" &
SAMPLER=$!

wrk -t1 -c"$READERS" -d"${SECS}s" --timeout 5s --latency -s "$OUT/reads.lua" "$URL" > "$OUT/wrk.txt" 2>&1 &
WRK=$!
append_rc=0
"$LOAD" --server "$URL" --authority "$DATA/keys/authority.key" --clients 8 --rate "$RATE" \
  --records $((RATE * SECS)) > "$OUT/append.json" || append_rc=$?
wrk_rc=0
wait $WRK || wrk_rc=$?
sleep 1
kill $SAMPLER 2>/dev/null || true
kill $PID
wait $PID || true
trap - EXIT
verify_rc=0
"$VIGIL" verify --data "$DATA" > "$OUT/verify.txt" 2>&1 || verify_rc=$?

/usr/bin/python3 - "$OUT" "$SECS" "$RATE" "$READERS" $append_rc $wrk_rc $verify_rc <<'PY'
import json, re, sys
out, secs, rate, readers, append_rc, wrk_rc, verify_rc = sys.argv[1], *map(int, sys.argv[2:])
wrk = open(f"{out}/wrk.txt").read()
m = re.search(r"^WRK (.*)$", wrk, re.M)
w = {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())} if m else {}
a = json.loads(open(f"{out}/append.json").read().strip().splitlines()[-1])
rows = [list(map(int, l.split())) for l in open(f"{out}/rss.tsv") if len(l.split()) == 4]
rss = [(r[0], r[1]) for r in rows]
anon = [(r[0], r[2]) for r in rows]
half = len(anon) // 2
first = max(k for _, k in anon[:half]) if half else 0
second = max(k for _, k in anon[half:]) if anon else 0
problems = []
if wrk_rc or not w: problems.append(f"wrk failed (exit {wrk_rc})")
for k in ("connect", "read", "write", "timeout", "non2xx3xx"):
    if w.get(k, 1): problems.append(f"wrk {k} errors: {w.get(k)}")
if append_rc or a["errors"]: problems.append(f"appends: exit {append_rc}, {a['errors']} not 201, first: {a.get('first_error')}")
if not rss or second > 1.5 * first: problems.append(f"anonymous RSS grew: first half peak {first} kB, second half peak {second} kB")
if verify_rc: problems.append(f"verify --data exit {verify_rc}")
lines = [
    f"load: {secs} s, wrk {readers} connections on 9 public read paths + vigil_append_load --rate {rate} (8 clients)",
    f"reads: {int(w.get('requests', 0))} requests, {w.get('rps', 0):.0f}/s, p50 {w.get('p50_ms', 0):.2f} ms, p90 {w.get('p90_ms', 0):.2f} ms, p99 {w.get('p99_ms', 0):.2f} ms, max {w.get('max_ms', 0):.2f} ms; socket errors {int(w.get('connect',0)+w.get('read',0)+w.get('write',0)+w.get('timeout',0))}, non-2xx/3xx {int(w.get('non2xx3xx', 0))}",
    f"appends: {a['ok_201']}/{a['records']} answered 201, {a['records_per_s']}/s, p50 {a['latency_ms']['p50']} ms, p90 {a['latency_ms']['p90']} ms, p99 {a['latency_ms']['p99']} ms, max {a['latency_ms']['max']} ms, mean batch {a['mean_batch']}",
    "RSS kB over time (s:VmRSS/RssAnon/RssFile): " + " ".join(f"{r[0]}:{r[1]}/{r[2]}/{r[3]}" for r in rows[:: max(1, len(rows) // 12)]) + f" (last {rows[-1][0]}:{rows[-1][1]}/{rows[-1][2]}/{rows[-1][3]})" if rows else "RSS: none",
    f"RssAnon peak first half {first} kB, second half {second} kB; store file {__import__('os').path.getsize(out + '/data/store/data.mdb') // 1024} kB; verify --data after the run: exit {verify_rc}",
    "PASS" if not problems else "FAIL: " + "; ".join(problems),
]
open(f"{out}/summary.txt", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(1 if problems else 0)
PY
