#!/usr/bin/env bash
# bench/gc/run.sh [seconds, default 3] [connections, default 16] [paths...]: for each path of
# loader.js, serves it with V8's --trace-gc-nvp for the given time under wrk and prints, per
# isolate, the minor and full GCs with bytes promoted and pause. The dynamic worker is the isolate
# with fewer minor GCs than the loader. What a worker's finished requests leave reachable shows
# as promotion here (docs/performance.md, "Maps whose keys keep changing"). Not part of CI.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DUR="${1:-3}"; CONNS="${2:-16}"; shift 2 2>/dev/null || shift $#
PATHS=("$@"); [ ${#PATHS[@]} -gt 0 ] || PATHS=(/n /m /t /p /g /s /f /lp)
source "$ROOT/bench/lib.sh"
TMP="$(mktemp -d)"; PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
for path in "${PATHS[@]}"; do
  port=$(free_port)
  DYNWORKER_NO_SUPERVISOR=1 DYNWORKER_V8_FLAGS="--trace-gc-nvp" "$ROOT/out/Release/dynworker" serve \
    "$HERE/wrangler.jsonc" --port "$port" --no-request-log >"$TMP/gc.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port$path" >/dev/null && break; sleep 0.1; done
  rps=$(wrk -t1 -c"$CONNS" -d"${DUR}s" "http://127.0.0.1:$port$path" | awk '/Requests\/sec/ {print $2}')
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  echo "$path: $rps req/s at $CONNS connections"
  python3 "$HERE/gcstat.py" "$TMP/gc.log"
done
