#!/usr/bin/env bash
# Installs what the pool needs on a fresh Debian/Ubuntu machine with Node >= 20:
# Litecoin Core (regtest devnet), the build tools for the native hashing addon, Node 24 (.node-version) into
# .tools/node when the machine's Node is older, and the npm dependencies.
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
# CI on x86-64 also runs the hashing kernels' arm64 build (the Fargate tasks are Graviton) under qemu: a cross
# compiler and qemu-user. Elsewhere those tests skip themselves when the two are missing.
if [ "${CI:-}" = true ] && [ "$(uname -m)" = x86_64 ]; then
  command -v aarch64-linux-gnu-g++ >/dev/null 2>&1 || missing+=(g++-aarch64-linux-gnu)
  command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
fi

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

# The pool runs on the Node the Lambdas run (.node-version). When the machine's is older, the build of that version
# the npm registry ships (node-linux-<arch>: bin/node and include/node, the headers the addon is built against) goes
# into .tools/node, which scripts/node runs; npm install (next) then builds the addon for it.
pinned=$(cat .node-version)
if [ "$node_major" -ge "${pinned%%.*}" ]; then
  rm -rf .tools/node
elif [ "$(.tools/node/bin/node --version 2>/dev/null)" != "v$pinned" ]; then
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "no Node $pinned build for $(uname -m) on the npm registry; install Node $pinned yourself" >&2; exit 1 ;;
  esac
  echo "==> Node $pinned (npm package node-linux-$arch) into .tools/node: this machine has $(node --version)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # npm pack checks the tarball against the registry's integrity hash.
  npm pack --silent --pack-destination "$tmp" "node-linux-$arch@$pinned" >/dev/null
  # Unpacked beside and moved into place, so an interrupted setup leaves no half a Node where scripts/node looks.
  rm -rf .tools/node.partial
  mkdir -p .tools/node.partial
  tar -xzf "$tmp/node-linux-$arch-$pinned.tgz" -C .tools/node.partial --strip-components=1
  got=$(.tools/node.partial/bin/node --version) || got="a binary that does not run"
  if [ "$got" != "v$pinned" ]; then echo "node-linux-$arch@$pinned holds $got, not v$pinned" >&2; exit 1; fi
  rm -rf .tools/node
  mv .tools/node.partial .tools/node
fi

# The Bitcoin devnet: btcd (full node, simnet) and btcwallet, built with `go install` at pinned versions into
# .tools/bin, where local/devnet/btcd.ts looks first. A marker file per tool records the version it was built at, so
# a second run skips them.
btc_tools=(
  "btcd github.com/btcsuite/btcd@v0.26.2"
  "btcctl github.com/btcsuite/btcd/cmd/btcctl@v0.26.2"
  # No tagged btcwallet release is on the module proxy; this pseudo-version is its @latest (reports 0.15.1-alpha).
  "btcwallet github.com/btcsuite/btcwallet@v0.16.10-0.20240718224643-db3a4a2543bd"
)
for entry in "${btc_tools[@]}"; do
  read -r tool module <<<"$entry"
  if [ -x ".tools/bin/$tool" ] && [ "$(cat ".tools/bin/$tool.version" 2>/dev/null)" = "$module" ]; then continue; fi
  if ! command -v go >/dev/null 2>&1; then
    echo "Go is required to build $tool (the Bitcoin devnet): install Go >= 1.22 (https://go.dev/dl/) and run again" >&2
    exit 1
  fi
  echo "==> go install $module into .tools/bin"
  mkdir -p .tools/bin
  GOBIN="$PWD/.tools/bin" go install "$module"
  echo "$module" >".tools/bin/$tool.version"
done

# The Ethereum Classic devnet: core-geth's geth, built from the wrapper module in scripts/core-geth (core-geth's
# go.mod names itself github.com/ethereum/go-ethereum, so `go install github.com/etclabscore/core-geth/...` cannot
# work; the wrapper requires go-ethereum and replaces it by core-geth at the pinned version). The module's source is
# copied to a temporary directory with one file of ours added to cmd/geth (scripts/core-geth/_overlay: the devnet's
# difficulty floor, read from a variable only the devnet sets), since Go refuses overlays inside its module cache.
# -checklinkname=0: core-geth still imports github.com/fjl/memsize, whose runtime linkname Go >= 1.23 refuses.
# About 2 minutes and 1.1 GB of memory on 2 cores the first time.
geth_stamp="core-geth v1.12.20 $(cat scripts/core-geth/go.sum scripts/core-geth/_overlay/*.go | sha256sum | cut -c1-16)"
if ! [ -x .tools/bin/geth ] || [ "$(cat .tools/bin/geth.version 2>/dev/null)" != "$geth_stamp" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "Go is required to build core-geth (the ETC devnet): install Go >= 1.22 (https://go.dev/dl/) and run again" >&2
    exit 1
  fi
  echo "==> core-geth (geth) into .tools/bin"
  geth_tmp=$(mktemp -d)
  (cd scripts/core-geth && go mod download github.com/ethereum/go-ethereum)
  src=$(cd scripts/core-geth && go list -m -f '{{.Replace.Dir}}' github.com/ethereum/go-ethereum)
  cp -r "$src" "$geth_tmp/core-geth"
  chmod -R u+w "$geth_tmp/core-geth"
  cp scripts/core-geth/_overlay/*.go "$geth_tmp/core-geth/cmd/geth/"
  cp scripts/core-geth/go.mod scripts/core-geth/go.sum scripts/core-geth/tools.go "$geth_tmp/"
  mkdir -p .tools/bin
  (cd "$geth_tmp" && go mod edit -replace github.com/ethereum/go-ethereum=./core-geth &&
    go build -trimpath -ldflags=-checklinkname=0 -o "$OLDPWD/.tools/bin/geth" github.com/ethereum/go-ethereum/cmd/geth)
  rm -rf "$geth_tmp"
  echo "$geth_stamp" >.tools/bin/geth.version
fi

echo "==> npm install (also builds the native hashing addon, for $(scripts/node --version))"
# `npm ci` rejects the lock file npm 11 writes (it records only this platform's optional binaries), so install from
# the lock file with `npm install`, which keeps the locked versions.
npm install --no-audit --no-fund
echo "==> setup done"
