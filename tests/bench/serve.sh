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
