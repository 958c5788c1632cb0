#!/usr/bin/env bash
# bench/compare/instructions.sh: user-space instructions per new dynamic worker (load() and one
# fetch to it), counted by valgrind (callgrind, all threads). Runs `dynworker test` on a file
# that loads N1 and then N2 fresh workers and prints (count(N2) - count(N1)) / (N2 - N1), so
# process start-up and the startup snapshot's creation cancel out. Unlike CPU time, the count
# hardly depends on machine load: use it to compare builds. Kernel time (page faults, mmap) is
# not counted. Slow (valgrind, ~1 min), not part of CI.
# Usage: bench/compare/instructions.sh [dynworker binary, default out/Release/dynworker] [N1 20] [N2 60]
#   [child: plain (answers with a Response, the default) or typical (URL, console, TextEncoder
#   and a fetch of a data: URL: what a small real worker touches on its first request)]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${1:-$ROOT/out/Release/dynworker}"
N1="${2:-20}"; N2="${3:-60}"; KIND="${4:-plain}"
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

count() {
  local n=$1
  local child
  case "$KIND" in
    plain) child="export default { fetch() { return new Response('hello from a dynamic worker'); } };" ;;
    typical) child="export default { async fetch(request) { const url = new URL(request.url); console.log('path', url.pathname); const extra = await (await fetch('data:,ok')).text(); return new Response(new TextEncoder().encode(JSON.stringify({ path: url.pathname, extra })), { headers: { 'content-type': 'application/json' } }); } };" ;;
    *) echo "child must be plain or typical" >&2; exit 2 ;;
  esac
  cat >"$TMP/new$n.test.js" <<JS
const CHILD = "$child";
export const newWorkers = {
  async test(ctrl, env) {
    for (let i = 0; i < $n; i++) {
      // Valgrind runs code tens of times slower: limits are CPU time, so they are raised here.
      const res = await env.LOADER.load({ compatibilityDate: '2025-06-01', mainModule: 'main.js',
        modules: { 'main.js': CHILD }, limits: { cpuMs: 1e7 } }).getEntrypoint().fetch('http://x/');
      await res.text();
    }
  },
};
JS
  valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=/dev/null \
    "$BIN" test "$TMP/new$n.test.js" >"$TMP/out$n.txt" 2>&1
  if ! grep -q '^1 passed, 0 failed' "$TMP/out$n.txt"; then
    echo "the measured run failed:" >&2
    cat "$TMP/out$n.txt" >&2
    exit 1
  fi
  awk '/Collected :/ {print $NF}' "$TMP/out$n.txt"
}
a=$(count "$N1"); b=$(count "$N2")
awk -v a="$a" -v b="$b" -v n=$((N2 - N1)) 'BEGIN { printf "%.2f M instructions per new dynamic worker\n", (b - a) / n / 1e6 }'
