#!/usr/bin/env bash
# Installs every tool the build and tests need, project-locally where possible. Idempotent.
#   scripts/install-tools.sh          build tools (Rust target, worker-build, wasm-bindgen, npm packages)
#   scripts/install-tools.sh browser  also Debian's chromium + chromedriver for browser tests
#   scripts/install-tools.sh bench    also wrk for HTTP benchmarks and valgrind for instruction counts
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS="$PWD/.tools"
WORKER_BUILD_VERSION=0.8.7
# wasm-bindgen-cli must match the wasm-bindgen pinned in Cargo.toml exactly.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)

say() { printf '==> %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt

if [[ "$("$TOOLS/bin/worker-build" --version 2>/dev/null)" != *"$WORKER_BUILD_VERSION"* ]]; then
  say "installing worker-build $WORKER_BUILD_VERSION into .tools"
  cargo install --root "$TOOLS" worker-build --version "$WORKER_BUILD_VERSION" --locked
fi

if [[ "$("$TOOLS/bin/wasm-bindgen" --version 2>/dev/null)" != *"$WASM_BINDGEN_VERSION"* ]]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION into .tools"
  # Not --locked: its lock file names a dependency version the registry no longer serves.
  cargo install --root "$TOOLS" wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# A git worktree may share another checkout's node_modules through a symlink: `npm ci` there would empty the
# shared folder for everyone (npm removes the link's contents), so a linked install that has wrangler is left alone.
if [[ -L node_modules && -x node_modules/.bin/wrangler ]]; then
  :
elif [[ ! -x node_modules/.bin/wrangler || package.json -nt node_modules/.package-lock.json ]]; then
  say "installing wrangler, binaryen and esbuild from package.json"
  if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]} from Debian"
  local sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

for extra in "$@"; do
  case "$extra" in
    browser) apt_install chromium chromium-driver ;;
    bench) apt_install wrk valgrind ;;
    *) echo "unknown extra: $extra" >&2; exit 2 ;;
  esac
done
