"""Records and fixed arrays.

language.md: "Records: `Word { label: 1, ... }`, `w.label`, `w with { ssm:
Ssm.normal }`. Arrays: `[1, 2, 3]`, `[0; 8]`, `a[i]` (`index` if out of
bounds), `a with [i] = v`, `len(a)`." "Array indices (`a[i]`, `a with [i] =
v`) and shift amounts may be any unsigned type." Precisions: "`len(a)` is an
integer constant and types like a literal."
"""

from __future__ import annotations

import pytest

from ._rules import INDEX, OVERFLOW, E, V

SPEC = """
enum Ssm: u2 { failure_warning = 0, no_computed_data = 1, functional_test = 2, normal = 3 }
record Word { label: u8, sdi: u2, data: u19, ssm: Ssm }
record Pt { x: i8, y: i8 }
record Seg { a: Pt, b: Pt }
record Holder { xs: [u8; 3], p: Pt }

fn mk(label: u8, data: u19) -> Word { Word { label: label, sdi: 0, data: data, ssm: Ssm.normal } }
fn mk_reordered(label: u8) -> Word { Word { ssm: Ssm.functional_test, data: 524_287, sdi: 3, label: label } }
fn get_label(w: Word) -> u8 { w.label }
fn get_ssm(w: Word) -> Ssm { w.ssm }
fn set_ssm(w: Word) -> Word { w with { ssm: Ssm.failure_warning } }
fn set_two(w: Word, d: u19) -> Word { w with { data: d, sdi: 2 } }
fn with_is_a_copy(w: Word) -> bool { let w2 = w with { label: 7 }; w.label != w2.label or w.label == 7 }
fn chained_with(p: Pt) -> Pt { p with { x: 1 } with { y: 2 } }
fn with_uses_old(p: Pt) -> Pt { p with { x: p.y, y: p.x } }
fn nested(s: Seg) -> i8 { s.b.y }
fn nested_with(s: Seg) -> Seg { s with { b: s.b with { x: -128 } } }
fn holder_idx(h: Holder, i: u8) -> u8 { h.xs[i] }
fn field_arith(p: Pt) -> i8 { p.x + p.y }
fn rec_in_if(c: bool) -> Pt { if c { Pt { x: 1, y: 1 } } else { Pt { x: -1, y: -1 } } }
fn rec_in_cond(p: Pt) -> bool { if p == Pt { x: 0, y: 0 } { true } else { false } }
fn rec_in_match(p: Pt) -> u8 { match Pt { x: p.y, y: p.x }.x { 0 => 1, _ => 2 } }

fn idx(a: [i8; 4], i: u8) -> i8 { a[i] }
fn idx_u1(a: [i8; 4], i: u1) -> i8 { a[i] }
fn idx_u64(a: [i8; 4], i: u64) -> i8 { a[i] }
fn idx_u2(a: [i8; 4], i: u2) -> i8 { a[i] }
fn idx_lit(a: [i8; 4]) -> i8 { a[3] }
fn idx_lit_oob(a: [i8; 4]) -> i8 { a[4] }
fn set(a: [i8; 4], i: u64, v: i8) -> [i8; 4] { a with [i] = v }
fn set_is_a_copy(a: [i8; 4]) -> [i8; 4] { let b = a with [0] = 9; a }
fn set_twice(a: [i8; 4]) -> [i8; 4] { a with [0] = 1 with [3] = 4 }
fn lit(x: i8) -> [i8; 3] { [x, x, -128] }
fn repeat(x: u16) -> [u16; 5] { [x; 5] }
fn repeat_lit() -> [u8; 3] { [7; 3] }
fn repeat_const() -> [bool; N] { [true; N] }
fn length(a: [i8; 4]) -> u64 { len(a) }
fn length_small(a: [u8; 3]) -> u2 { len(a) }
fn length_arith(a: [u8; 200]) -> u8 { len(a) + 55 }
fn length_overflow(a: [u8; 200], x: u8) -> u8 { len(a) + x }
fn length_index(a: [u8; 3]) -> u8 { a[(len(a) - 1) as u8] }
fn nested_arr(m: [[u8; 2]; 3], i: u8, j: u8) -> u8 { m[i][j] }
fn nested_set(m: [[u8; 2]; 3]) -> [[u8; 2]; 3] { m with [2] = (m[2] with [1] = 99) }
fn arr_of_rec(ps: [Pt; 2]) -> i8 { ps[1].y }
fn arr_with_rec(ps: [Pt; 2]) -> [Pt; 2] { ps with [0] = (ps[0] with { x: 5 }) }
fn max_len(a: [u1; 65536], i: u16) -> u1 { a[i] }
fn big_index(a: [u1; 65536], i: u64) -> u1 { a[i] }
fn fold_len(a: [u8; 4]) -> u16 { fold i in 0..len(a) with acc: u16 = 0 { acc + (a[i] as u16) } }
fn repeat_len(a: [u8; 3]) -> [bool; 3] { [false; len(a)] }
const N: u8 = 2;
"""

W = {"label": 1, "sdi": 0, "data": 5, "ssm": 3}
A = [-128, -1, 0, 127]


@pytest.fixture(scope="module")
def call(compile_spec):
    return compile_spec(SPEC)


@pytest.mark.parametrize("fn,args,want", [
    ("mk", (1, 5), V(W)),
    ("mk_reordered", (9,), V({"label": 9, "sdi": 3, "data": 524_287, "ssm": 2})),
    ("get_label", (W,), V(1)),
    ("get_ssm", (W,), V(3)),
    ("set_ssm", (W,), V({**W, "ssm": 0})),
    ("set_two", (W, 2**19 - 1), V({**W, "data": 2**19 - 1, "sdi": 2})),
    ("with_is_a_copy", (W,), V(True)),
    ("chained_with", ({"x": 9, "y": 9},), V({"x": 1, "y": 2})),
    ("with_uses_old", ({"x": 1, "y": 2},), V({"x": 2, "y": 1})),
    ("nested", ({"a": {"x": 1, "y": 2}, "b": {"x": 3, "y": 4}},), V(4)),
    ("nested_with", ({"a": {"x": 1, "y": 2}, "b": {"x": 3, "y": 4}},),
     V({"a": {"x": 1, "y": 2}, "b": {"x": -128, "y": 4}})),
    ("holder_idx", ({"xs": [1, 2, 3], "p": {"x": 0, "y": 0}}, 2), V(3)),
    ("holder_idx", ({"xs": [1, 2, 3], "p": {"x": 0, "y": 0}}, 3), E(INDEX)),
    ("field_arith", ({"x": 100, "y": 27},), V(127)),
    ("field_arith", ({"x": 100, "y": 28},), E(OVERFLOW)),
    ("rec_in_if", (True,), V({"x": 1, "y": 1})),
    ("rec_in_if", (False,), V({"x": -1, "y": -1})),
    ("rec_in_cond", ({"x": 0, "y": 0},), V(True)),
    ("rec_in_cond", ({"x": 0, "y": 1},), V(False)),
    ("rec_in_match", ({"x": 5, "y": 0},), V(1)),
    ("rec_in_match", ({"x": 0, "y": 5},), V(2)),
    # arrays: in bounds, out of bounds (index), all index types
    ("idx", (A, 0), V(-128)), ("idx", (A, 3), V(127)),
    ("idx", (A, 4), E(INDEX)), ("idx", (A, 255), E(INDEX)),
    ("idx_u1", (A, 1), V(-1)),
    ("idx_u2", (A, 3), V(127)),
    ("idx_u64", (A, 2), V(0)), ("idx_u64", (A, 2**64 - 1), E(INDEX)), ("idx_u64", (A, 2**63), E(INDEX)),
    ("idx_u64", (A, 4), E(INDEX)),
    ("idx_lit", (A,), V(127)),
    ("idx_lit_oob", (A,), E(INDEX)),
    ("set", (A, 0, 5), V([5, -1, 0, 127])),
    ("set", (A, 3, -5), V([-128, -1, 0, -5])),
    ("set", (A, 4, 5), E(INDEX)),
    ("set", (A, 2**64 - 1, 5), E(INDEX)),
    ("set_is_a_copy", (A,), V(A)),
    ("set_twice", ([0, 0, 0, 0],), V([1, 0, 0, 4])),
    ("lit", (3,), V([3, 3, -128])),
    ("repeat", (65535,), V([65535] * 5)),
    ("repeat_lit", (), V([7, 7, 7])),
    ("repeat_const", (), V([True, True])),
    ("length", (A,), V(4)),
    ("length_small", ([1, 2, 3],), V(3)),
    ("length_arith", ([0] * 200,), V(255)),
    ("length_overflow", ([0] * 200, 56), E(OVERFLOW)),
    ("length_index", ([4, 5, 6],), V(6)),
    ("nested_arr", ([[1, 2], [3, 4], [5, 6]], 2, 1), V(6)),
    ("nested_arr", ([[1, 2], [3, 4], [5, 6]], 1, 2), E(INDEX)),
    ("nested_arr", ([[1, 2], [3, 4], [5, 6]], 3, 0), E(INDEX)),
    ("nested_set", ([[1, 2], [3, 4], [5, 6]],), V([[1, 2], [3, 4], [5, 99]])),
    ("arr_of_rec", ([{"x": 1, "y": 2}, {"x": 3, "y": 4}],), V(4)),
    ("arr_with_rec", ([{"x": 1, "y": 2}, {"x": 3, "y": 4}],), V([{"x": 5, "y": 2}, {"x": 3, "y": 4}])),
    ("fold_len", ([1, 2, 3, 250],), V(256)),
    ("repeat_len", ([1, 2, 3],), V([False] * 3)),
    ("max_len", ([0] * 65535 + [1], 65535), V(1)),
    ("big_index", ([0] * 65536, 65536), E(INDEX)),
])
def test_aggregates(call, fn, args, want):
    assert call(fn, *args) == want


@pytest.mark.parametrize("body,codes", [
    # record literal field errors
    ("fn f() -> Pt { Pt { x: 1 } }", ("E0207",)),
    ("fn f() -> Pt { Pt { x: 1, y: 2, z: 3 } }", ("E0207",)),
    ("fn f() -> Pt { Pt { x: 1, x: 2, y: 3 } }", ("E0207",)),
    ("fn f(p: Pt) -> i8 { p.z }", ("E0207",)),
    ("fn f(p: Pt) -> Pt { p with { z: 1 } }", ("E0207",)),
    ("fn f(p: Pt) -> Pt { p with { x: 1, x: 2 } }", ("E0207",)),
    ("fn f(x: u8) -> u8 { x.y }", ("E0207",)),
    ("fn f() -> Pt { Pt { x: 128, y: 0 } }", ("E0202",)),
    ("fn f() -> Pt { Pt { x: true, y: 0 } }", ("E0201",)),
    # arrays
    ("fn f(a: [u8; 2], i: i8) -> u8 { a[i] }", ("E0220",)),
    ("fn f(a: [u8; 2], i: i64) -> [u8; 2] { a with [i] = 0 }", ("E0220",)),
    ("fn f(a: [u8; 2]) -> u8 { a[-1] }", ("E0202", "E0220")),
    ("fn f(a: [u8; 2]) -> [u8; 3] { a }", ("E0201",)),
    ("fn f() -> [u8; 2] { [1, 2, 3] }", ("E0201",)),
    ("fn f() -> [u8; 2] { [1, 256] }", ("E0202",)),
    ("fn f(a: [u8; 0]) -> u8 { 0 }", ("E0210",)),
    ("fn f(a: [u8; 65537]) -> u8 { 0 }", ("E0210",)),
    ("fn f(x: u8) -> [u8; 2] { [x; 0] }", ("E0210",)),
    ("fn f(n: u8) -> [u8; 2] { [0; n] }", ("E0216", "E0102")),
    ("fn f(a: [u8; 300]) -> u8 { len(a) }", ("E0202",)),  # len types like a literal and must fit
    ("fn f(x: u8) -> u8 { len(x) }", ("E0205",)),
    ("fn f(x: u8) -> u8 { x[0] }", ("E0205",)),
    ("fn f(a: [u8; 2]) -> [u8; 2] { a with [0] = 256 }", ("E0202",)),
])
def test_aggregate_rejections(rejects, body, codes):
    rejects("record Pt { x: i8, y: i8 }\n" + body, *codes)
