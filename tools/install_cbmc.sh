#!/usr/bin/env bash
# Install CBMC 6.6.0 (the bounded model checker behind `upel verify --tools cbmc`)
# into a private prefix. Idempotent: a no-op when that prefix already holds this
# exact set of packages and the checker runs.
#
# Why like this: Debian 12 has no cbmc package. Debian 13 (trixie) has 6.6.0,
# built against a newer glibc/libstdc++ than Debian 12's. So we take trixie's
# .debs (cbmc, its SAT solver library minisat, and the C/C++ runtime it links:
# libc6, libstdc++6, libgcc-s1), unpack them with `dpkg-deb -x` under PREFIX
# (nothing touches the system's dpkg database or /lib), and run cbmc through
# PREFIX's own dynamic loader with `--library-path`, so the new glibc is only
# ever used by this one program. Each .deb is pinned by SHA-256, as a hermetic
# toolchain would be: a file that does not match is refused, never unpacked.
#
# cbmc preprocesses C with the system's `gcc -E` (a child process started
# normally, so it uses the system's loader and libraries).
#
# Environment:
#   UPEL_CBMC_PREFIX   install prefix              (default /opt/upel/cbmc-6.6.0)
#   UPEL_CBMC_DEB_DIR  where the .debs are kept    (default PREFIX.debs)
#   UPEL_DEBIAN_MIRROR Debian archive base URL     (default http://deb.debian.org/debian)
#
# Result: PREFIX/bin/cbmc, PREFIX/bin/goto-cc, PREFIX/bin/goto-instrument
# (wrappers). The verifier finds cbmc through $UPEL_CBMC, else
# /opt/upel/cbmc-6.6.0/bin/cbmc, else `cbmc` on PATH.
set -euo pipefail

PREFIX=${UPEL_CBMC_PREFIX:-/opt/upel/cbmc-6.6.0}
PREFIX=${PREFIX%/}
DEB_DIR=${UPEL_CBMC_DEB_DIR:-$PREFIX.debs}
MIRROR=${UPEL_DEBIAN_MIRROR:-http://deb.debian.org/debian}

log() { printf '\033[1m[install_cbmc]\033[0m %s\n' "$*"; }
die() { printf 'install_cbmc: %s\n' "$*" >&2; exit 1; }

# pool path <space> SHA-256, from trixie's main/binary-amd64/Packages index.
# cbmc 6.6.0-4 depends on gcc (the system's is used), libc6 >= 2.38,
# libgcc-s1, libstdc++6 >= 14, minisat >= 2.2.1 (only its library is used;
# the zlib that the minisat *program* needs is not required by cbmc).
PINS=(
  "pool/main/c/cbmc/cbmc_6.6.0-4_amd64.deb 02560859a17049c976961c232c4fc58f0747b57f9b751a466b1f368a438b0e41"
  "pool/main/m/minisat2/minisat_2.2.1-8_amd64.deb 0b3a870202e022bea8b04d140ded40d9137363566706750b4540518bc0eb63d7"
  "pool/main/g/glibc/libc6_2.41-12+deb13u4_amd64.deb 967aa62605721081c3eb2a17650611a792aa802d76a6511d1840242623d204c9"
  "pool/main/g/gcc-14/libstdc++6_14.2.0-19_amd64.deb ab1fa05837aa7a92aae748fd07a18a35f7d18bb4a71c4724fe2bbf0e32089de0"
  "pool/main/g/gcc-14/libgcc-s1_14.2.0-19_amd64.deb 3c71917b490d1a17aed43196a2787a256ecf060526cdb20216a74bedc061b150"
)
WRAPPED=(cbmc goto-cc goto-instrument)

[ "$(uname -m)" = x86_64 ] || die "only x86_64 is supported (the pinned .debs are amd64)"
command -v dpkg-deb >/dev/null || die "dpkg-deb is needed (Debian package dpkg)"
command -v gcc >/dev/null || die "gcc is needed: cbmc preprocesses C with 'gcc -E' (apt-get install gcc)"

# The stamp records exactly which pins an installed prefix was built from.
want_stamp=$(printf '%s\n' "${PINS[@]}" | sha256sum | cut -d' ' -f1)
stamp="$PREFIX/.upel-cbmc.sha256"

# A tiny harness with one true and checkable assertion: the smoke test.
smoke_test() {
  local dir out
  dir=$(mktemp -d)
  cat > "$dir/smoke.c" <<'EOF'
int nondet_int(void);
int main(void) {
  int x = nondet_int();
  __CPROVER_assume(x > 0 && x < 1000);
  int y = x * 2;
  __CPROVER_assert(y > x, "doubling grows");
  return 0;
}
EOF
  out=$(cd "$dir" && "$PREFIX/bin/cbmc" --signed-overflow-check smoke.c 2>&1) || true
  rm -rf "$dir"
  grep -q 'VERIFICATION SUCCESSFUL' <<<"$out" || { printf '%s\n' "$out" >&2; return 1; }
}

if [ "$(cat "$stamp" 2>/dev/null)" = "$want_stamp" ] && smoke_test 2>/dev/null; then
  log "cbmc $("$PREFIX/bin/cbmc" --version) already installed in $PREFIX"
  exit 0
fi

mkdir -p "$DEB_DIR"
files=()
for pin in "${PINS[@]}"; do
  path=${pin% *}
  sum=${pin##* }
  file="$DEB_DIR/${path##*/}"
  if [ ! -f "$file" ]; then
    log "downloading ${path##*/}"
    # Download beside the target and rename only once complete, so an
    # interrupted download is never mistaken for a (tampered) pinned file.
    curl -sSfL --retry 3 -o "$file.part" "$MIRROR/$path" || die "download failed: $MIRROR/$path"
    mv "$file.part" "$file"
  fi
  got=$(sha256sum "$file" | cut -d' ' -f1)
  if [ "$got" != "$sum" ]; then
    die "SHA-256 mismatch for $file: expected $sum, got $got; refusing to unpack it (delete the file to download it again)"
  fi
  files+=("$file")
done

# Unpack into a fresh directory beside PREFIX and swap it in at the end, so a
# failed run never leaves a half-installed prefix behind.
parent=$(dirname "$PREFIX")
mkdir -p "$parent"
tmp=$(mktemp -d "$parent/.cbmc-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for f in "${files[@]}"; do
  dpkg-deb -x "$f" "$tmp"
done
[ -x "$tmp/usr/bin/cbmc" ] || die "the cbmc .deb did not contain usr/bin/cbmc"
[ -e "$tmp/usr/lib64/ld-linux-x86-64.so.2" ] || die "the libc6 .deb did not contain usr/lib64/ld-linux-x86-64.so.2"

mkdir -p "$tmp/bin"
for prog in "${WRAPPED[@]}"; do
  # The wrapper locates its prefix from its own path, so the tree can move.
  # `--argv0` keeps the program's own name in its messages.
  cat > "$tmp/bin/$prog" <<EOF
#!/bin/sh
# Runs trixie's $prog through this prefix's own loader and libraries
# (written by tools/install_cbmc.sh).
p=\$(dirname "\$(dirname "\$(readlink -f "\$0")")")
exec "\$p/usr/lib64/ld-linux-x86-64.so.2" --argv0 $prog \\
  --library-path "\$p/usr/lib/x86_64-linux-gnu:\$p/usr/lib" "\$p/usr/bin/$prog" "\$@"
EOF
  chmod 755 "$tmp/bin/$prog"
done
echo "$want_stamp" > "$tmp/.upel-cbmc.sha256"

rm -rf "$PREFIX"
mv "$tmp" "$PREFIX"
chmod 755 "$PREFIX"
trap - EXIT

smoke_test || die "cbmc was unpacked into $PREFIX but the smoke test did not report VERIFICATION SUCCESSFUL"
log "installed cbmc $("$PREFIX/bin/cbmc" --version) in $PREFIX (smoke test: VERIFICATION SUCCESSFUL)"
