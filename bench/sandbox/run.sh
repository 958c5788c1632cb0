#!/usr/bin/env bash
# bench/sandbox/run.sh [dynworker binary]: the cost of a sandbox's egress decision against a
# plain globalOutbound gateway, measured side by side in one process (see egress.bench.js).
# Not part of CI. Noisy machines: compare the ratios, and run it twice.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${1:-$ROOT/out/Release/dynworker}"
[ -x "$BIN" ] || bash "$ROOT/tools/build.sh"
"$BIN" test "$HERE/egress.bench.js"
