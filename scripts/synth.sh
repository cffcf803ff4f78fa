#!/usr/bin/env bash
# Synthesizes the CDK stack of one stage offline (no CDK CLI, no AWS account)
# into cdk.out/<stage>/. Usage: scripts/synth.sh [dev|prod] [key=value context...]
#   ASSET_DIR=dir   function zips (<fn>.zip); default dist/ (make build)
#   WEB_DIR=dir     built frontend; default web/dist (placeholder page if missing)
#   OUT_DIR=dir     output folder; default cdk.out/<stage>
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=${1:-dev}
shift || true
asset_dir=${ASSET_DIR:-$root/dist}
web_dir=${WEB_DIR:-$root/web/dist}
for fn in authorizer commands queries projector ws-connect ws-disconnect ws-default; do
  if [ ! -f "$asset_dir/$fn.zip" ]; then
    echo "synth: $asset_dir/$fn.zip is missing: run \`make build\` (or set ASSET_DIR)" >&2
    exit 1
  fi
done
# jsii prints a banner on stderr for Node versions past (or near) end of life.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=$node_major
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION=1
# The context cdk.json gives the CDK CLI, so offline synth equals `cdk synth`.
ctx=$(python3 - "$root/cdk.json" "$stage" "$asset_dir" "$web_dir" "$@" <<'PY'
import json, sys
cdkjson, stage, assets, web, *extra = sys.argv[1:]
c = json.load(open(cdkjson)).get("context", {})
c.update({"stage": stage, "assetDir": assets, "webDir": web})
for kv in extra:
    k, _, v = kv.partition("=")
    c[k] = v
print(json.dumps(c))
PY
)
out=${OUT_DIR:-$root/cdk.out/$stage}
bin=$root/cdk.out/.bin/app
mkdir -p "$root/cdk.out/.bin"
start=$(date +%s.%N)
(cd "$root/infra/app" && go build -o "$bin" .)
built=$(date +%s.%N)
rm -rf "$out"
(cd "$root/infra/app" && CDK_OUTDIR="$out" CDK_CONTEXT_JSON="$ctx" "$bin")
end=$(date +%s.%N)
printf 'synth %s: build %.1fs, synth %.1fs -> %s\n' "$stage" \
  "$(echo "$built - $start" | bc)" "$(echo "$end - $built" | bc)" "$out/SkyLedger-$stage.template.json"
