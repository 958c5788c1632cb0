#!/usr/bin/env bash
# Installs what dynworker needs to build on Debian 12 (bookworm). Idempotent: a second run
# only checks and says "up to date".
#
#  * apt-installed: toolchain, libuv1-dev, libabsl-dev, libgtest-dev, gn, ninja, OpenSSL,
#    SQLite 3 (libsqlite3-dev: the state directory's databases).
#  * downloaded + unpacked into third_party/debroot (gitignored), never installed:
#      libnode108 + libnode-dev  V8 10.2 from Debian's libnode. libnode108 "Conflicts:
#                                nodejs-legacy", which nodesource's nodejs "Provides", so apt
#                                cannot install it next to the system's node.
#      node-llhttp               llhttp 8.1 C sources (unpacked so no node-* package lands).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="${DEBROOT:-$ROOT/third_party/debroot}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

APT_PKGS=(
  build-essential pkg-config ninja-build generate-ninja python3
  libuv1-dev libabsl-dev libgtest-dev libssl-dev libicu-dev zlib1g-dev libsqlite3-dev
  # runtime deps of libnode108 (apt would pull them in; we bypass apt for libnode)
  libbrotli1 libc-ares2 libicu72 libnghttp2-14 libssl3 libuv1 zlib1g
)
DL_PKGS=(libnode108 libnode-dev node-llhttp)

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

apt_updated=0
apt_update() { [ $apt_updated = 1 ] || { $SUDO apt-get update -qq; apt_updated=1; }; }

if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: apt-get install ${missing[*]}"
  apt_update
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

want=""
ver_of() { apt-cache policy "$1" | awk '/Candidate:/ {print $2}'; }
for p in "${DL_PKGS[@]}"; do
  v="$(ver_of "$p")"
  if [ -z "$v" ] || [ "$v" = "(none)" ]; then apt_update; v="$(ver_of "$p")"; fi
  want+="$p=$v"$'\n'
done
want="$(printf '%s' "$want")"

if [ -f "$PREFIX/.stamp" ] && [ "$(cat "$PREFIX/.stamp")" = "$want" ] \
   && [ -f "$PREFIX/usr/include/node/v8.h" ] && [ -f "$PREFIX/usr/share/llhttp/llhttp.c" ]; then
  echo "bootstrap: $PREFIX up to date"
else
  echo "bootstrap: unpacking ${DL_PKGS[*]} into $PREFIX"
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  # apt-get download writes as the _apt user: the directory must be writable by it.
  dl() { (cd "$tmp" && chmod 777 . && apt-get download $want >/dev/null); }
  if ! dl; then  # stale package lists (the version left the mirror): refresh and re-resolve
    apt_update; want=""
    for p in "${DL_PKGS[@]}"; do want+="$p=$(ver_of "$p") "; done
    want="$(printf '%s' "${want% }" | tr ' ' '\n')"
    dl
  fi
  rm -rf "$PREFIX"; mkdir -p "$PREFIX"
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$PREFIX"; done
  printf '%s' "$want" > "$PREFIX/.stamp"
fi

# The V8 headers must be 10.x from libnode, never nodesource's 11.x in /usr/include/node.
grep -q 'define V8_MAJOR_VERSION 10' "$PREFIX/usr/include/node/v8-version.h"
test -e "$PREFIX/usr/lib/x86_64-linux-gnu/libnode.so"
echo "bootstrap: ok"
