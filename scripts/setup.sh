#!/usr/bin/env bash
# Installs what the pool needs on a fresh Debian/Ubuntu machine with Node >= 20:
# Litecoin Core (regtest devnet), the build tools for the native hashing addon, and the npm dependencies.
# Usage: scripts/setup.sh [--with-browser]   (the browser is for the dashboard tests)
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --with-browser) want_browser=1 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
command -v litecoind >/dev/null 2>&1 || missing+=(litecoind)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ "$want_browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing ${missing[*]} with apt-get"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "Node >= 20 is required (found $(node --version))" >&2
  exit 1
fi

echo "==> npm install (also builds the native hashing addon)"
# `npm ci` rejects the lock file npm 11 writes (it records only this platform's optional binaries), so install from
# the lock file with `npm install`, which keeps the locked versions.
npm install --no-audit --no-fund
echo "==> setup done"
