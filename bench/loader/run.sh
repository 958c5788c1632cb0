#!/usr/bin/env bash
# bench/loader: dynworker vs workerd (npm package, --experimental for worker_loaders) running the
# same loader script (loader.js), side by side in one run. Prints, for each runtime and the
# ratio (>1 means dynworker is better):
#   new      server CPU per request that load()s a fresh dynamic worker and calls it (wrk, 1 conn;
#            median of REPS runs per side, alternating)
#   typical  the same for a worker that uses URL, console and TextEncoder (loader.js TYPICAL)
#   warm     req/s to one warm dynamic worker at 16 connections
#   gateway  req/s at 16 connections when the dynamic worker's fetch() goes through a gateway
#   rss      RSS growth per retained warm worker, starting N (default 500) distinct workers
# Not part of CI. Usage: bench/loader/run.sh [seconds per run, default 5] [workers, default 500]
#   [new-worker runs per side, default 3]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DUR="${1:-5}"; N="${2:-500}"; REPS="${3:-3}"
source "$ROOT/bench/lib.sh"

P_DW=$(free_port); P_WD=$(free_port)
"$ROOT/out/Release/dynworker" serve "$HERE" --port "$P_DW" --no-request-log >/dev/null 2>&1 &
DW_PID=$!
"$WORKERD" serve --experimental "$HERE/workerd.capnp" --socket-addr "http=127.0.0.1:$P_WD" >/dev/null 2>&1 &
WD_PID=$!
trap 'kill $DW_PID $WD_PID 2>/dev/null || true' EXIT
for p in $P_DW $P_WD; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$p/warm" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$p/gateway" >/dev/null
done

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# wrk_run PID PORT PATH CONNS -> "req/s cpu_us_per_req"
wrk_run() {
  local pid=$1 port=$2 path=$3 conns=$4 before after out
  before=$(cpu_ticks "$pid")
  out=$(wrk -t1 -c"$conns" -d"${DUR}s" "http://127.0.0.1:$port$path")
  after=$(cpu_ticks "$pid")
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(awk -v a="$before" -v b="$after" \
    -v n="$(echo "$out" | awk '/requests in/ {print $1}')" -v t="$TCK" 'BEGIN{printf "%.0f", (b-a)/t*1e6/n}')"
}

echo "bench/loader: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ${DUR}s per run, $N retained workers"

# RSS first, on servers that have only run the warm-up.
rss_growth() {  # PID PORT -> KB per worker
  local pid=$1 port=$2 before after
  before=$(rss_kb "$pid")
  curl -sf "http://127.0.0.1:$port/retain?n=$N&prefix=r" >/dev/null
  sleep 1
  after=$(rss_kb "$pid")
  awk -v a="$before" -v b="$after" -v n="$N" 'BEGIN{printf "%.0f", (b-a)/n}'
}
dw_rss=$(rss_growth $DW_PID $P_DW); wd_rss=$(rss_growth $WD_PID $P_WD)

# The new-worker figures move most with machine noise: REPS runs each, alternating between the
# two servers, and the median of each side.
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
new_runs() {  # PATH -> "dw_rps dw_cpu wd_rps wd_cpu" (medians)
  local path=$1 i dw=() wd=()
  for ((i = 0; i < REPS; i++)); do
    dw+=("$(wrk_run $DW_PID $P_DW "$path" 1)")
    wd+=("$(wrk_run $WD_PID $P_WD "$path" 1)")
  done
  echo "$(printf '%s\n' "${dw[@]}" | cut -d' ' -f1 | median) $(printf '%s\n' "${dw[@]}" | cut -d' ' -f2 | median)" \
       "$(printf '%s\n' "${wd[@]}" | cut -d' ' -f1 | median) $(printf '%s\n' "${wd[@]}" | cut -d' ' -f2 | median)"
}
read -r dw_new_rps dw_new_cpu wd_new_rps wd_new_cpu <<<"$(new_runs /new)"
read -r dw_typ_rps dw_typ_cpu wd_typ_rps wd_typ_cpu <<<"$(new_runs /new-typical)"
read -r wd_warm_rps wd_warm_cpu <<<"$(wrk_run $WD_PID $P_WD /warm 16)"
read -r dw_warm_rps dw_warm_cpu <<<"$(wrk_run $DW_PID $P_DW /warm 16)"
read -r dw_gw_rps dw_gw_cpu <<<"$(wrk_run $DW_PID $P_DW /gateway 16)"
read -r wd_gw_rps wd_gw_cpu <<<"$(wrk_run $WD_PID $P_WD /gateway 16)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == 0) print "n/a"; else printf "%.2f", a/b }'; }
printf '%-34s %14s %14s %8s\n' metric dynworker workerd ratio
printf '%-34s %14s %14s %8s\n' "new worker: server CPU us/request" "$dw_new_cpu" "$wd_new_cpu" "$(ratio "$wd_new_cpu" "$dw_new_cpu")"
printf '%-34s %14s %14s %8s\n' "new worker: req/s (1 conn)" "$dw_new_rps" "$wd_new_rps" "$(ratio "$dw_new_rps" "$wd_new_rps")"
printf '%-34s %14s %14s %8s\n' "new typical worker: CPU us/request" "$dw_typ_cpu" "$wd_typ_cpu" "$(ratio "$wd_typ_cpu" "$dw_typ_cpu")"
printf '%-34s %14s %14s %8s\n' "warm: req/s (16 conns)" "$dw_warm_rps" "$wd_warm_rps" "$(ratio "$dw_warm_rps" "$wd_warm_rps")"
printf '%-34s %14s %14s %8s\n' "gateway: req/s (16 conns)" "$dw_gw_rps" "$wd_gw_rps" "$(ratio "$dw_gw_rps" "$wd_gw_rps")"
printf '%-34s %14s %14s %8s\n' "RSS per retained worker (KB)" "$dw_rss" "$wd_rss" "$(ratio "$wd_rss" "$dw_rss")"
echo "final RSS (KB): dynworker $(rss_kb $DW_PID), workerd $(rss_kb $WD_PID)"
