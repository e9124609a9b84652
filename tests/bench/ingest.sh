#!/bin/bash
# Durable ingest over HTTP (issue 6, benchmark 1), with the machine's limits from the same run.
#
#   tests/bench/ingest.sh BUILD_DIR OUT_DIR [RECORDS]
#
# 1. vigil_bench's limits (Ed25519 verifications/s on one core, SHA-256, LMDB commits and puts)
#    and the writer's in-process ceiling -> OUT_DIR/micro.json
# 2. a fresh log served by `vigil serve`; vigil_append_load at full speed with 64 clients
#    -> OUT_DIR/ingest_full.json
# 3. the same at half the rate reached in 2, paced (open loop) -> OUT_DIR/ingest_half.json
# 4. the HTTP floor: wrk with 64 connections on GET /healthz (no body, no crypto, no store) and
#    the server's CPU per request from /proc -> OUT_DIR/http_floor.json
# The load tool also reports CPU time per record (server and clients), from the server's
# process_cpu_seconds_total and its own getrusage, and the server's peak RSS.
# Prints one summary line per figure. Exit status: non-zero if any step failed.
set -euo pipefail

build=${1:?usage: ingest.sh BUILD_DIR OUT_DIR [RECORDS]}
out=${2:?usage: ingest.sh BUILD_DIR OUT_DIR [RECORDS]}
records=${3:-20000}
bin=$build/bin
source "$(dirname "$0")/serve.sh"
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil_ingest.XXXXXX")
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "== limits and writer ceiling (vigil_bench)"
"$bin/vigil_bench" --benchmark_format=json --benchmark_out="$out/micro.json" \
  --benchmark_out_format=json >/dev/null

"$bin/vigil" init --data "$work/log" --origin bench.example/log >/dev/null
start_server "$work/log"

echo "== ingest, 64 clients, as fast as they can"
"$bin/vigil_append_load" --server "http://127.0.0.1:$port" --authority "$work/log/keys/authority.key" \
  --clients 64 --records "$records" --id-prefix full- | tee "$out/ingest_full.json"
full_rate=$(/usr/bin/python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["records_per_s"]))' "$out/ingest_full.json")

echo "== ingest at half that rate ($((full_rate / 2))/s), 64 clients, paced"
"$bin/vigil_append_load" --server "http://127.0.0.1:$port" --authority "$work/log/keys/authority.key" \
  --clients 64 --records "$records" --id-prefix half- --rate $((full_rate / 2)) | tee "$out/ingest_half.json"

echo "== HTTP floor: wrk, 64 connections, GET /healthz for 5 s"
ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
before=$(ticks)
wrk -t2 -c64 -d5s "http://127.0.0.1:$port/healthz" > "$work/wrk.txt"
after=$(ticks)
/usr/bin/python3 - "$work/wrk.txt" "$((after - before))" "$(getconf CLK_TCK)" <<'PY' | tee "$out/http_floor.json"
import json, re, sys
text = open(sys.argv[1]).read()
requests = int(re.search(r"(\d+) requests in", text).group(1))
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
cpu_s = int(sys.argv[2]) / int(sys.argv[3])
print(json.dumps({"path": "/healthz", "connections": 64, "requests": requests,
                  "requests_per_s": round(rate, 1),
                  "server_cpu_us_per_request": round(cpu_s * 1e6 / requests, 1)}))
PY
