#!/usr/bin/env bash
# One-time (idempotent) setup on Debian 12: system packages, then a project
# virtualenv in .venv with every Python dependency installed from the
# hash-pinned lock, then the upel package itself (editable, no deps).
#
# Nothing here relies on what a machine happens to have: it installs what it
# needs, and says what it is doing. Safe to run again; fast when done.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# ---- system packages ----------------------------------------------------
# python3-venv: Debian splits venv/ensurepip out of python3. The rest are the
# real toolchains that conformance runs compile and simulate with: gcc (C),
# rustc (Rust; Debian 12 ships 1.63, which the Rust backend targets),
# iverilog and verilator (Verilog). Bazel: Debian's bazel-bootstrap (4.2.3)
# with its rules_java; nginx-light is the HTTP remote cache the cache test
# starts on loopback; iproute2 and util-linux give the offline test its
# network namespace. Provers (issue 5, docs/verification.md): z3 (SMT),
# coq (coqc), frama-c-base + why3 (WP, EVA; WP proves through Why3 with Z3, then CVC4),
# yosys (synthesis and formal checks of the Verilog). CBMC is not in Debian
# 12: tools/install_cbmc.sh unpacks Debian 13's, pinned by SHA-256. The benchmark
# harness (python -m tools.bench) compares generation with protoc
# (protobuf-compiler) and reads peak memory from GNU time (`time`). python3-dev: the
# headers tools/build_native.py compiles the front end's hot modules against (mypyc).
APT_PACKAGES=(python3 python3-venv python3-dev python3-pip git ca-certificates gcc libc6-dev rustc iverilog verilator
              bazel-bootstrap bazel-rules-java nginx-light iproute2 util-linux curl
              z3 cvc4 coq frama-c-base why3 yosys dpkg protobuf-compiler time)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "Debian packages present: ${APT_PACKAGES[*]}"
fi

# ---- provers ------------------------------------------------------------
# Why3 must know its provers (WP calls Z3 through it); detection is cheap and
# idempotent, and the config lives in $HOME/.why3.conf.
if [ ! -s "${HOME:-/root}/.why3.conf" ] || ! grep -q 'name = "Z3"' "${HOME:-/root}/.why3.conf" || ! grep -q 'name = "CVC4"' "${HOME:-/root}/.why3.conf"; then
  log "configuring why3 provers"
  why3 config detect >/dev/null
fi
bash tools/install_cbmc.sh

# ---- python -------------------------------------------------------------
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "setup: $("$PY" --version 2>&1) is too old; UPEL needs Python 3.11 or newer" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys' 2>/dev/null; then
  log "creating .venv with $("$PY" --version)"
  rm -rf .venv
  "$PY" -m venv .venv
fi

stamp=.venv/.upel-lock.sha256
want=$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing Python dependencies from requirements.lock (hash-checked)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
  log "installing upel (editable)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
  echo "$want" > "$stamp"
else
  log "Python dependencies up to date"
fi

# ---- compiled front end (optional) --------------------------------------
# mypyc compiles the parser, checker, schema gate and encoders into C
# extensions beside their sources (gitignored): 1.5-2 minutes on 2 cores, a
# second when current. The pure-Python modules are the fallback, with the same
# results: UPEL_NO_NATIVE=1 skips the build, UPEL_PURE_PYTHON=1 ignores one,
# and a build older than its sources is never used (upel/syntax/native.py).
if [ "${UPEL_NO_NATIVE:-}" = "1" ]; then
  log "compiled front end skipped (UPEL_NO_NATIVE=1); the pure-Python modules run"
elif ! .venv/bin/python tools/build_native.py; then
  log "warning: the compiled front end could not be built; the pure-Python modules run (same results, slower)"
fi
log "ready: $(.venv/bin/upel --version | paste -sd ';' - | sed 's/;/; /g')"
