#!/usr/bin/env bash
# bench/compare/warm_instructions.sh: user-space instructions per request on the warm paths of
# bench/compare (loader.js), counted by valgrind (callgrind, all threads):
#   /warm     loader worker -> a warm dynamic worker -> its Response
#   /gateway  the same, where the dynamic worker's fetch() goes through the loader's Gateway
# Unlike req/s and CPU time, the count hardly depends on machine load, so it suits before/after
# comparisons on a busy machine. Unlike bench/http/instructions.sh (two runs, startup cancels
# out), the server first serves WARMUP sequential keep-alive requests to the path with
# callgrind's instrumentation off, until V8 has optimized the path (several thousand requests:
# TurboFan compiles about a hundred functions of the path on its background thread, which a
# short run would count as if every request paid for it), and then N requests with it on
# (callgrind_control -i on/off); it prints the instructions counted divided by N. Slow
# (valgrind), not part of CI.
# Usage: bench/compare/warm_instructions.sh [dynworker binary, default out/Release/dynworker]
#   [N 1000] [WARMUP 8000] [paths, default "/warm /gateway"]
# With CALLGRIND_OUT=DIR, each run writes DIR/callgrind.PATH.out: only the N measured requests,
# for callgrind_annotate --inclusive=yes.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${1:-$ROOT/out/Release/dynworker}"
N="${2:-1000}"; WARMUP="${3:-8000}"
PATHS="${4:-/warm /gateway}"
export DYNWORKER_NO_SUPERVISOR=1  # count the serving process, not its supervisor
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }

# The dynamic workers run some 50 times slower under valgrind, past their default CPU limit
# (50 ms per request): serve a copy of loader.js whose WorkerCode raises it.
SRC=$(mktemp -d)
trap 'rm -rf "$SRC"' EXIT
cp "$HERE/loader.js" "$HERE/wrangler.jsonc" "$SRC/"
python3 - "$SRC/loader.js" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
old = "mainModule: 'main.js',"
assert text.count(old) == 1, 'loader.js changed: update warm_instructions.sh'
open(path, 'w').write(text.replace(old, old + " limits: { cpuMs: 1e9 },"))
PY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# requests PORT PATH N: N sequential keep-alive requests, each must answer 200
requests() {
  python3 - "$1" "$2" "$3" <<'PY'
import http.client, sys
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection('127.0.0.1', port)
done = 0
while done < n:
    try:
        c.request('GET', path)
        r = c.getresponse()
        body = r.read()
    except ConnectionError as e:  # under valgrind on a busy machine; counted again
        print(f'{path}: {e!r} after {done} requests; reconnecting', file=sys.stderr)
        c.close()
        continue
    if r.status != 200:
        sys.exit(f'{path}: status {r.status}: {body!r}')
    done += 1
PY
}

for path in $PATHS; do
  name=${path#/}
  out=/dev/null
  if [ -n "${CALLGRIND_OUT:-}" ]; then mkdir -p "$CALLGRIND_OUT"; out="$CALLGRIND_OUT/callgrind.$name.out"; fi
  port=$(free_port)
  log=$(mktemp)
  valgrind --tool=callgrind --smc-check=all-non-file --instr-atstart=no --callgrind-out-file="$out" \
    "$BIN" serve "$SRC" --port "$port" --no-request-log >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 240); do curl -sf "http://127.0.0.1:$port$path" >/dev/null && break; sleep 0.5; done
  requests "$port" "$path" "$WARMUP"
  callgrind_control -i on "$pid" >/dev/null 2>&1
  requests "$port" "$path" "$N"
  callgrind_control -i off "$pid" >/dev/null 2>&1
  kill -INT "$pid"
  wait "$pid" 2>/dev/null || true
  total=$(awk '/Collected :/ { gsub(",", "", $4); print $4 }' "$log")
  rm -f "$log"
  awk -v p="$path" -v t="$total" -v n="$N" -v w="$WARMUP" \
    'BEGIN { printf "%-9s instructions per request: %.0f (%d requests after %d: %d)\n", p, t / n, n, w, t }'
done
