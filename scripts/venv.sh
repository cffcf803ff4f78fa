#!/usr/bin/env bash
# Creates/updates a project-local Python virtualenv with pinned tools.
#   scripts/venv.sh                 .venv from requirements-dev.txt (moto
#                                   server, cfn-lint, MiniStack)
#   scripts/venv.sh DIR REQS BIN    DIR from REQS, ready when DIR/bin/BIN runs
# Safe to run concurrently (flock) and repeatedly (a stamp file skips pip
# when the requirements did not change).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dir=${1:-.venv}
reqs=${2:-requirements-dev.txt}
bin=${3:-moto_server}
exec 9>"$root/$dir.lock"
flock 9
stamp=$dir/.requirements.sha256
want=$(sha256sum "$reqs" | cut -d' ' -f1)
if [ -x "$dir/bin/$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
python3 -m venv "$dir"
"$dir/bin/pip" install --disable-pip-version-check -q -r "$reqs"
echo "$want" > "$stamp"
