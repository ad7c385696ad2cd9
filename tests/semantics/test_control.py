"""`if` / `else if`, blocks, `match`, `fold`.

language.md: "`match e { Ssm.normal => a, _ => b }` (exhaustive)"; "`fold i
in 0..N with acc = init { expr }` evaluates `expr` for i = 0 .. N-1 (N
constant, i typed as the smallest unsigned type holding N-1, or annotated
`i: u16`), rebinding `acc`; the value is the last `acc`." Precisions: match
arms may list alternatives; patterns are enum members, integer literals
(optionally negative), `true`, `false`, `_`; a duplicate pattern or an arm
after `_` is an error (E0214). Fold bounds `lo..hi` are constants with
`0 <= lo <= hi`; `i: T` and `acc: T` may be annotated; an unannotated `acc`
takes the type of `init`, or if `init` is a bare literal, the type the
context expects.
"""

from __future__ import annotations

import pytest

from ._rules import OVERFLOW, E, V

SPEC = """
enum Ssm: u2 { failure_warning = 0, no_computed_data = 1, functional_test = 2, normal = 3 }
enum Sparse: i8 { lo = -128, mid = 0, hi = 127 }

fn classify(x: i8) -> u8 { if x < 0 { 0 } else if x == 0 { 1 } else if x < 100 { 2 } else { 3 } }
fn block(x: u8) -> u8 { let y = x + 1; let z: u16 = (y as u16) * 2; (z / 2) as u8 }
fn nested_blocks(x: u8) -> u8 { let a = { let b = x * 2; b + 1 }; a + { let c: u8 = 3; c } }
fn sibling_reuse(c: bool) -> u8 { if c { let t: u8 = 1; t } else { let t: u8 = 2; t } }

fn ssm_code(s: Ssm) -> u8 {
  match s { Ssm.failure_warning => 10, Ssm.no_computed_data => 20, Ssm.functional_test => 30, Ssm.normal => 40 }
}
fn ssm_alt(s: Ssm) -> u8 {
  match s { Ssm.failure_warning | Ssm.no_computed_data => 0, Ssm.functional_test | Ssm.normal => 1 }
}
fn ssm_wild(s: Ssm) -> bool { match s { Ssm.normal => true, _ => false } }
fn sparse(s: Sparse) -> i8 { match s { Sparse.lo => -1, Sparse.mid => 0, Sparse.hi => 1 } }
fn int_match(x: i8) -> u8 { match x { -128 => 1, -1 | 0 | 1 => 2, 127 => 3, _ => 4 } }
fn u64_match(x: u64) -> u8 { match x { 18_446_744_073_709_551_615 => 1, 0x8000_0000_0000_0000 => 2, _ => 0 } }
fn u1_match(x: u1) -> u8 { match x { 0 => 5, 1 => 6 } }
fn i2_match(x: i2) -> u8 { match x { -2 => 1, -1 => 2, 0 => 3, 1 => 4 } }
fn bool_match(b: bool) -> u8 { match b { true => 1, false => 0 } }
fn bool_wild(b: bool) -> u8 { match b { false => 7, _ => 9 } }
fn match_expr_scrutinee(a: u8, b: u8) -> u8 { match a + b { 0 => 0, _ => 1 } }
fn match_in_arith(s: Ssm, x: u8) -> u8 { x + match s { Ssm.normal => 200, _ => 0 } }
fn match_on_from(x: u8) -> u8 { match Ssm.from(x) { Ssm.normal => 1, _ => 0 } }

fn sum(n: u8) -> u16 { fold i in 0..10 with acc: u16 = 0 { acc + (i as u16) } }
fn sum_from(n: u8) -> u16 { fold i in 3..6 with acc: u16 = 0 { acc + (i as u16) } }
fn empty(x: u16) -> u16 { fold i in 0..0 with acc = x { acc + 1000 } }
fn empty_lo_hi(x: u16) -> u16 { fold i in 5..5 with acc = x { acc * 0 } }
fn last_acc(x: u8) -> u8 { fold i in 0..3 with acc = x { i as u8 } }
fn index_u8() -> u8 { fold i in 0..256 with acc: u8 = 0 { i } }
fn index_u1() -> u1 { fold i in 0..2 with acc: u1 = 0 { i } }
fn index_u1_single() -> u1 { fold i in 0..1 with acc: u1 = 1 { i } }
fn index_annotated() -> u16 { fold i: u16 in 0..5 with acc: u16 = 100 { acc + i } }
fn acc_from_init(x: u32) -> u32 { fold i in 0..4 with acc = x { acc * 2 } }
fn acc_from_context() -> u64 { fold i in 0..63 with acc = 1 { acc * 2 } }
fn acc_from_context_64() -> u64 { fold i in 0..64 with acc = 1 { acc * 2 } }
fn acc_lit_let() -> u8 { let s: u8 = fold i in 0..4 with acc = 0 { acc + 1 }; s }
fn fold_overflow(x: u8) -> u8 { fold i in 0..4 with acc = x { acc * 2 } }
fn fold_over_array(a: [u8; 4]) -> u16 { fold i in 0..4 with acc: u16 = 0 { acc + (a[i] as u16) } }
fn fold_bool(a: [bool; 3]) -> bool { fold i in 0..3 with acc = false { acc or a[i] } }
fn fold_record(x: u8) -> u8 { fold i in 0..3 with acc: u8 = x { acc +% (i as u8) } }
fn fold_nested() -> u16 {
  fold i in 0..3 with acc: u16 = 0 { acc + fold j in 0..4 with inner: u16 = 0 { inner + 1 } }
}
fn fold_const_bounds() -> u8 { fold i in LO..HI with acc: u8 = 0 { acc + 1 } }
fn fold_sees_params(x: u8, y: u8) -> u8 { fold i in 0..2 with acc = x { acc + y } }
const LO: u8 = 2;
const HI: u8 = 7;
"""


@pytest.fixture(scope="module")
def call(compile_spec):
    return compile_spec(SPEC)


@pytest.mark.parametrize("fn,args,want", [
    ("classify", (-128,), V(0)), ("classify", (-1,), V(0)), ("classify", (0,), V(1)),
    ("classify", (99,), V(2)), ("classify", (100,), V(3)), ("classify", (127,), V(3)),
    ("block", (5,), V(6)), ("block", (255,), E(OVERFLOW)), ("block", (254,), V(255)),
    ("nested_blocks", (5,), V(14)), ("nested_blocks", (128,), E(OVERFLOW)),
    ("sibling_reuse", (True,), V(1)), ("sibling_reuse", (False,), V(2)),
    ("ssm_code", (0,), V(10)), ("ssm_code", (1,), V(20)), ("ssm_code", (2,), V(30)), ("ssm_code", (3,), V(40)),
    ("ssm_alt", (0,), V(0)), ("ssm_alt", (1,), V(0)), ("ssm_alt", (2,), V(1)), ("ssm_alt", (3,), V(1)),
    ("ssm_wild", (3,), V(True)), ("ssm_wild", (0,), V(False)), ("ssm_wild", (2,), V(False)),
    ("sparse", (-128,), V(-1)), ("sparse", (0,), V(0)), ("sparse", (127,), V(1)),
    ("int_match", (-128,), V(1)), ("int_match", (-1,), V(2)), ("int_match", (0,), V(2)),
    ("int_match", (1,), V(2)), ("int_match", (127,), V(3)), ("int_match", (2,), V(4)),
    ("int_match", (-127,), V(4)), ("int_match", (-2,), V(4)),
    ("u64_match", (2**64 - 1,), V(1)), ("u64_match", (2**63,), V(2)), ("u64_match", (2**63 - 1,), V(0)),
    ("u1_match", (0,), V(5)), ("u1_match", (1,), V(6)),
    ("i2_match", (-2,), V(1)), ("i2_match", (-1,), V(2)), ("i2_match", (0,), V(3)), ("i2_match", (1,), V(4)),
    ("bool_match", (True,), V(1)), ("bool_match", (False,), V(0)),
    ("bool_wild", (False,), V(7)), ("bool_wild", (True,), V(9)),
    ("match_expr_scrutinee", (0, 0), V(0)), ("match_expr_scrutinee", (255, 1), E(OVERFLOW)),
    ("match_in_arith", (3, 55), V(255)), ("match_in_arith", (3, 56), E(OVERFLOW)), ("match_in_arith", (0, 56), V(56)),
    ("match_on_from", (3,), V(1)), ("match_on_from", (4,), E(6)),
    # fold
    ("sum", (0,), V(45)),
    ("sum_from", (0,), V(12)),  # 3 + 4 + 5
    ("empty", (7,), V(7)),  # an empty range returns init; the body never runs
    ("empty", (65535,), V(65535)),
    ("empty_lo_hi", (9,), V(9)),
    ("last_acc", (99,), V(2)),
    ("index_u8", (), V(255)),
    ("index_u1", (), V(1)),
    ("index_u1_single", (), V(0)),
    ("index_annotated", (), V(110)),
    ("acc_from_init", (1,), V(16)),
    ("acc_from_init", (2**29,), E(OVERFLOW)),
    ("acc_from_init", (2**28 - 1,), V(2**32 - 16)),
    ("acc_from_init", (2**28,), E(OVERFLOW)),  # acc is a u32, like x
    ("acc_from_context", (), V(2**63)),  # acc is a u64 (the fold's context), 2^63 fits
    ("acc_from_context_64", (), E(OVERFLOW)),  # 2^64 does not
    ("acc_lit_let", (), V(4)),
    ("fold_overflow", (15,), V(240)),
    ("fold_overflow", (16,), E(OVERFLOW)),
    ("fold_over_array", ([255, 255, 255, 255],), V(1020)),
    ("fold_bool", ([False, False, True],), V(True)),
    ("fold_bool", ([False, False, False],), V(False)),
    ("fold_record", (254,), V(1)),  # 254 + 0 + 1 + 2 wrapping
    ("fold_nested", (), V(12)),
    ("fold_const_bounds", (), V(5)),
    ("fold_sees_params", (1, 2), V(5)),
    ("fold_sees_params", (250, 3), E(OVERFLOW)),
])
def test_control(call, fn, args, want):
    assert call(fn, *args) == want
