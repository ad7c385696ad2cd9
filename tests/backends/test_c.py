"""Tests of the C backend (backends/c, docs/backends.md).

- golden files of the generated code for two small specs (tests/check/ir),
- determinism (two generations, two directories, two hash seeds: same bytes),
- conformance with the reference interpreter: every example spec (slow), a
  semantics-traps spec (every width's overflow, u64 above 2^63, i64 MIN,
  MIN / -1, % of negatives, shifts by the width, width+1 and huge amounts,
  arithmetic right shift, casts), also under UBSan/ASan when available,
- injection: comment terminators, quotes, backslashes, backticks, newlines,
  C keywords and reserved identifiers as UPEL names, non-ASCII text; the
  output must compile with -Werror and conform (plus a Hypothesis property
  that compiles random doc text and random names).

Tests that need gcc skip loudly with the reason when it is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import assert_golden, front
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from upel.backends.c import runner

from upel.backends import c as cbackend
from upel.codegen.conform import run_conformance
from upel.codegen.driver import generate, write_generated
from upel.codegen.registry import ToolMissing
from upel.ir.model import IRIndex

REPO = Path(__file__).resolve().parents[2]
GOLDEN_SPECS = [REPO / "tests/check/ir/arith.upel", REPO / "tests/check/ir/data.upel"]
TESTDATA = REPO / "backends/c/testdata"
SPEC_DIRS = [REPO / "specs/avionics", REPO / "specs/fintech", REPO / "specs/medtech"]
UPDATE_HINT = "tools/test.sh tests/backends/test_c.py"


def need_gcc() -> None:
    try:
        runner.tools()
    except ToolMissing as e:
        pytest.skip(f"gcc not installed: {e}")


def doc_of(paths, spec_path=()) -> dict:
    sink, program, docs = front(paths, spec_path)
    assert not sink.has_errors, [f"{d.code}: {d.message}" for d in sink.items]
    (root,) = program.roots
    return docs[root]


def docs_of(paths) -> dict[str, dict]:
    sink, program, docs = front(paths)
    assert not sink.has_errors, [f"{d.code}: {d.message}" for d in sink.items]
    return {r: docs[r] for r in program.roots}


def explain(reports) -> str:
    lines = []
    for r in reports:
        if r.error:
            lines.append(f"{r.backend} {r.package}: {r.error}")
        for f in r.functions:
            if f.first_mismatch:
                lines.append(f"{f.qname}: {f.first_mismatch}")
    return "\n".join(lines)


def conform_ok(doc: dict, samples: int, seed: int = 0) -> int:
    """Runs the C conformance; returns the number of vectors compared."""
    (rep,) = run_conformance(doc, ["c"], samples, seed)
    assert rep.ok, explain([rep])
    assert rep.mismatches == 0
    return sum(f.vectors for f in rep.functions)


# ---- golden files ---------------------------------------------------------------------


@pytest.mark.parametrize("spec", GOLDEN_SPECS, ids=[p.stem for p in GOLDEN_SPECS])
def test_golden(spec: Path):
    files = cbackend.generate(doc_of([spec]), {"harness": True})
    folder = TESTDATA / spec.stem
    if os.environ.get("UPEL_UPDATE_GOLDEN"):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            if old.name not in files:
                old.unlink()
    stale = sorted(p.name for p in folder.glob("*") if p.name not in files) if folder.exists() else []
    assert not stale, f"golden files no longer generated: {stale}; update with:\n  UPEL_UPDATE_GOLDEN=1 {UPDATE_HINT}"
    for rel, text in files.items():
        assert_golden(folder / rel, text, UPDATE_HINT)


def test_golden_specs_compile_and_conform():
    need_gcc()
    for spec in GOLDEN_SPECS:
        conform_ok(doc_of([spec]), samples=200)


# ---- determinism ----------------------------------------------------------------------


def test_deterministic_in_process(tmp_path: Path):
    for root, doc in docs_of(SPEC_DIRS).items():
        a, b = tmp_path / root / "a", tmp_path / root / "b"
        write_generated(generate(doc, "c", harness=True), a)
        write_generated(generate(doc, "c", harness=True), b)
        names = sorted(p.name for p in a.iterdir())
        assert names == sorted(p.name for p in b.iterdir())
        for n in names:
            assert (a / n).read_bytes() == (b / n).read_bytes(), f"{root}: {n} differs between two generations"


def test_deterministic_across_processes(tmp_path: Path):
    """Two processes with different hash seeds (set/dict order) write the same bytes. (Without
    --harness: `upel gen` with several roots refuses their different harness.c files.)"""
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run([sys.executable, "-m", "upel", "gen", "--backend", "c", "--out", str(out),
                               *map(str, SPEC_DIRS)], cwd=tmp_path, env=env, capture_output=True, text=True,
                              check=False)
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    a, b = outs
    names = sorted(p.name for p in a.iterdir())
    assert names and names == sorted(p.name for p in b.iterdir())
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes(), f"{n} differs between processes"


def test_layout_and_header():
    from upel.ir.encoding import ir_digest

    doc = doc_of([REPO / "specs/avionics/arinc429.upel"])
    files = cbackend.generate(doc, {"harness": False})
    assert sorted(files) == ["avionics_arinc429.c", "avionics_arinc429.h", "avionics_units.c", "avionics_units.h",
                             "upel_rt.h"]
    harness = cbackend.generate(doc, {"harness": True})["harness.c"]
    assert f"spec package avionics.arinc429 version 1.0.0.\n// IR digest: {ir_digest(doc)}" in harness
    # Each package's files name that package and the digest of its own IR (what `upel ir` gives for it),
    # so they are the same whichever root they are generated for.
    units = doc_of([REPO / "specs/avionics/units.upel"])
    for rel, pkg, d in (("avionics_arinc429", "avionics.arinc429", doc), ("avionics_units", "avionics.units", units)):
        for ext in (".h", ".c"):
            head = "\n".join(files[rel + ext].split("\n", 4)[:3])
            assert f"spec package {pkg} version 1.0.0.\n// IR digest: {ir_digest(d)}" in head, (rel, head)
    assert files["avionics_units.h"] == cbackend.generate(units, {"harness": False})["avionics_units.h"]
    assert "It does not depend on the spec" in files["upel_rt.h"]
    h = files["avionics_arinc429.h"]
    assert "upel_status avionics_arinc429_encode(const avionics_arinc429_Word *w, uint32_t *out);" in h
    assert '// @req "AV-ARINC-001", "AV-ARINC-002"' in h
    assert "UPEL_OK = 0" in files["upel_rt.h"] and "UPEL_PRECONDITION = 5" in files["upel_rt.h"]


def test_acsl_what_callers_need():
    """The contract clauses Frama-C WP needs of a callee in fintech.ledger (backends/c/
    emitter.py, AcslContract; proved in tests/verify/test_framac.py): a short array's
    value set element by element, the guarded value of a function that raises, the
    value of a predicate, and when a function that fails only in checked operations
    does not (`upel_total`, through the unrolled fold). They are ACSL only: the C
    that gcc compiles does not change."""
    import re

    doc = doc_of([REPO / "specs/fintech/ledger.upel"], [REPO / "specs"])
    h = cbackend.generate(doc, {"harness": False})["fintech_ledger.h"]
    assert "\\forall" not in h
    assert "(0 <= (*p).legs.v[3].direction <= 1)" in h
    assert ("ensures upel_value: \\result == UPEL_OK ==> ((used != 0) ? (((*leg).amount <= 0) ? \\false : "
            "(((*leg).amount > 1000000000000000) ? \\false : (*out) == (*leg).amount)) : "
            "(((*leg).amount != 0) ? \\false : (*out) == 0));") in h
    assert ("ensures upel_value: \\result == UPEL_OK ==> (((*out) != 0) <==> ((used != 0) ? "
            "(((*leg).amount > 0) && ((*leg).amount <= 1000000000000000)) : ((*leg).amount == 0)));") in h
    before = h.split("upel_status fintech_ledger_side_total(", 1)[0]
    total = before[before.rindex("@ ensures upel_total: "):].split("\n", 1)[0]
    assert total.count("\\let acc") == 4 and "(*p).legs.v[3].amount" in total
    assert total.endswith(" ==> \\result == UPEL_OK;")
    # validate_posting's ensures[1] (a fold in a call) still has no ACSL rendering
    assert "ensures #2 (not expressed in ACSL)" in h

    def code(text: str) -> str:
        return re.sub(r"/\*@.*?\*/", "", text, flags=re.DOTALL)

    assert "upel_total" not in code(h) and "upel_value" not in code(h)


# ---- conformance of the example specs -------------------------------------------------


def _spec_roots() -> list[str]:
    _, program, _ = front(SPEC_DIRS)
    return list(program.roots)


@pytest.mark.slow
@pytest.mark.parametrize("root", _spec_roots())
def test_conformance_specs(root: str):
    need_gcc()
    doc = docs_of(SPEC_DIRS)[root]
    vectors = conform_ok(doc, samples=1000)
    assert vectors == sum(len(vs["cases"]) for vs in IRIndex(doc).root["vectors"])


# ---- semantics traps --------------------------------------------------------------------

TRAPS = r"""
package traps version "0.1.0";

type R = i8 in -5..=3;
type U = u16 in 10..=1000;
type Big = u64 in 0..=18_446_744_073_709_551_615;
type W = i64;
type Odd = i24;

enum Sig: i4 { lo = -8, mid = 0, hi = 7 }
enum Wide: u64 { zero = 0, top = 18_446_744_073_709_551_615, mid = 9_223_372_036_854_775_808 }

fn add_u1(a: u1, b: u1) -> u1 { a + b }
fn sub_u1(a: u1, b: u1) -> u1 { a - b }
fn mul_u1(a: u1, b: u1) -> u1 { a * b }
fn neg_u1(a: u1) -> u1 { -a }
fn add_i2(a: i2, b: i2) -> i2 { a + b }
fn sub_i2(a: i2, b: i2) -> i2 { a - b }
fn mul_i2(a: i2, b: i2) -> i2 { a * b }
fn div_i2(a: i2, b: i2) -> i2 { a / b }
fn rem_i2(a: i2, b: i2) -> i2 { a % b }
fn neg_i2(a: i2) -> i2 { -a }
fn abs_i2(a: i2) -> i2 { abs(a) }
fn div_i8(a: i8, b: i8) -> i8 { a / b }
fn rem_i8(a: i8, b: i8) -> i8 { a % b }
fn mul_i16(a: i16, b: i16) -> i16 { a * b }
fn add_u19(a: u19, b: u19) -> u19 { a + b }
fn mul_i24(a: i24, b: i24) -> i24 { a * b }
fn sub_u32(a: u32, b: u32) -> u32 { a - b }
fn mul_i32(a: i32, b: i32) -> i32 { a * b }
fn add_u64(a: u64, b: u64) -> u64 { a + b }
fn sub_u64(a: u64, b: u64) -> u64 { a - b }
fn mul_u64(a: u64, b: u64) -> u64 { a * b }
fn div_u64(a: u64, b: u64) -> u64 { a / b }
fn rem_u64(a: u64, b: u64) -> u64 { a % b }
fn neg_u64(a: u64) -> u64 { -a }
fn add_i64(a: i64, b: i64) -> i64 { a + b }
fn sub_i64(a: i64, b: i64) -> i64 { a - b }
fn mul_i64(a: i64, b: i64) -> i64 { a * b }
fn div_i64(a: i64, b: i64) -> i64 { a / b }
fn rem_i64(a: i64, b: i64) -> i64 { a % b }
fn neg_i64(a: i64) -> i64 { -a }
fn abs_i64(a: i64) -> i64 { abs(a) }

fn wrap_u1(a: u1, b: u1) -> u1 { (a +% b) *% (a -% b) }
fn wrap_i2(a: i2, b: i2) -> i2 { (a +% b) -% (a *% b) }
fn wrap_u19(a: u19, b: u19) -> u19 { (a *% b) +% (a -% b) }
fn wrap_i24(a: i24, b: i24) -> i24 { (a *% b) -% (b +% a) }
fn wrap_i64(a: i64, b: i64) -> i64 { (a *% b) +% (a -% b) }
fn wrap_u64(a: u64, b: u64) -> u64 { (a *% b) -% (a +% b) }
fn sat_i2(a: i2, b: i2) -> i2 { (a +| b) -| (a *| b) }
fn sat_u1(a: u1, b: u1) -> u1 { (a -| b) +| (a *| b) }
fn sat_i64(a: i64, b: i64) -> i64 { (a *| b) +| (a -| b) }
fn sat_u64(a: u64, b: u64) -> u64 { (a *| b) -| (b +| a) }
fn sat_i24(a: i24, b: i24) -> i24 { a *| b }

fn r_add(a: R, b: R) -> R { a + b }
fn r_sub(a: R, b: R) -> R { a - b }
fn r_mul(a: R, b: R) -> R { a * b }
fn r_div(a: R, b: R) -> R { a / b }
fn r_rem(a: R, b: R) -> R { a % b }
fn r_neg(a: R) -> R { -a }
fn r_abs(a: R) -> R { abs(a) }
fn r_sat(a: R, b: R) -> R { (a +| b) *| (a -| b) }
fn u_ops(a: U, b: U) -> U { (a -| b) +| (a *| b) }
fn u_rem(a: U, b: U) -> U { a % b }
fn u_neg(a: U) -> U { -a }
fn big_add(a: Big, b: Big) -> Big { a + b }

fn shl_i8(a: i8, n: u8) -> i8 { a << n }
fn shr_i8(a: i8, n: u8) -> i8 { a >> n }
fn shl_u8(a: u8, n: u64) -> u8 { a << n }
fn shr_u8(a: u8, n: u64) -> u8 { a >> n }
fn shl_i64(a: i64, n: u64) -> i64 { a << n }
fn shr_i64(a: i64, n: u64) -> i64 { a >> n }
fn shl_u64(a: u64, n: u7) -> u64 { a << n }
fn shr_u64(a: u64, n: u7) -> u64 { a >> n }
fn shl_i24(a: Odd, n: u5) -> Odd { a << n }
fn shr_i24(a: Odd, n: u5) -> Odd { a >> n }
fn shr_u19(a: u19, n: u1) -> u19 { (a >> n) >> 19 }
fn shl_w(a: W, n: u64) -> W { a << n }
fn shift_lits(a: i16) -> i16 { ((a << 15) >> 15) + ((a >> 16) << 1) }

// shifts, masks and disjoint `|` by constants: emitted in arithmetic form (`*`, `/`, `%`, `+`)
fn kshl_u8(a: u8) -> u8 { (a << 3) | (a << 8) }
fn kshl_u19(a: u19) -> u19 { a << 7 }
fn kshl_u32(a: u32) -> u32 { (a << 31) ^ (a << 5) }
fn kshl_u64(a: u64) -> u64 { (a << 63) | (a << 1) }
fn kshr_u19(a: u19) -> u19 { (a >> 18) + (a >> 19) }
fn kshr_u64(a: u64) -> u64 { (a >> 63) | (a >> 64) }
fn kshr_i8(a: i8) -> i8 { (a >> 3) + (a >> 8) }
fn kshr_i24(a: Odd) -> Odd { (a >> 23) +% (a >> 5) }
fn kshr_i32(a: i32) -> i32 { ((a +% 1) >> 31) +% (a >> 30) }
fn kshr_i64(a: i64) -> i64 { (a >> 63) +% ((a -% 3) >> 1) }
fn kmask_u32(a: u32) -> u32 { (a & 0xFF) + (0xFFFF & a) }
fn kmask_u64(a: u64) -> u64 { (a & 0x7FFF_FFFF_FFFF_FFFF) ^ (a & 1) }
fn kpack(a: u8, b: u2, c: u19) -> u32 { (a as u32) | ((b as u32) << 8) | ((c as u32) << 10) | (3 << 29) }
fn kpack64(a: u32, b: u32) -> u64 { (a as u64) | ((b as u64) << 32) }
fn koverlap(a: u8, b: u8) -> u8 { a | (b << 4) }
fn kbody(a: u8) -> u16 { (a as u16) << 4 }
fn kcall(a: u8) -> u32 { (kbody(a) as u32) | (1 << 12) }
fn klet(a: u4, b: u4) -> u8 { let lo: u8 = a as u8; lo | ((b as u8) << 4) }

fn bnot_i24(a: i24) -> i24 { ~a }
fn bnot_u19(a: u19) -> u19 { ~a }
fn bnot_u64(a: u64) -> u64 { ~a }
fn bits_i24(a: i24, b: i24) -> i24 { (a & b) | (a ^ ~b) }
fn bits_w(a: W, b: W) -> W { (a & b) ^ (a | b) }

fn c_i64_u8(a: i64) -> u8 { a as u8 }
fn c_u64_i8(a: u64) -> i8 { a as i8 }
fn c_i24_u19(a: i24) -> u19 { a as u19 }
fn c_u64_i64(a: u64) -> i64 { a as i64 }
fn c_i64_u64(a: i64) -> u64 { a as u64 }
fn c_u19_i2(a: u19) -> i2 { a as i2 }
fn c_bool(a: bool) -> i2 { a as i2 }
fn c_bool_r(a: bool) -> R { a as R }
fn c_sig(a: Sig) -> i4 { a as i4 }
fn c_wide(a: Wide) -> u64 { a as u64 }
fn c_r(a: i64) -> R { a as R }
fn c_u(a: i8) -> U { a as U }
fn c_big(a: i64) -> Big { a as Big }
fn c_w(a: u64) -> W { a as W }
fn c_r_u(a: R) -> U { a as U }
fn from_sig(a: i64) -> Sig { Sig.from(a) }
fn from_wide(a: u64) -> Wide { Wide.from(a) }
fn from_wide_i(a: i8) -> Wide { Wide.from(a) }

fn pop_i64(a: i64) -> u8 { popcount(a) }
fn pop_i24(a: Odd) -> u8 { popcount(a) }
fn bit_i64(a: i64, i: u64) -> bool { bit(a, i) }
fn bit_i2(a: i2, i: u8) -> bool { bit(a, i) }
fn bits_hi(a: i24) -> u24 { bits(a, 23, 0) }
fn bits_top(a: i8) -> u1 { bits(a, 7, 7) }
fn bits_mid(a: i64) -> u10 { bits(a, 62, 53) }
fn minmax_i64(a: i64, b: i64) -> i64 { min(a, b) -% max(a, b) }
fn minmax_u64(a: u64, b: u64) -> u64 { max(a, b) -% min(a, b) }
fn minmax_r(a: R, b: R) -> R { min(a, b) }

fn ge0(x: u64) -> bool { x >= 0 }
fn le_max(x: u8) -> bool { x <= 255 and x < 255 }
fn gt_min(x: i8) -> bool { x > -128 or x >= 127 }
fn cmp_i64(x: i64) -> bool { x <= 9_223_372_036_854_775_807 and -9_223_372_036_854_775_808 < x }
fn cmp_u1(x: u1) -> bool { x < 1 }

fn short_and(a: u8) -> bool { a != 0 and 100 / a > 1 }
fn short_or(a: u8) -> bool { a == 0 or 100 / a > 1 }
fn first_error(a: i8, b: i8) -> i8 { (a / b) + (a * 100) }
fn order(a: u8) -> u8 { (a + 200) - (a * 2) }

fn idx_u64(a: [u8; 4], i: u64) -> u8 { a[i] }
fn idx_u2(a: [i8; 4], i: u2) -> i8 { a[i] }
fn with_u64(a: [u8; 3], i: u64, v: u8) -> [u8; 3] { a with [i] = v + 1 }
fn fold_u8() -> u32 { fold i in 0..256 with acc: u32 = 0 { acc + (i as u32) } }
fn fold_empty(a: u8) -> u8 { fold i in 3..3 with acc: u8 = a { acc + 1 } }
fn nested(a: [[bool; 2]; 3], i: u2, j: u1) -> [[bool; 2]; 3] { a with [i] = (a[i] with [j] = not a[i][j]) }
fn arr_eq(a: [[bool; 2]; 3], b: [[bool; 2]; 3]) -> bool { a == b }

fn m_i2(a: i2) -> u8 { match a { -2 => 10, -1 | 1 => 20, _ => 30 } }
fn m_bool(a: bool, b: bool) -> u8 { match a == b { true => 1, false => 2 } }
fn m_sig(a: Sig) -> i8 { match a { Sig.lo => -1, Sig.mid => 0, Sig.hi => 1 } }

vectors add_u64 {
  (18_446_744_073_709_551_615, 1) -> error overflow;
  (9_223_372_036_854_775_808, 9_223_372_036_854_775_807) -> 18_446_744_073_709_551_615;
  (9_223_372_036_854_775_808, 9_223_372_036_854_775_808) -> error overflow;
}
vectors mul_u64 {
  (4_294_967_296, 4_294_967_296) -> error overflow;
  (4_294_967_295, 4_294_967_297) -> 18_446_744_073_709_551_615;
}
vectors div_i64 {
  (-9_223_372_036_854_775_808, -1) -> error overflow;
  (-9_223_372_036_854_775_808, 1) -> -9_223_372_036_854_775_808;
  (-7, 2) -> -3;
  (7, -2) -> -3;
  (1, 0) -> error div_by_zero;
}
vectors rem_i64 {
  (-9_223_372_036_854_775_808, -1) -> 0;
  (-7, 2) -> -1;
  (7, -2) -> 1;
  (-7, -2) -> -1;
  (5, 0) -> error div_by_zero;
}
vectors div_i8 { (-128, -1) -> error overflow; (-128, 1) -> -128; (-1, 2) -> 0; }
vectors rem_i8 { (-128, -1) -> 0; (-128, 3) -> -2; (127, -128) -> 127; }
vectors div_i2 { (-2, -1) -> error overflow; (-2, 1) -> -2; (1, -2) -> 0; }
vectors rem_i2 { (-2, -1) -> 0; (-1, -2) -> -1; (1, 0) -> error div_by_zero; }
vectors neg_i64 { (-9_223_372_036_854_775_808) -> error overflow; (9_223_372_036_854_775_807) -> -9_223_372_036_854_775_807; }
vectors abs_i64 { (-9_223_372_036_854_775_808) -> error overflow; (-5) -> 5; }
vectors mul_i64 {
  (-9_223_372_036_854_775_808, -1) -> error overflow;
  (-4_611_686_018_427_387_904, 2) -> -9_223_372_036_854_775_808;
  (4_611_686_018_427_387_904, 2) -> error overflow;
  (3_037_000_500, 3_037_000_500) -> error overflow;
  (-3_037_000_499, 3_037_000_499) -> -9_223_372_030_926_249_001;
}
vectors add_u1 { (1, 1) -> error overflow; (1, 0) -> 1; }
vectors sub_u1 { (0, 1) -> error overflow; }
vectors neg_u1 { (0) -> 0; (1) -> error overflow; }
vectors neg_u64 { (0) -> 0; (18_446_744_073_709_551_615) -> error overflow; }
vectors add_i2 { (1, 1) -> error overflow; (-2, -1) -> error overflow; (-2, 1) -> -1; }
vectors neg_i2 { (-2) -> error overflow; }
vectors shl_i8 { (1, 7) -> -128; (1, 8) -> 0; (1, 9) -> 0; (-1, 255) -> 0; (-64, 1) -> -128; (96, 1) -> -64; }
vectors shr_i8 { (-128, 7) -> -1; (-128, 8) -> -1; (-128, 9) -> -1; (127, 8) -> 0; (-3, 1) -> -2; (-1, 255) -> -1; }
vectors shl_u8 { (255, 7) -> 128; (255, 8) -> 0; (255, 9) -> 0; (1, 18_446_744_073_709_551_615) -> 0; (1, 4_294_967_296) -> 0; }
vectors shr_u8 { (255, 8) -> 0; (128, 7) -> 1; (255, 18_446_744_073_709_551_615) -> 0; }
vectors shl_i64 { (1, 63) -> -9_223_372_036_854_775_808; (1, 64) -> 0; (1, 65) -> 0; (-1, 18_446_744_073_709_551_615) -> 0; }
vectors shr_i64 {
  (-9_223_372_036_854_775_808, 63) -> -1; (-9_223_372_036_854_775_808, 64) -> -1; (-9_223_372_036_854_775_808, 65) -> -1;
  (-9_223_372_036_854_775_808, 18_446_744_073_709_551_615) -> -1; (9_223_372_036_854_775_807, 64) -> 0; (-5, 1) -> -3;
}
vectors shl_u64 { (18_446_744_073_709_551_615, 63) -> 9_223_372_036_854_775_808; (1, 64) -> 0; (1, 65) -> 0; (1, 127) -> 0; }
vectors shr_u64 { (18_446_744_073_709_551_615, 63) -> 1; (18_446_744_073_709_551_615, 64) -> 0; (18_446_744_073_709_551_615, 65) -> 0; }
vectors shl_i24 { (1, 23) -> -8_388_608; (1, 24) -> 0; (1, 25) -> 0; (-1, 31) -> 0; (4_194_304, 1) -> -8_388_608; }
vectors shr_i24 { (-8_388_608, 23) -> -1; (-8_388_608, 24) -> -1; (-8_388_608, 25) -> -1; (8_388_607, 24) -> 0; }
vectors c_i64_u8 { (-1) -> 255; (256) -> 0; (-9_223_372_036_854_775_808) -> 0; (9_223_372_036_854_775_807) -> 255; }
vectors c_u64_i8 { (18_446_744_073_709_551_615) -> -1; (128) -> -128; (127) -> 127; }
vectors c_i24_u19 { (-1) -> 524_287; (-8_388_608) -> 0; (262_144) -> 262_144; }
vectors c_u64_i64 { (18_446_744_073_709_551_615) -> -1; (9_223_372_036_854_775_808) -> -9_223_372_036_854_775_808; }
vectors c_i64_u64 { (-1) -> 18_446_744_073_709_551_615; (-9_223_372_036_854_775_808) -> 9_223_372_036_854_775_808; }
vectors c_u19_i2 { (3) -> -1; (2) -> -2; (524_287) -> -1; }
vectors c_r { (-6) -> error range; (-5) -> -5; (3) -> 3; (4) -> error range; (-9_223_372_036_854_775_808) -> error range; }
vectors c_u { (-1) -> error range; (9) -> error range; (10) -> 10; (127) -> 127; }
vectors c_big { (-1) -> error range; (0) -> 0; (9_223_372_036_854_775_807) -> 9_223_372_036_854_775_807; }
vectors c_w { (18_446_744_073_709_551_615) -> error range; (9_223_372_036_854_775_807) -> 9_223_372_036_854_775_807; }
vectors c_r_u { (-5) -> error range; (3) -> error range; }
vectors from_sig { (-8) -> Sig.lo; (7) -> Sig.hi; (1) -> error convert; (-9_223_372_036_854_775_808) -> error convert; }
vectors from_wide { (18_446_744_073_709_551_615) -> Wide.top; (9_223_372_036_854_775_808) -> Wide.mid; (1) -> error convert; }
vectors from_wide_i { (0) -> Wide.zero; (-1) -> error convert; }
vectors r_div { (-4, -1) -> error overflow; (3, -1) -> -3; (1, 0) -> error div_by_zero; }
vectors r_rem { (-5, -1) -> 0; (-5, 3) -> -2; (3, -4) -> 3; }
vectors r_neg { (-5) -> error overflow; (-4) -> error overflow; (-3) -> 3; (3) -> -3; }
vectors r_abs { (-4) -> error overflow; (-3) -> 3; }
vectors u_rem { (15, 10) -> error overflow; (25, 10) -> error overflow; (1000, 999) -> error overflow; (999, 1000) -> 999; }
vectors u_neg { (10) -> error overflow; }
vectors ge0 { (0) -> true; (18_446_744_073_709_551_615) -> true; }
vectors le_max { (255) -> false; (254) -> true; }
vectors gt_min { (-128) -> false; (127) -> true; }
vectors short_and { (0) -> false; (1) -> true; (100) -> false; }
vectors short_or { (0) -> true; (200) -> false; }
vectors first_error { (1, 0) -> error div_by_zero; (-128, -1) -> error overflow; (100, 1) -> error overflow; }
vectors idx_u64 { ([1, 2, 3, 4], 3) -> 4; ([1, 2, 3, 4], 4) -> error index; ([1, 2, 3, 4], 18_446_744_073_709_551_615) -> error index; }
vectors with_u64 { ([1, 2, 3], 3, 255) -> error overflow; ([1, 2, 3], 3, 0) -> error index; ([1, 2, 3], 2, 0) -> [1, 2, 1]; }
vectors fold_u8 { () -> 32_640; }
vectors pop_i64 { (-1) -> 64; (-9_223_372_036_854_775_808) -> 1; }
vectors pop_i24 { (-1) -> 24; }
vectors bit_i64 { (-1, 63) -> true; (-1, 64) -> false; (-1, 18_446_744_073_709_551_615) -> false; }
vectors bit_i2 { (-2, 1) -> true; (-2, 0) -> false; (-1, 2) -> false; }
vectors bits_hi { (-1) -> 16_777_215; }
vectors bits_top { (-128) -> 1; (127) -> 0; }
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_semantics_traps(tmp_path: Path):
    need_gcc()
    doc = doc_of([_write(tmp_path, "traps.upel", TRAPS)])
    vectors = conform_ok(doc, samples=300)
    assert vectors == 185


RUNTIME_BITS_TU = r"""
#include <stdio.h>
#include "upel_rt.h"

/* The sign extension upel_wrap_s computed before it was written with `%` (mask, test of
   the sign bit, `|` of the high bits): the new form must give the same value. */
static int64_t wrap_s_bits(uint64_t bits, unsigned w)
{
    uint64_t m = upel_mask(w);
    uint64_t x = bits & m;
    if (w < 64u && (x >> (w - 1u)) != 0u) {
        x |= ~m;
    }
    return upel_s64_of_bits(x);
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

int main(void)
{
    uint64_t seed = 1;
    for (unsigned long i = 0; i < 200000; i++) {
        uint64_t a = splitmix64(&seed);
        if (i < 70000) {
            a = (uint64_t)(int64_t)(int32_t)(i - 35000); /* small values of both signs */
        }
        for (unsigned w = 1; w <= 64; w++) {
            if (upel_wrap_s(a, w) != wrap_s_bits(a, w)) {
                printf("wrap_s %016llx %u\n", (unsigned long long)a, w);
                return 1;
            }
        }
        for (unsigned n = 0; n <= 64; n++) {
            /* upel_shr_u's contract, which Frama-C proves on its `/` branch (C11 6.5.7p5) */
            uint64_t q = n < 64u ? a / upel_pow2[n] : 0u;
            if (upel_shr_u(a, n, 64) != q) {
                printf("shr_u %016llx %u\n", (unsigned long long)a, n);
                return 1;
            }
        }
    }
    printf("ok\n");
    return 0;
}
"""


def test_runtime_wrap_s_and_shr_u_match_their_bit_definitions(tmp_path: Path):
    """upel_wrap_s is written with `%` and a comparison, and Frama-C analyses
    upel_shr_u as a division (upel_rt.h): gcc checks both against the bit
    operations they stand for, on small values of both signs and random 64-bit
    ones, at every width and shift amount."""
    need_gcc()
    files = cbackend.generate(doc_of([REPO / "tests/check/ir/arith.upel"]), {})
    (tmp_path / "upel_rt.h").write_text(files["upel_rt.h"], encoding="utf-8")
    src = _write(tmp_path, "bits.c", RUNTIME_BITS_TU)
    exe = tmp_path / "bits"
    subprocess.run(["gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-I", str(tmp_path), "-o", str(exe),
                    str(src)], check=True, capture_output=True, text=True)
    proc = subprocess.run([str(exe)], capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr


def _sanitizers_work(tmp_path: Path) -> str | None:
    flags = ["-fsanitize=undefined,address", "-fno-sanitize-recover=all"]
    src = _write(tmp_path, "probe.c", "int main(void) { return 0; }\n")
    proc = subprocess.run(["gcc", *flags, "-o", str(tmp_path / "probe"), str(src)], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        return None
    return " ".join(flags)


def test_semantics_traps_without_undefined_behaviour(tmp_path: Path, monkeypatch):
    """The traps again, compiled with UBSan and ASan (any UB aborts the harness)."""
    need_gcc()
    flags = _sanitizers_work(tmp_path)
    if flags is None:
        pytest.skip("gcc cannot link -fsanitize=undefined,address here (libubsan/libasan missing)")
    monkeypatch.setenv(runner.EXTRA_ENV, flags)
    doc = doc_of([_write(tmp_path, "traps.upel", TRAPS)])
    conform_ok(doc, samples=100)


# ---- injection --------------------------------------------------------------------------

INJ_MAIN = r'''
/// Package doc with */ and /* and "quotes" and \ and `ticks` ??/
/// trailing backslash \
/// non-ASCII: é ü 🚀 <RLO>RTL override<PDF> zero<ZWSP>width, a bell <BEL> and a form feed <FF>
package inj version "1.0.0-rc.1+build.5";

use harness;
use upel_rt;

/// Type */ doc "q" \n `x` \
@req("T-*/", "T-\"q\"", "T-\\", "T-`b`", "T-\u{202E}rtl", "T-\nnewline")
type int = i32;

/// Enum doc */
enum _Bool: u8 {
  /// member doc */ \
  EOF = 1,
  NULL = 2,
  errno = 3,
}

/// Record doc /* nested
record struct {
  /// field doc */
  int_: int,
  static: _Bool,
  register: [u8; 2],
  _Bool: bool,
  L_tmpnam: u64,
}

error errno_t { stdin = 16, stdout = 17 }

const auto: int = 5;
const UINT8_MAX: u8 = 7;
const EMPTY: struct = struct { int_: 0, static: _Bool.EOF, register: [0; 2], _Bool: false, L_tmpnam: 0 };

/// fn doc with */ and trailing backslash \
@doc("line one\nline */ two\\\n??/")
@req("R-1 */", "R-\"2\"", "R-\\3", "R-`4`", "R-é-🚀", "R-\u{2028}sep")
fn main(out: int, t1: _Bool, k: struct, upel_try_status_: u8, __x: i8) -> struct raises errno_t
  requires out != 0
  requires upel_try_status_ <= UINT8_MAX
  ensures result.int_ == out
{
  let EOF: int = out -% auto;
  let uint8_t: u8 = upel_try_status_ + k.register[1];
  let integer: i8 = -__x;
  let v_x: u8 = if EOF == 7 { raise errno_t.stdin } else { uint8_t };
  let NULL = harness.register(v_x);
  k with { int_: out, static: t1, _Bool: NULL, L_tmpnam: (integer as u64) +% k.L_tmpnam }
}

@deprecated("use */ something \\ else")
fn printf(integer: bool, assigns: u64, stdin: [struct; 2]) -> bool {
  integer == (stdin[0] == stdin[1]) and assigns >= 0 and stdin[0] != EMPTY
}

fn while(do: u8, goto: i8, _Alignas: u64) -> u8 {
  let register: u8 = do;
  let errno: u8 = register +% 1;
  let UPEL_OK: i8 = goto;
  let assert: u64 = _Alignas;
  let k1: u8 = fold i386 in 0..3 with t: u8 = errno { t +% (i386 as u8) };
  if UPEL_OK < 0 and assert > 5 { k1 } else { errno }
}

vectors main {
  (1, _Bool.NULL, EMPTY, 7, 5) -> EMPTY with { int_: 1, static: _Bool.NULL, _Bool: true, L_tmpnam: 18_446_744_073_709_551_611 };
  (0, _Bool.NULL, EMPTY, 7, 5) -> error precondition;
  (1, _Bool.NULL, EMPTY, 8, 5) -> error precondition;
  (12, _Bool.NULL, EMPTY, 1, 5) -> error errno_t.stdin;
  (1, _Bool.NULL, EMPTY, 1, -128) -> error overflow;
}
'''
CONTROL = {"<RLO>": "\u202e", "<PDF>": "\u202c", "<ZWSP>": "\u200b", "<BEL>": "\x07", "<FF>": "\x0c"}
for _k, _v in CONTROL.items():
    INJ_MAIN = INJ_MAIN.replace(_k, _v)

INJ_HARNESS = '''
/// A package named like the harness file.
package harness version "0.0.1";

fn register(int: u8) -> bool { int > 3 }
'''

INJ_RT = '''
/// A package named like the runtime header.
package upel_rt version "0.0.1";

fn upel_mask(w: u8) -> u8 { w }
'''


def _check_comments(files: dict[str, str]) -> None:
    """Nothing from the spec escapes a comment: `*/` only closes ACSL blocks,
    no `//` comment line ends with a backslash, no trigraphs, no bidi controls."""
    for rel, text in files.items():
        for n, line in enumerate(text.split("\n"), 1):
            where = f"{rel}:{n}: {line!r}"
            if "*/" in line:
                assert line.strip() == "@*/", where
            assert not ("//" in line and line.rstrip().endswith("\\")), where
            assert "??" not in line, where
            assert not any(0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in line), where


def test_injection_compiles_and_conforms(tmp_path: Path):
    root = tmp_path / "specs"
    root.mkdir()
    main = _write(root, "inj.upel", INJ_MAIN)
    _write(root, "harness.upel", INJ_HARNESS)
    _write(root, "upel_rt.upel", INJ_RT)
    doc = doc_of([main], [root])
    files = cbackend.generate(doc, {"harness": True})
    assert "harness.c" in files and "upel_rt.h" in files
    assert len(files) == 8, sorted(files)  # upel_rt.h, harness.c, and a .h/.c for each of the 3 packages
    _check_comments(files)
    h = next(text for rel, text in files.items() if rel == "inj.h")
    assert '@req "R-1 * /", "R-\\"2\\"", "R-\\\\3", "R-`4`", "R-é-🚀"' in h
    assert "// deprecated: use * / something \\ else" in h
    need_gcc()
    assert conform_ok(doc, samples=300) == 5


UPEL_KEYWORDS = {"package", "version", "use", "type", "enum", "record", "error", "const", "fn", "property",
                 "vectors", "requires", "ensures", "raises", "let", "if", "else", "match", "fold", "in", "with",
                 "raise", "as", "and", "or", "not", "true", "false", "bool", "result", "min", "max", "abs",
                 "popcount", "bit", "bits", "len", "overflow", "div_by_zero", "range", "index", "precondition",
                 "convert", "from"}
C_TRAPS = sorted({"int", "register", "_Bool", "errno", "EOF", "NULL", "auto", "static", "struct", "out", "t1", "k",
                  "k1", "v_int", "upel_x", "UPEL_OK", "UPEL_TRY", "upel_try_status_", "_X", "__x", "E2BIG",
                  "isdigit", "strlen", "uint8_t", "int64_t", "INT64_MIN", "SIZE_MAX", "stdin", "L_tmpnam", "main",
                  "printf", "integer", "assigns", "ensures_", "i386", "linux", "unix", "a0", "r", "s", "i", "w",
                  "signed", "inline", "restrict", "_Static_assert", "bool_", "true_", "alignas", "offsetof",
                  "v", "lo", "hi", "upel_mask", "h", "upel_h_leaf", "typeof", "asm"})
IDENT = st.one_of(st.sampled_from(C_TRAPS), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True))


def upel_string(text: str) -> str:
    return '"' + "".join(f"\\u{{{ord(ch):x}}}" for ch in text) + '"'


PROP_SPEC = """
/// {doc0}
package prop version "1.0.0";

/// {doc1}
@doc({doc})
@req({req})
record {n0} {{ {n1}: u8, {n2}: [i8; 2] }}

enum {n3}: i8 {{ {n4} = -1, {n5} = 1 }}

@req({req})
fn {n6}({n7}: {n0}, {n8}: {n3}, {n9}: u64) -> {n0}
  requires {n9} >= 0
{{
  let {n10}: u8 = {n7}.{n1} +% ({n8} as i8 as u8);
  {n7} with {{ {n1}: {n10}, {n2}: {n7}.{n2} with [{n9}] = {n7}.{n2}[0] }}
}}
"""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                HealthCheck.function_scoped_fixture])
@given(names=st.lists(IDENT, min_size=11, max_size=11, unique_by=str.lower),
       doc=st.text(max_size=40), req=st.text(max_size=20), line=st.text(alphabet=st.characters(
           blacklist_categories=("Cs",), blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
           max_size=40))
def test_injection_property(tmp_path_factory, names, doc, req, line):
    """Random doc text, requirement ids and identifiers (biased towards C
    keywords and reserved names): the generated files compile with -Werror."""
    assume(not any(n in UPEL_KEYWORDS or n.startswith(("u", "i")) and n[1:].isdigit() for n in names))
    text = PROP_SPEC.format(doc0=line, doc1=line[::-1], doc=upel_string(doc), req=upel_string(req),
                            **{f"n{i}": n for i, n in enumerate(names)})
    d = tmp_path_factory.mktemp("prop")
    p = _write(d, "prop.upel", text)
    sink, program, docs = front([p])
    assume(not sink.has_errors)  # a random name the checker rejects (shadowing, keyword) is not a C problem
    doc_ir = docs[program.roots[0]]
    files = cbackend.generate(doc_ir, {"harness": True})
    _check_comments(files)
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed: apt-get install gcc")
    for rel, body in files.items():
        (d / rel).write_text(body, encoding="utf-8")
    proc = subprocess.run(["gcc", *runner.CFLAGS, "-c", *sorted(r for r in files if r.endswith(".c"))], cwd=d,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr + "\n" + text


# ---- inline implementations and the parity lowering -----------------------------------

IMPL_CLASH = """
package clash version "1.0.0";
fn g(x: u8) -> u8 { x / 2 }
fn g_impl(x: u8) -> u8 { g(x) + 1 }
fn pc(x: u32) -> u8 { popcount(x) }
fn odd(x: u64) -> bool { popcount(x) % 2 == 1 }
fn flip(x: i16) -> u8 { (popcount(x) + 3) % 2 }
fn big(x: u8) -> u8 { (popcount(x) + 250) % 2 }
vectors g_impl { (10) -> 6; }
vectors odd { (0) -> false; (7) -> true; (18446744073709551615) -> false; }
vectors flip { (-1) -> 1; (0) -> 1; (1) -> 0; }
vectors big { (255) -> error overflow; (0) -> 0; (1) -> 1; }
"""


def test_impl_names_never_clash_and_parity_conforms(tmp_path: Path):
    """A function named like another's implementation keeps its public name and the
    implementation gets a fresh one; `popcount % 2` becomes upel_parity only when the
    `+` cannot overflow (`big`: 8 + 250 > 255 keeps the checked add), and all of it
    compiles and conforms."""
    doc = doc_of([_write(tmp_path, "clash.upel", IMPL_CLASH)])
    files = cbackend.generate(doc, {"harness": True})
    h, c = files["clash.h"], files["clash.c"]
    assert "upel_status clash_g_impl(uint8_t x, uint8_t *out);" in h  # the public function named g_impl
    assert "static inline upel_status clash_g_impl_2(uint8_t x, uint8_t *out)" in h  # g's body, renamed
    assert "return clash_g_impl_2(x, out);" in c and "return clash_g_impl_impl(x, out);" in c
    # callees first: g's body precedes g_impl's, which calls it (the body, not the extern function)
    assert h.index("static inline upel_status clash_g_impl_2(") < h.index("static inline upel_status clash_g_impl_impl(")
    assert "UPEL_TRY(clash_g_impl_2(x, &" in h
    assert "upel_parity((uint64_t)x, 64)" in h and "upel_parity((uint64_t)x, 16) ^ 1u" in h
    big = h[h.index("clash_big_impl("):]
    assert "upel_popcount(" in big.split("}")[0] and "upel_parity" not in big.split("}")[0]
    need_gcc()
    assert conform_ok(doc, samples=2000) == 10
