#!/usr/bin/env bash
# Creates/updates the project-local Python virtualenv (.venv) with the pinned
# test tools (moto server, cfn-lint). Safe to run concurrently (flock) and
# repeatedly (a stamp file skips pip when requirements did not change).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
exec 9>"$root/.venv.lock"
flock 9
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ -x .venv/bin/moto_server ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
python3 -m venv .venv
.venv/bin/pip install --disable-pip-version-check -q -r requirements-dev.txt
echo "$want" > "$stamp"
