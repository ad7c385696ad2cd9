#!/usr/bin/env bash
# The test suite: everything, on both cores. Extra arguments go to pytest
# (for example: tools/test.sh -m "not slow" for a quick local run).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest -n "${UPEL_TEST_JOBS:-2}" "$@"
