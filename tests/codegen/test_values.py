"""Codegen stage: flattening values to leaves and the hex wire format."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from conftest import front
from upel.codegen.values import Leaf, flatten, from_hex, leaves, to_hex, unflatten
from upel.interp.inputs import InputGen
from upel.interp.runner import to_canonical
from upel.ir.model import IRIndex


def test_hex_leaves():
    assert to_hex(-1, Leaf(True, 8)) == "ff"
    assert from_hex("ff", Leaf(True, 8)) == -1
    assert from_hex("ff", Leaf(False, 8)) == 255
    assert to_hex(2**64 - 1, Leaf(False, 64)) == "f" * 16
    assert from_hex("8000000000000000", Leaf(True, 64)) == -(2**63)
    assert to_hex(True, Leaf(False, 1, True)) == "1"


@settings(max_examples=300, deadline=None)
@given(width=st.integers(1, 64), signed=st.booleans(), data=st.data())
def test_hex_round_trip(width, signed, data):
    if signed and width < 2:
        return
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    v = data.draw(st.integers(lo, hi))
    leaf = Leaf(signed, width)
    assert from_hex(to_hex(v, leaf), leaf) == v


def test_flatten_round_trip_on_nested_types(tmp_path):
    (tmp_path / "v.upel").write_text('''package v version "1.0.0";
enum E: i3 { a = -4, b = 3 }
type N = u19 in 5..=9;
record In { e: E, n: N, f: bool }
record Out { xs: [In; 3], k: i64 }
fn id(o: Out) -> Out { o }
''')
    _, _, docs = front([tmp_path / "v.upel"])
    ix = IRIndex(docs["v"])
    t = ix.functions["v.id"]["ret"]
    assert len(leaves(ix, t)) == 3 * 3 + 1
    gen = InputGen(ix, 1)
    for _ in range(200):
        v = gen.value(t)
        ints = flatten(ix, t, v)
        back, pos = unflatten(ix, t, ints)
        assert pos == len(ints) and back == to_canonical(v)
