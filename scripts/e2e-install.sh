#!/usr/bin/env bash
# Installs what the end-to-end tests need, once: Debian's chromium and libkrb5-dev, Node 24 and code-server in .cache/e2e/.
# Everything but the two Debian packages stays inside the repository's ignored cache folder.
set -euo pipefail
cd "$(dirname "$0")/.."

CODE_SERVER_VERSION=4.139.1
CACHE="$PWD/.cache/e2e"
NODE24_DIR="$CACHE/node24"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
mkdir -p "$CACHE"

# Debian packages only when missing: chromium drives the page, libkrb5-dev lets code-server build its kerberos module.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "e2e-install: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=900 update -q
  apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}"
fi

# Node 24 comes from the npm package `node`, which carries the binary for this platform.
NODE24="$NODE24_DIR/node_modules/node/bin/node"
if [ ! -x "$NODE24" ] || ! "$NODE24" -v | grep -q '^v24\.'; then
  echo "e2e-install: node@24 into $NODE24_DIR"
  rm -rf "$NODE24_DIR"
  mkdir -p "$NODE24_DIR"
  npm install --prefix "$NODE24_DIR" --no-audit --no-fund --no-save node@24
fi
echo "e2e-install: $("$NODE24" -v) at $NODE24"

# code-server must be installed by Node 24's own npm so its native modules match that Node. Under
# `npm run test:e2e` the outer npm's settings arrive as npm_config_* variables, and its user agent (naming
# Node 20) is what code-server's postinstall reads as the Node version: the inner install inherits none.
for var in $(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$var"; done
if [ ! -f "$CS_DIR/.installed" ]; then
  echo "e2e-install: code-server@$CODE_SERVER_VERSION into $CS_DIR (several minutes)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  NODE24_BIN="$(dirname "$(readlink -f "$NODE24")")"
  NPM24="$(dirname "$NODE24")/npm"
  [ -x "$NPM24" ] || NPM24="$(command -v npm)"
  PATH="$(dirname "$NODE24"):$NODE24_BIN:$PATH" "$NPM24" install --prefix "$CS_DIR" --no-audit --no-fund --no-save \
    "code-server@$CODE_SERVER_VERSION"
  touch "$CS_DIR/.installed"
fi
echo "e2e-install: code-server ready at $CS_DIR/node_modules/code-server"
