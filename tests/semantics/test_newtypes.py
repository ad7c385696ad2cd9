"""Newtypes: nominal typing, value sets, arithmetic on ranged newtypes.

Precisions: "The value set of an integer type is [MIN, MAX] of its width; of
a ranged newtype, its range; of an unranged newtype, its underlying type's.
Checked `+ - * / % -x abs` on a newtype: a mathematical result outside the
value set raises `overflow`. Saturating `+| -| *|` clamp to the value set.
Wrapping operators, bitwise operators and shifts are not allowed on ranged
newtypes (error UPEL-E0218); they are allowed on unranged ones."
"""

from __future__ import annotations

import pytest

from ._rules import DIV_BY_ZERO, OVERFLOW, RANGE, E, Ty, V, arith, bnot, neg, shl, shr

DECLS = """
type Dose = u32 in 0..=50_000;
type Pos = u8 in 10..=200;
type R = i8 in -10..=10;
type Skew = i8 in -10..=5;
type Big = u64 in 9_223_372_036_854_775_808..=18_446_744_073_709_551_615;
type NegOnly = i64 in -9_223_372_036_854_775_808..=-1;
type One = u8 in 7..=7;
type Feet = i32;
type Meters = i32;
type Bits = u8;
type Tiny = i2;
"""

RANGED = {"Dose": ("u32", 0, 50_000), "Pos": ("u8", 10, 200), "R": ("i8", -10, 10), "Skew": ("i8", -10, 5),
          "Big": ("u64", 2**63, 2**64 - 1), "NegOnly": ("i64", -(2**63), -1), "One": ("u8", 7, 7)}
UNRANGED = {"Feet": "i32", "Bits": "u8", "Tiny": "i2"}
CHECKED_OPS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "rem": "%", "adds": "+|", "subs": "-|", "muls": "*|"}
ALL_OPS = {**CHECKED_OPS, "addw": "+%", "subw": "-%", "mulw": "*%", "band": "&", "bor": "|", "bxor": "^"}


def _spec() -> str:
    out = [DECLS]
    for t in RANGED:
        for name, sym in CHECKED_OPS.items():
            out.append(f"fn {name}_{t}(a: {t}, b: {t}) -> {t} {{ a {sym} b }}")
        out.append(f"fn min_{t}(a: {t}, b: {t}) -> {t} {{ min(a, b) }}")
        out.append(f"fn max_{t}(a: {t}, b: {t}) -> {t} {{ max(a, b) }}")
        out.append(f"fn lt_{t}(a: {t}, b: {t}) -> bool {{ a < b }}")
        out.append(f"fn eq_{t}(a: {t}, b: {t}) -> bool {{ a == b }}")
    for t in ("R", "Skew", "NegOnly"):
        out.append(f"fn neg_{t}(a: {t}) -> {t} {{ -a }}")
        out.append(f"fn abs_{t}(a: {t}) -> {t} {{ abs(a) }}")
    for t in UNRANGED:
        for name, sym in ALL_OPS.items():
            out.append(f"fn {name}_{t}(a: {t}, b: {t}) -> {t} {{ a {sym} b }}")
        out.append(f"fn bnot_{t}(a: {t}) -> {t} {{ ~a }}")
        out.append(f"fn shl_{t}(a: {t}, n: u8) -> {t} {{ a << n }}")
        out.append(f"fn shr_{t}(a: {t}, n: u8) -> {t} {{ a >> n }}")
        out.append(f"fn neg_{t}(a: {t}) -> {t} {{ -a }}")
    return "\n".join(out)


@pytest.fixture(scope="module")
def call(compile_spec):
    return compile_spec(_spec())


RANGED_TABLE = [
    # checked: outside the range is overflow even though the storage type could hold it
    ("+", "Dose", 25_000, 25_000, V(50_000)),
    ("+", "Dose", 25_000, 25_001, E(OVERFLOW)),
    ("+", "Dose", 50_000, 0, V(50_000)),
    ("-", "Dose", 0, 1, E(OVERFLOW)),
    ("*", "Dose", 50_000, 1, V(50_000)),
    ("*", "Dose", 50_000, 2, E(OVERFLOW)),
    ("*", "Dose", 0, 50_000, V(0)),
    ("+", "Pos", 100, 100, V(200)),
    ("+", "Pos", 100, 101, E(OVERFLOW)),
    ("-", "Pos", 30, 20, V(10)),
    ("-", "Pos", 29, 20, E(OVERFLOW)),  # 9 < 10
    ("-", "Pos", 20, 30, E(OVERFLOW)),
    ("*", "Pos", 10, 20, V(200)),
    ("*", "Pos", 10, 10, V(100)),
    ("*", "Pos", 15, 15, E(OVERFLOW)),
    ("/", "Pos", 200, 10, V(20)),
    ("/", "Pos", 100, 10, V(10)),
    ("/", "Pos", 50, 10, E(OVERFLOW)),  # 5 < 10
    ("/", "Pos", 10, 200, E(OVERFLOW)),  # 0 < 10
    ("%", "Pos", 30, 20, V(10)),
    ("%", "Pos", 35, 20, V(15)),
    ("%", "Pos", 25, 10, E(OVERFLOW)),  # 5
    ("%", "Pos", 20, 10, E(OVERFLOW)),  # 0
    ("*", "R", -3, 3, V(-9)),
    ("*", "R", 4, 3, E(OVERFLOW)),
    ("*", "R", -10, -1, V(10)),
    ("*", "R", -10, 10, E(OVERFLOW)),
    ("+", "R", -10, -1, E(OVERFLOW)),
    ("-", "R", -10, 1, E(OVERFLOW)),
    ("-", "R", 10, -1, E(OVERFLOW)),
    ("/", "R", -10, -1, V(10)),
    ("/", "R", 7, -2, V(-3)),
    ("%", "R", -7, 2, V(-1)),
    ("/", "R", 5, 0, E(DIV_BY_ZERO)),
    ("%", "R", 5, 0, E(DIV_BY_ZERO)),
    ("/", "Skew", -10, -1, E(OVERFLOW)),  # 10 > 5
    ("%", "Skew", -10, -1, V(0)),
    ("*", "Skew", -2, -3, E(OVERFLOW)),
    ("+", "Big", 2**63, 2**63, E(OVERFLOW)),
    ("-", "Big", 2**64 - 1, 2**63, E(OVERFLOW)),
    ("/", "Big", 2**64 - 1, 2**63, E(OVERFLOW)),
    ("%", "Big", 2**64 - 1, 2**63, E(OVERFLOW)),
    ("*", "Big", 2**63, 2**63, E(OVERFLOW)),
    ("+", "NegOnly", -1, -1, V(-2)),
    ("+", "NegOnly", -(2**63), -1, E(OVERFLOW)),
    ("-", "NegOnly", -1, -2, E(OVERFLOW)),  # 1
    ("*", "NegOnly", -1, -1, E(OVERFLOW)),
    ("/", "NegOnly", -(2**63), -1, E(OVERFLOW)),
    ("/", "NegOnly", -1, -2, E(OVERFLOW)),  # 0
    ("%", "NegOnly", -(2**63), -1, E(OVERFLOW)),  # 0 is outside the range
    ("%", "NegOnly", -7, -4, V(-3)),
    ("+", "One", 7, 7, E(OVERFLOW)),
    ("/", "One", 7, 7, E(OVERFLOW)),
    ("%", "One", 7, 7, E(OVERFLOW)),
    # saturating: clamp to the range, not to the storage type
    ("+|", "Dose", 40_000, 40_000, V(50_000)),
    ("+|", "Dose", 1, 2, V(3)),
    ("-|", "Dose", 0, 50_000, V(0)),
    ("*|", "Dose", 50_000, 50_000, V(50_000)),
    ("-|", "Pos", 10, 200, V(10)),
    ("-|", "Pos", 15, 10, V(10)),
    ("-|", "Pos", 100, 10, V(90)),
    ("+|", "Pos", 200, 200, V(200)),
    ("*|", "Pos", 20, 20, V(200)),
    ("*|", "R", -10, 10, V(-10)),
    ("*|", "R", 10, 10, V(10)),
    ("*|", "R", -10, -10, V(10)),
    ("-|", "R", -10, 10, V(-10)),
    ("*|", "Skew", -10, -10, V(5)),
    ("*|", "Skew", -10, 1, V(-10)),
    ("+|", "Big", 2**63, 2**63, V(2**64 - 1)),
    ("-|", "Big", 2**63, 2**64 - 1, V(2**63)),
    ("*|", "NegOnly", -1, -1, V(-1)),
    ("-|", "NegOnly", -1, -(2**63), V(-1)),
    ("+|", "One", 7, 7, V(7)),
    ("-|", "One", 7, 7, V(7)),
]


@pytest.mark.parametrize("op,t,a,b,want", RANGED_TABLE)
def test_ranged_arith(call, op, t, a, b, want):
    name = {v: k for k, v in CHECKED_OPS.items()}[op]
    assert call(f"{name}_{t}", a, b) == want


@pytest.mark.parametrize("t", list(RANGED))
def test_ranged_sweep(call, t):
    under, lo, hi = RANGED[t]
    ty = Ty(under)
    vals = sorted({v for v in (lo, lo + 1, hi - 1, hi, (lo + hi) // 2, -1, 0, 1, 2, 3) if lo <= v <= hi})
    bad = []
    for a in vals:
        for b in vals:
            for name, sym in CHECKED_OPS.items():
                want = arith(sym, ty, a, b, lo, hi)
                got = call(f"{name}_{t}", a, b)
                if got != want:
                    bad.append((sym, a, b, got, want))
            if call(f"min_{t}", a, b) != V(min(a, b)) or call(f"max_{t}", a, b) != V(max(a, b)):
                bad.append(("min/max", a, b))
            if call(f"lt_{t}", a, b) != V(a < b) or call(f"eq_{t}", a, b) != V(a == b):
                bad.append(("cmp", a, b))
    assert not bad, bad[:10]


@pytest.mark.parametrize("fn,a,want", [
    ("neg_R", -10, V(10)), ("neg_R", 10, V(-10)), ("neg_R", 0, V(0)),
    ("neg_Skew", -10, E(OVERFLOW)), ("neg_Skew", 5, V(-5)), ("neg_Skew", -5, V(5)), ("neg_Skew", -6, E(OVERFLOW)),
    ("neg_NegOnly", -1, E(OVERFLOW)), ("neg_NegOnly", -(2**63), E(OVERFLOW)),
    ("abs_R", -10, V(10)), ("abs_Skew", -10, E(OVERFLOW)), ("abs_Skew", -5, V(5)), ("abs_Skew", 3, V(3)),
    ("abs_NegOnly", -1, E(OVERFLOW)),
])
def test_ranged_neg_abs(call, fn, a, want):
    assert call(fn, a) == want


@pytest.mark.parametrize("t", list(UNRANGED))
def test_unranged_newtype_behaves_like_underlying(call, t):
    """Unranged newtypes allow wrapping, bitwise and shifts, with the underlying semantics."""
    ty = Ty(UNRANGED[t])
    vals = ty.all_values() if ty.width <= 3 else ty.boundary()
    bad = []
    for a in vals:
        if call(f"bnot_{t}", a) != V(bnot(ty, a)):
            bad.append(("~", a))
        if call(f"neg_{t}", a) != neg(ty, a):
            bad.append(("neg", a))
        for n in (0, 1, ty.width - 1, ty.width, 255):
            if call(f"shl_{t}", a, n) != V(shl(ty, a, n)) or call(f"shr_{t}", a, n) != V(shr(ty, a, n)):
                bad.append(("shift", a, n))
        for b in vals:
            for name, sym in ALL_OPS.items():
                if call(f"{name}_{t}", a, b) != arith(sym, ty, a, b):
                    bad.append((sym, a, b, call(f"{name}_{t}", a, b)))
    assert not bad, bad[:10]


@pytest.mark.parametrize("op", ["+%", "-%", "*%", "&", "|", "^", "<<", ">>"])
@pytest.mark.parametrize("t", ["Dose", "Pos", "R", "Big"])
def test_ranged_rejects_wrapping_bitwise_shift(rejects, op, t):
    rhs = "n" if op in ("<<", ">>") else "b"
    rejects(DECLS + f"fn f(a: {t}, b: {t}, n: u8) -> {t} {{ a {op} {rhs} }}", "E0218")


@pytest.mark.parametrize("t", ["Dose", "R"])
def test_ranged_rejects_bnot(rejects, t):
    rejects(DECLS + f"fn f(a: {t}) -> {t} {{ ~a }}", "E0218")


LITERAL_SPEC = DECLS + """
fn pos_plus(a: Pos) -> Pos { a + 10 }
fn pos_cmp(a: Pos) -> bool { a > 100 }
fn dose_lit() -> Dose { 50_000 }
fn feet_lit() -> Feet { -5 }
fn via_underlying(a: Pos) -> Pos { ((a as u8) & 0xF0) as Pos }
"""


@pytest.mark.parametrize("fn,args,want", [
    ("pos_plus", (10,), V(20)),
    ("pos_plus", (190,), V(200)),
    ("pos_plus", (191,), E(OVERFLOW)),
    ("pos_cmp", (101,), V(True)),
    ("pos_cmp", (100,), V(False)),
    ("dose_lit", (), V(50_000)),
    ("feet_lit", (), V(-5)),
    ("via_underlying", (0xC5,), V(0xC0)),
    ("via_underlying", (0x15,), V(0x10)),
    ("via_underlying", (10,), E(RANGE)),  # 0x0A & 0xF0 = 0 is not a Pos
])
def test_ranged_literals_and_underlying(compile_spec, fn, args, want):
    assert compile_spec(LITERAL_SPEC)(fn, *args) == want


@pytest.mark.parametrize("body", [
    "fn f(a: Pos) -> Pos { a + 5 }",  # a literal of type Pos must lie in 10..=200
    "fn f(a: Pos) -> Pos { a + 201 }",
    "fn f() -> Dose { 50_001 }",
    "fn f(a: R) -> bool { a == 11 }",
    "fn f(a: R) -> bool { a < -11 }",
    "fn f() -> NegOnly { 0 }",
    "fn f() -> One { 6 }",
])
def test_literal_must_fit_value_set(rejects, body):
    rejects(DECLS + body, "E0202")


@pytest.mark.parametrize("body", [
    # nominal: not interchangeable with the underlying type or another newtype
    "fn f(a: Feet, b: i32) -> Feet { a + b }",
    "fn f(a: Feet, b: Meters) -> Feet { a + b }",
    "fn f(a: Feet) -> i32 { a }",
    "fn f(a: i32) -> Feet { a }",
    "fn f(a: Feet, b: Meters) -> bool { a == b }",
    "fn f(a: Pos, b: u8) -> bool { a < b }",
    "fn f(a: Feet, b: Meters) -> Feet { min(a, b) }",
])
def test_newtypes_are_nominal(rejects, body):
    rejects(DECLS + body, "E0201")


@pytest.mark.parametrize("decl,codes", [
    ("type Bad = u8 in 20..=10;", ("E0211",)),
    ("type Bad = u8 in 0..=256;", ("E0211", "E0202")),
    ("type Bad = i8 in -129..=0;", ("E0211", "E0202")),
    ("type Bad = u8 in -1..=3;", ("E0211", "E0202")),
    ("type Base = u8; type Bad = Base;", ("E0226",)),
    ("enum En: u8 { a = 0 } type Bad = En;", ("E0226",)),
    ("record Rec { f: u8 } type Bad = Rec;", ("E0226",)),
    ("type Bad = [u8; 2];", ("E0226",)),
    ("type Bad = bool in 0..=1;", ("E0226", "E0211")),
])
def test_invalid_newtype_declarations(rejects, decl, codes):
    rejects(decl + "\nfn f(x: u8) -> u8 { x }", *codes)


def test_bool_newtype_rejected(rejects):
    """Precisions: "A newtype's underlying type is an integer type (not `bool`, ...)"."""
    rejects("type Flag = bool;\nfn f(x: u8) -> u8 { x }", "E0226")
