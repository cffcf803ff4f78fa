#!/usr/bin/env bash
# Creates/updates the project-local venv for checkov (.venv-checkov) from
# requirements-checkov.txt. A venv of its own because checkov pins boto3
# exactly, which no version of moto/MiniStack in requirements-dev.txt accepts.
# Safe to run concurrently (flock) and repeatedly (stamp file).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
exec 9>"$root/.venv-checkov.lock"
flock 9
stamp=.venv-checkov/.requirements.sha256
want=$(sha256sum requirements-checkov.txt | cut -d' ' -f1)
if [ -x .venv-checkov/bin/checkov ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
python3 -m venv .venv-checkov
.venv-checkov/bin/pip install --disable-pip-version-check -q -r requirements-checkov.txt
echo "$want" > "$stamp"
