#!/usr/bin/env bash
# Builds web/dist when the frontend sources changed since the last build.
# `make run` calls it; the local runtime serves web/dist at / when it exists.
# It never fails `make run` for want of a frontend: without web/package.json
# or without npm it says so and exits 0 (the API and WebSocket still run).
set -euo pipefail
cd "$(dirname "$0")/../web" 2>/dev/null || { echo "web-build: no web/ directory; nothing to build"; exit 0; }

if [[ ! -f package.json ]]; then
  echo "web-build: web/ has no package.json yet; nothing to build"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "web-build: npm not found; skipping the web build (the API still runs, / shows a notice)"
  exit 0
fi

# Up to date when dist/index.html is newer than every source file.
if [[ -f dist/index.html ]]; then
  newer=$(find src index.html package.json package-lock.json vite.config.* tsconfig*.json public \
            -newer dist/index.html -print -quit 2>/dev/null || true)
  if [[ -z "$newer" ]]; then
    echo "web-build: web/dist is up to date"
    exit 0
  fi
fi

# Install dependencies when node_modules is missing or older than the lock file.
if [[ ! -d node_modules || ( -f package-lock.json && package-lock.json -nt node_modules/.package-lock.json ) ]]; then
  echo "web-build: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "web-build: building web/dist"
if ! npm run --silent build; then
  # A broken frontend must not keep the backend from starting; set
  # WEB_BUILD_STRICT=1 (CI, browser tests) to make it fatal.
  echo "web-build: FAILED; the runtime serves the previous web/dist, if any" >&2
  [[ "${WEB_BUILD_STRICT:-}" == 1 ]] && exit 1
  exit 0
fi
echo "web-build: web/dist built"
