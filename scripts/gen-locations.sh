#!/usr/bin/env bash
# Regenerates domain/pirep/locations.csv.gz, the airport location table that
# resolves /OV fixes to coordinates.
#
# Source: the PyPI package `airportsdata` (MIT licence, (c) Mike Borsetti,
# https://github.com/mborsetti/airportsdata), pinned below. Only its
# airports.csv is used, reduced to `ident,lat,lon` for every ICAO code, FAA
# location identifier (LID) and IATA code. When two airports share an ident,
# the priority is ICAO > LID > IATA (PIREPs are US-centric: a 3-character
# station such as PUB is first an FAA LID). Coordinates keep 4 decimals
# (about 11 m).
#
# Usage: scripts/gen-locations.sh [version]
set -euo pipefail
cd "$(dirname "$0")/.."
ver=${1:-20261103}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The wheel is pure Python; --python-version lets an older local pip fetch it.
pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
  "airportsdata==${ver}" -d "$work"
(cd "$work" && unzip -q -o airportsdata-*.whl 'airportsdata/airports.csv' '*/licenses/LICENSE')
{
  printf 'domain/pirep/locations.csv.gz is derived from airportsdata %s (PyPI), under this licence:\n\n' "$ver"
  cat "$work"/airportsdata-*.dist-info/licenses/LICENSE
} > domain/pirep/locations.LICENSE
python3 - "$work/airportsdata/airports.csv" <<'PY' | gzip -9 -n > domain/pirep/locations.csv.gz
import csv, sys
best = {}  # ident -> (priority, lat, lon)
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    for row in csv.DictReader(f):
        lat, lon = float(row['lat']), float(row['lon'])
        for prio, key in ((0, 'icao'), (1, 'lid'), (2, 'iata')):
            ident = row[key].strip().upper()
            if not ident or not ident.isalnum() or not (2 <= len(ident) <= 5):
                continue
            cur = best.get(ident)
            if cur is None or prio < cur[0]:
                best[ident] = (prio, lat, lon)
print("ident,lat,lon")
for ident in sorted(best):
    _, lat, lon = best[ident]
    print(f"{ident},{lat:.4f},{lon:.4f}")
PY
printf 'wrote domain/pirep/locations.csv.gz (%s bytes) from airportsdata %s\n' \
  "$(wc -c < domain/pirep/locations.csv.gz)" "$ver"
