# Sourced by the bench scripts: start_server DATA_DIR [WRAPPER...] starts `vigil serve` on a
# free loopback port ($bin must be set), under WRAPPER if given (e.g. valgrind and its
# options), and waits until /healthz answers (10 s; 100 s under a wrapper, which is slow to
# start); it sets $port and $server_pid.
start_server() {
  local data=$1 tries=100
  shift
  [ $# -gt 0 ] && tries=1000
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$@" "$bin/vigil" serve --data "$data" --listen "127.0.0.1:$port" --log-level warn &
  server_pid=$!
  for _ in $(seq "$tries"); do
    /usr/bin/python3 -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
      "http://127.0.0.1:$port/healthz" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "vigil serve did not answer on port $port" >&2
  return 1
}
