#!/usr/bin/env bash
# Measures gunicorn worker settings for /api/counts with wrk (numbers: docs/deployment.md).
#
#   scripts/gunicorn_bench.sh [seconds]
#
# A local fake upstream answers pinterest and buffer after UPSTREAM_DELAY seconds. Two loads:
#   hit:  one warm URL, so every request is an in-process cache hit (the common case);
#   miss: a new URL on every request, so every request waits for the (slow) upstream,
#         up to SHAREPROXY_REQUEST_DEADLINE.
# Each configuration runs on its own port with a throw-away SQLite store.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-8}
PY=${PYTHON:-/work/venv/bin/python}
GUNICORN=${GUNICORN:-$(dirname "$PY")/gunicorn}
UPSTREAM_PORT=${UPSTREAM_PORT:-18710}
APP_PORT=${APP_PORT:-18711}
export UPSTREAM_DELAY=${UPSTREAM_DELAY:-0.2}
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

"$PY" - "$UPSTREAM_PORT" <<'PY' &
import os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
delay = float(os.environ["UPSTREAM_DELAY"])
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(delay)
        body = b'x({"count": 12})' if "count.json" in self.path else b'{"shares": 3}'
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.request_queue_size = 1024  # the default 5 refuses a burst
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY

cat > "$TMP/miss.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local path = string.format("/api/counts?url=http://localhost/p/%d-%d&networks=pinterest,buffer",
                             math.random(1, 1e9), n)
  return wrk.format("GET", path)
end
LUA

run() {  # name, then extra gunicorn arguments
  local name=$1; shift
  rm -f "$TMP/db"*
  BIND=127.0.0.1:$APP_PORT ACCESS_LOG=/dev/null \
  SHAREPROXY_STORE="sqlite:///$TMP/db" \
  SHAREPROXY_API_BASE_PINTEREST=http://127.0.0.1:$UPSTREAM_PORT \
  SHAREPROXY_API_BASE_BUFFER=http://127.0.0.1:$UPSTREAM_PORT \
    "$GUNICORN" -c gunicorn.conf.py "$@" wsgi:app 2>"$TMP/err" &
  local pid=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$APP_PORT/healthz" >/dev/null && break; sleep 0.2; done
  local warm="http://127.0.0.1:$APP_PORT/api/counts?url=http://localhost/warm&networks=pinterest,buffer"
  curl -s "$warm" >/dev/null; sleep 1; curl -s "$warm" >/dev/null
  for load in hit miss; do
    local args=(-t2 -c32 -d"${DURATION}s" --latency)
    if [ "$load" = miss ]; then args+=(-s "$TMP/miss.lua"); fi
    wrk "${args[@]}" "$warm" > "$TMP/out"
    local bad; bad=$(curl -s "http://127.0.0.1:$APP_PORT/metrics" | grep -c 'upstream_errors_total{' || true)
    printf '%-22s %-4s %9s req/s  p50 %8s  p99 %8s  upstream-error-kinds %s %s\n' "$name" "$load" \
      "$(awk '/Requests\/sec/ {print $2}' "$TMP/out")" \
      "$(awk '$1=="50%" {print $2}' "$TMP/out")" "$(awk '$1=="99%" {print $2}' "$TMP/out")" \
      "$bad" "$(grep -Eo 'Non-2xx or 3xx responses: [0-9]+|Socket errors:.*' "$TMP/out" | tr '\n' ' ')"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

run "sync w=2"               --worker-class sync --workers 2 --threads 1
run "sync w=4"               --worker-class sync --workers 4 --threads 1
run "gthread w=2 t=4"        --worker-class gthread --workers 2 --threads 4
run "gthread w=2 t=8"        --worker-class gthread --workers 2 --threads 8
run "gthread w=4 t=4"        --worker-class gthread --workers 4 --threads 4
run "gthread w=2 t=16"       --worker-class gthread --workers 2 --threads 16
run "gthread w=4 t=4 ka=0"   --worker-class gthread --workers 4 --threads 4 --keep-alive 0
