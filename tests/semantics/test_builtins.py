"""Built-ins `min max abs popcount bit bits`.

language.md: "`min(a, b)` and `max(a, b)` (same type in and out); `abs(x)`
(signed, checked: `abs(MIN)` raises `overflow`); `popcount(x) -> u8` (one
bits of the two's complement representation); `bit(x, i) -> bool` (false
when i >= the width); `bits(x, hi, lo)` (constants, width > hi >= lo; the
field as `u(hi-lo+1)`)." Precisions: "`popcount`, `bit`, `bits` accept
integers and unranged newtypes and read the two's complement bits of the
underlying width. `min`/`max` accept any integer-like type; `abs` any signed
one." "a literal shift amount or `bit` index takes the smallest unsigned
type that holds it."
"""

from __future__ import annotations

import pytest

from ._rules import OVERFLOW, E, Ty, V, bit, bits, checked, popcount

TYPES = ["u1", "i2", "u3", "i3", "u8", "i8", "u16", "i16", "u19", "i24", "u32", "i32", "u63", "i63", "u64", "i64"]
SIGNED = [t for t in TYPES if t[0] == "i"]
MIN64, MAX64, UMAX64 = -(2**63), 2**63 - 1, 2**64 - 1


def _bits_fields(width: int) -> list[tuple[int, int]]:
    cands = {(width - 1, 0), (0, 0), (width - 1, width - 1), (width - 1, width // 2), (width // 2, 0),
             (min(width - 1, 7), min(width - 1, 4)), (min(width - 1, 3), 0)}
    return sorted((h, lo) for h, lo in cands if width > h >= lo >= 0)


def _spec() -> str:
    out = ["type Feet = i32;", "type Mask = u8;", "type Pos = u8 in 10..=200;", "type R = i8 in -10..=10;"]
    for t in TYPES:
        out.append(f"fn min_{t}(a: {t}, b: {t}) -> {t} {{ min(a, b) }}")
        out.append(f"fn max_{t}(a: {t}, b: {t}) -> {t} {{ max(a, b) }}")
        out.append(f"fn pop_{t}(a: {t}) -> u8 {{ popcount(a) }}")
        out.append(f"fn bit_{t}(a: {t}, i: u64) -> bool {{ bit(a, i) }}")
        for h, lo in _bits_fields(int(t[1:])):
            out.append(f"fn bits_{t}_{h}_{lo}(a: {t}) -> u{h - lo + 1} {{ bits(a, {h}, {lo}) }}")
    for t in SIGNED:
        out.append(f"fn abs_{t}(a: {t}) -> {t} {{ abs(a) }}")
    out.append("""
fn min_feet(a: Feet, b: Feet) -> Feet { min(a, b) }
fn max_pos(a: Pos, b: Pos) -> Pos { max(a, b) }
fn abs_feet(a: Feet) -> Feet { abs(a) }
fn abs_r(a: R) -> R { abs(a) }
fn pop_feet(a: Feet) -> u8 { popcount(a) }
fn bit_mask(a: Mask, i: u8) -> bool { bit(a, i) }
fn bits_feet(a: Feet) -> u4 { bits(a, 31, 28) }
fn pop_plus(a: u64) -> u8 { popcount(a) + 200 }
fn bit_lit_7(a: i8) -> bool { bit(a, 7) }
fn bit_lit_8(a: i8) -> bool { bit(a, 8) }
fn bit_lit_huge(a: u64) -> bool { bit(a, 0xFFFF_FFFF_FFFF_FFFF) }
fn bit_u1_index(a: u8, i: u1) -> bool { bit(a, i) }
fn bits_plus(a: u8) -> u4 { bits(a, 3, 0) + 1 }
fn bits_const(a: u16) -> u8 { bits(a, HI, LO) }
fn min_lit(a: i8) -> i8 { min(a, -128) }
fn max_lit(a: u64) -> u64 { max(18_446_744_073_709_551_615, a) }
fn abs_expr(a: i8, b: i8) -> i8 { abs(a - b) }
const HI: u8 = 15;
const LO: u8 = 8;
""")
    return "\n".join(out)


@pytest.fixture(scope="module")
def call(compile_spec):
    return compile_spec(_spec())


@pytest.mark.parametrize("t", TYPES)
def test_min_max_sweep(call, t):
    ty = Ty(t)
    vals = ty.all_values() if ty.width <= 3 else ty.boundary()
    bad = [(a, b) for a in vals for b in vals
           if call(f"min_{t}", a, b) != V(min(a, b)) or call(f"max_{t}", a, b) != V(max(a, b))]
    assert not bad, bad[:10]


@pytest.mark.parametrize("t", SIGNED)
def test_abs_sweep(call, t):
    ty = Ty(t)
    vals = ty.all_values() if ty.width <= 3 else ty.boundary()
    bad = [a for a in vals if call(f"abs_{t}", a) != checked(-a if a < 0 else a, ty.min, ty.max)]
    assert not bad


@pytest.mark.parametrize("t", TYPES)
def test_popcount_sweep(call, t):
    ty = Ty(t)
    vals = ty.all_values() if ty.width <= 3 else ty.boundary() + [v for v in (0x55, -0x56) if ty.fits(v)]
    bad = [a for a in vals if call(f"pop_{t}", a) != V(popcount(ty, a))]
    assert not bad


@pytest.mark.parametrize("t", TYPES)
def test_bit_sweep(call, t):
    ty = Ty(t)
    vals = ty.all_values() if ty.width <= 3 else ty.boundary()
    idx = sorted({0, 1, ty.width - 2, ty.width - 1, ty.width, ty.width + 1, 64, 2**63, UMAX64} - {-1})
    bad = [(a, i) for a in vals for i in idx if call(f"bit_{t}", a, i) != V(bit(ty, a, i))]
    assert not bad, bad[:10]


@pytest.mark.parametrize("t", TYPES)
def test_bits_sweep(call, t):
    ty = Ty(t)
    vals = ty.all_values() if ty.width <= 3 else ty.boundary() + [v for v in (0x55, -0x56) if ty.fits(v)]
    bad = [(h, lo, a) for h, lo in _bits_fields(ty.width) for a in vals
           if call(f"bits_{t}_{h}_{lo}", a) != V(bits(ty, a, h, lo))]
    assert not bad, bad[:10]


@pytest.mark.parametrize("fn,args,want", [
    ("min_i8", (-128, 127), V(-128)), ("max_i8", (-128, 127), V(127)), ("min_i8", (-1, 0), V(-1)),
    ("min_u64", (2**63, UMAX64), V(2**63)), ("max_u64", (2**63, 1), V(2**63)),
    ("min_i64", (MIN64, MAX64), V(MIN64)), ("max_i64", (-1, MIN64), V(-1)),
    ("abs_i8", (-128,), E(OVERFLOW)), ("abs_i8", (-127,), V(127)), ("abs_i8", (-1,), V(1)),
    ("abs_i8", (0,), V(0)), ("abs_i8", (127,), V(127)),
    ("abs_i2", (-2,), E(OVERFLOW)), ("abs_i2", (-1,), V(1)), ("abs_i2", (1,), V(1)),
    ("abs_i24", (-(2**23),), E(OVERFLOW)), ("abs_i24", (-(2**23) + 1,), V(2**23 - 1)),
    ("abs_i64", (MIN64,), E(OVERFLOW)), ("abs_i64", (MIN64 + 1,), V(MAX64)), ("abs_i64", (MAX64,), V(MAX64)),
    ("pop_i8", (-1,), V(8)), ("pop_i8", (-128,), V(1)), ("pop_i8", (127,), V(7)), ("pop_i8", (0,), V(0)),
    ("pop_i2", (-1,), V(2)), ("pop_i2", (-2,), V(1)), ("pop_u1", (1,), V(1)),
    ("pop_i64", (-1,), V(64)), ("pop_i64", (MIN64,), V(1)), ("pop_i64", (MAX64,), V(63)),
    ("pop_u64", (UMAX64,), V(64)), ("pop_u64", (2**63,), V(1)),
    ("pop_i24", (-1,), V(24)), ("pop_u19", (2**19 - 1,), V(19)), ("pop_i16", (-2,), V(15)),
    ("bit_i8", (-128, 7), V(True)), ("bit_i8", (-128, 6), V(False)), ("bit_i8", (-1, 7), V(True)),
    ("bit_i8", (-1, 8), V(False)), ("bit_i8", (-1, UMAX64), V(False)), ("bit_i8", (1, 0), V(True)),
    ("bit_u64", (2**63, 63), V(True)), ("bit_u64", (UMAX64, 64), V(False)),
    ("bit_i64", (-1, 63), V(True)), ("bit_i64", (-1, 64), V(False)),
    ("bit_u1", (1, 0), V(True)), ("bit_u1", (1, 1), V(False)),
    ("bit_i2", (-2, 1), V(True)), ("bit_i2", (-2, 0), V(False)), ("bit_i2", (-1, 2), V(False)),
    ("bits_i8_7_0", (-1,), V(255)), ("bits_i8_7_0", (-128,), V(128)), ("bits_i8_7_4", (-16,), V(15)),
    ("bits_i8_3_0", (-16,), V(0)), ("bits_i8_7_7", (-1,), V(1)), ("bits_i8_0_0", (-2,), V(0)),
    ("bits_u8_7_4", (0xA5,), V(0xA)), ("bits_u8_3_0", (0xA5,), V(0x5)),
    ("bits_i64_63_0", (-1,), V(UMAX64)), ("bits_i64_63_0", (MIN64,), V(2**63)), ("bits_i64_63_63", (MIN64,), V(1)),
    ("bits_i64_63_32", (-1,), V(2**32 - 1)), ("bits_u64_63_32", (2**63 + 5,), V(2**31)),
    ("bits_i2_1_0", (-1,), V(3)), ("bits_i2_1_1", (-2,), V(1)), ("bits_u1_0_0", (1,), V(1)),
    ("bits_i24_23_12", (-(2**23),), V(2**11)),
    # newtypes: min/max on any integer-like type, popcount/bit/bits on unranged ones
    ("min_feet", (-5, 3), V(-5)), ("max_pos", (10, 200), V(200)),
    ("abs_feet", (-(2**31),), E(OVERFLOW)), ("abs_feet", (-7,), V(7)),
    ("abs_r", (-10,), V(10)),
    ("pop_feet", (-1,), V(32)), ("pop_feet", (-(2**31),), V(1)),
    ("bit_mask", (0x80, 7), V(True)), ("bit_mask", (0xFF, 8), V(False)),
    ("bits_feet", (-(2**31),), V(8)), ("bits_feet", (-1,), V(15)),
    # popcount is a u8: arithmetic on it is u8 arithmetic
    ("pop_plus", (2**55 - 1,), V(255)), ("pop_plus", (2**56 - 1,), E(OVERFLOW)),
    ("bit_lit_7", (-1,), V(True)), ("bit_lit_8", (-1,), V(False)), ("bit_lit_huge", (UMAX64,), V(False)),
    ("bit_u1_index", (3, 1), V(True)),
    # bits(a, 3, 0) is a u4: + 1 overflows at 15
    ("bits_plus", (0x0E,), V(15)), ("bits_plus", (0x0F,), E(OVERFLOW)), ("bits_plus", (0xFE,), V(15)),
    ("bits_const", (0xAB12,), V(0xAB)),
    ("min_lit", (5,), V(-128)), ("max_lit", (0,), V(UMAX64)),
    ("abs_expr", (-100, 100), E(OVERFLOW)), ("abs_expr", (-100, 27), V(127)),
])
def test_builtin_table(call, fn, args, want):
    assert call(fn, *args) == want


DECLS = """
type Pos = u8 in 10..=200;
type R = i8 in -10..=10;
type Feet = i32;
enum En: u8 { a = 0 }
"""


@pytest.mark.parametrize("body,codes", [
    ("fn f(a: u8) -> u8 { abs(a) }", ("E0205",)),
    ("fn f(a: Pos) -> Pos { abs(a) }", ("E0205",)),
    ("fn f(a: bool) -> bool { min(a, a) }", ("E0205",)),
    ("fn f(a: En) -> En { max(a, a) }", ("E0205",)),
    ("fn f(a: u8, b: u16) -> u8 { min(a, b) }", ("E0201",)),
    ("fn f(a: bool) -> u8 { popcount(a) }", ("E0205",)),
    ("fn f(a: u8) -> u4 { popcount(a) }", ("E0201",)),  # popcount is a u8
    ("fn f(a: u8, i: i8) -> bool { bit(a, i) }", ("E0220",)),
    ("fn f(a: u8) -> u8 { bits(a, 8, 0) }", ("E0220",)),  # hi must be < width
    ("fn f(a: u8) -> u1 { bits(a, 2, 3) }", ("E0220",)),  # hi >= lo
    ("fn f(a: i64) -> u1 { bits(a, 64, 64) }", ("E0220",)),
    ("fn f(a: u8) -> u8 { bits(a, 3, 0) }", ("E0201",)),  # the field is a u4
    ("fn f(a: u8, h: u8) -> u8 { bits(a, h, 0) }", ("E0216", "E0102")),  # hi, lo are constants
    # bit-level built-ins read the bits of integers and *unranged* newtypes only
    ("fn f(a: Pos) -> u8 { popcount(a) }", ("E0218",)),
    ("fn f(a: Pos) -> bool { bit(a, 1) }", ("E0218",)),
    ("fn f(a: R) -> u2 { bits(a, 1, 0) }", ("E0218",)),
    ("fn f(a: En) -> u8 { popcount(a) }", ("E0205",)),
    ("fn f(a: u8) -> u8 { min(a) }", ("E0208",)),
    ("fn f(a: u8) -> u8 { abs(a, a) }", ("E0208",)),
    ("fn f(a: u8) -> bool { bit(a) }", ("E0208",)),
    ("fn f(a: u8) -> u1 { bits(a, 1) }", ("E0208",)),
])
def test_builtin_rejections(rejects, body, codes):
    rejects(DECLS + body, *codes)
