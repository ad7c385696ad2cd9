"""Check stage: focused regression tests (the golden corpora cover the rest)."""

from __future__ import annotations

from upel.interp.eval import Evaluator
from upel.interp.runner import IRResolver, outcome
from upel.ir.model import IRIndex


def _call(docs, fn, *args):
    ev = Evaluator(IRResolver(IRIndex(docs["t"])), check_ensures=True)
    return outcome(ev, f"t.{fn}", list(args))


def test_field_of_a_record_constant(compile_text):
    sink, _, docs = compile_text('''package t version "1.0.0";
record Limits { lo: u32, hi: u32 }
const L: Limits = Limits { lo: 1, hi: 9 };
fn inside(x: u32) -> bool { x >= L.lo and x <= (L).hi }
''')
    assert docs, [d.message for d in sink.items]
    assert _call(docs, "inside", 9) == {"value": True}
    assert _call(docs, "inside", 10) == {"value": False}


def test_len_of_a_parameter_is_a_constant_bound(compile_text):
    sink, _, docs = compile_text('''package t version "1.0.0";
fn total(b: [u8; 4]) -> u32 { fold i in 0..len(b) with acc: u32 = 0 { acc + (b[i] as u32) } }
fn zeros(b: [u8; 3]) -> [u8; 3] { [0; len(b)] }
''')
    assert docs, [d.message for d in sink.items]
    assert _call(docs, "total", (1, 2, 3, 250)) == {"value": 256}


def test_guard_statement_as_in_language_md(compile_text):
    sink, _, docs = compile_text('''package t version "1.0.0";
error DoseError { too_high = 16 }
fn dose(w: u32, rate: u32) -> u32 raises DoseError, overflow {
  let total = w * rate / 1000;
  if total > 50_000 { raise DoseError.too_high }
  let twice = total;
  twice
}
''')
    assert docs, [d.message for d in sink.items]
    assert _call(docs, "dose", 70_000, 10) == {"value": 700}
    assert _call(docs, "dose", 70_000, 1000) == {"error": 16}
    assert _call(docs, "dose", 0xFFFF_FFFF, 2) == {"error": 1}


def test_guard_must_end_in_raise(compile_text):
    sink, _, docs = compile_text('package t version "1.0.0";\nfn f(x: u8) -> u8 { if x > 2 { 5 } x }\n')
    assert docs is None and [d.code for d in sink.items] == ["E0009"]


def test_declaration_order_does_not_matter(compile_text):
    sink, _, docs = compile_text('''package t version "1.0.0";
fn f(w: Word) -> u8 { w.a + g() }
fn g() -> u8 { K }
const K: u8 = 3;
record Word { a: u8 }
''')
    assert docs, [d.message for d in sink.items]
    names = [f["name"] for f in docs["t"]["packages"][0]["functions"]]
    assert names == ["g", "f"]  # callees first in the IR


def test_lowering_shares_one_type_dict_per_type():
    # The schema gate and the encoders do a type's work once per document
    # because of this sharing (upel.check.types.TypeTable.to_ir).
    from upel.check.types import BOOL, ArrayT, IntT, TypeTable

    table = TypeTable()
    assert table.to_ir(IntT(False, 32)) is table.to_ir(IntT(False, 32))
    assert table.to_ir(IntT(False, 32)) == {"k": "int", "signed": False, "width": 32}
    arr = table.to_ir(ArrayT(IntT(True, 8), 4))
    assert arr == {"k": "array", "elem": {"k": "int", "signed": True, "width": 8}, "len": 4}
    assert arr["elem"] is table.to_ir(IntT(True, 8)) and table.to_ir(BOOL) == {"k": "bool"}
