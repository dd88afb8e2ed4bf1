#!/usr/bin/env bash
# `npm run test:browser`: the checks that need a real browser's WebGL2 (test/browser/*.browser.ts), in Debian's
# headless Chromium (SwiftShader where there is no GPU). Installs chromium with apt-get when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "browser-test: apt-get install chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=900 update -q
  apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends chromium
fi
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
node -e '
  const { readdirSync } = require("node:fs");
  const entries = readdirSync("test/browser").filter((name) => name.endsWith(".browser.ts")).map((name) => "test/browser/" + name);
  require("esbuild").buildSync({ entryPoints: entries, outdir: "out/browser", bundle: true, platform: "node", format: "cjs",
    target: "node20", packages: "external", keepNames: true, sourcemap: "inline", logLevel: "warning" });'
timeout --kill-after=20 600 node --test --test-reporter=spec out/browser/*.browser.js
