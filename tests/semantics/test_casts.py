"""Casts `e as T` and `E.from(x)`.

language.md: "`e as T` converts between integer types (truncation/sign
extension of the two's complement bits), from bool (0/1), from an enum to its
underlying type, and into a newtype (its range is checked: `range`).
`T.from(e)` turns an integer into an enum (`convert` if no member has that
value)." Precisions: casts into a primitive integer type take the two's
complement bits; casts into a newtype are value-preserving (`range` when the
mathematical value is outside the value set, ranged or not); casts to bool,
enums, records and arrays are not allowed; `E.from(x)` accepts any
integer-like x and compares mathematical values.
"""

from __future__ import annotations

import itertools

import pytest

from ._rules import CONVERT, RANGE, E, Ty, V, cast

TYPES = ["u1", "i2", "u3", "i3", "u8", "i8", "u16", "i16", "u19", "i24", "u32", "i32", "u63", "i63", "u64", "i64"]
MIN64, MAX64, UMAX64 = -(2**63), 2**63 - 1, 2**64 - 1


def _spec() -> str:
    out = [f"fn c_{s}_{d}(a: {s}) -> {d} {{ a as {d} }}" for s, d in itertools.product(TYPES, TYPES)]
    out += [f"fn b_{d}(a: bool) -> {d} {{ a as {d} }}" for d in TYPES]
    return "\n".join(out)


@pytest.fixture(scope="module")
def call(compile_spec):
    return compile_spec(_spec())


CASTS = [
    # truncation keeps the low bits
    ("u16", "u8", 300, 44),
    ("u16", "u8", 0xFF00, 0),
    ("u16", "i8", 0x80, -128),
    ("u16", "i8", 0xFF, -1),
    ("u16", "i8", 0x17F, 127),
    ("i16", "i8", -129, 127),
    ("i16", "i8", 128, -128),
    ("i16", "u8", -1, 255),
    ("i16", "u8", -256, 0),
    ("u8", "u1", 0xFE, 0),
    ("u8", "u1", 0xFF, 1),
    ("i8", "u1", -1, 1),
    ("i8", "i2", -1, -1),
    ("i8", "i2", 2, -2),
    ("i8", "i2", 3, -1),
    ("i8", "i2", -3, 1),
    ("u64", "i64", UMAX64, -1),
    ("u64", "i64", 2**63, MIN64),
    ("u64", "i64", 2**63 - 1, MAX64),
    ("u64", "u63", UMAX64, 2**63 - 1),
    ("u64", "i63", 2**62, -(2**62)),
    ("u64", "u19", UMAX64, 2**19 - 1),
    ("i64", "i24", -(2**23) - 1, 2**23 - 1),
    ("i64", "u32", -1, 2**32 - 1),
    ("i64", "u8", MIN64, 0),
    ("i64", "i8", MAX64, -1),
    # sign extension: a negative value keeps its value in a wider signed type,
    # and becomes 2^N + v in a wider unsigned one
    ("i8", "i64", -128, -128),
    ("i8", "i16", -1, -1),
    ("i8", "u16", -1, 0xFFFF),
    ("i8", "u64", -128, 2**64 - 128),
    ("i8", "u64", -1, UMAX64),
    ("i2", "u64", -2, 2**64 - 2),
    ("i2", "i64", -2, -2),
    ("i24", "u32", -(2**23), 2**32 - 2**23),
    ("i64", "u64", MIN64, 2**63),
    ("i64", "u64", -1, UMAX64),
    # zero extension from unsigned
    ("u8", "i16", 255, 255),
    ("u8", "u64", 255, 255),
    ("u1", "i2", 1, 1),
    ("u1", "i64", 1, 1),
    ("u19", "i24", 2**19 - 1, 2**19 - 1),
    # same width, other signedness: reinterpretation
    ("u8", "i8", 128, -128),
    ("i8", "u8", -128, 128),
    ("u3", "i3", 7, -1),
    ("i3", "u3", -4, 4),
    # identity
    ("i8", "i8", -128, -128),
    ("u64", "u64", UMAX64, UMAX64),
]


@pytest.mark.parametrize("src,dst,a,want", CASTS)
def test_cast_table(call, src, dst, a, want):
    assert call(f"c_{src}_{dst}", a) == V(want)


@pytest.mark.parametrize("src", TYPES)
def test_cast_sweep(call, src):
    """Every source boundary value into every primitive type."""
    s = Ty(src)
    vals = s.all_values() if s.width <= 3 else s.boundary()
    bad = []
    for dst in TYPES:
        d = Ty(dst)
        for a in vals:
            got = call(f"c_{src}_{dst}", a)
            if got != V(cast(d, a)):
                bad.append((dst, a, got))
    assert not bad, bad[:10]


@pytest.mark.parametrize("dst", TYPES)
def test_bool_to_int(call, dst):
    assert call(f"b_{dst}", False) == V(0)
    assert call(f"b_{dst}", True) == V(1)


# ---- enums, newtypes -----------------------------------------------------------------------

ENUM_SPEC = """
enum Ssm: u2 { failure_warning = 0, no_computed_data = 1, functional_test = 2, normal = 3 }
enum Gap: u8 { a = 1, b = 200 }
enum Neg: i4 { m = -1, lo = -8, hi = 7 }
type Feet = i32;
type Small = u8 in 10..=20;
type SNeg = i8 in -5..=5;
type Wide = u64;

fn ssm_bits(s: Ssm) -> u2 { s as u2 }
fn ssm_wide(s: Ssm) -> u64 { (s as u2) as u64 }
fn gap_val(g: Gap) -> u8 { g as u8 }
fn neg_val(n: Neg) -> i4 { n as i4 }
fn neg_wide(n: Neg) -> u8 { (n as i4) as u8 }

fn ssm_from_u2(x: u2) -> Ssm { Ssm.from(x) }
fn ssm_from_u64(x: u64) -> Ssm { Ssm.from(x) }
fn ssm_from_i8(x: i8) -> Ssm { Ssm.from(x) }
fn gap_from(x: u8) -> Gap { Gap.from(x) }
fn neg_from_u8(x: u8) -> Neg { Neg.from(x) }
fn neg_from_i64(x: i64) -> Neg { Neg.from(x) }
fn ssm_from_feet(x: Feet) -> Ssm { Ssm.from(x) }
fn ssm_from_small(x: Small) -> Ssm { Ssm.from(x) }
fn ssm_from_lit() -> Ssm { Ssm.from(3) }

fn feet_from_i64(x: i64) -> Feet { x as Feet }
fn feet_from_u32(x: u32) -> Feet { x as Feet }
fn feet_from_u8(x: u8) -> Feet { x as Feet }
fn feet_trunc(x: i64) -> Feet { (x as i32) as Feet }
fn small_from_u8(x: u8) -> Small { x as Small }
fn small_from_i64(x: i64) -> Small { x as Small }
fn small_from_bool(b: bool) -> Small { b as Small }
fn sneg_from_i64(x: i64) -> SNeg { x as SNeg }
fn sneg_from_u64(x: u64) -> SNeg { x as SNeg }
fn wide_from_i8(x: i8) -> Wide { x as Wide }
fn wide_from_i64(x: i64) -> Wide { x as Wide }
fn small_from_sneg(x: SNeg) -> Small { x as Small }
fn feet_to_u8(f: Feet) -> u8 { f as u8 }
fn feet_to_i64(f: Feet) -> i64 { f as i64 }
fn small_to_i2(s: Small) -> i2 { s as i2 }
fn sneg_to_u8(s: SNeg) -> u8 { s as u8 }
fn bool_newtype_free(b: bool) -> Feet { b as Feet }
"""


@pytest.mark.parametrize("fn,arg,want", [
    # enum -> its underlying type
    ("ssm_bits", 0, V(0)), ("ssm_bits", 3, V(3)), ("ssm_wide", 3, V(3)),
    ("gap_val", 200, V(200)),
    ("neg_val", -8, V(-8)), ("neg_val", -1, V(-1)),
    ("neg_wide", -1, V(255)), ("neg_wide", -8, V(248)),
    # E.from: the member with that mathematical value, else convert
    ("ssm_from_u2", 0, V(0)), ("ssm_from_u2", 3, V(3)),
    ("ssm_from_u64", 2, V(2)), ("ssm_from_u64", 4, E(CONVERT)), ("ssm_from_u64", UMAX64, E(CONVERT)),
    ("ssm_from_u64", 2**64 - 4, E(CONVERT)),  # low two bits are 0, but the value is not 0
    ("ssm_from_i8", 1, V(1)), ("ssm_from_i8", -1, E(CONVERT)), ("ssm_from_i8", -4, E(CONVERT)),
    ("gap_from", 1, V(1)), ("gap_from", 200, V(200)), ("gap_from", 0, E(CONVERT)),
    ("gap_from", 2, E(CONVERT)), ("gap_from", 199, E(CONVERT)), ("gap_from", 255, E(CONVERT)),
    # 255 has the bits of i4 -1 but is not the value -1
    ("neg_from_u8", 255, E(CONVERT)), ("neg_from_u8", 7, V(7)), ("neg_from_u8", 0, E(CONVERT)),
    ("neg_from_i64", -1, V(-1)), ("neg_from_i64", -8, V(-8)), ("neg_from_i64", 15, E(CONVERT)),
    ("neg_from_i64", MIN64, E(CONVERT)), ("neg_from_i64", -9, E(CONVERT)),
    ("ssm_from_feet", 3, V(3)), ("ssm_from_feet", -1, E(CONVERT)),
    ("ssm_from_small", 10, E(CONVERT)),
    ("ssm_from_lit", None, V(3)),
    # into a newtype: value-preserving, else range
    ("feet_from_i64", -5, V(-5)),
    ("feet_from_i64", 2**31 - 1, V(2**31 - 1)),
    ("feet_from_i64", -(2**31), V(-(2**31))),
    ("feet_from_i64", 2**31, E(RANGE)),
    ("feet_from_i64", -(2**31) - 1, E(RANGE)),
    ("feet_from_i64", 2**40, E(RANGE)),  # low 32 bits are 0: no silent truncation
    ("feet_from_u32", 2**31 - 1, V(2**31 - 1)),
    ("feet_from_u32", 2**31, E(RANGE)),
    ("feet_from_u32", 2**32 - 1, E(RANGE)),
    ("feet_from_u8", 255, V(255)),
    ("feet_trunc", 2**40 + 7, V(7)),
    ("feet_trunc", 2**31, V(-(2**31))),
    ("small_from_u8", 10, V(10)), ("small_from_u8", 20, V(20)), ("small_from_u8", 15, V(15)),
    ("small_from_u8", 9, E(RANGE)), ("small_from_u8", 21, E(RANGE)),
    ("small_from_u8", 0, E(RANGE)), ("small_from_u8", 255, E(RANGE)),
    ("small_from_i64", -1, E(RANGE)), ("small_from_i64", 266, E(RANGE)), ("small_from_i64", 12, V(12)),
    ("small_from_bool", True, E(RANGE)), ("small_from_bool", False, E(RANGE)),
    ("sneg_from_i64", -5, V(-5)), ("sneg_from_i64", 5, V(5)), ("sneg_from_i64", -6, E(RANGE)),
    ("sneg_from_i64", 6, E(RANGE)), ("sneg_from_i64", MIN64, E(RANGE)),
    ("sneg_from_u64", 5, V(5)), ("sneg_from_u64", UMAX64, E(RANGE)),  # bits of -1, value 2^64-1
    ("wide_from_i8", -1, E(RANGE)), ("wide_from_i8", 127, V(127)),
    ("wide_from_i64", MIN64, E(RANGE)), ("wide_from_i64", MAX64, V(MAX64)),
    ("small_from_sneg", 5, E(RANGE)), ("small_from_sneg", -5, E(RANGE)),
    # out of a newtype: two's complement bits of its value
    ("feet_to_u8", -1, V(255)), ("feet_to_u8", 0x1234, V(0x34)),
    ("feet_to_i64", -(2**31), V(-(2**31))),
    ("small_to_i2", 11, V(-1)), ("small_to_i2", 12, V(0)),
    ("sneg_to_u8", -5, V(251)),
    ("bool_newtype_free", True, V(1)),
])
def test_enum_and_newtype_casts(compile_spec, fn, arg, want):
    call = compile_spec(ENUM_SPEC)
    args = () if arg is None else (arg,)
    assert call(fn, *args) == want


CAST_REJECTS = """
enum Ssm: u2 { a = 0, b = 1, c = 2, d = 3 }
enum Other: u2 { x = 0 }
record R { f: u8 }
type Feet = i32;
type Flagless = u8;
"""


@pytest.mark.parametrize("body", [
    # an enum converts only to its underlying type
    "fn f(s: Ssm) -> u8 { s as u8 }",
    "fn f(s: Ssm) -> u64 { s as u64 }",
    "fn f(s: Ssm) -> u1 { s as u1 }",
    "fn f(s: Ssm) -> i2 { s as i2 }",
    "fn f(s: Ssm) -> Feet { s as Feet }",
    "fn f(s: Ssm) -> Flagless { s as Flagless }",
    # not to bool, enums, records or arrays
    "fn f(x: u8) -> bool { x as bool }",
    "fn f(x: u1) -> bool { x as bool }",
    "fn f(x: u2) -> Ssm { x as Ssm }",
    "fn f(s: Ssm) -> Other { s as Other }",
    "fn f(x: u8) -> R { x as R }",
    "fn f(x: u8) -> [u8; 1] { x as [u8; 1] }",
    # from records and arrays
    "fn f(r: R) -> u8 { r as u8 }",
    "fn f(a: [u8; 1]) -> u8 { a as u8 }",
])
def test_invalid_casts(rejects, body):
    rejects(CAST_REJECTS + body, "E0206")


@pytest.mark.parametrize("body", [
    "fn f(x: u8) -> Ssm { Other.from(x) }",  # wrong enum for the context
    "fn f(b: bool) -> Ssm { Ssm.from(b) }",  # from() takes integers
    "fn f(s: Ssm) -> Ssm { Ssm.from(s) }",   # ... not enums
])
def test_invalid_from(rejects, body):
    rejects(CAST_REJECTS + body, "E0201", "E0205")
