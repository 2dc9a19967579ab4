#!/usr/bin/env bash
# Serve Backprop Lab from N Streamlit replicas behind nginx on one machine, without Docker.
#
#   deploy/serve-replicas.sh N PORT      e.g.  deploy/serve-replicas.sh 2 8080
#
# Starts N `streamlit run app.py` replicas on free loopback ports and Debian's nginx on
# 127.0.0.1:PORT in front of them, with deploy/nginx.conf rendered into a temporary directory
# (pid, logs and temporary files live there, not in /etc/nginx). Every learner is pinned to one
# replica by a cookie nginx sets. Prints the PIDs it started; Ctrl-C or SIGTERM stops them all.
# Needs: python3 with the app's packages (pip install -r requirements.txt) and nginx
# (apt-get install nginx). PYTHON picks another interpreter; STREAMLIT_SERVER_COOKIE_SECRET, if
# set, is shared by the replicas (otherwise one random secret is made for this run).
set -euo pipefail

usage() {
  echo "usage: $0 N PORT   (N replicas, 1-16; nginx on 127.0.0.1:PORT, 1024-65535)" >&2
  exit 2
}
[ $# -eq 2 ] || usage
N=$1
PORT=$2
[[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] && [ "$N" -le 16 ] || usage
[[ $PORT =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1024 ] && [ "$PORT" -le 65535 ] || usage

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
NGINX=$(command -v nginx || true)
[ -n "$NGINX" ] || { [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx; } || true
if [ -z "$NGINX" ]; then
  echo "nginx not found: apt-get install nginx" >&2
  exit 1
fi
if ! "$PYTHON" -c "import streamlit" 2>/dev/null; then
  echo "$PYTHON cannot import streamlit: pip install -r requirements.txt" >&2
  exit 1
fi

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/backprop-lab-replicas.XXXXXX")
# nginx's workers drop root; they must be able to reach their temporary directories
chmod 755 "$RUN_DIR"
mkdir -p "$RUN_DIR/tmp"
PIDS=()

stop_all() {
  trap - INT TERM EXIT
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # give each a few seconds to finish, then insist
  for _ in $(seq 50); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$RUN_DIR"
  echo "stopped"
}
trap 'stop_all 2>/dev/null' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}

# free loopback ports for the replicas, none equal to PORT
mapfile -t PORTS < <("$PYTHON" - "$N" "$PORT" <<'PY'
import socket, sys
n, avoid = int(sys.argv[1]), int(sys.argv[2])
socks, ports = [], []
while len(ports) < n:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
    if s.getsockname()[1] != avoid:
        ports.append(s.getsockname()[1])
print("\n".join(map(str, ports)))
PY
)

UPSTREAMS=""
for i in $(seq "$N"); do
  p=${PORTS[$((i - 1))]}
  (cd "$ROOT" && exec env STREAMLIT_SERVER_COOKIE_SECRET="$SECRET" PYTHONUNBUFFERED=1 \
    "$PYTHON" -m streamlit run app.py --server.headless true --server.address 127.0.0.1 \
    --server.port "$p" --browser.gatherUsageStats false --server.fileWatcherType none \
    >"$RUN_DIR/replica-$i.log" 2>&1) &
  PIDS+=($!)
  echo "replica $i: pid $! on 127.0.0.1:$p (log $RUN_DIR/replica-$i.log)"
  UPSTREAMS+="server 127.0.0.1:$p max_fails=1 fail_timeout=10s; "
done

# wait until every replica answers its health check (at most 120 s)
"$PYTHON" - "${PORTS[@]}" <<'PY' || { echo "a replica did not start; see the logs above" >&2; exit 1; }
import sys, time, urllib.request
deadline = time.monotonic() + 120
for port in sys.argv[1:]:
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.3)
PY

sed -e "s|@LISTEN@|127.0.0.1:$PORT|" -e "s|@UPSTREAMS@|$UPSTREAMS|" \
  "$ROOT/deploy/nginx.conf" >"$RUN_DIR/nginx.conf"
"$NGINX" -p "$RUN_DIR/" -c "$RUN_DIR/nginx.conf" -e "$RUN_DIR/error.log" -t -q
"$NGINX" -p "$RUN_DIR/" -c "$RUN_DIR/nginx.conf" -e "$RUN_DIR/error.log" -g "daemon off;" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
echo "nginx: pid $NGINX_PID on 127.0.0.1:$PORT (config and logs in $RUN_DIR)"
echo "pids: ${PIDS[*]}"
echo "serving http://127.0.0.1:$PORT  (Ctrl-C stops everything)"

# keep serving while nginx runs; a replica that dies loses only its own learners
wait "$NGINX_PID" || true
