#!/usr/bin/env bash
# Deploys one stage with the CDK CLI pinned in infra/app/package-lock.json.
#   scripts/deploy.sh dev            AWS (credentials from the usual AWS env/profile)
#   scripts/deploy.sh dev local      LocalStack through cdklocal (LOCALSTACK_AUTH_TOKEN, `make localstack-up`)
# Extra CDK CLI arguments: CDK_ARGS="--require-approval never -c alarmEmail=ops@example.com"
# ASSET_DIR=dir takes the function zips from dir instead of dist/ (passed as -c assetDir);
# OUTPUTS_FILE=path writes the stack outputs there (default cdk.out/outputs-<stage>.json).
# The emulator target (scripts/test-integration.sh) adds -c target=emulator ... in CDK_ARGS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=${1:-dev}
target=${2:-aws}
case "$stage" in dev|prod) ;; *) echo "deploy: stage must be dev or prod, got '$stage'" >&2; exit 2 ;; esac
asset_dir=${ASSET_DIR:-$root/dist}
outputs=${OUTPUTS_FILE:-cdk.out/outputs-$stage.json}
for fn in authorizer commands queries projector ws-connect ws-disconnect ws-default; do
  [ -f "$asset_dir/$fn.zip" ] || { echo "deploy: $asset_dir/$fn.zip missing: run make build" >&2; exit 1; }
done
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=$(node -p 'process.versions.node.split(".")[0]')
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION=1
(cd "$root/infra/app" && npm ci --no-audit --no-fund --silent)
cli=cdk
if [ "$target" = local ]; then
  cli=cdklocal
  export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
  export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_REGION=${AWS_REGION:-us-east-1}
  export CDK_DEFAULT_ACCOUNT=${CDK_DEFAULT_ACCOUNT:-000000000000} CDK_DEFAULT_REGION=${CDK_DEFAULT_REGION:-$AWS_REGION}
fi
cd "$root"
# Bootstrapping is idempotent: it creates the CDKToolkit stack once per account/region.
# shellcheck disable=SC2086
npx --prefix "$root/infra/app" --no -- "$cli" bootstrap -c stage="$stage" -c assetDir="$asset_dir" ${CDK_ARGS:-}
# shellcheck disable=SC2086
npx --prefix "$root/infra/app" --no -- "$cli" deploy "SkyLedger-$stage" -c stage="$stage" -c assetDir="$asset_dir" --outputs-file "$outputs" ${CDK_ARGS:-}
echo "deploy: outputs in $outputs"
