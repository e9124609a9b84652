# Sourced by the bench scripts: start_server DATA_DIR starts `vigil serve` on a free loopback
# port ($bin must be set) and waits until /healthz answers; it sets $port and $server_pid.
start_server() {
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$bin/vigil" serve --data "$1" --listen "127.0.0.1:$port" --log-level warn &
  server_pid=$!
  for _ in $(seq 100); do
    /usr/bin/python3 -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
      "http://127.0.0.1:$port/healthz" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "vigil serve did not answer on port $port" >&2
  return 1
}
