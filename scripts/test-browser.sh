#!/usr/bin/env bash
# Browser tier: builds web/dist, starts the local runtime (cmd/skyledger) in a
# scratch data directory on free loopback ports with a fixed bootstrap token,
# and runs the Playwright e2e (playwright-core driving Debian's Chromium) in
# web/e2e. Fails loudly when the server does not come up; never skips.
# Ends with "browser: N passed, M failed".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

fail() {
  echo "test-browser: FAILED: $*" >&2
  echo "browser: 0 passed, 1 failed"
  exit 1
}

# --- Chromium (Debian's; a browser download by a test tool does not work here)
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "== apt: chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null || fail "cannot install chromium with apt-get"
fi
"$CHROMIUM" --version || fail "chromium does not start"

# --- web dependencies and production build
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "== npm ci (web)"
  (cd web && npm ci --no-audit --no-fund) || fail "npm ci failed"
fi
echo "== build web/dist"
(cd web && npm run --silent build) || fail "web build failed"
node -e '
  // The main bundle is what index.html loads (its script and modulepreloads);
  // every other chunk (the map with its basemap, the station table) loads lazily.
  const fs=require("fs"),z=require("zlib"),p="web/dist/assets";
  const html=fs.readFileSync("web/dist/index.html","utf8");
  const main=new Set([...html.matchAll(/(?:src|href)="\/?assets\/([^"]+\.js)"/g)].map((m)=>m[1]));
  let gzMain=0,rawMain=0; const lazy=[];
  for (const f of fs.readdirSync(p)) if (f.endsWith(".js")) {
    const b=fs.readFileSync(p+"/"+f), gz=z.gzipSync(b,{level:9}).length;
    if (main.has(f)) { rawMain+=b.length; gzMain+=gz; } else lazy.push(`${f} ${(gz/1024).toFixed(1)} KB`);
  }
  console.log(`bundle: main JS ${(rawMain/1024).toFixed(1)} KB, gzipped ${(gzMain/1024).toFixed(1)} KB (goal <= 200 KB)`);
  console.log(`bundle: lazy chunks (gzipped): ${lazy.join(", ")}`);
  if (gzMain > 200*1024) { console.log("bundle: main bundle over the 200 KB goal"); process.exit(1); }
' || fail "main bundle over 200 KB gzipped"

# --- the local runtime
work=$(mktemp -d "${TMPDIR:-/tmp}/skyledger-e2e.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
api_port=$(free_port)
mgmt_port=$(free_port)
while [ "$mgmt_port" = "$api_port" ]; do mgmt_port=$(free_port); done
token="e2e-$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')"

echo "== go build ./cmd/skyledger"
go build -o "$work/skyledger" ./cmd/skyledger || fail "the local runtime (./cmd/skyledger) does not build"

echo "== start the local runtime on 127.0.0.1:$api_port (data in $work/data)"
mkdir -p "$work/data"
SKYLEDGER_ADDR="127.0.0.1:$api_port" \
SKYLEDGER_MANAGEMENT_ADDR="127.0.0.1:$mgmt_port" \
SKYLEDGER_DATA_DIR="$work/data" \
SKYLEDGER_WEB_DIR="$root/web/dist" \
SKYLEDGER_BOOTSTRAP_TOKEN="$token" \
SKYLEDGER_MODE=embedded \
AWS_ENDPOINT_URL= \
  "$work/skyledger" >"$work/server.log" 2>&1 &
server_pid=$!

base="http://127.0.0.1:$api_port"
up=""
for _ in $(seq 1 300); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "---- server log ----"; tail -n 40 "$work/server.log" || true
    fail "the local runtime exited before it served $base"
  fi
  if curl -fsS -o "$work/index.html" "$base/" 2>/dev/null && grep -q '<div id="root">' "$work/index.html"; then
    up=1; break
  fi
  sleep 0.2
done
if [ -z "$up" ]; then
  echo "---- server log ----"; tail -n 40 "$work/server.log" || true
  fail "the local runtime did not serve web/dist at $base/ within 60 s"
fi
echo "server up at $base"

echo "== playwright e2e"
rc=0
BASE_URL="$base" BOOTSTRAP_TOKEN="$token" CHROMIUM="$CHROMIUM" \
  SKYLEDGER_BIN="$work/skyledger" DATA_DIR="$work/data" \
  SCREENSHOT_DIR="$root/web/e2e/screenshots" \
  node web/e2e/console.e2e.mjs | sed -e 's/^e2e: \([0-9]* passed, [0-9]* failed\)$/browser: \1/' || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "---- server log (tail) ----"; tail -n 60 "$work/server.log" || true
fi
exit "$rc"
