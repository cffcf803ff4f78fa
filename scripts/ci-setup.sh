#!/usr/bin/env bash
# Installs every tool the test tiers need on a fresh machine. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
echo "== go $(go version)"
go mod download
echo "== python venv (moto server, cfn-lint, MiniStack)"
bash scripts/venv.sh
if ! command -v chromium >/dev/null 2>&1 || ! command -v zip >/dev/null 2>&1; then
  echo "== apt: chromium, zip"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium zip >/dev/null
fi
chromium --version || true
if [ -f web/package-lock.json ]; then
  echo "== npm ci (web)"
  (cd web && npm ci --no-audit --no-fund)
fi
if [ -f infra/app/package-lock.json ]; then
  echo "== npm ci (infra: CDK CLI, cdklocal)"
  (cd infra/app && npm ci --no-audit --no-fund)
fi
