"""Golden vectors and properties, as `upel test` runs them (upel.interp.runner).

language.md: "`vectors fn_name { (args) -> value; (args) -> error code; }`
are the golden vectors" (the value or error code must match exactly).
Precisions: "Vector arguments and expectations are constant expressions";
"An ensures that is false, or that raises, is a contract violation (reported
by `upel test`)"; "A property holds at an input when every `requires`
evaluates to true and the body evaluates to true. An input whose `requires`
is false is skipped; a `requires` or body that raises is a failure."
"""

from __future__ import annotations

import pytest

from upel.interp.runner import run_spec

from .conftest import compile_text

BASE = """
error DoseError { too_high = 16, too_low = 17 }
enum Ssm: u2 { failure_warning = 0, no_computed_data = 1, functional_test = 2, normal = 3 }
record P { x: i8, s: Ssm }
const MAX: u8 = 200;
fn dose(w: u32, rate: u32) -> u32 raises DoseError
  requires w > 0
{
  let total = w * rate / 1000;
  if total > 50_000 { raise DoseError.too_high }
  total
}
fn flip(p: P) -> P { p with { x: -p.x } }
fn rev(a: [i8; 3]) -> [i8; 3] { [a[2], a[1], a[0]] }
fn succ(x: u8) -> u8 ensures result > x { x + 1 }
fn lies(x: u8) -> u8 ensures result == 0 { x }
fn ens_raises(x: u8) -> u8 ensures 10 / result >= 0 { x }
"""


def run(src: str, samples: int = 0):
    doc, diags = compile_text(BASE + src)
    assert doc is not None, [(d.code, d.message) for d in diags]
    return run_spec(doc, samples=samples, seed=1)


@pytest.mark.parametrize("vectors", [
    "vectors dose { (70_000, 10) -> 700; (0, 10) -> error precondition; (70_000, 1_000) -> error DoseError.too_high; }",
    "vectors dose { (4_294_967_295, 2) -> error overflow; (1, 1) -> 0; (999, 1) -> 0; (1000, 1) -> 1; }",
    "vectors flip { (P { x: -127, s: Ssm.normal }) -> P { s: Ssm.normal, x: 127 }; }",
    "vectors flip { (P { x: -128, s: Ssm.normal }) -> error overflow; }",
    "vectors rev { ([1, 2, -3]) -> [-3, 2, 1]; }",
    "vectors succ { (MAX - 1) -> MAX; (254) -> 255; (255) -> error overflow; }",
    "vectors succ { (2 * 3 + 1) -> 8; (0xFE) -> 0xFF; }",
])
def test_vectors_pass(vectors):
    rep = run(vectors)
    assert rep.ok, [f.message for f in rep.failures]
    assert sum(f.vectors_passed for f in rep.functions) == sum(f.vectors for f in rep.functions) > 0


@pytest.mark.parametrize("vectors", [
    "vectors dose { (70_000, 10) -> 701; }",  # wrong value
    "vectors dose { (0, 10) -> error overflow; }",  # wrong error code
    "vectors dose { (0, 10) -> 0; }",  # an error where a value is expected
    "vectors dose { (70_000, 10) -> error DoseError.too_high; }",  # a value where an error is expected
    "vectors dose { (70_000, 1_000) -> error DoseError.too_low; }",  # another user code
    "vectors flip { (P { x: 1, s: Ssm.normal }) -> P { x: -1, s: Ssm.failure_warning }; }",
    "vectors rev { ([1, 2, 3]) -> [1, 2, 3]; }",
])
def test_vectors_fail(vectors):
    rep = run(vectors)
    assert [f.kind for f in rep.failures] == ["vector"]


@pytest.mark.parametrize("vectors,kind", [
    ("vectors lies { (5) -> 5; }", "ensures"),  # the value matches, but the ensures is false
    ("vectors ens_raises { (0) -> 0; }", "ensures"),  # an ensures that raises is a violation
])
def test_vectors_check_ensures(vectors, kind):
    rep = run(vectors)
    assert [f.kind for f in rep.failures] == [kind]


def test_ensures_checked_on_random_calls():
    rep = run("", samples=300)
    bad = sorted({f.name for f in rep.failures})
    # succ holds whenever it returns (255 overflows, which is an outcome, not a violation);
    # ens_raises is violated only at x = 0, where its ensures raises div_by_zero
    assert bad == ["t.ens_raises", "t.lies"]
    (v,) = [f for f in rep.failures if f.name == "t.ens_raises"]
    assert v.args == [0] and "div_by_zero" in v.message


@pytest.mark.parametrize("prop,held_all,skips", [
    ("property prop(x: u8) { x +% 0 == x }", True, False),
    ("property prop(x: i8) requires x != -128 { -(-x) == x }", True, True),
    ("property prop(x: u8) requires x < 128 { x + x >= x }", True, True),
    ("property prop(a: [u8; 2], s: Ssm) { (a with [0] = a[1])[0] == a[1] and Ssm.from(s as u2) == s }", True, False),
])
def test_properties_hold(prop, held_all, skips):
    rep = run(prop, samples=300)
    assert not [f.message for f in rep.failures if f.kind == "property"]
    (p,) = rep.properties
    assert p.tried == 300 and p.held + p.skipped == 300
    assert (p.skipped > 0) == skips


@pytest.mark.parametrize("prop", [
    "property prop(x: u8) { x < 200 }",  # false at some input
    "property prop(x: u8) { x * 2 >= x }",  # the body raises (overflow) at x >= 128
    "property prop(x: u8) requires x + 1 > 0 { true }",  # a requires that raises (x = 255) is a failure
    "property prop(x: u8) requires x > 0 { 10 / (x - 1) >= 0 }",  # body raises div_by_zero at x = 1
    "property prop(x: i8) { -x != 0 or x == 0 }",  # -(-128) overflows
    "property prop(x: u8) { lies(x) == x }",  # a callee's contract violation fails the property
])
def test_properties_fail(prop):
    rep = run(prop, samples=1000)
    assert [f.kind for f in rep.failures if f.kind == "property"] == ["property"]
