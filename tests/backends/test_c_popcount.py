"""The two implementations of `upel_popcount` (and of `upel_parity`, which
the C backend emits for `popcount(x) % 2`) in the C runtime agree.

gcc compiles the builtin branch (`__builtin_popcountll` on the masked word);
Frama-C WP proves the bit loop (`__FRAMAC__`), because Frama-C's contract of
the builtin only bounds its result (backends/c/templates/upel_rt.h.j2). This
test compiles the generated upel_rt.h twice, once per branch, into two
translation units and compares them with gcc: on every 16-bit input at every
width 0..64, and on random 64-bit inputs (fixed seed, so sign-extended
negative values and high bits are covered) at every width; and with CBMC
(which models `__builtin_popcountll` bit-exactly) for every input and width.
Two more checks make sure each translation unit really gets the branch it
should, so the comparison cannot silently compare the loop with itself.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import front
from upel.backends.c import runner

from upel.backends import c as cbackend
from upel.codegen.registry import ToolMissing

from proofs.cbmc import find_cbmc

REPO = Path(__file__).resolve().parents[2]

LOOP_TU = """#define UPEL_POPCOUNT_BUILTIN 0
#include "upel_rt.h"
uint8_t pc_loop(uint64_t bits, unsigned w) { return upel_popcount(bits, w); }
uint8_t par_loop(uint64_t bits, unsigned w) { return upel_parity(bits, w); }
"""

BUILTIN_TU = """#include "upel_rt.h"
_Static_assert(UPEL_POPCOUNT_BUILTIN == 1, "gcc must get the builtin branch");
uint8_t pc_builtin(uint64_t bits, unsigned w) { return upel_popcount(bits, w); }
uint8_t par_builtin(uint64_t bits, unsigned w) { return upel_parity(bits, w); }
"""

MAIN_TU = """#include <stdint.h>
#include <stdio.h>
uint8_t pc_loop(uint64_t bits, unsigned w);
uint8_t pc_builtin(uint64_t bits, unsigned w);
uint8_t par_loop(uint64_t bits, unsigned w);
uint8_t par_builtin(uint64_t bits, unsigned w);

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static int check(uint64_t x, unsigned w, unsigned long *n)
{
    uint8_t a = pc_loop(x, w), b = pc_builtin(x, w);
    uint8_t pa = par_loop(x, w), pb = par_builtin(x, w);
    ++*n;
    if (a != b || pa != pb || pb != a % 2u) {
        printf("MISMATCH bits=%016llx w=%u popcount loop=%u builtin=%u parity loop=%u builtin=%u\\n",
               (unsigned long long)x, w, a, b, pa, pb);
        return 1;
    }
    return 0;
}

int main(void)
{
    unsigned long n = 0;
    for (unsigned w = 0; w <= 64; w++) {
        for (uint64_t x = 0; x <= 0xFFFFu; x++) {
            if (check(x, w, &n) || check(~x, w, &n)) {
                return 1;
            }
        }
    }
    uint64_t s = UINT64_C(0x706F70);
    for (unsigned i = 0; i < 20000; i++) {
        uint64_t x = splitmix64(&s);
        for (unsigned w = 0; w <= 64; w++) {
            if (check(x, w, &n) || check((uint64_t)(int64_t)(int32_t)x, w, &n)) {
                return 1;
            }
        }
    }
    printf("agree %lu\\n", n);
    return 0;
}
"""


@pytest.fixture(scope="module")
def runtime_dir(tmp_path_factory) -> Path:
    try:
        runner.tools()
    except ToolMissing as e:
        pytest.skip(f"gcc not installed: {e}")
    sink, program, docs = front([REPO / "tests/check/ir/arith.upel"], ())
    assert not sink.has_errors
    (root,) = program.roots
    d = tmp_path_factory.mktemp("popcount")
    (d / "upel_rt.h").write_text(cbackend.generate(docs[root], {})["upel_rt.h"], encoding="utf-8")
    return d


def gcc(d: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", *args],
                          cwd=d, capture_output=True, text=True, check=False, timeout=300)


def test_builtin_and_loop_agree(runtime_dir: Path):
    d = runtime_dir
    (d / "loop.c").write_text(LOOP_TU, encoding="utf-8")
    (d / "builtin.c").write_text(BUILTIN_TU, encoding="utf-8")
    (d / "main.c").write_text(MAIN_TU, encoding="utf-8")
    res = gcc(d, "-o", "agree", "main.c", "loop.c", "builtin.c")
    assert res.returncode == 0, res.stderr
    out = subprocess.run([str(d / "agree")], capture_output=True, text=True, check=False, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    # 65 widths x (2 x 65536 + 2 x 20000) inputs
    assert out.stdout.strip() == f"agree {65 * (2 * 65536 + 2 * 20000)}"


def test_default_branch_is_the_builtin(runtime_dir: Path):
    """The compiled code calls the builtin (libgcc's __popcountdi2, or a popcnt
    instruction where the target has one), not the loop."""
    d = runtime_dir
    (d / "probe.c").write_text(BUILTIN_TU, encoding="utf-8")
    res = gcc(d, "-S", "-o", "-", "probe.c")
    assert res.returncode == 0, res.stderr
    asm = res.stdout
    assert "__popcount" in asm or "popcnt" in asm, asm


def test_loop_branch_is_the_loop(runtime_dir: Path):
    """UPEL_POPCOUNT_BUILTIN=0 (what Frama-C gets) compiles the bit loop, not the builtin."""
    d = runtime_dir
    (d / "probe_loop.c").write_text(LOOP_TU, encoding="utf-8")
    res = gcc(d, "-O0", "-S", "-o", "-", "probe_loop.c")
    assert res.returncode == 0, res.stderr
    assert "__popcount" not in res.stdout and "popcnt" not in res.stdout


CBMC_MAIN = """#include <stdint.h>
uint8_t pc_loop(uint64_t bits, unsigned w);
uint8_t pc_builtin(uint64_t bits, unsigned w);
uint8_t par_loop(uint64_t bits, unsigned w);
uint8_t par_builtin(uint64_t bits, unsigned w);
uint64_t nondet_u64(void);
unsigned nondet_unsigned(void);

int main(void)
{
    uint64_t x = nondet_u64();
    unsigned w = nondet_unsigned();
    __CPROVER_assume(w <= 64u);
    __CPROVER_assert(pc_loop(x, w) == pc_builtin(x, w), "popcount: loop == builtin");
    __CPROVER_assert(par_loop(x, w) == par_builtin(x, w), "parity: loop == builtin");
    return 0;
}
"""


@pytest.mark.slow
def test_cbmc_proves_builtin_and_loop_equal(runtime_dir: Path):
    cbmc = find_cbmc()
    if cbmc is None:
        pytest.skip("cbmc not installed: run tools/install_cbmc.sh")
    d = runtime_dir
    (d / "loop.c").write_text(LOOP_TU, encoding="utf-8")
    (d / "builtin.c").write_text(BUILTIN_TU, encoding="utf-8")
    (d / "cbmc_main.c").write_text(CBMC_MAIN, encoding="utf-8")
    res = subprocess.run([cbmc, "--unwind", "66", "--unwinding-assertions", "cbmc_main.c", "loop.c", "builtin.c"],
                         cwd=d, capture_output=True, text=True, check=False, timeout=600)
    assert res.returncode == 0 and "VERIFICATION SUCCESSFUL" in res.stdout, res.stdout[-3000:] + res.stderr
    assert "no body" not in res.stdout, res.stdout[-3000:]
