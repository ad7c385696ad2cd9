"""Integer literals: forms, typing from context, range checks.

language.md: "Literals: `42`, `0xFF`, `0b1010`, `0o205`, `1_000`, `true`,
`false`. An integer literal takes the type that its context needs and must
fit it." Precisions: "in a binary operation with one literal operand it
takes the other operand's type; a literal shift amount or `bit` index takes
the smallest unsigned type that holds it. A literal with no context is error
UPEL-E0203." "`len(a)` is an integer constant and types like a literal."
"""

from __future__ import annotations

import pytest

from ._rules import INDEX, OVERFLOW, E, V

SPEC = """
fn dec() -> u16 { 42 }
fn hex() -> u8 { 0xFF }
fn hex_lower() -> u16 { 0xbeef }
fn bin() -> u8 { 0b1010 }
fn oct() -> u8 { 0o205 }
fn under() -> u32 { 1_000_000 }
fn hex_under() -> u64 { 0xFFFF_FFFF_FFFF_FFFF }
fn bin_under() -> u8 { 0b1000_0001 }
fn zero_i64() -> i64 { 0 }
fn u1_one() -> u1 { 1 }
fn i2_one() -> i2 { 1 }
fn u19_max() -> u19 { 524_287 }
fn i24_max() -> i24 { 8_388_607 }
fn u63_max() -> u63 { 9_223_372_036_854_775_807 }
fn i64_max() -> i64 { 0x7FFF_FFFF_FFFF_FFFF }
fn t() -> bool { true }
fn f() -> bool { false }
fn lit_left(a: u8) -> u8 { 250 + a }
fn lit_right(a: i8) -> i8 { a + -128 }
fn lit_cmp(a: u64) -> bool { a > 18_446_744_073_709_551_614 }
fn lit_cmp_left(a: i8) -> bool { -128 == a }
fn lit_both_with_context() -> u8 { 200 + 55 }
fn lit_both_overflow() -> u8 { 200 + 56 }
fn lit_in_if(c: bool) -> i16 { if c { -32768 } else { 32767 } }
fn lit_let() -> u64 { let x: u64 = 18_446_744_073_709_551_615; x }
fn len_shift(a: [u8; 3], x: u8) -> u8 { x << len(a) }
fn len_bit(a: [u8; 3], x: u8) -> bool { bit(x, len(a)) }
fn len_index(a: [u8; 3]) -> u8 { a[len(a)] }
fn len_cmp(a: [u8; 3], x: u8) -> bool { x < len(a) }
"""


@pytest.fixture(scope="module")
def call(compile_spec):
    return compile_spec(SPEC)


@pytest.mark.parametrize("fn,args,want", [
    ("dec", (), V(42)), ("hex", (), V(255)), ("hex_lower", (), V(0xBEEF)), ("bin", (), V(10)),
    ("oct", (), V(133)), ("under", (), V(1_000_000)), ("hex_under", (), V(2**64 - 1)), ("bin_under", (), V(129)),
    ("zero_i64", (), V(0)), ("u1_one", (), V(1)), ("i2_one", (), V(1)), ("u19_max", (), V(2**19 - 1)),
    ("i24_max", (), V(2**23 - 1)), ("u63_max", (), V(2**63 - 1)), ("i64_max", (), V(2**63 - 1)),
    ("t", (), V(True)), ("f", (), V(False)),
    ("lit_left", (5,), V(255)), ("lit_left", (6,), E(OVERFLOW)),
    ("lit_right", (-1,), E(OVERFLOW)), ("lit_right", (0,), V(-128)),
    ("lit_cmp", (2**64 - 1,), V(True)), ("lit_cmp", (2**64 - 2,), V(False)),
    ("lit_cmp_left", (-128,), V(True)),
    ("lit_both_with_context", (), V(255)),
    ("lit_both_overflow", (), E(OVERFLOW)),  # both literals are u8 (the context); the sum is checked
    ("lit_in_if", (True,), V(-32768)),
    ("lit_let", (), V(2**64 - 1)),
    # len(a) types like a literal: as a shift amount or bit index, the smallest unsigned type
    ("len_shift", ([0, 0, 0], 1), V(8)),
    ("len_bit", ([0, 0, 0], 8), V(True)),
    ("len_index", ([0, 0, 0],), E(INDEX)),
    ("len_cmp", ([0, 0, 0], 2), V(True)),
])
def test_literals(call, fn, args, want):
    assert call(fn, *args) == want


@pytest.mark.parametrize("body", [
    "fn f() -> u8 { 256 }",
    "fn f() -> u8 { 0x100 }",
    "fn f() -> u8 { 0b1_0000_0000 }",
    "fn f() -> u8 { 0o400 }",
    "fn f() -> u8 { -1 }",
    "fn f() -> i8 { 128 }",
    "fn f() -> i8 { -129 }",
    "fn f() -> u1 { 2 }",
    "fn f() -> i2 { 2 }",
    "fn f() -> i2 { -3 }",
    "fn f() -> u19 { 524_288 }",
    "fn f() -> i24 { 8_388_608 }",
    "fn f() -> u63 { 9_223_372_036_854_775_808 }",
    "fn f() -> u64 { 18_446_744_073_709_551_616 }",
    "fn f() -> i64 { 9_223_372_036_854_775_808 }",
    "fn f(a: u8) -> u8 { a + 256 }",
    "fn f(a: u8) -> bool { a == 256 }",
    "fn f(a: u8) -> bool { 256 > a }",
    "fn f(a: i8) -> i8 { a * 128 }",
    "fn f(a: u8) -> u8 { min(a, 300) }",
    "fn f(a: u8) -> u8 { if a > 0 { 1 } else { 256 } }",
    "fn f(a: u8) -> u8 { let x: u8 = 1000; x }",
    "fn f(a: u8) -> u8 { match a { 256 => 0, _ => 1 } }",
    "fn f(a: i8) -> u8 { match a { -129 => 0, _ => 1 } }",
    "const C: u8 = 256;\nfn f() -> u8 { C }",
    "enum En: u2 { a = 0, b = 4 }\nfn f() -> u8 { 0 }",
    "fn f(x: u8) -> [u8; 2] { [x, 256] }",
])
def test_literal_out_of_range(rejects, body):
    rejects(body, "E0202")


@pytest.mark.parametrize("body", [
    "fn f() -> u8 { let x = 5; x }",
    "fn f() -> bool { 1 == 1 }",
    "fn f(a: u8) -> u8 { a << 1 + 1 }",  # `1 + 1` is not a literal: no type for it
    "fn f() -> bool { let a = [1, 2]; true }",
    "fn f() -> u8 { let x = -5; 0 }",
])
def test_literal_without_context(rejects, body):
    rejects(body, "E0203")


@pytest.mark.parametrize("body", [
    "fn f() -> u8 { 0b102 }",
    "fn f() -> u8 { 0x }",
    "fn f() -> u8 { 0xG1 }",
    "fn f() -> u8 { 0o8 }",
    "fn f() -> u8 { 12abc }",
])
def test_malformed_literals(rejects, body):
    rejects(body, "E0004")


@pytest.mark.parametrize("t", ["u0", "i1", "u65", "i65", "u128"])
def test_invalid_integer_types(rejects, t):
    rejects(f"fn f(a: {t}) -> u8 {{ 0 }}", "E0204")
