"""Rust backend (backends/rust): goldens, determinism, conformance, rustc 1.63, injection.

Conformance runs compile the generated harness with the real `rustc` and
compare every answer with the reference interpreter (upel.codegen.conform).
Without rustc those tests skip, naming the missing tool; CI has it.
Regenerate the goldens with:
    UPEL_UPDATE_GOLDEN=1 tools/test.sh tests/backends/test_rust.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from conftest import assert_golden, front
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from upel.backends.rust import emitter
from upel.backends.rust.runner import RUSTC_ENV, RUSTC_FLAGS

from upel.backends import rust
from upel.codegen.conform import run_conformance
from upel.codegen.driver import generate as driver_generate
from upel.codegen.driver import write_generated
from upel.codegen.registry import ToolMissing

REPO = Path(__file__).resolve().parents[2]
TESTDATA = REPO / "backends" / "rust" / "testdata"
GOLDEN_SPECS = [REPO / "tests" / "check" / "ir" / "arith.upel", REPO / "tests" / "check" / "ir" / "data.upel"]
UPDATE_HINT = "tools/test.sh tests/backends/test_rust.py"
OLD_RUSTC = Path("/usr/bin/rustc")  # what a fresh Debian 12 machine gets (1.63)


def docs_of(paths, spec_path=()) -> dict:
    sink, program, docs = front(paths, spec_path)
    assert not sink.has_errors, [d.message for d in sink.items]
    return {root: docs[root] for root in program.roots}


def single_doc(paths) -> dict:
    docs = docs_of(paths)
    assert len(docs) == 1, list(docs)
    return next(iter(docs.values()))


def need_rustc() -> dict:
    try:
        return rust.tools()
    except ToolMissing as e:
        pytest.skip(f"SKIPPED LOUDLY: the Rust backend cannot be compiled or run here: {e}")


def need_old_rustc(monkeypatch) -> None:
    if not OLD_RUSTC.exists():
        pytest.skip(f"SKIPPED LOUDLY: {OLD_RUSTC} (Debian 12's rustc 1.63) is not installed (apt-get install rustc)")
    monkeypatch.setenv(RUSTC_ENV, str(OLD_RUSTC))
    version = rust.tools()["rustc"]
    assert version.startswith("1."), version


def assert_conforms(doc: dict, samples: int, seed: int = 0) -> None:
    (report,) = run_conformance(doc, ["rust"], samples, seed)
    bad = [f"{f.qname}: {f.first_mismatch}" for f in report.functions if f.first_mismatch]
    assert report.ok, f"{report.package}: {report.error or ''}\n" + "\n".join(bad)
    assert report.functions and all(f.random == samples for f in report.functions)


def write_spec(root: Path, files: dict[str, str]) -> list[Path]:
    paths = []
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths


# ---- goldens --------------------------------------------------------------------------


@pytest.mark.parametrize("spec", GOLDEN_SPECS, ids=[p.stem for p in GOLDEN_SPECS])
def test_golden(spec: Path):
    files = rust.generate(single_doc([spec]), {"harness": True})
    folder = TESTDATA / spec.stem
    if os.environ.get("UPEL_UPDATE_GOLDEN"):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in {p.name for p in folder.iterdir()} - set(files):
            (folder / stale).unlink()
    for rel, text in files.items():
        assert_golden(folder / rel, text, UPDATE_HINT)
    on_disk = sorted(p.name for p in folder.iterdir())
    assert on_disk == sorted(files), f"stale golden files in {folder}; regenerate with UPEL_UPDATE_GOLDEN=1 {UPDATE_HINT}"


def test_file_set_and_headers():
    doc = single_doc([REPO / "specs" / "avionics" / "arinc429.upel"])
    files = rust.generate(doc, {"harness": False})
    assert sorted(files) == ["avionics_arinc429.rs", "avionics_units.rs", "upel_rt.rs"]
    assert "harness.rs" in rust.generate(doc, {"harness": True})
    from upel.ir.encoding import package_digest

    # Each package file names its package and that package's own digest, so
    # it is the same whichever root generates it; the runtime names no spec.
    for name, pkg in (("avionics_arinc429.rs", "avionics.arinc429"), ("avionics_units.rs", "avionics.units")):
        head = files[name].splitlines()[:3]
        assert pkg in head[0] and 'version "1.0.0"' in head[0]
        assert package_digest(doc, pkg) in head[1]
    assert "avionics" not in files["upel_rt.rs"]
    for body in files.values():
        assert "@generated" not in body  # the driver adds the marker
    assert "crate::avionics_units::Feet" in files["avionics_arinc429.rs"]
    assert '// @req("AV-ARINC-002")' in files["avionics_arinc429.rs"]


# ---- determinism ----------------------------------------------------------------------

_GEN_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from conftest import front
from upel.codegen.driver import generate, write_generated
sink, program, docs = front([sys.argv[2]])
for root in program.roots:
    write_generated(generate(docs[root], "rust", harness=True), Path(sys.argv[3]) / root)
"""


def test_deterministic(tmp_path: Path):
    spec = REPO / "specs" / "avionics"
    docs = docs_of([spec])
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out in (a, b):
        for root, doc in docs.items():
            write_generated(driver_generate(doc, "rust", harness=True), out / root)
    # a separate interpreter with another hash seed: no set or dict order leaks into the output
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, "-c", _GEN_SCRIPT, str(REPO / "tests"), str(spec), str(c)],
                   check=True, env=env, cwd=REPO)
    listing = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert listing and listing == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()) \
        == sorted(p.relative_to(c) for p in c.rglob("*") if p.is_file())
    for rel in listing:
        assert (a / rel).read_bytes() == (b / rel).read_bytes() == (c / rel).read_bytes(), rel


# ---- conformance of the example systems ---------------------------------------------------

EXAMPLE_ROOTS = [(d.name, root) for d in sorted((REPO / "specs").iterdir()) if d.is_dir()
                 for root in sorted(docs_of([d]))]


@pytest.mark.slow
@pytest.mark.parametrize("system,root", EXAMPLE_ROOTS, ids=[r for _, r in EXAMPLE_ROOTS])
def test_conformance_examples(system: str, root: str):
    need_rustc()
    assert_conforms(docs_of([REPO / "specs" / system])[root], samples=1000)


# ---- semantics traps ------------------------------------------------------------------------

TRAP_TYPES = ["u1", "u2", "u7", "u8", "u16", "u19", "u32", "u33", "u63", "u64",
              "i2", "i3", "i8", "i16", "i24", "i32", "i33", "i63", "i64"]
CAST_TARGETS = ["u1", "i2", "u8", "i8", "u19", "i24", "u64", "i64"]


def traps_spec() -> str:
    """Every operator on every interesting width, plus the classic traps as
    vectors (their expectations written by hand, independently of UPEL)."""
    out = ["/// Semantics traps for code generators: every width, MIN / -1, % of",
           "/// negatives, shifts by the width and beyond, casts, ranged newtypes.",
           'package traps.ints version "1.0.0";', "",
           "record Casts { " + ", ".join(f"c_{t}: {t}" for t in CAST_TARGETS) + " }",
           "record PopBit { pop: u8, bit: bool, bit64: bool }",
           "type Small = i16 in -300..=300;",
           "type Top = u64 in 9223372036854775808..=18446744073709551615;",
           "type Neg = i64 in -9223372036854775808..=-1;",
           "type R = i16 in -100..=50;",
           "type Q = u32 in 500..=300000;",
           "type Un = i24;",
           "enum Sgn: i3 { lo = -4, minus = -1, zero = 0, hi = 3 }",
           "enum One: u1 { only = 1 }",
           "record Pair { x: u8, y: u8 }",
           "error Trap { boom = 16, big = 17 }", ""]
    for t in TRAP_TYPES:
        w = int(t[1:])
        amt = f"u{w.bit_length() + 1}"  # amounts up to about 2 * width: width and width + 1 come up often
        hi_bit, lo_bit = w - 1, w // 2
        out += [
            f"fn add_{t}(a: {t}, b: {t}) -> {t} {{ a + b }}",
            f"fn sub_{t}(a: {t}, b: {t}) -> {t} {{ a - b }}",
            f"fn mul_{t}(a: {t}, b: {t}) -> {t} {{ a * b }}",
            f"fn div_{t}(a: {t}, b: {t}) -> {t} {{ a / b }}",
            f"fn rem_{t}(a: {t}, b: {t}) -> {t} {{ a % b }}",
            f"fn neg_{t}(a: {t}) -> {t} {{ -a }}",
            f"fn wrap_{t}(a: {t}, b: {t}) -> [{t}; 3] {{ [a +% b, a -% b, a *% b] }}",
            f"fn sat_{t}(a: {t}, b: {t}) -> [{t}; 3] {{ [a +| b, a -| b, a *| b] }}",
            f"fn bitwise_{t}(a: {t}, b: {t}) -> [{t}; 4] {{ [a & b, a | b, a ^ b, ~a] }}",
            f"fn shift_{t}(a: {t}, n: {amt}) -> [{t}; 2] {{ [a << n, a >> n] }}",
            f"fn shift64_{t}(a: {t}, n: u64) -> [{t}; 2] {{ [a << n, a >> n] }}",
            (f"fn popbit_{t}(a: {t}, i: {amt}, j: u64) -> PopBit "
            f"{{ PopBit {{ pop: popcount(a), bit: bit(a, i), bit64: bit(a, j) }} }}"),
            f"fn field_{t}(a: {t}) -> u{hi_bit - lo_bit + 1} {{ bits(a, {hi_bit}, {lo_bit}) }}",
            f"fn cmp_{t}(a: {t}, b: {t}) -> [bool; 6] {{ [a == b, a != b, a < b, a <= b, a > b, a >= b] }}",
            f"fn minmax_{t}(a: {t}, b: {t}) -> [{t}; 2] {{ [min(a, b), max(a, b)] }}",
            f"fn cast_{t}(a: {t}) -> Casts {{ Casts {{ "
            + ", ".join(f"c_{c}: a as {c}" for c in CAST_TARGETS) + " } }",
            f"fn into_small_{t}(a: {t}) -> Small {{ a as Small }}",
            f"fn into_top_{t}(a: {t}) -> Top {{ a as Top }}",
            f"fn into_neg_{t}(a: {t}) -> Neg {{ a as Neg }}",
            f"fn sgn_from_{t}(a: {t}) -> Sgn {{ Sgn.from(a) }}",
        ]
        if t[0] == "i":
            out.append(f"fn abs_{t}(a: {t}) -> {t} {{ abs(a) }}")
        out.append("")
    for n in ("R", "Q", "Top", "Neg", "Un"):
        out += [f"fn add_{n}(a: {n}, b: {n}) -> {n} {{ a + b }}",
                f"fn sub_{n}(a: {n}, b: {n}) -> {n} {{ a - b }}",
                f"fn mul_{n}(a: {n}, b: {n}) -> {n} {{ a * b }}",
                f"fn div_{n}(a: {n}, b: {n}) -> {n} {{ a / b }}",
                f"fn rem_{n}(a: {n}, b: {n}) -> {n} {{ a % b }}",
                f"fn neg_{n}(a: {n}) -> {n} {{ -a }}",
                f"fn sat_{n}(a: {n}, b: {n}) -> [{n}; 3] {{ [a +| b, a -| b, a *| b] }}",
                f"fn minmax_{n}(a: {n}, b: {n}) -> [{n}; 2] {{ [min(a, b), max(a, b)] }}",
                f"fn cmp_{n}(a: {n}, b: {n}) -> [bool; 2] {{ [a < b, a == b] }}"]
    out += [
        "fn abs_R(a: R) -> R { abs(a) }",
        "fn abs_Neg(a: Neg) -> Neg { abs(a) }",
        "fn unwrap_R(a: R) -> i16 { a as i16 }",
        "fn cast_between(a: R, b: Q) -> [u8; 2] { [a as u8, b as u8] }",
        "fn un_ops(a: Un, b: Un, n: u5) -> [Un; 6] { [a +% b, a -% b, a *% b, a << n, a >> n, ~a] }",
        "fn un_bits(a: Un) -> PopBit { PopBit { pop: popcount(a), bit: bit(a, 23), bit64: bit(a, 24) } }",
        "fn from_bool(b: bool) -> [i2; 2] { [b as i2, (b as u1) as i2] }",
        "fn bool_small(b: bool) -> Small { b as Small }",
        "fn sgn_out(s: Sgn) -> [u8; 2] { [(s as i3) as u8, popcount(s as i3)] }",
        "fn sgn_match(s: Sgn) -> u8 { match s { Sgn.lo | Sgn.minus => 1, Sgn.zero => 2, Sgn.hi => 3, _ => 4 } }",
        "fn bool_match(b: bool) -> u8 { match b { true => 1, false => 0, _ => 9 } }",
        "fn u2_match(x: u2) -> u8 { match x { 0 => 10, 1 => 11, 2 => 12, 3 => 13 } }",
        "fn u2_match_wild(x: u2) -> u8 { match x { 0 | 1 | 2 | 3 => 10, _ => 11 } }",
        "fn i8_match(x: i8) -> u8 { match x { -128 => 1, -1 => 2, 0 => 3, 127 => 4, _ => 5 } }",
        "fn small_match(x: Small) -> u8 { match x { -300 => 1, 300 => 2, _ => 3 } }",
        "fn useless_cmp(x: u8) -> bool { x >= 0 and x <= 255 }",
        "fn order(a: i8, b: i8, c: i8) -> i8 { (a * b) + (a / c) }",
        "fn order_with(a: [u8; 4], i: u8, x: u8, y: u8) -> [u8; 4] { a with [i] = x / y }",
        "fn index64(a: [i8; 3], i: u64) -> i8 { a[i] }",
        "fn big_index(x: u8, i: u16) -> u8 { let big = [x; 300]; big[i] }",
        "fn short_and(a: u8, b: u8) -> bool { b != 0 and a / b > 1 }",
        "fn short_or(a: u8, b: u8) -> bool { b == 0 or a / b > 1 }",
        "fn guard(a: u8, b: u8) -> u8 raises Trap { let t = a / b; if t > 9 { raise Trap.big } t * 2 }",
        "fn raise_operand(a: u8, b: u8) -> u8 raises Trap { (a / b) + (raise Trap.boom) }",
        "fn raise_let(a: u8, b: u8) -> u8 raises Trap { let t = a / b; let u: u8 = raise Trap.boom; u + t }",
        "fn raise_unused(a: u8, b: u8) -> u8 raises Trap { let t = a / b; raise Trap.boom }",
        "fn requires_raises(a: u8, b: u8) -> u8 requires a / b > 2 requires b < 100 { a - b }",
        "fn fold_full(x: u8) -> u32 { fold i in 0..256 with acc: u32 = x as u32 { acc + (i as u32) } }",
        "fn fold_empty(x: u8) -> u8 { fold i in 3..3 with acc: u8 = x { acc + 1 } }",
        "fn fold_raise(x: u8) -> u8 raises Trap { fold i in 0..2 with acc: u8 = x { raise Trap.boom } }",
        "fn fold_unused(x: u8) -> u8 { fold i in 0..4 with acc: u8 = 0 { x } }",
        ("fn if_raise_both(x: u8) -> u8 raises Trap "
        "{ let y: u8 = if x > 3 { raise Trap.big } else { raise Trap.boom }; y }"),
        "fn mk(a: u8, b: u8) -> Pair { Pair { x: a * b, y: a } }",
        "fn rw(a: u8, b: u8, c: u8) -> Pair { mk(a, b) with { y: a / c } }",
        "fn rw_all(a: u8, b: u8, c: u8) -> Pair { mk(a, b) with { y: a / c, x: c } }",
        "fn lit_order(a: u8, b: u8, c: u8) -> Pair { Pair { y: a / c, x: a * b } }",
        "fn pairs_at(ps: [Pair; 3], i: u2) -> u8 { ps[i].y }",
        "fn constant() -> u8 { 42 }",
        "fn one(o: One) -> u8 { match o { One.only => 1 } }",
        "fn one_from(x: u1) -> One { One.from(x) }",
        ("fn nested(x: i8) -> i8 { let a = { let b = x + 1; b * 2 }; "
        "if a > 10 { a - 1 } else if a < -10 { a + 1 } else { -a } }"),
        "",
        "vectors div_i8 { (-128, -1) -> error overflow; (-7, 2) -> -3; (7, -2) -> -3; (1, 0) -> error div_by_zero; }",
        "vectors rem_i8 { (-128, -1) -> 0; (-7, 2) -> -1; (7, -2) -> 1; (-7, -2) -> -1; (1, 0) -> error div_by_zero; }",
        ("vectors div_i64 { (-9223372036854775808, -1) -> error overflow; "
        "(-9223372036854775808, 1) -> -9223372036854775808; }"),
        "vectors rem_i64 { (-9223372036854775808, -1) -> 0; (-9223372036854775807, 10) -> -7; }",
        ("vectors add_u64 { (18446744073709551615, 1) -> error overflow; "
        "(9223372036854775808, 9223372036854775807) -> 18446744073709551615; }"),
        "vectors mul_u64 { (4294967296, 4294967296) -> error overflow; (4294967295, 4294967297) -> 18446744073709551615; }",
        "vectors sub_u64 { (0, 1) -> error overflow; (9223372036854775808, 1) -> 9223372036854775807; }",
        "vectors neg_i64 { (-9223372036854775808) -> error overflow; (9223372036854775807) -> -9223372036854775807; }",
        "vectors abs_i64 { (-9223372036854775808) -> error overflow; (-5) -> 5; }",
        "vectors neg_u8 { (0) -> 0; (1) -> error overflow; }",
        "vectors add_u1 { (1, 1) -> error overflow; (1, 0) -> 1; }",
        "vectors add_i2 { (1, 1) -> error overflow; (-2, -1) -> error overflow; (-1, 1) -> 0; }",
        "vectors div_i2 { (-2, -1) -> error overflow; }",
        "vectors rem_i2 { (-2, -1) -> 0; }",
        "vectors shift_u19 { (1, 18) -> [262144, 0]; (1, 19) -> [0, 0]; (1, 20) -> [0, 0]; (524287, 18) -> [262144, 1]; }",
        ("vectors shift_i24 { (-1, 23) -> [-8388608, -1]; (-1, 24) -> [0, -1]; (-1, 25) -> [0, -1]; "
        "(8388607, 24) -> [0, 0]; }"),
        ("vectors shift64_u64 { (1, 63) -> [9223372036854775808, 0]; (1, 64) -> [0, 0]; (1, 65) -> [0, 0]; "
        "(18446744073709551615, 18446744073709551615) -> [0, 0]; }"),
        ("vectors shift64_i64 { (-9223372036854775808, 63) -> [0, -1]; (-1, 64) -> [0, -1]; "
        "(-1, 18446744073709551615) -> [0, -1]; (5, 64) -> [0, 0]; }"),
        "vectors shift64_i8 { (-128, 1) -> [0, -64]; (64, 1) -> [-128, 32]; (-1, 8) -> [0, -1]; (1, 9) -> [0, 0]; }",
        ("vectors cast_i64 { (-1) -> Casts { c_u1: 1, c_i2: -1, c_u8: 255, c_i8: -1, c_u19: 524287, c_i24: -1, "
        "c_u64: 18446744073709551615, c_i64: -1 }; }"),
        ("vectors cast_u64 { (18446744073709551615) -> Casts { c_u1: 1, c_i2: -1, c_u8: 255, c_i8: -1, "
        "c_u19: 524287, c_i24: -1, c_u64: 18446744073709551615, c_i64: -1 }; }"),
        "vectors into_top_u64 { (9223372036854775807) -> error range; (9223372036854775808) -> 9223372036854775808; }",
        "vectors into_top_i64 { (-1) -> error range; }",
        "vectors into_neg_u64 { (18446744073709551615) -> error range; }",
        "vectors sgn_from_u8 { (255) -> error convert; (3) -> Sgn.hi; (0) -> Sgn.zero; (4) -> error convert; }",
        "vectors sgn_from_i8 { (-4) -> Sgn.lo; (-1) -> Sgn.minus; (-2) -> error convert; (-128) -> error convert; }",
        ("vectors rem_Q { (300000, 1000) -> error overflow; (300000, 299999) -> error overflow; "
        "(1000, 600) -> error overflow; (1100, 600) -> 500; }"),
        "vectors order { (-128, 2, 0) -> error overflow; (1, 2, 0) -> error div_by_zero; }",
        "vectors order_with { ([1, 2, 3, 4], 9, 1, 0) -> error div_by_zero; ([1, 2, 3, 4], 9, 1, 1) -> error index; }",
        "vectors index64 { ([1, 2, 3], 18446744073709551615) -> error index; ([1, 2, 3], 2) -> 3; }",
        "vectors big_index { (7, 299) -> 7; (7, 300) -> error index; }",
        "vectors raise_operand { (1, 0) -> error div_by_zero; (1, 1) -> error Trap.boom; }",
        "vectors raise_unused { (1, 0) -> error div_by_zero; (1, 1) -> error Trap.boom; }",
        "vectors requires_raises { (1, 0) -> error div_by_zero; (9, 1) -> 8; (2, 1) -> error precondition; }",
        "vectors fold_full { (0) -> 32640; }",
        "vectors rw { (255, 2, 0) -> error overflow; (1, 1, 0) -> error div_by_zero; (6, 2, 3) -> Pair { x: 12, y: 2 }; }",
        "vectors rw_all { (255, 2, 0) -> error overflow; (6, 2, 3) -> Pair { x: 3, y: 2 }; }",
        "vectors lit_order { (255, 2, 0) -> error div_by_zero; (255, 2, 1) -> error overflow; }",
        "vectors pairs_at { ([Pair { x: 1, y: 2 }, Pair { x: 3, y: 4 }, Pair { x: 5, y: 6 }], 3) -> error index; }",
        "vectors one_from { (0) -> error convert; (1) -> One.only; }",
    ]
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def traps_doc(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("traps")
    return single_doc(write_spec(root, {"traps/ints.upel": traps_spec()}))


@pytest.mark.slow
def test_semantics_traps_conform(traps_doc):
    need_rustc()
    assert_conforms(traps_doc, samples=1000)


# Rust syntax corners: struct literals in `if`/`match` heads and under `not`,
# nested and large arrays (65536 elements: stack), u64 enums, unranged
# newtypes under bit operations, casts left of `<`.
SHAPES_SPEC = '''package edge.shapes version "1.0.0";

record P { x: u8, y: u8 }
record Flags { a: bool, b: [bool; 2] }
enum Big: u64 { small = 1, huge = 18446744073709551615, mid = 9223372036854775808 }
type W = u32;
type Idx = u16 in 0..=5;
const GRID: [[u8; 3]; 2] = [[1, 2, 3], [4, 5, 6]];
const PS: [P; 2] = [P { x: 1, y: 2 }, P { x: 3, y: 4 }];

fn lit_cond(a: u8, b: u8, p: P) -> u8 { if P { x: a, y: b } == p { 1 } else { 0 } }
fn lit_scrut(a: u8) -> u8 { match P { x: a, y: 1 }.x { 0 => 9, _ => a } }
fn not_field(a: bool) -> bool { not Flags { a: a, b: [a, a] }.a }
fn req_lit(a: u8, p: P) -> u8 requires P { x: a, y: a } != p { a }
fn grid(i: u8, j: u8) -> u8 { GRID[i][j] }
fn grid_set(g: [[u8; 3]; 2], i: u8, j: u8, v: u8) -> [[u8; 3]; 2] { g with [i] = (g[i] with [j] = v) }
fn ps_y(i: u1) -> u8 { PS[i].y }
fn big_arr(x: u16, i: u16) -> u16 { let a = [x; 65536]; let b = a with [i] = x +% 1; b[i] +% b[65535] }
fn big_param(a: [u8; 4096], i: u16) -> u8 { a[i] }
fn big_enum(x: u64) -> Big { Big.from(x) }
fn big_out(b: Big) -> [u64; 2] { [b as u64, popcount(b as u64) as u64] }
fn bits_all(x: i64) -> u64 { bits(x, 63, 0) }
fn w_ops(a: W, b: W, n: u8, i: u6) -> [W; 4] { [a << n, a >> n, ~a, a ^ b] }
fn w_bits(a: W, i: u6) -> bool { bit(a, i) }
fn w_neg(a: W) -> W { -a }
fn idx(a: [u8; 6], i: Idx) -> u8 { a[i] }
fn fold16(x: u8) -> u32 { fold i: u16 in 0..300 with acc: u32 = 0 { acc + (x as u32) } }
fn fold_nested(x: u8) -> u32 { fold i in 0..3 with acc: u32 = 0 { acc + fold j in 0..4 with inner: u32 = 0 { inner + (x as u32) } } }
fn big_lit() -> [u8; 3] { [255, 0, 1] }
fn flags_upd(f: Flags, a: bool) -> Flags { f with { b: f.b with [1] = a } }
fn cmp_bool(a: bool, b: bool) -> bool { (a == b) == (a != b) }
fn sh_cast(a: u8, b: u8) -> bool { (a as u32) < (b as u32) and (a as u16) <= (b as u16) }
record Wide { a: u64, b: u64, c: [u32; 5], p: P }
fn wide_sum(w: Wide) -> u64 { w.a +% w.b +% (w.c[1] as u64) +% (w.p.x as u64) }
fn wide_pass(w: Wide, v: Wide) -> u64 {
  if w == v { wide_sum(w) } else { wide_sum(v) +% wide_sum(Wide { a: 1, b: 2, c: [3; 5], p: P { x: 4, y: 5 } }) }
}
fn wide_upd(w: Wide, i: u8, x: u32) -> Wide { w with { c: w.c with [i] = x } }
fn wide_idx(c: [u32; 5], w: Wide, i: u8) -> u32 { c[i] +% w.c[i] +% wide_upd(w, i, 7).c[i] }
fn wide_copy(w: Wide) -> [Wide; 2] { let v = w; [v, w with { a: 0 }] }
fn fold_full(x: u8) -> u32 { fold i: u8 in 0..256 with acc: u32 = 0 { acc + (i as u32) + (x as u32) } }
'''


@pytest.fixture(scope="module")
def shapes_doc(tmp_path_factory) -> dict:
    return single_doc(write_spec(tmp_path_factory.mktemp("shapes"), {"edge/shapes.upel": SHAPES_SPEC}))


def test_signatures_and_loops(shapes_doc):
    """Records and arrays over 16 bytes are parameters by reference (`&T`),
    smaller ones by value; a by-reference parameter is read in place and
    passed on without a copy; a fold whose end fits its index type is a
    half-open range, one that ends at the type's maximum an inclusive one."""
    code = rust.generate(shapes_doc, {})["edge_shapes.rs"]
    for sig in ("wide_sum(w: &Wide)", "wide_pass(w: &Wide, v: &Wide)", "wide_upd(w: &Wide, i: u8, x: u32)",
                "wide_idx(c: &[u32; 5], w: &Wide, i: u8)", "big_param(a: &[u8; 4096], i: u16)",
                "lit_cond(a: u8, b: u8, p: P)", "grid_set(g: [[u8; 3]; 2], i: u8, j: u8, v: u8)",
                "flags_upd(f: Flags, a: bool)"):
        assert f"pub fn {sig} ->" in code, sig
    assert "if *w == *v {\n        wide_sum(w)\n" in code  # compared by value, passed on as is
    assert "rt::at(c, i)" in code and "rt::at(&w.c, i)" in code  # indexed in place
    assert "wide_sum(&Wide {" in code and "wide_upd(w, i, 7u32)" in code
    assert "..*w" in code and "let v: Wide = *w;" in code
    assert "for _ in 0u16..300u16" in code and "for i in 0u8..=255u8" in code
    loops = [line.strip() for line in code.splitlines() if line.strip().startswith("for ")]
    assert [x for x in loops if "..=" in x] == ["for i in 0u8..=255u8 {"], loops


@pytest.mark.slow
def test_shapes_conform(shapes_doc):
    need_rustc()
    assert_conforms(shapes_doc, samples=300)


# ---- injection: hostile names and texts ----------------------------------------------------

INJECTION_BASE = r'''/// Package doc */ /* with "quotes", \backslash, `backticks`, //! and ///.
/// Non-ASCII: café, 日本語, 🚀, a bidi override {RLO} here, zero width{ZWSP} here.
/// A trailing backslash \
package upel.rt version "1.0.0-rc.1";

/// `Self` is a keyword that cannot be a raw identifier. */
@req("REQ-1 */ \"quoted\" \\ back\nslash-n newline", "REQ-\u{202e}-bidi", "`tick`")
@deprecated("old */ thing \" with quote")
type Self = u8;

type crate = i16 in -5..=5;
type Result = u8;
type Error = i8;
type Ok = u16;
type rt = u32;
type str = u8;
type usize = i64;

/// Enum doc with \n an escaped n.
enum loop: i3 { move = -4, ref = -1, impl = 0, Self = 1, self = 2, from_value = 3 }

/// Record whose fields are keywords.
record struct {
  /// field doc */
  mod: u8,
  pub: bool,
  where: loop,
  self: crate,
  Self: Self,
  crate: [Ok; 2],
  _: u8,
  self_: u8,
}

/// Errors that are keywords. "quote" */
error unsafe { trait = 16, Self = 17, super = 18 }

const move: u8 = 3;
const Err: u8 = 2;
const None: loop = loop.ref;
const Some: struct = struct { mod: 1, pub: true, where: loop.Self, self: -5, Self: 7, crate: [1, 2], _: 0, self_: 9 };

/// Function named `self`, params that are keywords. Doc with `*/` and \t\u{7}.
@req("F-1\r\nCRLF")
@doc("An @doc line */ with\na newline and \"quotes\", a NEL\u{85}, an LS\u{2028} and a bell\u{7}")
fn self(trait: u8, where: u8, mut: u8, static: u8) -> u8 raises unsafe
  requires trait < 200
{
  let ref_ = trait + where;
  if ref_ > 250 { raise unsafe.trait }
  let impl = if mut > static { mut - static } else { static - mut };
  impl +% move
}

vectors self {
  (1, 2, 3, 4) -> 4;
  (200, 0, 0, 0) -> error precondition;
  (199, 52, 0, 0) -> error unsafe.trait;
}
'''

# The bidi override and the zero-width space go in here rather than in this
# file's source, where they would hide what the test does.
INJECTION_BASE = INJECTION_BASE.replace("{RLO}", "\u202e").replace("{ZWSP}", "\u200b")

INJECTION_ROOT = r'''/// Root package: locals named like Rust keywords and prelude items.
package weird.self version "2.0.0";

use upel.rt;

fn dyn(async: rt.struct, await: rt.loop, abstract: [rt.loop; 3]) -> rt.struct raises convert, index {
  let become = async with { where: await, mod: async.mod +% 1 };
  let box = abstract[async.mod];
  let do = rt.loop.from((box as i3) +% 1);
  let final = become with { crate: [async.crate[0], 5], where: do };
  final
}

fn macro(x: rt.crate, y: rt.Self, z: rt.usize) -> rt.crate raises rt.unsafe {
  let override = x + (1 as rt.crate);
  let priv = match y { 0 => override, _ => raise rt.unsafe.Self };
  priv
}

fn typeof(e: rt.loop, s: rt.struct) -> rt.loop raises rt.unsafe {
  match e {
    rt.loop.move | rt.loop.ref => rt.loop.from_value,
    rt.loop.impl => s.where,
    rt.loop.Self => raise rt.unsafe.super,
    _ => e,
  }
}

fn unsized(a: rt.str, b: rt.rt, c: rt.Ok, d: rt.Result, e: rt.Error) -> [u8; 5] {
  [a as u8, b as u8, c as u8, d as u8, e as u8]
}

fn virtual(x: u8) -> bool { x == rt.move or x == rt.Err or rt.Some.self_ == x or rt.None == rt.loop.ref }

/// Locals named like prelude items and keywords without a raw form.
fn Self_(Self: u8, Ok: u8, None: u8, Some: u8, Err: u8, loop: u8, self: u8, self_: u8, super: u8, crate: u8) -> u8
  raises rt.unsafe
{
  let Result = rt.self(Self, Ok, None, Some);
  let Option = Err +% loop +% self +% self_;
  let yield = super +% crate;
  Result +% Option +% yield
}

fn try(gen: u8, union: u8, static: u8, extern: u8, const_: u8, continue_: u8, break_: u8, return_: u8) -> u8 {
  let for_ = gen +% union +% static +% extern;
  let while_ = const_ +% continue_ +% break_ +% return_;
  for_ +% while_
}
'''


@pytest.fixture(scope="module")
def injection_doc(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("inject")
    paths = write_spec(root, {"upel/rt.upel": INJECTION_BASE, "weird/self.upel": INJECTION_ROOT})
    docs = docs_of([paths[1]])
    return docs["weird.self"]


def _no_breakout(files: dict[str, str]) -> None:
    for rel, body in files.items():
        assert "\r" not in body, rel
        for ch in body:
            assert ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp") or ch == "\t", \
                (rel, hex(ord(ch)))


def test_injection_text(injection_doc):
    files = rust.generate(injection_doc, {"harness": True})
    _no_breakout(files)
    base = files["upel_rt_.rs"]  # the package upel.rt may not take the runtime's module name
    assert "pub struct Self_(pub u8);" in base and "pub enum r#loop {" in base
    assert "pub fn self_(r#trait: u8, r#where: u8, r#mut: u8, r#static: u8)" in base
    assert r'// @req("REQ-1 */ \"quoted\" \\ back\nslash-n newline", "REQ-\u{202e}-bidi", "`tick`")' in base
    assert "/// An @doc line */ with\n/// a newline" in base
    assert "pub struct Result_(pub u8);" in base and "pub const Err_: u8" in base
    root = files["weird_self.rs"]
    assert "Self__: u8, Ok_: u8, None_: u8, Some_: u8" in root


@pytest.mark.slow
def test_injection_conforms(injection_doc):
    need_rustc()
    assert_conforms(injection_doc, samples=1000)


# Property: hostile doc texts, attribute strings and identifiers never break
# the generated code out of its comments, and the output compiles.
_KEYWORD_NAMES = sorted((emitter.RAW_KEYWORDS | emitter.NO_RAW | emitter.MODULE_RESERVED
                         | {"Some", "None", "Ok", "Err", "self_", "Self_", "r", "from_value", "value",
                            "main", "Leaves", "put", "finish", "harness", "upel_rt"})
                        - {"_", "as", "const", "else", "enum", "false", "fn", "for", "if", "in", "let", "match",
                           "true", "type", "use", "bool", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64",
                           "i128", "u128"})
_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(str.strip)
_line = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85"
                              "\u2028\u2029"), max_size=40)


def _upel_string(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or unicodedata.category(ch) in ("Zl", "Zp"):
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


@st.composite
def hostile_spec(draw) -> str:
    names = draw(st.lists(st.sampled_from(_KEYWORD_NAMES), min_size=14, max_size=14, unique=True))
    e, r, x, k, f, m1, m2, f1, f2, c1, p1, p2, l1, l2 = names
    docs = [draw(_line) for _ in range(3)]
    strings = [_upel_string(draw(_text)) for _ in range(3)]
    return f"""/// {docs[0]}
package inj.prop version "1.0.0";

/// {docs[1]}
@req({strings[0]}, {strings[1]})
enum {e}: u8 {{ {m1} = 0, {m2} = 1 }}
record {r} {{ {f1}: u8, {f2}: {e} }}
error {x} {{ {c1} = 16 }}
const {k}: u8 = 7;

/// {docs[2]}
@doc({strings[2]})
fn {f}({p1}: u8, {p2}: {r}) -> u8 raises {x} {{
  let {l1} = {p1} +% {k};
  let {l2} = {p2}.{f1};
  if {l1} == 0 {{ raise {x}.{c1} }}
  match {p2}.{f2} {{ {e}.{m1} => {l1}, _ => {l2} }}
}}
"""


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hostile_spec())
def test_injection_property_compiles(tmp_path_factory, text):
    need_rustc()
    root = tmp_path_factory.mktemp("prop")
    sink, _program, docs = front(write_spec(root, {"inj/prop.upel": text}))
    assert not sink.has_errors, [d.message for d in sink.items]
    files = rust.generate(docs["inj.prop"], {"harness": True})
    _no_breakout(files)
    out = root / "gen"
    write_generated({k: v for k, v in driver_generate(docs["inj.prop"], "rust", harness=True).items()}, out)
    exe = shutil.which(os.environ.get(RUSTC_ENV) or "rustc")
    flags = [f for f in RUSTC_FLAGS if f not in ("-O",)]
    p = subprocess.run([exe, *flags, "-o", "harness", "harness.rs"], cwd=out, capture_output=True, text=True,
                       check=False)
    assert p.returncode == 0, p.stderr + "\n" + text


# ---- the oldest supported compiler -------------------------------------------------------


# ---- overflow guards (upel/codegen/facts.py verdicts().guards) ----------------------------

GUARDS = Path(__file__).parent / "guards.upel"


@pytest.fixture(scope="module")
def guards_doc() -> dict:
    return single_doc([GUARDS])


def test_overflow_guards(guards_doc):
    """`x > MAX - d` where d >= 0 is proved (and the like) is emitted as the
    checked add or sub, which LLVM shares with the `x + d` after it (the
    ledger's apply_leg: one `add`/`jo`); every other comparison stays."""
    code = rust.generate(guards_doc, {})["edge_guards.rs"]
    for line in ("if d > 0i8 && x.checked_add(d).is_none() {", "if d < 0i8 && x.checked_add(d).is_none() {",
                 "if d < 0i8 && x.checked_sub(d).is_none() {", "if d > 0i8 && x.checked_sub(d).is_none() {",
                 "if d >= 0i8 && x.checked_add(d).is_none() {", "if d >= 0i64 && x.checked_add(d).is_none() {",
                 "if x.checked_add(d).is_none() {", "if d > 0i64 && a.balance.checked_add(d).is_none() {",
                 # x may raise: it is still evaluated first
                 "if d > 0i8 && rt::div(a, b)?.checked_add(d).is_none() {",
                 # must stay: no fact, wrong sign, not the maximum, other branch, storage wider than
                 # the type, a subtraction that can fail, a raising x after the bound
                 "if x > rt::sub(MAX8, d)? {", "if d < 0i8 && x > rt::sub(MAX8, d)? {",
                 "if d > 0i8 && x > 100i8 - d {", "if d > Pct(0i16) && x > Pct(Pct(1000i16).0 - d.0) {",
                 "if x > Small(rt::sub_in(Small(100u8).0, d.0, 5u8, 100u8)?) {",
                 "if d > 0i8 && (MAX8 - d) < rt::div(a, b)? {"):
        assert line in code, line
    assert code.count("checked_") == 11


@pytest.mark.slow
def test_overflow_guards_conform(guards_doc):
    need_rustc()
    assert_conforms(guards_doc, samples=3000)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["examples", "traps", "shapes", "injection", "guards"])
def test_rustc_1_63(which, monkeypatch, traps_doc, shapes_doc, injection_doc, guards_doc):
    """Debian 12 ships rustc 1.63: the same code must build there with -D
    warnings and give the same answers."""
    need_old_rustc(monkeypatch)
    if which == "examples":
        for system, root in EXAMPLE_ROOTS:
            assert_conforms(docs_of([REPO / "specs" / system])[root], samples=200)
    elif which == "traps":
        assert_conforms(traps_doc, samples=200)
    elif which == "shapes":
        assert_conforms(shapes_doc, samples=100)
    elif which == "guards":
        assert_conforms(guards_doc, samples=500)
    else:
        assert_conforms(injection_doc, samples=200)


# ---- without rustc ------------------------------------------------------------------------


def test_tools_missing(monkeypatch):
    monkeypatch.setenv(RUSTC_ENV, "no-such-rustc-upel-test")
    with pytest.raises(ToolMissing) as e:
        rust.tools()
    assert "apt-get install rustc" in str(e.value)
    (report,) = run_conformance(single_doc([GOLDEN_SPECS[0]]), ["rust"], 5, 0)
    assert not report.ok and "not installed" in report.error
