#!/usr/bin/env bash
# `npm run test:e2e`: install what is missing, build and package the extension, bundle the runner, run it,
# and afterwards make sure no process it started is left (the runner stops them itself; this is the backstop).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${E2E_OUT:-.e2e}"
mkdir -p "$OUT"

t0=$(date +%s)
bash scripts/e2e-install.sh
t1=$(date +%s)
echo "e2e: install step took $((t1 - t0)) s"

# Package the extension as a user would install it.
node esbuild.mjs --production
if node -e 'process.exit(require("./package.json").scripts?.package ? 0 : 1)'; then
  npm run package --silent
  vsix=$(ls -t ./*.vsix | head -1)
  cp "$vsix" "$OUT/normscope.vsix"
else
  npx --no-install vsce package --no-dependencies --allow-missing-repository --skip-license -o "$OUT/normscope.vsix"
fi
node -e '
  require("esbuild").buildSync({ entryPoints: ["test/e2e/main.ts"], outfile: "out/e2e/main.js", bundle: true,
    platform: "node", format: "cjs", target: "node20", packages: "external", sourcemap: "inline", logLevel: "warning" });'
t2=$(date +%s)
echo "e2e: build and package took $((t2 - t1)) s"

cleanup() {
  # Any process group the runner recorded and that is still alive is ended here.
  if [ -f "$OUT/pids" ]; then
    while read -r pid; do
      if kill -0 -- "-$pid" 2>/dev/null; then
        echo "e2e: process group $pid was still running; killing it"
        kill -KILL -- "-$pid" 2>/dev/null || true
      fi
    done < "$OUT/pids"
  fi
}
trap cleanup EXIT

# The runner keeps its own time limit; this outer one covers a runner that hangs in its own teardown.
status=0
timeout --kill-after=20 900 node out/e2e/main.js || status=$?
echo "e2e: run took $(( $(date +%s) - t2 )) s (exit $status)"
exit "$status"
