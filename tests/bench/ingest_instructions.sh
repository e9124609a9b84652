#!/bin/bash
# Instructions per append, counted by valgrind's callgrind: repeatable whatever else the machine
# is doing (unlike CPU time), so it shows what a change to the append path saves.
#
#   tests/bench/ingest_instructions.sh BUILD_DIR OUT_FILE [RECORDS] [WORKLOAD] [PRIOR]
#
# Serves a fresh log under callgrind, posts RECORDS (default 2000) signed records of WORKLOAD
# (vigil_append_load --workload: register (default), business or mixed; for the last two the
# busy business's history is first grown to PRIOR records, default 1000, in process, before
# the server starts) with vigil_append_load (16 clients), stops the server, and prints the
# user-space instructions of the whole server per record and those of its main parts
# (callgrind_annotate, inclusive). Needs valgrind (Debian package valgrind). Takes about half a
# minute (plus the growth).
set -euo pipefail

build=${1:?usage: ingest_instructions.sh BUILD_DIR OUT_FILE [RECORDS]}
out=${2:?usage: ingest_instructions.sh BUILD_DIR OUT_FILE [RECORDS]}
records=${3:-2000}
workload=${4:-register}
prior=${5:-1000}
bin=$build/bin
source "$(dirname "$0")/serve.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil_instr.XXXXXX")
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$workload" = register ]; then
  "$bin/vigil" init --data "$work/log" --origin bench.example/log >/dev/null
  load_args=(--authority "$work/log/keys/authority.key")
else
  "$bin/vigil_append_load" grow --data "$work/log" --to "$prior" --state "$work/state.json" >/dev/null
  load_args=(--workload "$workload" --state "$work/state.json")
fi
start_server "$work/log" valgrind --tool=callgrind --callgrind-out-file="$out" --log-file=/dev/null
"$bin/vigil_append_load" --server "http://127.0.0.1:$port" "${load_args[@]}" \
  --clients 16 --records "$records" --timeout 600 >"$work/load.json"
kill -INT "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=

callgrind_annotate --inclusive=yes --threshold=100 "$out" 2>/dev/null >"$work/annotate.txt"
/usr/bin/python3 - "$work/annotate.txt" "$work/load.json" "$records" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
load = json.load(open(sys.argv[2]))
n = int(sys.argv[3])
if load["ok_201"] != n:
    sys.exit("not every append was accepted: " + json.dumps(load))
def total(pattern):
    best = 0
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(", line)
        if m and re.search(pattern, line) and "=>" not in line:
            best = max(best, int(m.group(1).replace(",", "")))
    return best
parts = {
    "whole server": r"PROGRAM TOTALS",
    "Ed25519 verification (Log::Prepare)": r"crypto_sign_ed25519_verify_detached",
    "writer thread (Writer::Run)": r"vigil::Writer::Run\(\)",
    "  state machine (Apply)": r"vigil::Apply\(",
    "  checkpoint signature (SignCheckpoint)": r"vigil::SignCheckpoint",
    "JSON parse of body and payload (ParseJson)": r"vigil::(\(anonymous namespace\)::)?ParseJson(Checked)?[\[(]",
    "receipt (ReceiptFor)": r"vigil::Log::ReceiptFor\(",
    "receipt JSON (ReceiptToJson)": r"vigil::ReceiptToJson\[",
    "payload parse (ParsePayload)": r"vigil::ParsePayload\(",
    "  participant record read (LoadParticipant)": r"vigil::LoadParticipant\(",
    "request authentication (Authenticator::KeyHolder)": r"vigil::api::Authenticator::KeyHolder\(",
    "entry encoding (EncodeEntry)": r"vigil::EncodeEntry\[",
    "malloc (libc)": r"[:\s]malloc \[",
    "free (libc)": r"[:\s]free \[",
}
result = {"records": n, "workload": load.get("workload", "register"),
          "business_records_before": load.get("business_records_before"),
          "mean_batch": load["mean_batch"], "instructions_per_record": {}}
for name, pattern in parts.items():
    result["instructions_per_record"][name] = round(total(pattern) / n)
print(json.dumps(result, indent=1))
PY
