"""Checked `+ - *`, wrapping `+% -% *%`, saturating `+| -| *|`, unary `-`.

language.md: "`+ - *` are checked: a mathematical result outside the type
raises `overflow`. Unary `-` is checked too (negating MIN raises
`overflow`); a minus sign written directly before a literal makes a negative
literal, so `-128` is a valid `i8`. `+% -% *%` wrap modulo 2^N. `+| -| *|`
saturate."
"""

from __future__ import annotations

import pytest

from ._rules import OVERFLOW, E, Ty, V, arith, neg

TYPES = ["u1", "i2", "u3", "i3", "u8", "i8", "u16", "i16", "u19", "i24", "u32", "i32", "u63", "i63", "u64", "i64"]
OPS = {"add": "+", "sub": "-", "mul": "*", "addw": "+%", "subw": "-%", "mulw": "*%", "adds": "+|", "subs": "-|",
       "muls": "*|"}
SYM2NAME = {v: k for k, v in OPS.items()}


def _spec() -> str:
    lines = []
    for t in TYPES:
        for name, sym in OPS.items():
            lines.append(f"fn {name}_{t}(a: {t}, b: {t}) -> {t} {{ a {sym} b }}")
        lines.append(f"fn neg_{t}(a: {t}) -> {t} {{ -a }}")
    return "\n".join(lines)


SPEC = _spec()


@pytest.fixture(scope="module")
def call(compile_spec):
    return compile_spec(SPEC)


def _values(t: Ty) -> list[int]:
    return t.all_values() if t.width <= 3 else t.boundary()


# ---- hand-written tables (the rules, spelled out at the boundaries) -------------

MAX64, MIN64, UMAX64 = 2**63 - 1, -(2**63), 2**64 - 1

CHECKED = [
    # + : one past MAX / one before MIN overflows, everything inside is exact
    ("+", "u8", 255, 0, V(255)),
    ("+", "u8", 255, 1, E(OVERFLOW)),
    ("+", "u8", 128, 127, V(255)),
    ("+", "i8", 127, 1, E(OVERFLOW)),
    ("+", "i8", 127, 0, V(127)),
    ("+", "i8", -128, -1, E(OVERFLOW)),
    ("+", "i8", -128, 127, V(-1)),
    ("+", "i8", -1, -1, V(-2)),
    ("+", "u1", 1, 1, E(OVERFLOW)),
    ("+", "u1", 0, 1, V(1)),
    ("+", "i2", 1, 1, E(OVERFLOW)),
    ("+", "i2", -2, -1, E(OVERFLOW)),
    ("+", "i2", -1, 1, V(0)),
    ("+", "u19", 2**19 - 1, 1, E(OVERFLOW)),
    ("+", "u19", 2**18, 2**18 - 1, V(2**19 - 1)),
    ("+", "i24", 2**23 - 1, 1, E(OVERFLOW)),
    ("+", "i24", -(2**23), -1, E(OVERFLOW)),
    ("+", "u63", 2**62, 2**62, E(OVERFLOW)),
    ("+", "u63", 2**62, 2**62 - 1, V(2**63 - 1)),
    ("+", "u64", 2**63, 2**63, E(OVERFLOW)),
    ("+", "u64", 2**63, 2**63 - 1, V(UMAX64)),
    ("+", "u64", UMAX64, 1, E(OVERFLOW)),
    ("+", "i64", MAX64, 1, E(OVERFLOW)),
    ("+", "i64", MIN64, -1, E(OVERFLOW)),
    ("+", "i64", MIN64, MAX64, V(-1)),
    # - : unsigned below 0, signed across the ends
    ("-", "u8", 0, 1, E(OVERFLOW)),
    ("-", "u8", 1, 1, V(0)),
    ("-", "u8", 255, 255, V(0)),
    ("-", "i8", -128, 1, E(OVERFLOW)),
    ("-", "i8", 0, -128, E(OVERFLOW)),
    ("-", "i8", -1, -128, V(127)),
    ("-", "i8", 127, -1, E(OVERFLOW)),
    ("-", "i8", -128, -128, V(0)),
    ("-", "u1", 0, 1, E(OVERFLOW)),
    ("-", "i2", -2, 1, E(OVERFLOW)),
    ("-", "i2", 1, -1, E(OVERFLOW)),
    ("-", "i2", -1, -2, V(1)),
    ("-", "i24", -(2**23), 1, E(OVERFLOW)),
    ("-", "u64", 0, UMAX64, E(OVERFLOW)),
    ("-", "u64", UMAX64, 2**63, V(2**63 - 1)),
    ("-", "i64", MIN64, 1, E(OVERFLOW)),
    ("-", "i64", 0, MIN64, E(OVERFLOW)),
    ("-", "i64", -1, MIN64, V(MAX64)),
    # * : the only asymmetric case MIN * -1, and products that just fit
    ("*", "i8", -128, -1, E(OVERFLOW)),
    ("*", "i8", -1, -128, E(OVERFLOW)),
    ("*", "i8", -128, 1, V(-128)),
    ("*", "i8", -64, 2, V(-128)),
    ("*", "i8", 64, 2, E(OVERFLOW)),
    ("*", "i8", -1, -1, V(1)),
    ("*", "i8", 127, -1, V(-127)),
    ("*", "u8", 16, 16, E(OVERFLOW)),
    ("*", "u8", 15, 17, V(255)),
    ("*", "u8", 255, 0, V(0)),
    ("*", "u1", 1, 1, V(1)),
    ("*", "i2", -2, -1, E(OVERFLOW)),
    ("*", "i2", -1, -1, V(1)),
    ("*", "i2", -2, 1, V(-2)),
    ("*", "u19", 2**10, 2**9, E(OVERFLOW)),
    ("*", "i24", 2**11, -(2**12), V(-(2**23))),
    ("*", "i24", 2**11, 2**12, E(OVERFLOW)),
    ("*", "u63", 2**62, 2, E(OVERFLOW)),
    ("*", "u64", 2**32, 2**32, E(OVERFLOW)),
    ("*", "u64", 2**32, 2**32 - 1, V(2**64 - 2**32)),
    ("*", "u64", 2**63, 2, E(OVERFLOW)),
    ("*", "i64", MIN64, -1, E(OVERFLOW)),
    ("*", "i64", MIN64, 1, V(MIN64)),
    ("*", "i64", 2**32, 2**31, E(OVERFLOW)),
    ("*", "i64", -(2**32), 2**31, V(MIN64)),
]

WRAPPING = [
    ("+%", "u8", 255, 1, V(0)),
    ("+%", "u8", 255, 255, V(254)),
    ("+%", "i8", 127, 1, V(-128)),
    ("+%", "i8", -128, -1, V(127)),
    ("+%", "i8", -128, -128, V(0)),
    ("-%", "u8", 0, 1, V(255)),
    ("-%", "i8", -128, 1, V(127)),
    ("-%", "i8", 0, -128, V(-128)),
    ("*%", "i8", -128, -1, V(-128)),
    ("*%", "u8", 16, 16, V(0)),
    ("*%", "u8", 17, 15, V(255)),
    ("*%", "i8", 127, 127, V(1)),
    ("+%", "u1", 1, 1, V(0)),
    ("+%", "i2", 1, 1, V(-2)),
    ("-%", "i2", -2, 1, V(1)),
    ("*%", "i2", -2, -1, V(-2)),
    ("+%", "u19", 2**19 - 1, 2, V(1)),
    ("*%", "i24", 2**22, 2, V(-(2**23))),
    ("-%", "u63", 0, 1, V(2**63 - 1)),
    ("+%", "u64", UMAX64, UMAX64, V(2**64 - 2)),
    ("+%", "u64", 2**63, 2**63, V(0)),
    ("*%", "u64", 2**32, 2**32, V(0)),
    ("*%", "u64", UMAX64, UMAX64, V(1)),
    ("-%", "u64", 0, UMAX64, V(1)),
    ("+%", "i64", MAX64, 1, V(MIN64)),
    ("-%", "i64", MIN64, 1, V(MAX64)),
    ("*%", "i64", MIN64, -1, V(MIN64)),
    ("*%", "i64", MAX64, 2, V(-2)),
]

SATURATING = [
    ("+|", "u8", 250, 10, V(255)),
    ("+|", "u8", 250, 5, V(255)),
    ("+|", "u8", 250, 4, V(254)),
    ("-|", "u8", 5, 10, V(0)),
    ("-|", "u8", 10, 5, V(5)),
    ("*|", "u8", 16, 16, V(255)),
    ("+|", "i8", 100, 100, V(127)),
    ("+|", "i8", -100, -100, V(-128)),
    ("-|", "i8", -100, 100, V(-128)),
    ("-|", "i8", 100, -100, V(127)),
    ("-|", "i8", 0, -128, V(127)),
    ("*|", "i8", -128, -1, V(127)),
    ("*|", "i8", -128, 2, V(-128)),
    ("*|", "i8", -128, -128, V(127)),
    ("*|", "i8", 10, 12, V(120)),
    ("+|", "u1", 1, 1, V(1)),
    ("-|", "u1", 0, 1, V(0)),
    ("*|", "i2", -2, -2, V(1)),
    ("+|", "i2", -2, -2, V(-2)),
    ("+|", "u19", 2**19 - 1, 2**19 - 1, V(2**19 - 1)),
    ("-|", "i24", -(2**23), 1, V(-(2**23))),
    ("*|", "u64", 2**63, 2, V(UMAX64)),
    ("+|", "u64", UMAX64, UMAX64, V(UMAX64)),
    ("-|", "u64", 0, UMAX64, V(0)),
    ("*|", "i64", MIN64, -1, V(MAX64)),
    ("*|", "i64", MIN64, 2, V(MIN64)),
    ("-|", "i64", MAX64, -1, V(MAX64)),
    ("+|", "i64", MIN64, -1, V(MIN64)),
]


@pytest.mark.parametrize("op,t,a,b,want", CHECKED + WRAPPING + SATURATING)
def test_binary_table(call, op, t, a, b, want):
    assert call(f"{SYM2NAME[op]}_{t}", a, b) == want


# ---- sweeps: every pair of boundary values (every pair for widths <= 3) --------------


@pytest.mark.parametrize("t", TYPES)
@pytest.mark.parametrize("op", list(OPS.values()))
def test_binary_sweep(call, op, t):
    ty = Ty(t)
    vals = _values(ty)
    bad = []
    for a in vals:
        for b in vals:
            want = arith(op, ty, a, b)
            got = call(f"{SYM2NAME[op]}_{t}", a, b)
            if got != want:
                bad.append((a, b, got, want))
    assert not bad, f"{op} on {t}: (a, b, got, want) {bad[:10]}"


def test_sweeps_cover_both_outcomes():
    """The sweep values do reach overflow and exact results on every width."""
    for t in TYPES:
        ty = Ty(t)
        outs = {next(iter(arith("+", ty, a, b))) for a in _values(ty) for b in _values(ty)}
        assert outs == {"value", "error"}, t


# ---- unary minus --------------------------------------------------------------------

NEG = [
    ("i8", -128, E(OVERFLOW)),
    ("i8", -127, V(127)),
    ("i8", 127, V(-127)),
    ("i8", 0, V(0)),
    ("i8", -1, V(1)),
    ("i8", 1, V(-1)),
    ("i2", -2, E(OVERFLOW)),
    ("i2", 1, V(-1)),
    ("i2", -1, V(1)),
    ("i3", -4, E(OVERFLOW)),
    ("i24", -(2**23), E(OVERFLOW)),
    ("i24", 2**23 - 1, V(-(2**23) + 1)),
    ("i63", -(2**62), E(OVERFLOW)),
    ("i64", MIN64, E(OVERFLOW)),
    ("i64", MAX64, V(-MAX64)),
    ("i64", MIN64 + 1, V(MAX64)),
    # unsigned: only -0 is representable
    ("u8", 0, V(0)),
    ("u8", 1, E(OVERFLOW)),
    ("u8", 255, E(OVERFLOW)),
    ("u1", 1, E(OVERFLOW)),
    ("u64", UMAX64, E(OVERFLOW)),
    ("u64", 0, V(0)),
]


@pytest.mark.parametrize("t,a,want", NEG)
def test_unary_minus(call, t, a, want):
    assert call(f"neg_{t}", a) == want


@pytest.mark.parametrize("t", TYPES)
def test_unary_minus_sweep(call, t):
    ty = Ty(t)
    bad = [(a, call(f"neg_{t}", a)) for a in _values(ty) if call(f"neg_{t}", a) != neg(ty, a)]
    assert not bad


# ---- negative literals ------------------------------------------------------------------

NEG_LIT_SPEC = """
fn i8_min() -> i8 { -128 }
fn i8_min_hex() -> i8 { -0x80 }
fn i2_min() -> i2 { -2 }
fn i24_min() -> i24 { -8_388_608 }
fn i64_min() -> i64 { -9_223_372_036_854_775_808 }
fn i64_min_hex() -> i64 { -0x8000_0000_0000_0000 }
fn neg_of_neg_literal() -> i8 { -(-128) }
fn neg_twice() -> i8 { - -127 }
fn times_minus_one(a: i8) -> i8 { a * -1 }
fn minus_minus_one(a: i8) -> i8 { a - -1 }
fn neg_then_cast() -> u16 { -1 as i8 as u16 }
fn neg_binds_tighter(a: i8) -> i8 { -a * 2 }
"""


@pytest.mark.parametrize("fn,args,want", [
    ("i8_min", (), V(-128)),
    ("i8_min_hex", (), V(-128)),
    ("i2_min", (), V(-2)),
    ("i24_min", (), V(-(2**23))),
    ("i64_min", (), V(MIN64)),
    ("i64_min_hex", (), V(MIN64)),
    # parenthesised: a real negation of the literal -128, which overflows
    ("neg_of_neg_literal", (), E(OVERFLOW)),
    ("neg_twice", (), V(127)),
    ("times_minus_one", (-128,), E(OVERFLOW)),
    ("times_minus_one", (127,), V(-127)),
    ("minus_minus_one", (127,), E(OVERFLOW)),
    ("minus_minus_one", (-128,), V(-127)),
    # `-1 as i8 as u16` is `((-1) as i8) as u16`: sign extension gives 0xFFFF
    ("neg_then_cast", (), V(0xFFFF)),
    # `-a * 2` is `(-a) * 2`: -(-64) = 64, 64 * 2 overflows; -(64)*2 = -128 fits
    ("neg_binds_tighter", (-64,), E(OVERFLOW)),
    ("neg_binds_tighter", (64,), V(-128)),
    ("neg_binds_tighter", (-128,), E(OVERFLOW)),
])
def test_negative_literals(compile_spec, fn, args, want):
    assert compile_spec(NEG_LIT_SPEC)(fn, *args) == want


@pytest.mark.parametrize("src", [
    "fn f() -> i8 { -129 }",
    "fn f() -> i8 { -(128) }",  # negation of the literal 128, which does not fit i8
    "fn f() -> i2 { -3 }",
    "fn f() -> u8 { -1 }",
    "fn f() -> i64 { -9_223_372_036_854_775_809 }",
])
def test_negative_literal_out_of_range(rejects, src):
    rejects(src, "E0202")
