#!/usr/bin/env bash
# bench/http/instructions.sh: user-space instructions per request of `dynworker serve` on the
# hello-world worker, counted by valgrind (callgrind, all threads). Unlike req/s and CPU time,
# the count hardly depends on machine load, so it suits before/after comparisons on a busy
# machine. It runs the server twice under valgrind, serving N1 and then N2 sequential
# keep-alive requests, and prints (count(N2) - count(N1)) / (N2 - N1): startup cancels out.
# Slow (valgrind), not part of CI.
# Usage: bench/http/instructions.sh [dynworker binary, default out/Release/dynworker] [N1 500] [N2 2500]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${1:-$ROOT/out/Release/dynworker}"
N1="${2:-500}"; N2="${3:-2500}"
export DYNWORKER_NO_SUPERVISOR=1  # count the serving process, not its supervisor
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# count N -> instructions for startup + one warm-up request + N requests
count() {
  local n=$1 port log pid
  port=$(free_port)
  log=$(mktemp)
  valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=/dev/null \
    "$BIN" serve "$HERE" --port "$port" --no-request-log >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 240); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.5; done
  python3 - "$port" "$n" <<'EOF'
import http.client, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection('127.0.0.1', port)
for _ in range(n):
    c.request('GET', '/')
    c.getresponse().read()
EOF
  kill -INT "$pid"
  wait "$pid" 2>/dev/null || true
  awk '/Collected :/ { gsub(",", "", $4); print $4 }' "$log"
  rm -f "$log"
}

a=$(count "$N1")
b=$(count "$N2")
awk -v a="$a" -v b="$b" -v n1="$N1" -v n2="$N2" \
  'BEGIN { printf "instructions per request: %.0f (%d requests: %d, %d requests: %d)\n", (b - a) / (n2 - n1), n1, a, n2, b }'
