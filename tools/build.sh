#!/usr/bin/env bash
# Builds dynworker into out/Release (or $DW_OUT). Sets up the machine first when needed.
# Usage: tools/build.sh [ninja targets...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${DW_OUT:-$ROOT/out/Release}"
cd "$ROOT"

if [ ! -f third_party/debroot/.stamp ] || ! command -v gn >/dev/null || ! command -v ninja >/dev/null; then
  bash tools/bootstrap.sh
fi

# GN lists js/ at gen time; regenerate when that list (or the GN args) changes.
want="$(python3 tools/list_js.py js | md5sum | cut -c1-32) ${DW_GN_ARGS:-}"
mkdir -p "$(dirname "$OUT")"
if [ ! -f "$OUT/build.ninja" ] || [ "$(cat "$OUT/.dw_gen" 2>/dev/null)" != "$want" ]; then
  gn gen "$OUT" --args="${DW_GN_ARGS:-}" > "$OUT.gen.log" 2>&1 || { cat "$OUT.gen.log"; exit 1; }
  echo "$want" > "$OUT/.dw_gen"
fi
ninja -C "$OUT" "$@" | { grep -v -e '^ninja: no work to do' -e '^ninja: Entering directory' || true; }
