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
# 5. the generated mix through the batch route (POST /v1/entries:batch, 1000 records a request)
#    -> OUT_DIR/ingest_batch.json, when the server has the route (skipped with a note if not)
# 6. ONE busy business (a chemical distributor, tests/bench/busy_business.h) in a log of its own:
#    the limits again (Ed25519 on one core, durable LMDB commits -> OUT_DIR/limits_business.json),
#    then at each of BUSINESS_POINTS prior records of the business (history grown in process by
#    `vigil_append_load grow`, through the real append path, with the server stopped), the server
#    is started and takes BUSINESS_RECORDS records of each workload over 64 connections: honest
#    (`--workload business`), the dishonest-but-valid mix that raises alerts (`--workload
#    mixed`) and honest through the batch route (if present); at the last point also both at half
#    the rate measured there (p99 latency) -> OUT_DIR/business_<workload>_<point>.json, all of
#    them in OUT_DIR/ingest_business.json, and plot_business.py draws CPU per record against the
#    business's prior records (docs/performance-business.png).
# The load tool also reports CPU time per record (server and clients), from the server's
# process_cpu_seconds_total and its own getrusage, and the server's peak RSS. Every flat-out
# run is bracketed by one core's Ed25519 rate measured just before and just after it (serve.sh
# `bracketed`): its JSON gets "ed25519_before_after" and "ratio_to_ed25519" (to their mean),
# because this machine's speed moves by half within minutes.
# Prints one summary line per figure. Exit status: non-zero if any step failed.
set -euo pipefail

build=${1:?usage: ingest.sh BUILD_DIR OUT_DIR [RECORDS]}
out=${2:?usage: ingest.sh BUILD_DIR OUT_DIR [RECORDS]}
records=${3:-20000}
business_points=${BUSINESS_POINTS:-1000 10000 100000}
business_records=${BUSINESS_RECORDS:-2000}
bin=$build/bin
source "$(dirname "$0")/serve.sh"
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil_ingest.XXXXXX")
server_pid=
stop_server() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  server_pid=
}
cleanup() {
  stop_server || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== limits and writer ceiling (vigil_bench)"
"$bin/vigil_bench" --benchmark_format=json --benchmark_out="$out/micro.json" \
  --benchmark_out_format=json >/dev/null

"$bin/vigil" init --data "$work/log" --origin bench.example/log >/dev/null
start_server "$work/log"

echo "== ingest, 64 clients, as fast as they can"
bracketed "$out/ingest_full.json" "$bin/vigil_append_load" --server "http://127.0.0.1:$port" \
  --authority "$work/log/keys/authority.key" --clients 64 --records "$records" --id-prefix full-
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

# 201/200 when the server has the batch route (an empty batch is refused with 400 by a server
# that has it; 404 when it has not).
has_batch_route() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data '{"entries":[]}' "http://127.0.0.1:$port/v1/entries:batch")
  [ "$code" != 404 ] && [ "$code" != 405 ]
}
rate_of() { /usr/bin/python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["records_per_s"]))' "$1"; }

echo "== ingest through the batch route, 1000 records a request, 64 clients"
if has_batch_route; then
  bracketed "$out/ingest_batch.json" "$bin/vigil_append_load" --server "http://127.0.0.1:$port" \
    --authority "$work/log/keys/authority.key" --clients 64 --records "$records" \
    --id-prefix batch- --batch 1000
else
  echo '{"skipped": "this server has no POST /v1/entries:batch"}' | tee "$out/ingest_batch.json"
fi
stop_server
/usr/bin/python3 - "$out" <<'PY'
import json, os, sys
for name, what in (("ingest_full", "generated mix, single appends"),
                   ("ingest_batch", "generated mix, batch route")):
    r = json.load(open(os.path.join(sys.argv[1], name + ".json")))
    if "ratio_to_ed25519" in r:
        print("%s: %.0f records/s = %.2f of one core's Ed25519 (%d/s before, %d/s after)"
              % (what, r["records_per_s"], r["ratio_to_ed25519"], *r["ed25519_before_after"]))
PY

echo "== one busy business: limits of this part of the run"
"$bin/vigil_bench" --benchmark_filter='limit_ed25519_verify|limit_lmdb_commit' --benchmark_format=json \
  --benchmark_out="$out/limits_business.json" --benchmark_out_format=json >/dev/null
biz=$work/business
points=($business_points)
for point in "${points[@]}"; do
  echo "== one busy business at $point prior records: growing its history in process"
  "$bin/vigil_append_load" grow --data "$biz" --to "$point" --state "$work/business_state.json"
  start_server "$biz"
  for workload in business mixed; do
    echo "== $workload, $point prior records, 64 clients, as fast as they can"
    bracketed "$out/business_${workload}_${point}.json" "$bin/vigil_append_load" \
      --server "http://127.0.0.1:$port" --workload "$workload" \
      --state "$work/business_state.json" --clients 64 --records "$business_records"
  done
  if has_batch_route; then
    echo "== business through the batch route, $point prior records, 1000 a request"
    bracketed "$out/business_batch_${point}.json" "$bin/vigil_append_load" \
      --server "http://127.0.0.1:$port" --workload business --batch 1000 \
      --state "$work/business_state.json" --clients 64 --records "$business_records"
  fi
  if [ "$point" = "${points[-1]}" ]; then
    for workload in business mixed; do
      half=$(( $(rate_of "$out/business_${workload}_${point}.json") / 2 ))
      echo "== $workload at half that rate (${half}/s), $point prior records, 64 clients, paced"
      "$bin/vigil_append_load" --server "http://127.0.0.1:$port" --workload "$workload" \
        --state "$work/business_state.json" --clients 64 --records "$business_records" \
        --rate "$half" | tee "$out/business_${workload}_half_${point}.json"
    done
  fi
  stop_server
done
/usr/bin/python3 - "$out" $business_points <<'PY' > "$out/ingest_business.json"
import glob, json, os, sys
out, points = sys.argv[1], sys.argv[2:]
def load(name):
    path = os.path.join(out, name)
    return json.load(open(path)) if os.path.exists(path) else None
def limit(prefix):
    for b in load("limits_business.json")["benchmarks"]:
        if b["name"].startswith(prefix):
            return round(b["items_per_second"])
result = {"limits": {"ed25519_verify_per_s_one_core": limit("limit_ed25519_verify"),
                     "lmdb_durable_commits_per_s": limit("limit_lmdb_commit")},
          "points": []}
for p in points:
    row = {"prior_records": int(p)}
    for w in ("business", "mixed", "batch", "business_half", "mixed_half"):
        r = load("business_%s_%s.json" % (w, p))
        if r is not None:
            row[w] = r
    result["points"].append(row)
print(json.dumps(result, indent=1))
PY
/usr/bin/python3 "$(dirname "$0")/plot_business.py" "$out/ingest_business.json" \
  --png "$(dirname "$0")/../../docs/performance-business.png"
