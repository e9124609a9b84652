# Sourced by the bench scripts: start_server DATA_DIR [WRAPPER...] starts `vigil serve` on a
# free loopback port ($bin must be set), under WRAPPER if given (e.g. valgrind and its
# options), and waits until /healthz answers (10 s; 100 s under a wrapper, which is slow to
# start); it sets $port and $server_pid.
start_server() {
  local data=$1 tries=100
  shift
  [ $# -gt 0 ] && tries=1000
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # 64 load connections and wrk's from one address: above the default per-address limit (32);
  # one busy business appending flat out: far above the default hourly quota, which stays on
  # (accounted, never reached) at 100M records and 1 TB an hour.
  "$@" "$bin/vigil" serve --data "$data" --listen "127.0.0.1:$port" --log-level warn \
    --max-connections-per-client 256 --quota-records 100000000 --quota-bytes 1000000000000 &
  server_pid=$!
  for _ in $(seq "$tries"); do
    /usr/bin/python3 -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
      "http://127.0.0.1:$port/healthz" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "vigil serve did not answer on port $port" >&2
  return 1
}

# ed25519_now: one core's Ed25519 verifications/s right now (vigil_bench, about a second), printed
# as a number. This machine's speed moves by half within minutes, so each load run is compared
# with the rate measured just before and just after it ($bin must be set).
ed25519_now() {
  local tmp
  tmp=$(mktemp "${TMPDIR:-/tmp}/vigil_ed25519.XXXXXX")
  "$bin/vigil_bench" --benchmark_filter='^limit_ed25519_verify' --benchmark_format=json \
    --benchmark_out="$tmp" --benchmark_out_format=json >/dev/null
  /usr/bin/python3 -c 'import json,sys; print(round(next(b["items_per_second"] for b in json.load(open(sys.argv[1]))["benchmarks"])))' "$tmp"
  rm -f "$tmp"
}

# bracketed OUT_JSON COMMAND...: runs COMMAND (a vigil_append_load run printing its JSON) between
# two ed25519_now, writes its JSON to OUT_JSON with "ed25519_before_after" and
# "ratio_to_ed25519" (records/s over their mean) added, and prints it.
bracketed() {
  local to=$1 before after
  shift
  before=$(ed25519_now)
  "$@" > "$to.raw"
  after=$(ed25519_now)
  /usr/bin/python3 - "$to.raw" "$before" "$after" <<'PY' | tee "$to"
import json, sys
r = json.load(open(sys.argv[1]))
before, after = int(sys.argv[2]), int(sys.argv[3])
r["ed25519_before_after"] = [before, after]
if "records_per_s" in r:
    r["ratio_to_ed25519"] = round(r["records_per_s"] / ((before + after) / 2), 3)
print(json.dumps(r, indent=1))
PY
  rm -f "$to.raw"
}
