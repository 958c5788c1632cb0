# Shared by the side-by-side benchmarks (bench/*/run.sh): builds dynworker, installs wrk and
# workerd from npm (pinned) when missing, and small helpers. Source it after setting ROOT.
WORKERD_VERSION=1.20261117.1
# The serving process alone, without its supervisor (server/supervisor.h), so that the PID the
# scripts measure (CPU ticks, RSS) is the process doing the work. The supervisor only waits.
export DYNWORKER_NO_SUPERVISOR=1
WORK="$ROOT/bench/.work"

bash "$ROOT/tools/build.sh" dynworker >&2
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
if [ ! -x "$WORK/node_modules/.bin/workerd" ]; then
  mkdir -p "$WORK" && (cd "$WORK" && npm install --silent --no-audit --no-fund "workerd@$WORKERD_VERSION" >&2)
fi
WORKERD="$WORK/node_modules/.bin/workerd"
TCK=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# CPU ticks (user + system) a process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
