#!/bin/bash
# Proofs, queries, storage and server memory as the log grows, and full verification of the
# largest log (issue 6, benchmarks 2-6).
#
#   tests/bench/scale.sh BUILD_DIR OUT_DIR [SIZES] [TREE_SIZES]
#
# SIZES (default "10000 100000 1000000") are log sizes in entries, increasing. One log is grown
# in process by vigil_scale_bench (generated domain records, see tests/bench/scale_bench.cc) to
# each size in turn; at each size:
#   1. in process: inclusion/consistency proofs, tiles, trail, stock, bytes on disk per entry
#      -> OUT_DIR/scale_<N>.json, and `mdb_stat -ef -a` of the store -> OUT_DIR/scale_mdbstat_<N>.txt
#   2. `vigil serve` on that log, the same reads over HTTP (4 keep-alive clients), and the
#      server's peak RSS (VmHWM) after them -> OUT_DIR/scale_http_<N>.json
# Then, for each of TREE_SIZES (default 10000000; "" for none), the Merkle tree alone of that
# many synthetic leaves (vigil_scale_bench tree: proofs and level-0 hash tiles in process,
# ~40 s at 10M) -> OUT_DIR/tree_<N>.json.
# Then `vigil verify --data` of the largest log on all cores -> OUT_DIR/verify.json (with the
# ratio to cores x one core's Ed25519 verifications/s, measured just before and after it).
# Then tests/bench/plot.py draws docs/performance-scale.png from every JSON file in OUT_DIR and
# prints the markdown table. Exit status: non-zero if any step failed.
set -euo pipefail

build=${1:?usage: scale.sh BUILD_DIR OUT_DIR [SIZES]}
out=${2:?usage: scale.sh BUILD_DIR OUT_DIR [SIZES]}
sizes=${3:-10000 100000 1000000}
tree_sizes=${4-10000000}
bin=$build/bin
source "$(dirname "$0")/serve.sh"
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil_scale.XXXXXX")
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT

largest=$(echo $sizes | tr ' ' '\n' | sort -n | tail -1)
for n in $sizes; do
  echo "== $n entries: grow in process, measure in process"
  "$bin/vigil_scale_bench" grow --data "$work/log" --entries "$n" --max-entries "$largest" \
    --out "$out/scale_$n.json" >/dev/null
  # Pages per table and the free list (lmdb-utils), to say where the bytes on disk go.
  mdb_stat -ef -a "$work/log/store" > "$out/scale_mdbstat_$n.txt"
  /usr/bin/python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
g = j.get("generate", {})
print("  generated %d records in %.1f s (%.0f/s; Place alone %.0f/s)" % (g.get("records", 0), g.get("wall_s", 0), g.get("records_per_s", 0), g.get("place_records_per_s", 0)))
for k in ("inclusion_proof", "consistency_proof", "hash_tile", "entry_bundle", "trail_first_page", "stock"):
    r = j["inproc"][k]
    print("  %-18s p50 %8.1f us  p99 %8.1f us" % (k, r["p50_us"], r["p99_us"]))
s = j["storage"]
print("  storage: %.0f B/entry on disk, mean entry %.0f B, ratio %.2f" % (s["disk_bytes_per_entry"], s["mean_entry_bytes"], s["ratio_disk_to_entry"]))
' "$out/scale_$n.json"

  echo "== $n entries: over HTTP (vigil serve)"
  start_server "$work/log"
  rss_idle=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
  "$bin/vigil_scale_bench" http --data "$work/log" --server "http://127.0.0.1:$port" \
    --out "$out/scale_http_$n.json" >/dev/null
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
  anon=$(awk '/RssAnon/ {print $2}' "/proc/$server_pid/status")
  file=$(awk '/RssFile/ {print $2}' "/proc/$server_pid/status")
  stop_server
  /usr/bin/python3 -c '
import json, sys
p = sys.argv[1]
j = json.load(open(p))
j["server"] = {"rss_idle_kib": int(sys.argv[2]), "vmhwm_kib": int(sys.argv[3]), "rss_after_kib": int(sys.argv[4]),
               "rss_anon_after_kib": int(sys.argv[5]), "rss_file_after_kib": int(sys.argv[6])}
json.dump(j, open(p, "w"), indent=1)
for k in ("inclusion_proof", "consistency_proof", "hash_tile", "entry_bundle", "trail_first_page", "stock"):
    r = j[k]
    print("  %-18s p50 %8.1f us  p99 %8.1f us  errors %d" % (k, r["p50_us"], r["p99_us"], r["errors"]))
print("  server VmHWM %d KiB (anon %d KiB, file-backed %d KiB after the load)" % (int(sys.argv[3]), int(sys.argv[5]), int(sys.argv[6])))
' "$out/scale_http_$n.json" "$rss_idle" "$hwm" "$rss" "$anon" "$file"
done

for n in $tree_sizes; do
  echo "== $n leaves: the Merkle tree alone, proofs and hash tiles in process"
  "$bin/vigil_scale_bench" tree --data "$work/tree_$n" --entries "$n" --out "$out/tree_$n.json"
  /usr/bin/python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print("  built in %.1f s" % j["build"]["wall_s"])
for k in ("inclusion_proof", "consistency_proof", "hash_tile"):
    r = j["inproc"][k]
    print("  %-18s p50 %8.1f us  p99 %8.1f us" % (k, r["p50_us"], r["p99_us"]))
' "$out/tree_$n.json"
  rm -rf "$work/tree_$n"
done

# Benchmark 2: `vigil verify --data` of the largest log, every entry (signatures, chain, tree,
# checkpoints) and the whole state replayed, on all cores; compared with one core's Ed25519 rate
# measured by vigil_bench just before and just after it (this machine's speed moves by half
# within minutes, so the limit of the run's start is not the limit of this step).
threads=$(nproc)
echo "== full verification of the $largest-entry log (vigil verify --data, $threads threads)"
before=$(ed25519_now)
/usr/bin/python3 - "$bin/vigil" "$work/log" "$threads" "$out" "$work/verify_run.json" <<'PY'
import json, resource, subprocess, sys, time
vigil, log, threads, out, to = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
start = time.monotonic()
run = subprocess.run([vigil, "verify", "--data", log, "--threads", str(threads)],
                     capture_output=True, text=True)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
if run.returncode != 0:
    sys.exit("vigil verify failed: " + run.stdout + run.stderr)
entries = int(run.stdout.split("ok: ")[1].split(" entries")[0])
result = {"entries": entries, "threads": threads, "wall_s": round(wall, 2),
          "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
          "entries_per_s": round(entries / wall, 1), "output": run.stdout.strip()}
json.dump(result, open(to, "w"))
PY
after=$(ed25519_now)
/usr/bin/python3 - "$work/verify_run.json" "$before" "$after" <<'PY' | tee "$out/verify.json"
import json, sys
result = json.load(open(sys.argv[1]))
before, after = int(sys.argv[2]), int(sys.argv[3])
mean = (before + after) / 2
result["limit_ed25519_per_core_s"] = round(mean, 1)
result["limit_ed25519_before_after"] = [round(before, 1), round(after, 1)]
result["ratio_to_cores_x_ed25519"] = round(result["entries_per_s"] / (result["threads"] * mean), 3)
print(json.dumps(result))
PY

echo "== plot"
/usr/bin/python3 "$here/plot.py" "$out" --png "$here/../../docs/performance-scale.png" | tee "$out/scale_table.md"
