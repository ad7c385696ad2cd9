"""Evaluation order, first error wins, contracts, `raise`, propagation.

language.md: "Evaluation is strict and left to right; the first error raised
ends the call, and that error is the result." Precisions: "Operands are
evaluated left to right, then the operation itself runs and may raise. So
`a with [i] = v` evaluates `a`, `i`, `v`, then checks the index; a record
literal evaluates its fields in the order they are written." "`requires`
clauses run in order after the arguments are evaluated. If a `requires`
expression itself raises, that error ends the call (first error wins); a
false one ends it with `precondition`." "`ensures` clauses are evaluated
only when the body returns a value. An ensures that is false, or that raises,
is a contract violation."
"""

from __future__ import annotations

import pytest

from upel.interp.eval import ContractViolation

from ._rules import CONVERT, DIV_BY_ZERO, INDEX, OVERFLOW, PRECONDITION, RANGE, E, V

ORDER_SPEC = """
record R { x: u8, y: u8 }
enum Two: u1 { zero = 0, one = 1 }
type Small = u8 in 0..=9;

fn pair(a: u8, b: u8) -> u8 { a }
fn triple(a: u8, b: u8, c: u8) -> u8 { c }

// call arguments: left to right
fn args_div_then_mul(a: u8, z: u8, big: u8) -> u8 { pair(a / z, big * big) }
fn args_mul_then_div(a: u8, z: u8, big: u8) -> u8 { pair(big * big, a / z) }
fn args_third(a: u8, z: u8, i: u8) -> u8 { triple(a, a + 0, [a, a][i]) + (a / z) }

// binary operators: left operand, right operand, then the operation
fn bin_left_first(a: u8, z: u8, big: u8) -> u8 { (a / z) + (big * big) }
fn bin_right_first(a: u8, z: u8, big: u8) -> u8 { (big * big) + (a / z) }
fn operand_before_op(big: u8, z: u8) -> u8 { (big * big) / z }
fn op_after_operands(a: u8, z: u8) -> u8 { (a + 1) / z }

// built-in arguments
fn min_args(a: u8, z: u8, big: u8) -> u8 { min(a / z, big * big) }
fn max_args(a: u8, z: u8, big: u8) -> u8 { max(big * big, a / z) }

// record literals: the order written, not the order declared
fn rec_y_first(a: u8, z: u8, big: u8) -> R { R { y: a / z, x: big * big } }
fn rec_x_first(a: u8, z: u8, big: u8) -> R { R { x: big * big, y: a / z } }
fn rec_y_then_x(a: u8, b: u8) -> R { R { y: a, x: b } }
fn rec_with_order(r: R, z: u8, big: u8) -> R { r with { y: big * big, x: r.x / z } }
fn rec_with_base_first(r: R, z: u8, big: u8) -> R raises index { (if z == 0 { raise index } else { r }) with { x: big * big } }

// arrays
fn arr_lit(a: u8, z: u8, big: u8) -> [u8; 2] { [big * big, a / z] }
fn with_value_before_index(a: [u8; 2], i: u8, v: u8) -> [u8; 2] { a with [i] = v * 2 }
fn with_index_before_value(a: [u8; 2], z: u8, v: u8) -> [u8; 2] { a with [1 / z] = v * 2 }
fn index_base_first(a: [u8; 2], z: u8, i: u8) -> u8 { [a[0] / z, 0][i] }
fn index_expr_error(a: [u8; 2], i: u8) -> u8 { a[i + 1] }

// let bindings run in order
fn lets(a: u8, z: u8, big: u8) -> u8 { let p = a / z; let q = big * big; p + q }
fn lets_rev(a: u8, z: u8, big: u8) -> u8 { let q = big * big; let p = a / z; p + q }
fn unused_let(a: u8, z: u8) -> u8 { let unused = a / z; 0 }

// if / match evaluate only the branch taken, after the condition / scrutinee
fn if_cond_first(a: u8, z: u8) -> u8 raises overflow, index { if a / z > 0 { raise overflow } else { raise index } }
fn if_only_taken(c: bool, a: u8, z: u8) -> u8 { if c { a } else { a / z } }
fn match_only_taken(t: Two, a: u8, z: u8) -> u8 { match t { Two.zero => a, Two.one => a / z } }
fn match_scrutinee_first(a: u8, z: u8) -> u8 raises overflow, index { match a / z { 0 => raise overflow, _ => raise index } }
fn casts_in_order(a: u8, b: u8) -> Small { (a as Small) + ((b as Small) as u8 as Small) }
fn from_then_add(a: u8, big: u8) -> u8 { (Two.from(a) as u1) as u8 + big * big }
"""


@pytest.mark.parametrize("fn,args,want", [
    ("args_div_then_mul", (1, 0, 16), E(DIV_BY_ZERO)),
    ("args_mul_then_div", (1, 0, 16), E(OVERFLOW)),
    ("args_div_then_mul", (1, 1, 15), V(1)),
    ("args_third", (255, 0, 2), E(INDEX)),  # the index error in the 3rd argument, before a / z
    ("args_third", (255, 0, 1), E(DIV_BY_ZERO)),
    ("bin_left_first", (1, 0, 16), E(DIV_BY_ZERO)),
    ("bin_right_first", (1, 0, 16), E(OVERFLOW)),
    ("operand_before_op", (16, 0), E(OVERFLOW)),
    ("operand_before_op", (15, 0), E(DIV_BY_ZERO)),
    ("op_after_operands", (255, 0), E(OVERFLOW)),
    ("op_after_operands", (254, 0), E(DIV_BY_ZERO)),
    ("min_args", (1, 0, 16), E(DIV_BY_ZERO)),
    ("max_args", (1, 0, 16), E(OVERFLOW)),
    ("rec_y_first", (1, 0, 16), E(DIV_BY_ZERO)),
    ("rec_x_first", (1, 0, 16), E(OVERFLOW)),
    ("rec_y_first", (1, 1, 15), V({"x": 225, "y": 1})),
    ("rec_y_then_x", (1, 2), V({"x": 2, "y": 1})),
    ("rec_with_order", ({"x": 1, "y": 2}, 0, 16), E(OVERFLOW)),
    ("rec_with_order", ({"x": 1, "y": 2}, 0, 15), E(DIV_BY_ZERO)),
    ("rec_with_order", ({"x": 8, "y": 2}, 2, 15), V({"x": 4, "y": 225})),
    ("rec_with_base_first", ({"x": 1, "y": 2}, 0, 16), E(INDEX)),
    ("rec_with_base_first", ({"x": 1, "y": 2}, 1, 16), E(OVERFLOW)),
    ("arr_lit", (1, 0, 16), E(OVERFLOW)),
    ("arr_lit", (1, 0, 15), E(DIV_BY_ZERO)),
    # a with [i] = v: the value (overflowing) is evaluated before the index is checked
    ("with_value_before_index", ([1, 2], 5, 128), E(OVERFLOW)),
    ("with_value_before_index", ([1, 2], 5, 127), E(INDEX)),
    ("with_value_before_index", ([1, 2], 1, 127), V([1, 254])),
    ("with_index_before_value", ([1, 2], 0, 128), E(DIV_BY_ZERO)),
    ("index_base_first", ([1, 2], 0, 9), E(DIV_BY_ZERO)),
    ("index_base_first", ([4, 2], 2, 9), E(INDEX)),
    ("index_expr_error", ([1, 2], 255), E(OVERFLOW)),
    ("index_expr_error", ([1, 2], 1), E(INDEX)),
    ("lets", (1, 0, 16), E(DIV_BY_ZERO)),
    ("lets_rev", (1, 0, 16), E(OVERFLOW)),
    ("unused_let", (1, 0), E(DIV_BY_ZERO)),  # strict: an unused binding is still evaluated
    ("if_cond_first", (1, 0), E(DIV_BY_ZERO)),
    ("if_cond_first", (1, 1), E(OVERFLOW)),
    ("if_cond_first", (0, 1), E(INDEX)),
    ("if_only_taken", (True, 7, 0), V(7)),
    ("if_only_taken", (False, 7, 0), E(DIV_BY_ZERO)),
    ("match_only_taken", (0, 7, 0), V(7)),
    ("match_only_taken", (1, 7, 0), E(DIV_BY_ZERO)),
    ("match_scrutinee_first", (1, 0), E(DIV_BY_ZERO)),
    ("match_scrutinee_first", (0, 1), E(OVERFLOW)),
    ("casts_in_order", (10, 10), E(RANGE)),
    ("casts_in_order", (5, 5), E(OVERFLOW)),  # 5 + 5 = 10 is outside Small
    ("casts_in_order", (4, 5), V(9)),
    ("from_then_add", (2, 16), E(CONVERT)),
    ("from_then_add", (1, 16), E(OVERFLOW)),
])
def test_left_to_right_first_error_wins(compile_spec, fn, args, want):
    assert compile_spec(ORDER_SPEC)(fn, *args) == want


# ---- requires -------------------------------------------------------------------------------

REQ_SPEC = """
fn r1(x: u8, y: u8) -> u8
  requires x > 0
  requires 10 / y > 0
{ x }

fn r2(x: u8, y: u8) -> u8
  requires 10 / y > 0
  requires x > 0
{ x }

fn body_not_reached(x: u8) -> u8
  requires x < 10
{ x * 100 }

fn req_overflow(x: u8) -> u8
  requires x + 1 > 0
{ x }

fn req_uses_call(x: u8) -> u8
  requires r1(x, x) > 1
{ x }

fn caller(x: u8) -> u8 { body_not_reached(x) + 1 }
fn args_before_requires(x: u8, z: u8) -> u8 { body_not_reached(x / z) }
fn calls_bad(x: u8) -> u8 { r1(0, x) }
"""


@pytest.mark.parametrize("fn,args,want", [
    ("r1", (1, 1), V(1)),
    ("r1", (0, 1), E(PRECONDITION)),
    ("r1", (0, 0), E(PRECONDITION)),  # the first requires is false: the second never runs
    ("r1", (1, 0), E(DIV_BY_ZERO)),  # a requires that raises gives its own error
    ("r1", (1, 11), E(PRECONDITION)),
    ("r2", (0, 0), E(DIV_BY_ZERO)),
    ("r2", (0, 1), E(PRECONDITION)),
    ("body_not_reached", (9,), E(OVERFLOW)),
    ("body_not_reached", (2,), V(200)),
    ("body_not_reached", (10,), E(PRECONDITION)),
    ("body_not_reached", (255,), E(PRECONDITION)),
    ("req_overflow", (255,), E(OVERFLOW)),
    ("req_overflow", (254,), V(254)),
    ("req_uses_call", (0,), E(PRECONDITION)),  # the callee's precondition propagates
    ("req_uses_call", (1,), E(PRECONDITION)),
    ("req_uses_call", (2,), V(2)),
    # a callee's precondition failure is the caller's result, unchanged
    ("caller", (10,), E(PRECONDITION)),
    ("caller", (2,), V(201)),
    ("caller", (9,), E(OVERFLOW)),
    ("args_before_requires", (100, 0), E(DIV_BY_ZERO)),
    ("args_before_requires", (100, 1), E(PRECONDITION)),
    ("calls_bad", (0,), E(PRECONDITION)),
])
def test_requires(compile_spec, fn, args, want):
    assert compile_spec(REQ_SPEC)(fn, *args) == want


# ---- ensures ---------------------------------------------------------------------------------

ENS_SPEC = """
fn e_ok(x: u8) -> u8
  ensures result >= x
{ x }

fn e_false(x: u8) -> u8
  ensures result < 10
{ x }

fn e_second(x: u8) -> u8
  ensures result > 0
  ensures result < 10
{ x }

fn e_raises(x: u8) -> u8
  ensures 10 / result > 0
{ x }

fn e_body_raises(x: u8) -> u8
  ensures result == 0
  ensures 1 / result > 0
{ x * 2 }

fn e_precondition(x: u8) -> u8
  requires x < 200
  ensures result < 100
{ x }

fn e_uses_params(x: u8, y: u8) -> u8
  ensures result == x + y
{ x + y }

fn calls_violator(x: u8) -> u8 { e_false(x) }
"""


@pytest.mark.parametrize("fn,args,want", [
    ("e_ok", (255,), V(255)),
    ("e_false", (9,), V(9)),
    ("e_second", (5,), V(5)),
    ("e_raises", (5,), V(5)),
    # ensures are not evaluated when the body raises: the error is the outcome
    ("e_body_raises", (128,), E(OVERFLOW)),
    # ... nor when a requires fails
    ("e_precondition", (250,), E(PRECONDITION)),
    ("e_uses_params", (1, 2), V(3)),
    ("e_uses_params", (200, 100), E(OVERFLOW)),
])
def test_ensures_hold_or_not_run(compile_spec, fn, args, want):
    assert compile_spec(ENS_SPEC)(fn, *args) == want


@pytest.mark.parametrize("fn,args,index,raised,result", [
    ("e_false", (10,), 0, None, 10),
    ("e_second", (0,), 0, None, 0),
    ("e_second", (10,), 1, None, 10),
    ("e_raises", (0,), 0, DIV_BY_ZERO, 0),  # an ensures that raises is a violation, not an outcome
    ("e_body_raises", (1,), 0, None, 2),
    ("e_precondition", (150,), 0, None, 150),
    ("calls_violator", (10,), 0, None, 10),  # checked in callees too
])
def test_ensures_violations(compile_spec, fn, args, index, raised, result):
    call = compile_spec(ENS_SPEC)
    with pytest.raises(ContractViolation) as info:
        call(fn, *args)
    v = info.value
    assert v.index == index and v.raised == raised and v.result == result


# ---- raise and propagation ---------------------------------------------------------------------

RAISE_SPEC = """
error DoseError { too_high = 16, too_low = 17 }
error Other { far = 65535 }

fn in_then(x: u8) -> u8 raises DoseError { if x > 100 { raise DoseError.too_high } else { x } }
fn in_else(x: u8) -> u8 raises DoseError { if x <= 100 { x } else { raise DoseError.too_high } }
fn both(x: u8) -> u8 raises DoseError {
  if x > 100 { raise DoseError.too_high } else if x < 10 { raise DoseError.too_low } else { x }
}
fn single_code(x: u8) -> u8 raises DoseError.too_low { if x == 0 { raise DoseError.too_low } else { x } }
fn builtin_code(x: u8) -> u8 raises overflow { if x == 0 { raise overflow } else { x } }
fn builtin_codes(x: u8) -> u8 raises range, convert, index, div_by_zero {
  match x { 0 => raise range, 1 => raise convert, 2 => raise index, 3 => raise div_by_zero, _ => x }
}
fn raise_precondition(x: u8) -> u8 { if x == 0 { raise precondition } else { x } }
fn far(x: u8) -> u8 raises Other { if x == 0 { raise Other.far } else { x } }
fn raise_any_type(x: u8) -> bool raises DoseError { if x == 0 { raise DoseError.too_low } else { true } }
fn raise_in_let(x: u8) -> u8 raises DoseError { let y: u8 = if x == 0 { raise DoseError.too_low } else { x }; y + 1 }
fn raise_as_arg(x: u8) -> u8 raises DoseError { min(x, raise DoseError.too_high) }
fn raise_in_record(x: u8) -> [u8; 2] raises DoseError { [x, raise DoseError.too_low] }
fn raise_before_overflow(x: u8) -> u8 raises DoseError { (if x == 0 { raise DoseError.too_low } else { x }) + 255 }

// propagation through calls, unchanged
fn prop_user(x: u8) -> u8 raises DoseError { both(x) + 0 }
fn prop_twice(x: u8) -> u8 raises DoseError { prop_user(x) }
fn prop_builtin(x: u8) -> u8 { builtin_code(x) }
fn prop_overflow(x: u8) -> u8 { in_then_plus(x) }
fn in_then_plus(x: u8) -> u8 { x + 200 }
fn prop_mixed(x: u8) -> u8 raises DoseError, Other { far(x) + both(x) }
"""


@pytest.mark.parametrize("fn,args,want", [
    ("in_then", (101,), E(16)), ("in_then", (100,), V(100)),
    ("in_else", (101,), E(16)), ("in_else", (0,), V(0)),
    ("both", (255,), E(16)), ("both", (9,), E(17)), ("both", (10,), V(10)), ("both", (100,), V(100)),
    ("single_code", (0,), E(17)), ("single_code", (3,), V(3)),
    ("builtin_code", (0,), E(OVERFLOW)),
    ("builtin_codes", (0,), E(RANGE)), ("builtin_codes", (1,), E(CONVERT)), ("builtin_codes", (2,), E(INDEX)),
    ("builtin_codes", (3,), E(DIV_BY_ZERO)), ("builtin_codes", (4,), V(4)),
    ("raise_precondition", (0,), E(PRECONDITION)),
    ("far", (0,), E(65535)),
    ("raise_any_type", (0,), E(17)), ("raise_any_type", (1,), V(True)),
    ("raise_in_let", (0,), E(17)), ("raise_in_let", (255,), E(OVERFLOW)),
    ("raise_as_arg", (0,), E(16)),
    ("raise_in_record", (7,), E(17)),
    ("raise_before_overflow", (0,), E(17)), ("raise_before_overflow", (1,), E(OVERFLOW)),
    ("prop_user", (255,), E(16)), ("prop_user", (0,), E(17)), ("prop_user", (50,), V(50)),
    ("prop_twice", (0,), E(17)),
    ("prop_builtin", (0,), E(OVERFLOW)),
    ("prop_overflow", (56,), E(OVERFLOW)), ("prop_overflow", (55,), V(255)),
    ("prop_mixed", (0,), E(65535)),  # far(x) is evaluated first
    ("prop_mixed", (5,), E(17)),
    ("prop_mixed", (200,), E(16)),
    ("prop_mixed", (50,), V(100)),
])
def test_raise_and_propagation(compile_spec, fn, args, want):
    assert compile_spec(RAISE_SPEC)(fn, *args) == want
