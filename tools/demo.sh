#!/usr/bin/env bash
# The main job, end to end on the avionics example: check the specs, write
# their IR (JSON, canonical CBOR, digest), and run every golden vector,
# contract and property on the reference interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
UPEL=.venv/bin/upel
OUT=${1:-out/avionics}
echo "== upel check specs/avionics"
$UPEL check specs/avionics
echo "== upel ir specs/avionics -o $OUT"
$UPEL ir specs/avionics -o "$OUT"
echo "== upel test specs/avionics"
$UPEL test specs/avionics
