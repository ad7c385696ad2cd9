#!/usr/bin/env bash
# Regenerate requirements.lock (every transitive dependency, pinned with
# SHA-256 hashes) from requirements.in. Run after changing requirements.in.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q pip-tools==7.5.2
"$tmp/venv/bin/pip-compile" -q --generate-hashes --allow-unsafe --strip-extras --no-header \
  -o requirements.lock requirements.in
echo "requirements.lock updated"
