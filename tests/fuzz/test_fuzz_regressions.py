"""Plain regression tests for front-end bugs found by the fuzz tests.

Each case is the minimal input that used to crash (or to produce an IR the
later stages reject); it must now give a located diagnostic, or check.
"""

from __future__ import annotations

import pytest

from upel.check.lower import check_program
from upel.diagnostics import DiagnosticSink
from upel.ir.encoding import ir_digest
from upel.ir.schema import validate_ir
from upel.loader import load

HEADER = 'package t version "1.0.0";\n'


def front(tmp_path, body: str):
    p = tmp_path / "t.upel"
    p.write_text(HEADER + body, encoding="utf-8")
    sink = DiagnosticSink()
    prog = load([str(p)], [], sink)
    docs = None if sink.has_errors else check_program(prog, sink)
    return sink, docs


# A literal shift amount / bit index / array index of 2**64 or more used to get
# the type `u65` (smallest_unsigned), pass the checker, and then crash the IR
# stage: EncodingError in ir_digest ("needs a bignum"), schema width > 64.
@pytest.mark.parametrize("body", [
    "fn f(x: u32) -> u32 { x << 18446744073709551616 }",
    "fn f(x: u32) -> u32 { x >> 0x1_0000_0000_0000_0000 }",
    "fn f(x: u32) -> bool { bit(x, 99999999999999999999999) }",
    "fn f(a: [u8; 2]) -> u8 { a[18446744073709551616] }",
    "fn f(a: [u8; 2]) -> [u8; 2] { a with [18446744073709551616] = 1 }",
])
def test_huge_literal_amount_is_a_located_diagnostic(tmp_path, body):
    sink, docs = front(tmp_path, body)
    assert docs is None
    assert [d.code for d in sink.items] == ["E0202"]
    loc = sink.items[0].loc
    assert loc is not None and loc.line == 2 and loc.col > 1


def test_largest_u64_literal_amount_still_checks(tmp_path):
    sink, docs = front(tmp_path, "fn f(x: u32) -> u32 { x << 18446744073709551615 }")
    assert not sink.items
    validate_ir(docs["t"])
    ir_digest(docs["t"])


# Deep nesting used to crash the front end with RecursionError (an internal
# error, exit 2): the AST builder and the checker recurse per level. The parser
# now refuses more than MAX_NESTING levels with E0010 at the first too-deep node.
@pytest.mark.parametrize("body", [
    "const X: u8 = " + "(" * 500 + "1" + ")" * 500 + ";",
    "fn f(x: u32) -> u32 { x" + " +% x" * 400 + " }",
    "fn f(x: u32) -> u32 { x" + " +% x" * 10_000 + " }",
    "const X: i8 = " + "- " * 3000 + "1;",
    "const X: u8 = " + "{" * 3000 + "1" + "}" * 3000 + ";",
    "fn f(x: " + "[" * 300 + "u8" + "; 1]" * 300 + ") -> u8 { 1 }",
])
def test_deep_nesting_is_a_located_diagnostic(tmp_path, body):
    sink, docs = front(tmp_path, body)
    assert docs is None
    assert [d.code for d in sink.items] == ["E0010"]
    loc = sink.items[0].loc
    assert loc is not None and loc.line == 2 and loc.col >= 1


# Just under the cap every stage copes: checker, IR schema gate (which used to
# overflow at ~90 levels: `upel ir` failed on a chain of 100 `+%`), digest,
# interpreter and the CLI.
@pytest.mark.parametrize("body", [
    "fn f(x: u32) -> u32 { x" + " +% x" * 195 + " }",
    "fn f(x: u8) -> u8 { " + "match x { 0 => 1, _ => " * 95 + "x" + " }" * 95 + " }",
    "fn g(x: u32) -> u32 { x }\nfn f(x: u32) -> u32 { " + "g(" * 95 + "x" + ")" * 95 + " }",
])
def test_nesting_just_under_the_cap_works_in_every_stage(tmp_path, body):
    from upel.cli.main import main
    from upel.interp.runner import run_spec

    sink, docs = front(tmp_path, body)
    assert not sink.items, [d.message for d in sink.items]
    validate_ir(docs["t"])
    ir_digest(docs["t"])
    assert run_spec(docs["t"], samples=2, seed=0).ok
    assert main(["ir", str(tmp_path / "t.upel"), "-o", str(tmp_path / "out"), "--json"]) == 0


# The renderer split the source with str.splitlines(), which also breaks lines
# at \f, \v, \x1c..\x1e, \x85, \u2028 and \u2029, while the lexer (and so every
# location) counts "\n" only: after a form feed the excerpt showed another line.
@pytest.mark.parametrize("sep", ["\x0c", "\x0b", "\x1c", "\x85", "\u2028", "\u2029"])
def test_rendered_excerpt_is_the_located_line(tmp_path, sep):
    from upel.diagnostics import render

    p = tmp_path / "t.upel"
    p.write_text(HEADER + f"// page{sep}break\nfn f() -> u8 {{ true }}\n", encoding="utf-8")
    sink = DiagnosticSink()
    prog = load([str(p)], [], sink)
    check_program(prog, sink)
    [d] = sink.items
    assert (d.code, d.loc.line) == ("E0201", 3)
    assert " 3 | fn f() -> u8 { true }\n" in render(d, prog.sources)
