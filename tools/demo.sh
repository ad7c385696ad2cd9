#!/usr/bin/env bash
# The main job, end to end on the avionics example:
#   1. the `upel` command: check, write the IR, run every vector, contract and
#      property on the reference interpreter, and conformance of every backend
#      (generated code compiled with the real toolchains, compared with the
#      interpreter case by case);
#   2. the same through Bazel: build //specs/avionics:all_targets (IR, code for
#      every backend, verification evidence) and run every conformance test.
set -euo pipefail
cd "$(dirname "$0")/.."
UPEL=.venv/bin/upel
OUT=${1:-out/avionics}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
step "upel check specs/avionics"
$UPEL check specs/avionics
step "upel ir specs/avionics -o $OUT/ir"
$UPEL ir specs/avionics -o "$OUT/ir"
step "upel test specs/avionics"
$UPEL test specs/avionics
step "upel gen --backend all specs/avionics --out $OUT/gen"
$UPEL gen --backend all specs/avionics --out "$OUT/gen"
step "upel conform --backend all specs/avionics"
$UPEL conform --backend all specs/avionics
step "upel verify --tool smt specs/avionics/envelope.upel (Z3 proves every contract and property)"
$UPEL verify --tool smt --spec-path specs --evidence "$OUT/evidence" specs/avionics/envelope.upel
step "bazel build //specs/avionics:all_targets"
bazel build //specs/avionics:all_targets
step "bazel test //specs/avionics/..."
bazel test //specs/avionics/...
