"""`/` and `%`.

language.md: "`/` truncates toward zero, `%` takes the sign of the dividend;
a zero divisor raises `div_by_zero`; `MIN / -1` raises `overflow`."
Precisions: "`MIN % -1` is `0` (no overflow); only `MIN / -1` overflows."
"""

from __future__ import annotations

import pytest

from ._rules import DIV_BY_ZERO, OVERFLOW, E, Ty, V, arith

TYPES = ["u1", "i2", "u3", "i3", "u8", "i8", "u16", "i16", "u19", "i24", "u32", "i32", "u63", "i63", "u64", "i64"]

SPEC = "\n".join(
    f"fn div_{t}(a: {t}, b: {t}) -> {t} {{ a / b }}\nfn rem_{t}(a: {t}, b: {t}) -> {t} {{ a % b }}" for t in TYPES)

MIN64, MAX64, UMAX64 = -(2**63), 2**63 - 1, 2**64 - 1


@pytest.fixture(scope="module")
def call(compile_spec):
    return compile_spec(SPEC)


# (type, a, b, a / b, a % b): all four sign combinations, exact and inexact
TABLE = [
    ("i8", 7, 2, V(3), V(1)),
    ("i8", -7, 2, V(-3), V(-1)),
    ("i8", 7, -2, V(-3), V(1)),
    ("i8", -7, -2, V(3), V(-1)),
    ("i8", 6, 3, V(2), V(0)),
    ("i8", -6, 3, V(-2), V(0)),
    ("i8", 6, -3, V(-2), V(0)),
    ("i8", -6, -3, V(2), V(0)),
    ("i8", 1, 2, V(0), V(1)),
    ("i8", -1, 2, V(0), V(-1)),
    ("i8", 1, -2, V(0), V(1)),
    ("i8", -1, -2, V(0), V(-1)),
    ("i8", 0, 5, V(0), V(0)),
    ("i8", 0, -5, V(0), V(0)),
    ("i8", 127, -1, V(-127), V(0)),
    ("i8", 127, 127, V(1), V(0)),
    ("i8", -128, 127, V(-1), V(-1)),
    ("i8", 127, -128, V(0), V(127)),
    ("i8", -128, -128, V(1), V(0)),
    ("i8", -128, 2, V(-64), V(0)),
    ("i8", -127, 2, V(-63), V(-1)),
    ("i8", -128, 3, V(-42), V(-2)),
    ("i8", -128, -3, V(42), V(-2)),
    # MIN / -1 overflows, MIN % -1 is 0
    ("i8", -128, -1, E(OVERFLOW), V(0)),
    ("i2", -2, -1, E(OVERFLOW), V(0)),
    ("i3", -4, -1, E(OVERFLOW), V(0)),
    ("i24", -(2**23), -1, E(OVERFLOW), V(0)),
    ("i63", -(2**62), -1, E(OVERFLOW), V(0)),
    ("i64", MIN64, -1, E(OVERFLOW), V(0)),
    ("i64", MIN64 + 1, -1, V(MAX64), V(0)),
    ("i64", MIN64, 1, V(MIN64), V(0)),
    ("i64", MIN64, 2, V(-(2**62)), V(0)),
    ("i64", MIN64, MAX64, V(-1), V(-1)),
    ("i64", MAX64, MIN64, V(0), V(MAX64)),
    ("i64", -(10**18) - 7, 10**9, V(-(10**9)), V(-7)),
    # zero divisor: div_by_zero for both, every dividend
    ("i8", 0, 0, E(DIV_BY_ZERO), E(DIV_BY_ZERO)),
    ("i8", -128, 0, E(DIV_BY_ZERO), E(DIV_BY_ZERO)),
    ("i8", 127, 0, E(DIV_BY_ZERO), E(DIV_BY_ZERO)),
    ("i2", -2, 0, E(DIV_BY_ZERO), E(DIV_BY_ZERO)),
    ("u1", 1, 0, E(DIV_BY_ZERO), E(DIV_BY_ZERO)),
    ("u8", 0, 0, E(DIV_BY_ZERO), E(DIV_BY_ZERO)),
    ("u64", UMAX64, 0, E(DIV_BY_ZERO), E(DIV_BY_ZERO)),
    ("i64", MIN64, 0, E(DIV_BY_ZERO), E(DIV_BY_ZERO)),
    # unsigned
    ("u8", 255, 1, V(255), V(0)),
    ("u8", 255, 2, V(127), V(1)),
    ("u8", 255, 255, V(1), V(0)),
    ("u8", 254, 255, V(0), V(254)),
    ("u1", 1, 1, V(1), V(0)),
    ("u19", 2**19 - 1, 2**10, V(2**9 - 1), V(2**10 - 1)),
    ("u64", UMAX64, 2, V(2**63 - 1), V(1)),
    ("u64", UMAX64, 2**63, V(1), V(2**63 - 1)),
    ("u64", 2**63, UMAX64, V(0), V(2**63)),
    ("u64", UMAX64, UMAX64, V(1), V(0)),
    ("u63", 2**63 - 1, 3, V((2**63 - 1) // 3), V(1)),
    ("i24", -(2**23), 7, V(-1198372), V(-4)),
    ("i24", 2**23 - 1, -7, V(-1198372), V(3)),
]


@pytest.mark.parametrize("t,a,b,q,r", TABLE)
def test_div(call, t, a, b, q, r):
    assert call(f"div_{t}", a, b) == q


@pytest.mark.parametrize("t,a,b,q,r", TABLE)
def test_rem(call, t, a, b, q, r):
    assert call(f"rem_{t}", a, b) == r


def test_table_is_consistent():
    """The hand table obeys a == (a / b) * b + a % b and |a % b| < |b|."""
    for t, a, b, q, r in TABLE:
        if "value" in q and "value" in r:
            assert q["value"] * b + r["value"] == a
            assert abs(r["value"]) < abs(b)
            assert r["value"] == 0 or (r["value"] < 0) == (a < 0)


@pytest.mark.parametrize("t", TYPES)
@pytest.mark.parametrize("op", ["/", "%"])
def test_sweep(call, op, t):
    ty = Ty(t)
    vals = ty.all_values() if ty.width <= 3 else ty.boundary() + [3, -3, 7, -7]
    vals = [v for v in dict.fromkeys(vals) if ty.fits(v)]
    fn = ("div_" if op == "/" else "rem_") + t
    bad = []
    for a in vals:
        for b in vals:
            got, want = call(fn, a, b), arith(op, ty, a, b)
            if got != want:
                bad.append((a, b, got, want))
    assert not bad, bad[:10]
