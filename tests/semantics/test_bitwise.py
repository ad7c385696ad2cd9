"""`& | ^ ~` and the shifts `<< >>`.

language.md: "`& | ^ ~` act on the two's complement bits. `<<` and `>>`
take any unsigned amount: `<<` shifts bits out (no overflow); `>>` is
logical on unsigned and arithmetic on signed types; an amount >= the width
gives 0 (or -1 for a negative signed value shifted right)." "A literal shift
amount takes the smallest unsigned type that holds it."
"""

from __future__ import annotations

import pytest

from ._rules import OVERFLOW, E, Ty, V, arith, bnot, shl, shr

TYPES = ["u1", "i2", "u3", "i3", "u8", "i8", "u16", "i16", "u19", "i24", "u32", "i32", "u63", "i63", "u64", "i64"]
BITOPS = {"band": "&", "bor": "|", "bxor": "^"}
MIN64, MAX64, UMAX64 = -(2**63), 2**63 - 1, 2**64 - 1


def _spec() -> str:
    out = []
    for t in TYPES:
        for name, sym in BITOPS.items():
            out.append(f"fn {name}_{t}(a: {t}, b: {t}) -> {t} {{ a {sym} b }}")
        out.append(f"fn bnot_{t}(a: {t}) -> {t} {{ ~a }}")
        out.append(f"fn shl_{t}(a: {t}, n: u64) -> {t} {{ a << n }}")
        out.append(f"fn shr_{t}(a: {t}, n: u64) -> {t} {{ a >> n }}")
    return "\n".join(out)


@pytest.fixture(scope="module")
def call(compile_spec):
    return compile_spec(_spec())


BITWISE = [
    ("&", "i8", -1, 0x55, 0x55),
    ("&", "i8", -128, -1, -128),
    ("&", "i8", -2, 3, 2),
    ("&", "i8", -128, 127, 0),
    ("|", "i8", -128, 127, -1),
    ("|", "i8", -128, 1, -127),
    ("|", "i8", 0x40, 0x20, 0x60),
    ("^", "i8", -1, 0x0F, -16),
    ("^", "i8", -128, -1, 127),
    ("^", "i8", 5, 5, 0),
    ("&", "u8", 0xF0, 0x3C, 0x30),
    ("|", "u8", 0xF0, 0x0F, 0xFF),
    ("^", "u8", 0xFF, 0x0F, 0xF0),
    ("&", "u1", 1, 0, 0),
    ("|", "u1", 1, 0, 1),
    ("^", "u1", 1, 1, 0),
    ("&", "i2", -2, -1, -2),
    ("|", "i2", -2, 1, -1),
    ("^", "i2", -2, -1, 1),
    ("^", "i24", -1, 2**23 - 1, -(2**23)),
    ("&", "u19", 2**19 - 1, 0x5_5555, 0x5_5555),
    ("&", "u64", UMAX64, 2**63, 2**63),
    ("|", "u64", 2**63, 1, 2**63 + 1),
    ("^", "u64", UMAX64, 2**63, 2**63 - 1),
    ("&", "i64", MIN64, -1, MIN64),
    ("|", "i64", MIN64, MAX64, -1),
    ("^", "i64", MIN64, -1, MAX64),
]


@pytest.mark.parametrize("op,t,a,b,want", BITWISE)
def test_bitwise_table(call, op, t, a, b, want):
    name = {v: k for k, v in BITOPS.items()}[op]
    assert call(f"{name}_{t}", a, b) == V(want)


BNOT = [
    ("i8", 0, -1), ("i8", -1, 0), ("i8", 127, -128), ("i8", -128, 127), ("i8", 5, -6),
    ("u8", 0, 255), ("u8", 255, 0), ("u8", 0x0F, 0xF0),
    ("u1", 0, 1), ("u1", 1, 0),
    ("i2", 0, -1), ("i2", 1, -2), ("i2", -2, 1),
    ("u19", 0, 2**19 - 1), ("i24", 2**23 - 1, -(2**23)),
    ("u63", 0, 2**63 - 1),
    ("u64", 0, UMAX64), ("u64", 2**63, 2**63 - 1),
    ("i64", 0, -1), ("i64", MIN64, MAX64),
]


@pytest.mark.parametrize("t,a,want", BNOT)
def test_bnot_table(call, t, a, want):
    assert call(f"bnot_{t}", a) == V(want)


@pytest.mark.parametrize("t", TYPES)
def test_bitwise_sweep(call, t):
    ty = Ty(t)
    vals = ty.all_values() if ty.width <= 3 else ty.boundary() + [v for v in (0x55, -0x56, 0x2A) if ty.fits(v)]
    bad = []
    for a in vals:
        if call(f"bnot_{t}", a) != V(bnot(ty, a)):
            bad.append(("~", a))
        for b in vals:
            for name, sym in BITOPS.items():
                if call(f"{name}_{t}", a, b) != arith(sym, ty, a, b):
                    bad.append((sym, a, b))
    assert not bad, bad[:10]


# ---- shifts ---------------------------------------------------------------------------

SHIFTS = [
    # << : bits fall off the top, never an overflow, on signed too
    ("<<", "u8", 1, 0, 1),
    ("<<", "u8", 1, 7, 128),
    ("<<", "u8", 1, 8, 0),
    ("<<", "u8", 0xFF, 4, 0xF0),
    ("<<", "u8", 0xFF, 9, 0),
    ("<<", "i8", 1, 7, -128),
    ("<<", "i8", 64, 1, -128),
    ("<<", "i8", 127, 1, -2),
    ("<<", "i8", -1, 7, -128),
    ("<<", "i8", -1, 8, 0),
    ("<<", "i8", -128, 1, 0),
    ("<<", "i8", -3, 2, -12),
    ("<<", "u1", 1, 0, 1),
    ("<<", "u1", 1, 1, 0),
    ("<<", "i2", 1, 1, -2),
    ("<<", "i2", -1, 1, -2),
    ("<<", "i2", -1, 2, 0),
    ("<<", "u64", 1, 63, 2**63),
    ("<<", "u64", 1, 64, 0),
    ("<<", "u64", UMAX64, 1, UMAX64 - 1),
    ("<<", "u64", UMAX64, UMAX64, 0),
    ("<<", "i64", 1, 63, MIN64),
    ("<<", "i64", -1, 63, MIN64),
    ("<<", "i64", MAX64, 1, -2),
    ("<<", "i64", -1, 2**63, 0),
    ("<<", "u19", 3, 18, 2**18),
    ("<<", "i24", 3, 22, -(2**22)),
    # >> : logical on unsigned
    (">>", "u8", 128, 7, 1),
    (">>", "u8", 255, 1, 127),
    (">>", "u8", 255, 8, 0),
    (">>", "u8", 255, UMAX64, 0),
    (">>", "u64", UMAX64, 63, 1),
    (">>", "u64", UMAX64, 64, 0),
    (">>", "u64", 2**63, 1, 2**62),
    (">>", "u1", 1, 0, 1),
    (">>", "u1", 1, 1, 0),
    # >> : arithmetic on signed (rounds toward minus infinity)
    (">>", "i8", -128, 1, -64),
    (">>", "i8", -128, 7, -1),
    (">>", "i8", -128, 8, -1),
    (">>", "i8", -128, UMAX64, -1),
    (">>", "i8", -1, 1, -1),
    (">>", "i8", -3, 1, -2),
    (">>", "i8", -5, 2, -2),
    (">>", "i8", 127, 6, 1),
    (">>", "i8", 127, 7, 0),
    (">>", "i8", 127, 8, 0),
    (">>", "i2", -2, 1, -1),
    (">>", "i2", -2, 2, -1),
    (">>", "i2", 1, 1, 0),
    (">>", "i64", MIN64, 63, -1),
    (">>", "i64", MIN64, 64, -1),
    (">>", "i64", MIN64, 62, -2),
    (">>", "i64", MAX64, 62, 1),
    (">>", "i64", MAX64, 2**63, 0),
    (">>", "i24", -(2**23), 23, -1),
    (">>", "i24", -(2**23), 24, -1),
]


@pytest.mark.parametrize("op,t,a,n,want", SHIFTS)
def test_shift_table(call, op, t, a, n, want):
    assert call(("shl_" if op == "<<" else "shr_") + t, a, n) == V(want)


@pytest.mark.parametrize("t", TYPES)
def test_shift_sweep(call, t):
    """Amounts 0, 1, width-1, width, width+1, 2^63 and 2^64-1 on boundary values."""
    ty = Ty(t)
    amounts = sorted({0, 1, ty.width - 1, ty.width, ty.width + 1, ty.width // 2, 2**63, UMAX64})
    vals = ty.all_values() if ty.width <= 3 else ty.boundary() + [v for v in (0x55, -0x56) if ty.fits(v)]
    bad = []
    for a in vals:
        for n in amounts:
            if call(f"shl_{t}", a, n) != V(shl(ty, a, n)):
                bad.append(("<<", a, n, call(f"shl_{t}", a, n)))
            if call(f"shr_{t}", a, n) != V(shr(ty, a, n)):
                bad.append((">>", a, n, call(f"shr_{t}", a, n)))
    assert not bad, bad[:10]


AMOUNT_SPEC = """
fn by_u1(a: u8, n: u1) -> u8 { a << n }
fn by_u3(a: i8, n: u3) -> i8 { a >> n }
fn by_u8(a: u16, n: u8) -> u16 { a << n }
fn by_u19(a: i32, n: u19) -> i32 { a >> n }
fn lit_7(a: u8) -> u8 { a << 7 }
fn lit_8(a: u8) -> u8 { a << 8 }
fn lit_200(a: i8) -> i8 { a >> 200 }
fn lit_big(a: u64) -> u64 { a << 0xFFFF_FFFF_FFFF_FFFF }
fn lit_shift_of_literal() -> u8 { 1 << 7 }
fn shift_prec(a: u8, n: u8) -> u8 { a << n + 1 }
fn shift_left_assoc(a: u16) -> u16 { a << 2 >> 1 }
"""


@pytest.mark.parametrize("fn,args,want", [
    ("by_u1", (0x81, 1), 0x02),
    ("by_u3", (-128, 7), -1),
    ("by_u8", (1, 15), 0x8000),
    ("by_u8", (1, 16), 0),
    ("by_u8", (1, 255), 0),
    ("by_u19", (-1, 2**19 - 1), -1),
    ("by_u19", (2**30, 30), 1),
    ("lit_7", (3,), 128),
    ("lit_8", (255,), 0),
    ("lit_200", (-5,), -1),
    ("lit_200", (5,), 0),
    ("lit_big", (UMAX64,), 0),
    ("lit_shift_of_literal", (), 128),
    # `+` binds tighter than `<<`: a << (n + 1), and n + 1 is checked
    ("shift_prec", (1, 1), 4),
    ("shift_prec", (1, 255), "overflow"),
    # left associative: (a << 2) >> 1
    ("shift_left_assoc", (0x8001,), 2),
])
def test_shift_amount_types(compile_spec, fn, args, want):
    want = E(OVERFLOW) if want == "overflow" else V(want)
    assert compile_spec(AMOUNT_SPEC)(fn, *args) == want


@pytest.mark.parametrize("src", [
    "fn f(a: u8, n: i8) -> u8 { a << n }",
    "fn f(a: i32, n: i32) -> i32 { a >> n }",
    "fn f(a: u8, n: i64) -> u8 { a >> n }",
])
def test_signed_shift_amount_rejected(rejects, src):
    rejects(src, "E0220")


@pytest.mark.parametrize("src", [
    "fn f(a: u8, n: bool) -> u8 { a << n }",
    "fn f(a: bool) -> bool { a << 1 }",
    "fn f(a: bool, b: bool) -> bool { a & b }",
    "fn f(a: bool) -> bool { ~a }",
])
def test_bitwise_on_non_integers_rejected(rejects, src):
    rejects(src, "E0205", "E0220", "E0201")


@pytest.mark.parametrize("src", [
    "fn f(a: u8, b: u16) -> u8 { a & b }",
    "fn f(a: i8, b: u8) -> i8 { a | b }",
    "fn f(a: u8) -> u8 { a ^ 256 }",
])
def test_bitwise_operand_types(rejects, src):
    rejects(src, "E0201", "E0202")
