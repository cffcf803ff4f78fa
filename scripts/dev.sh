#!/usr/bin/env bash
# make dev: the Go runtime, rebuilt and restarted whenever a .go file (or
# go.mod/go.sum) changes, plus Vite's dev server for the console with hot
# reload, proxying /api and /ws to the runtime. Ctrl-C stops both (exit 0).
# Changes are found by polling (1 s): no file-watcher dependency.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
addr=${SKYLEDGER_ADDR:-127.0.0.1:8080}
if [[ "$addr" == *:0 ]]; then
  echo "dev: SKYLEDGER_ADDR must name a fixed port (Vite proxies to it), got $addr" >&2
  exit 2
fi
export SKYLEDGER_ADDR="$addr"
mkdir -p .bin
bin=.bin/skyledger-dev
stamp=$(mktemp)
runtime_pid=""
vite_pid=""

stop_runtime() {
  if [[ -n "$runtime_pid" ]] && kill -0 "$runtime_pid" 2>/dev/null; then
    kill -TERM "$runtime_pid" 2>/dev/null || true
    wait "$runtime_pid" 2>/dev/null || true # graceful: the store's lock is released before the next start
  fi
  runtime_pid=""
}
cleanup() {
  trap - INT TERM EXIT
  stop_runtime
  if [[ -n "$vite_pid" ]]; then kill -TERM "$vite_pid" 2>/dev/null || true; wait "$vite_pid" 2>/dev/null || true; fi
  rm -f "$stamp"
  echo "dev: stopped"
  exit 0
}
trap cleanup INT TERM EXIT

build_and_start() {
  touch "$stamp"
  echo "dev: building cmd/skyledger"
  if ! go build -o "$bin.new" ./cmd/skyledger; then
    echo "dev: build failed; the previous runtime keeps running" >&2
    return
  fi
  stop_runtime
  mv "$bin.new" "$bin"
  # stdin is not the terminal: the runtime must not take the foreground from this script
  "$bin" -web-dir /nonexistent "$@" </dev/null &
  runtime_pid=$!
}

if [[ -f web/package.json ]] && command -v npm >/dev/null 2>&1; then
  if [[ ! -d web/node_modules ]]; then (cd web && npm ci --no-audit --no-fund --loglevel=error); fi
  (cd web && SKYLEDGER_API="http://$addr" exec npx --no-install vite --host 127.0.0.1 --strictPort --port "${VITE_PORT:-5173}") &
  vite_pid=$!
  echo "dev: console with hot reload at http://127.0.0.1:${VITE_PORT:-5173}/ (API and WebSocket proxied to $addr)"
fi

build_and_start "$@"
while sleep 1; do
  if [[ -n $(find . -path ./web/node_modules -prune -o -path ./.bin -prune -o -path ./cdk.out -prune -o \
      \( -name '*.go' -o -name go.mod -o -name go.sum \) -newer "$stamp" -print -quit 2>/dev/null) ]]; then
    echo "dev: Go sources changed: rebuilding"
    build_and_start "$@"
  fi
  if [[ -n "$runtime_pid" ]] && ! kill -0 "$runtime_pid" 2>/dev/null; then
    wait "$runtime_pid" 2>/dev/null || true
    runtime_pid=""
    echo "dev: the runtime exited; it restarts on the next change" >&2
  fi
done
