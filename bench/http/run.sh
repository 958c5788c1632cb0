#!/usr/bin/env bash
# bench/http: `dynworker serve` vs workerd (npm package) serving the same hello-world worker,
# measured side by side in one run with wrk at 1 and 16 connections. Prints req/s, server CPU
# per request and the dynworker/workerd ratios. Not part of CI.
# Usage: bench/http/run.sh [seconds per run, default 5] [rounds, default 3]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DUR="${1:-5}"; ROUNDS="${2:-3}"
source "$ROOT/bench/lib.sh"

P_DW=$(free_port); P_WD=$(free_port)
"$ROOT/out/Release/dynworker" serve "$HERE" --port "$P_DW" --no-request-log >/dev/null 2>&1 &
DW_PID=$!
"$WORKERD" serve "$HERE/workerd.capnp" --socket-addr "http=127.0.0.1:$P_WD" >/dev/null 2>&1 &
WD_PID=$!
trap 'kill $DW_PID $WD_PID 2>/dev/null || true' EXIT
for p in $P_DW $P_WD; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$p/" >/dev/null && break; sleep 0.1; done
done

# run NAME PID PORT CONNS -> "req/s cpu_us_per_req"
run() {
  local pid=$2 port=$3 conns=$4 before after out rps reqs
  before=$(cpu_ticks "$pid")
  out=$(wrk -t1 -c"$conns" -d"${DUR}s" "http://127.0.0.1:$port/")
  after=$(cpu_ticks "$pid")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$rps $(awk -v a="$before" -v b="$after" -v n="$reqs" -v t="$TCK" 'BEGIN{printf "%.1f", (b-a)/t*1e6/n}')"
}

echo "bench/http: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ${DUR}s x ${ROUNDS} rounds per point"
printf '%-6s %-6s %12s %12s %14s %14s %8s\n' conns round dw_req/s wd_req/s dw_cpu_us/req wd_cpu_us/req ratio
for conns in 1 16; do
  sum_dw=0; sum_wd=0
  for r in $(seq "$ROUNDS"); do
    # Alternate the order so neither runtime always runs on a warmer machine.
    if [ $((r % 2)) -eq 1 ]; then a=$(run dw $DW_PID $P_DW $conns); b=$(run wd $WD_PID $P_WD $conns)
    else b=$(run wd $WD_PID $P_WD $conns); a=$(run dw $DW_PID $P_DW $conns); fi
    read -r dw_rps dw_cpu <<<"$a"; read -r wd_rps wd_cpu <<<"$b"
    printf '%-6s %-6s %12s %12s %14s %14s %8.2f\n' "$conns" "$r" "$dw_rps" "$wd_rps" "$dw_cpu" "$wd_cpu" \
      "$(awk -v a="$dw_rps" -v b="$wd_rps" 'BEGIN{print a/b}')"
    sum_dw=$(awk -v s="$sum_dw" -v x="$dw_rps" 'BEGIN{print s+x}'); sum_wd=$(awk -v s="$sum_wd" -v x="$wd_rps" 'BEGIN{print s+x}')
  done
  printf 'ratio at %s connection(s), mean of %s rounds: dynworker/workerd = %.2f\n' "$conns" "$ROUNDS" \
    "$(awk -v a="$sum_dw" -v b="$sum_wd" 'BEGIN{print a/b}')"
done
