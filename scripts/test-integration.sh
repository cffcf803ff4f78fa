#!/usr/bin/env bash
# `make test-integration`: the synthesized stack deployed into an AWS
# emulator, and the project's end-to-end suite run through it.
#
# Default (CI, no Docker, no token): MiniStack (pinned in requirements-dev.txt,
# from .venv) on a free loopback port; function zips built for the host
# architecture; the dev stack deployed for the emulator target through
# `cdklocal bootstrap` + `cdklocal deploy` (scripts/deploy.sh dev local, the
# command that deploys to LocalStack; DEPLOY=cloudformation instead publishes
# the assets and calls CreateStack directly: scripts/emulator/deploy.py);
# the emulator adaptations applied (deploy.py adapt); then
# `go test -tags emulator ./internal/e2e` against the stack outputs: the
# end-to-end suite and the emulator-difference tests.
#
# With LOCALSTACK_AUTH_TOKEN set and Docker present it deploys into LocalStack
# (localstack/docker-compose.yml, port 4566) instead (not run by this
# project's CI).
#
#   KEEP=1   leave the emulator running at the end (prints its URL)
#   COLDSTART=1  also measure cold start / warm invoke per function (cmd/coldstart)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/venv.sh

work=$(mktemp -d -t skyledger-integration-XXXX)
pid=
cleanup() {
  if [ -n "$pid" ] && [ "${KEEP:-}" != 1 ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  [ "${KEEP:-}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
if [ -n "${LOCALSTACK_AUTH_TOKEN:-}" ] && command -v docker >/dev/null; then
  target=localstack
  port=4566
  docker compose -f localstack/docker-compose.yml up -d
else
  target=ministack
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # Functions run as host processes and inherit AWS_ENDPOINT_URL.
  (cd "$work" && exec env GATEWAY_PORT="$port" BIND_HOST=127.0.0.1 AWS_ENDPOINT_URL="http://127.0.0.1:$port" \
     MINISTACK_HOST=127.0.0.1 LOG_LEVEL=WARNING "$root/.venv/bin/python" -m ministack >"$work/ministack.log" 2>&1) &
  pid=$!
fi
endpoint=http://127.0.0.1:$port
for _ in $(seq 1 300); do
  curl -fsS "$endpoint/_ministack/health" >/dev/null 2>&1 && break
  curl -fsS "$endpoint/_localstack/health" >/dev/null 2>&1 && break
  [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || { cat "$work/ministack.log"; echo "test-integration: MiniStack exited" >&2; exit 1; }
  sleep 0.2
done
echo "== $target on $endpoint"

host_arch=$(go env GOARCH)
case "$host_arch" in amd64) cdk_arch=x86_64 ;; arm64) cdk_arch=arm64 ;; *) echo "unsupported host arch $host_arch" >&2; exit 1 ;; esac
echo "== build function zips (linux/$host_arch)"
make -s build LAMBDA_ARCH="$host_arch" DIST="$work/dist" >/dev/null

api_endpoint=$endpoint/_aws/execute-api
# LocalStack's functions run in containers: a name that resolves to LocalStack there and on the host.
[ "$target" = localstack ] && api_endpoint=http://localhost.localstack.cloud:4566/_aws/execute-api
ctx=(target=emulator lambdaArchitecture="$cdk_arch" executeApiEndpoint="$api_endpoint")
start=$(date +%s)
if [ "${DEPLOY:-cdklocal}" = cloudformation ]; then
  echo "== synth (${ctx[*]}) and deploy through CloudFormation CreateStack"
  ASSET_DIR="$work/dist" WEB_DIR="$work/no-web" OUT_DIR="$work/cdk.out" bash scripts/synth.sh dev "${ctx[@]}"
  .venv/bin/python scripts/emulator/deploy.py cloudformation "$endpoint" "$work/cdk.out" SkyLedger-dev
else
  echo "== cdklocal bootstrap + deploy (${ctx[*]})"
  cdk_args="--require-approval never --progress events --output $work/cdk.out"
  for kv in "${ctx[@]}"; do cdk_args+=" -c $kv"; done
  AWS_ENDPOINT_URL="$endpoint" AWS_ENDPOINT_URL_S3="$endpoint" ASSET_DIR="$work/dist" OUTPUTS_FILE="$work/cdk-outputs.json" \
    CDK_ARGS="$cdk_args -c webDir=$work/no-web" bash scripts/deploy.sh dev local >"$work/deploy.log" 2>&1 \
    || { tail -60 "$work/deploy.log"; echo "test-integration: cdklocal deploy failed (log: $work/deploy.log)" >&2; exit 1; }
  grep -E 'CREATE_COMPLETE +\| AWS::CloudFormation::Stack|Total time|deploy:' "$work/deploy.log" || true
fi
echo "== deployed in $(( $(date +%s) - start )) s; adaptations"
.venv/bin/python scripts/emulator/deploy.py adapt "$endpoint" SkyLedger-dev "$work/outputs.json"

echo "== e2e suite and emulator-difference tests through the deployed stack"
SKYLEDGER_STACK_OUTPUTS="$work/outputs.json" go test -tags emulator -count=1 -v -timeout 10m \
  -run 'Deployed|Emulator' ./internal/e2e/ 2>&1 | tee "$work/go-test.log" | grep -E '^(=== RUN|\s*--- |ok|FAIL|PASS|panic)|e2e:' || true
rc=${PIPESTATUS[0]}
pass=$(grep -cE -- '^\s*--- PASS' "$work/go-test.log" || true)
fail=$(grep -cE -- '^\s*--- FAIL' "$work/go-test.log" || true)
skip=$(grep -cE -- '^\s*--- SKIP' "$work/go-test.log" || true)
echo "test-integration ($target): $pass passed, $fail failed, $skip skipped"
if [ "$rc" -ne 0 ] || [ "$fail" -ne 0 ] || [ "$skip" -ne 0 ] || [ "$pass" -eq 0 ]; then
  grep -vE '^\s+"' "$work/go-test.log" | grep -B2 -A12 -E 'Error Trace|^panic:|--- SKIP' | head -200
  [ -z "$pid" ] || tail -50 "$work/ministack.log"
  exit 1
fi
if [ "${COLDSTART:-}" = 1 ]; then
  echo "== cold start / warm invoke per function (aws-lambda-rie)"
  rie=$root/.tools/bin/aws-lambda-rie
  [ -x "$rie" ] || GOBIN=$root/.tools/bin go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
  go run ./cmd/coldstart -outputs "$work/outputs.json" -dist "$work/dist" -rie "$rie"
fi
if [ "${KEEP:-}" = 1 ]; then echo "KEEP=1: $target still running on $endpoint (pid ${pid:-docker}), outputs $work/outputs.json"; fi
echo "test-integration: ok"
