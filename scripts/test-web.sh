#!/usr/bin/env bash
# Web tier: type check and Vitest (WebSocket client, event mapper, forms).
# Installs the pinned dependencies from web/package-lock.json when missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/web"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci (web)"
  npm ci --no-audit --no-fund
fi
echo "== tsc (web)"
npx --no-install tsc -p tsconfig.json --noEmit
echo "== vitest (web)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rc=0
npx --no-install vitest run --reporter=default --reporter=json --outputFile.json="$out/vitest.json" || rc=$?
if [ -f "$out/vitest.json" ]; then
  node -e 'const r=require(process.argv[1]); console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$out/vitest.json"
else
  echo "vitest: 0 passed, 1 failed"
fi
exit $rc
