"""Comparisons, `and or not` (short-circuit), precedence and associativity.

language.md: "Comparisons `== != < <= > >=` on same-typed integers; `== !=`
also on bool, enums, records and arrays. `and or not` short-circuit."
"Precedence, highest first: postfix, unary `-` `~`, `as`, `* / % *% *|`,
`+ - +% -% +| -|`, `<< >>`, `&`, `^`, `|`, comparisons (not chainable),
`not`, `and`, `or`. Binary operators of equal precedence associate to the
left."
"""

from __future__ import annotations

import itertools

import pytest

from ._rules import DIV_BY_ZERO, OVERFLOW, E, Ty, V

TYPES = ["u1", "i2", "u8", "i8", "u19", "i24", "u63", "u64", "i64"]
CMPS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
PY = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
      "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _spec() -> str:
    out = [f"fn {n}_{t}(a: {t}, b: {t}) -> bool {{ a {s} b }}" for t in TYPES for n, s in CMPS.items()]
    out += [f"fn {n}_bool(a: bool, b: bool) -> bool {{ a {s} b }}" for n, s in CMPS.items() if s in ("==", "!=")]
    return "\n".join(out)


@pytest.fixture(scope="module")
def call(compile_spec):
    return compile_spec(_spec())


@pytest.mark.parametrize("t", TYPES)
@pytest.mark.parametrize("op", list(CMPS.values()))
def test_integer_comparisons(call, op, t):
    """Comparisons use the mathematical value (signed -1 < 0, u64 2^63 > 1)."""
    ty = Ty(t)
    name = {v: k for k, v in CMPS.items()}[op]
    bad = [(a, b) for a, b in itertools.product(ty.boundary(), repeat=2)
           if call(f"{name}_{t}", a, b) != V(PY[op](a, b))]
    assert not bad, bad[:10]


@pytest.mark.parametrize("fn,a,b,want", [
    ("lt_i8", -1, 0, True), ("lt_i8", -128, 127, True), ("gt_i8", -1, -128, True),
    ("lt_u64", 2**63, 1, False), ("gt_u64", 2**64 - 1, 2**63 - 1, True),
    ("lt_i64", -(2**63), 2**63 - 1, True), ("le_i64", -1, -1, True), ("ge_i2", -2, 1, False),
    ("eq_bool", True, True, True), ("eq_bool", True, False, False), ("ne_bool", False, True, True),
])
def test_comparison_table(call, fn, a, b, want):
    assert call(fn, a, b) == V(want)


# ---- and / or / not ------------------------------------------------------------------

LOGIC_SPEC = """
fn and_(a: bool, b: bool) -> bool { a and b }
fn or_(a: bool, b: bool) -> bool { a or b }
fn not_(a: bool) -> bool { not a }
fn and_sc(c: bool, x: u8) -> bool { c and 10 / x > 0 }
fn or_sc(c: bool, x: u8) -> bool { c or 10 / x > 0 }
fn and_left_raises(x: u8, c: bool) -> bool { 10 / x > 0 and c }
fn or_left_raises(x: u8, c: bool) -> bool { 10 / x > 0 or c }
fn and_chain(a: bool, x: u8, y: u8) -> bool { a and x + y > 0 and 10 / x > 0 }
fn or_overflow(c: bool, x: u8) -> bool { c or x + 1 > 0 }
fn not_sc(c: bool, x: u8) -> bool { not c and 10 / x > 0 }
"""


@pytest.mark.parametrize("a,b", list(itertools.product([False, True], repeat=2)))
def test_truth_tables(compile_spec, a, b):
    call = compile_spec(LOGIC_SPEC)
    assert call("and_", a, b) == V(a and b)
    assert call("or_", a, b) == V(a or b)
    assert call("not_", a) == V(not a)


@pytest.mark.parametrize("fn,args,want", [
    # the right side is not evaluated: its division by zero never happens
    ("and_sc", (False, 0), V(False)),
    ("and_sc", (True, 0), E(DIV_BY_ZERO)),
    ("and_sc", (True, 5), V(True)),
    ("or_sc", (True, 0), V(True)),
    ("or_sc", (False, 0), E(DIV_BY_ZERO)),
    ("or_sc", (False, 20), V(False)),
    ("or_overflow", (True, 255), V(True)),
    ("or_overflow", (False, 255), E(OVERFLOW)),
    ("not_sc", (True, 0), V(False)),
    ("not_sc", (False, 0), E(DIV_BY_ZERO)),
    # the left side is always evaluated, and its error wins
    ("and_left_raises", (0, False), E(DIV_BY_ZERO)),
    ("or_left_raises", (0, True), E(DIV_BY_ZERO)),
    ("and_left_raises", (5, True), V(True)),
    # a and (x + y > 0) and (10 / x > 0): left to right, stops at the first false
    ("and_chain", (False, 0, 0), V(False)),
    ("and_chain", (True, 0, 0), V(False)),
    ("and_chain", (True, 0, 1), E(DIV_BY_ZERO)),
    ("and_chain", (True, 255, 1), E(OVERFLOW)),
])
def test_short_circuit(compile_spec, fn, args, want):
    assert compile_spec(LOGIC_SPEC)(fn, *args) == want


# ---- equality on bool, enums, records and arrays ----------------------------------------

EQ_SPEC = """
enum Ssm: u2 { failure_warning = 0, no_computed_data = 1, functional_test = 2, normal = 3 }
record P { x: i8, y: i8 }
record W { p: P, s: Ssm, a: [u8; 2] }
fn eq_enum(a: Ssm, b: Ssm) -> bool { a == b }
fn ne_enum(a: Ssm, b: Ssm) -> bool { a != b }
fn is_normal(a: Ssm) -> bool { a == Ssm.normal }
fn eq_rec(a: P, b: P) -> bool { a == b }
fn ne_rec(a: P, b: P) -> bool { a != b }
fn eq_nested(a: W, b: W) -> bool { a == b }
fn eq_arr(a: [i8; 3], b: [i8; 3]) -> bool { a == b }
fn ne_arr(a: [i8; 3], b: [i8; 3]) -> bool { a != b }
fn eq_lit(a: P) -> bool { a == P { x: 1, y: -1 } }
fn eq_arr_lit(a: [i8; 3]) -> bool { a == [1, 2, 3] }
fn eq_bools(a: [bool; 2]) -> bool { a == [true, false] }
"""


@pytest.mark.parametrize("fn,args,want", [
    ("eq_enum", (3, 3), True), ("eq_enum", (0, 3), False), ("ne_enum", (1, 2), True), ("ne_enum", (2, 2), False),
    ("is_normal", (3,), True), ("is_normal", (2,), False),
    ("eq_rec", ({"x": 1, "y": 2}, {"x": 1, "y": 2}), True),
    ("eq_rec", ({"x": 1, "y": 2}, {"x": 1, "y": -2}), False),
    ("eq_rec", ({"x": 1, "y": 2}, {"x": 2, "y": 1}), False),
    ("ne_rec", ({"x": -128, "y": 0}, {"x": -128, "y": 0}), False),
    ("ne_rec", ({"x": -128, "y": 0}, {"x": 127, "y": 0}), True),
    ("eq_nested", ({"p": {"x": 1, "y": 2}, "s": 3, "a": [1, 2]}, {"p": {"x": 1, "y": 2}, "s": 3, "a": [1, 2]}), True),
    ("eq_nested", ({"p": {"x": 1, "y": 2}, "s": 3, "a": [1, 2]}, {"p": {"x": 1, "y": 2}, "s": 3, "a": [2, 1]}), False),
    ("eq_nested", ({"p": {"x": 1, "y": 2}, "s": 3, "a": [1, 2]}, {"p": {"x": 1, "y": 2}, "s": 2, "a": [1, 2]}), False),
    ("eq_arr", ([1, 2, 3], [1, 2, 3]), True), ("eq_arr", ([1, 2, 3], [1, 2, -3]), False),
    ("eq_arr", ([3, 2, 1], [1, 2, 3]), False),
    ("ne_arr", ([0, 0, 0], [0, 0, 0]), False), ("ne_arr", ([0, 0, 0], [0, 0, 1]), True),
    ("eq_lit", ({"x": 1, "y": -1},), True), ("eq_lit", ({"x": -1, "y": 1},), False),
    ("eq_arr_lit", ([1, 2, 3],), True), ("eq_arr_lit", ([1, 2, 4],), False),
    ("eq_bools", ([True, False],), True), ("eq_bools", ([True, True],), False),
])
def test_structural_equality(compile_spec, fn, args, want):
    assert compile_spec(EQ_SPEC)(fn, *args) == V(want)


@pytest.mark.parametrize("body,codes", [
    ("fn f(a: bool, b: bool) -> bool { a < b }", ("E0205",)),
    ("fn f(a: Ssm, b: Ssm) -> bool { a < b }", ("E0205",)),
    ("fn f(a: P, b: P) -> bool { a >= b }", ("E0205",)),
    ("fn f(a: [i8; 3], b: [i8; 3]) -> bool { a <= b }", ("E0205",)),
    ("fn f(a: u8, b: u16) -> bool { a == b }", ("E0201",)),
    ("fn f(a: i8, b: u8) -> bool { a < b }", ("E0201",)),
    ("fn f(a: u8, b: bool) -> bool { a == b }", ("E0201",)),
    ("fn f(a: [i8; 3], b: [i8; 2]) -> bool { a == b }", ("E0201",)),
    ("fn f(a: u8) -> bool { a and true }", ("E0201", "E0219")),
    ("fn f(a: u8) -> bool { not a }", ("E0201", "E0219")),
    ("fn f(a: u8) -> u8 { if a { 1 } else { 2 } }", ("E0201", "E0219")),
    # chained comparisons
    ("fn f(a: u8, b: u8, c: u8) -> bool { a < b < c }", ("E0006",)),
    ("fn f(a: u8, b: u8, c: u8) -> bool { a == b == c }", ("E0006",)),
    ("fn f(a: bool, b: bool, c: bool) -> bool { a == b == c }", ("E0006",)),
    ("fn f(a: u8, b: u8, c: bool) -> bool { a < b == c }", ("E0006",)),
    ("fn f(a: u8, b: u8, c: u8) -> bool { a <= b >= c }", ("E0006",)),
])
def test_comparison_rejections(rejects, body, codes):
    rejects("""
enum Ssm: u2 { a = 0, b = 1, c = 2, d = 3 }
record P { x: i8 }
""" + body, *codes)


# ---- precedence and associativity --------------------------------------------------------

PREC_SPEC = """
fn band_eq(a: u8, b: u8, c: u8) -> bool { a & b == c }
fn bor_eq(a: u8, b: u8, c: u8) -> bool { a | b == c }
fn not_eq(x: u8) -> bool { not x == 0 }
fn not_and(a: bool, b: bool) -> bool { not a and b }
fn or_and(a: bool, b: bool, c: bool) -> bool { a or b and c }
fn mul_add(a: u8, b: u8, c: u8) -> u8 { a + b * c }
fn sub_left(a: u8, b: u8, c: u8) -> u8 { a - b - c }
fn div_left(a: u8, b: u8, c: u8) -> u8 { a / b * c }
fn div_div(a: u8, b: u8, c: u8) -> u8 { a / b / c }
fn rem_mul(a: u8, b: u8, c: u8) -> u8 { a % b * c }
fn mixed_add(a: u8, b: u8, c: u8) -> u8 { a +% b - c }
fn bit_levels(a: u8, b: u8, c: u8, d: u8) -> u8 { a | b ^ c & d }
fn and_shift(a: u8, b: u8) -> u8 { a & b << 1 }
fn cast_mul(a: u8, b: u16) -> u16 { a as u16 * b }
fn bnot_cast(a: u8) -> u16 { ~a as u16 }
fn neg_cast(a: i8) -> i16 { -a as i16 }
fn cast_chain(a: i16) -> u32 { a as i8 as u32 }
fn field_neg(p: P) -> i8 { -p.x }
fn index_bnot(a: [u8; 2]) -> u8 { ~a[1] }
fn paren(a: u8, b: u8, c: u8) -> u8 { (a + b) * c }
fn cmp_arith(a: u8, b: u8) -> bool { a + 1 < b * 2 }
fn sat_prec(a: u8, b: u8) -> u8 { a +| b *| 2 }
"""


@pytest.mark.parametrize("fn,args,want", [
    ("band_eq", (0xF0, 0x3C, 0x30), V(True)),  # (a & b) == c
    ("band_eq", (0xF0, 0x3C, 0x3C), V(False)),
    ("bor_eq", (0xF0, 0x0F, 0xFF), V(True)),
    ("not_eq", (0,), V(False)),  # not (x == 0)
    ("not_eq", (7,), V(True)),
    ("not_and", (False, False), V(False)),  # (not a) and b
    ("not_and", (False, True), V(True)),
    ("or_and", (True, False, False), V(True)),  # a or (b and c)
    ("mul_add", (1, 2, 3), V(7)),
    ("mul_add", (0, 16, 16), E(OVERFLOW)),
    ("sub_left", (10, 3, 2), V(5)),  # (10 - 3) - 2, not 10 - (3 - 2) = 9
    ("sub_left", (1, 2, 0), E(OVERFLOW)),  # (1 - 2) overflows first
    ("div_left", (12, 4, 3), V(9)),  # (12 / 4) * 3, not 12 / 12 = 1
    ("div_div", (100, 5, 2), V(10)),  # (100 / 5) / 2, not 100 / 2.5
    ("rem_mul", (7, 4, 2), V(6)),  # (7 % 4) * 2, not 7 % 8 = 7
    ("mixed_add", (255, 1, 1), E(OVERFLOW)),  # (255 +% 1) - 1 = 0 - 1 overflows
    ("mixed_add", (255, 2, 1), V(0)),
    ("bit_levels", (0x01, 0x0F, 0xF0, 0x3C), V(0x3F)),  # a | (b ^ (c & d)) = 1 | (0x0F ^ 0x30)
    ("and_shift", (0xFF, 0x81), V(0x02)),  # a & (b << 1)
    ("cast_mul", (200, 2), V(400)),  # (a as u16) * b
    ("bnot_cast", (0,), V(255)),  # (~a) as u16
    ("neg_cast", (-128,), E(OVERFLOW)),  # (-a) as i16: the negation happens in i8
    ("neg_cast", (5,), V(-5)),
    ("cast_chain", (0x1FF,), V(2**32 - 1)),  # (a as i8) as u32: 0xFF -> -1 -> 0xFFFFFFFF
    ("field_neg", ({"x": -128},), E(OVERFLOW)),  # -(p.x)
    ("index_bnot", ([0, 0x0F],), V(0xF0)),  # ~(a[1])
    ("paren", (1, 2, 3), V(9)),
    ("cmp_arith", (3, 3), V(True)),  # (a + 1) < (b * 2)
    ("sat_prec", (250, 100), V(255)),  # a +| (b *| 2)
    ("sat_prec", (10, 100), V(210)),
])
def test_precedence(compile_spec, fn, args, want):
    spec = "record P { x: i8 }\n" + PREC_SPEC
    assert compile_spec(spec)(fn, *args) == want
