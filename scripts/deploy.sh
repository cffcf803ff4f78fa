#!/usr/bin/env bash
# Deploys one stage with the CDK CLI pinned in infra/app/package-lock.json.
#   scripts/deploy.sh dev            AWS (credentials from the usual AWS env/profile)
#   scripts/deploy.sh dev local      LocalStack through cdklocal (LOCALSTACK_AUTH_TOKEN, `make localstack-up`)
# Extra CDK CLI arguments: CDK_ARGS="-c alarmEmail=ops@example.com" (prod needs
# alarmEmail or alarmTopicArn; docs/operations.md lists every context key).
# REQUIRE_APPROVAL=never|any-change|broadening (default broadening: the CLI asks
# before widening IAM or security groups; CI passes never explicitly).
# ASSET_DIR=dir takes the function zips from dir instead of dist/ (passed as -c assetDir);
# OUTPUTS_FILE=path writes the stack outputs there (default cdk.out/outputs-<stage>.json).
# The emulator target (scripts/test-integration.sh) adds -c target=emulator ... in CDK_ARGS.
# An AWS deploy builds the web console first (scripts/web-build.sh): it never
# ships the placeholder page.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=${1:-dev}
target=${2:-aws}
case "$stage" in dev|prod) ;; *) echo "deploy: stage must be dev or prod, got '$stage'" >&2; exit 2 ;; esac
approval=${REQUIRE_APPROVAL:-broadening}
case "$approval" in never|any-change|broadening) ;; *) echo "deploy: REQUIRE_APPROVAL must be never, any-change or broadening, got '$approval'" >&2; exit 2 ;; esac
asset_dir=${ASSET_DIR:-$root/dist}
outputs=${OUTPUTS_FILE:-cdk.out/outputs-$stage.json}
for fn in $(cd "$root/functions" && ls -d */ | tr -d /); do # one zip per Lambda main
  [ -f "$asset_dir/$fn.zip" ] || { echo "deploy: $asset_dir/$fn.zip missing: run make build" >&2; exit 1; }
done
if [ "$target" = aws ]; then
  bash "$root/scripts/web-build.sh"
  [ -f "$root/web/dist/index.html" ] || { echo "deploy: web/dist/index.html missing after the web build (needs Node and npm)" >&2; exit 1; }
fi
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
# Bootstrap only when the account/region has no CDKToolkit stack yet (checked
# with the AWS CLI when it is installed; without it, or on a local target,
# bootstrap runs: it is idempotent, only slower).
bootstrapped=no
if [ "$target" = aws ] && command -v aws >/dev/null 2>&1 \
  && aws cloudformation describe-stacks --stack-name CDKToolkit >/dev/null 2>&1; then
  bootstrapped=yes
fi
if [ "$bootstrapped" = no ]; then
  # shellcheck disable=SC2086
  npx --prefix "$root/infra/app" --no -- "$cli" bootstrap -c stage="$stage" -c assetDir="$asset_dir" ${CDK_ARGS:-}
fi
approval_arg=(--require-approval "$approval")
case " ${CDK_ARGS:-} " in *" --require-approval "*) approval_arg=() ;; esac # the caller's own wins
# shellcheck disable=SC2086
npx --prefix "$root/infra/app" --no -- "$cli" deploy "SkyLedger-$stage" -c stage="$stage" -c assetDir="$asset_dir" \
  "${approval_arg[@]}" --outputs-file "$outputs" ${CDK_ARGS:-}
echo "deploy: outputs in $outputs"
