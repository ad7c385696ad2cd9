"""Syntax stage: every construct parses to the AST it should; precedence is pinned."""

from __future__ import annotations

import pytest

from upel.diagnostics import DiagnosticSink
from upel.syntax import ast
from upel.syntax.build import parse_int_literal
from upel.syntax.parser import parse_source

HEAD = 'package t version "1.0.0";\n'


def parse(text: str) -> ast.SourceFile:
    sink = DiagnosticSink()
    f = parse_source(HEAD + text, "t.upel", sink)
    assert f is not None and not sink.items, [d.message for d in sink.items]
    return f


def expr(src: str):
    """Parse `src` as a function body expression and return it."""
    f = parse(f"fn f() -> u8 {{ {src} }}")
    return f.items[0].body.result


def sexp(e) -> str:
    """Compact structural rendering used to compare parse trees."""
    if isinstance(e, ast.IntLit):
        return str(e.value)
    if isinstance(e, ast.BoolLit):
        return str(e.value).lower()
    if isinstance(e, ast.Name):
        return e.ident
    if isinstance(e, ast.Binary):
        return f"({e.op} {sexp(e.a)} {sexp(e.b)})"
    if isinstance(e, ast.Unary):
        return f"({e.op} {sexp(e.operand)})"
    if isinstance(e, ast.Cast):
        return f"(as {sexp(e.expr)} {'.'.join(e.type.path.parts)})"
    if isinstance(e, ast.Field):
        return f"{sexp(e.base)}.{e.name}"
    if isinstance(e, ast.Call):
        return f"(call {sexp(e.callee)}" + "".join(" " + sexp(a) for a in e.args) + ")"
    if isinstance(e, ast.Index):
        return f"{sexp(e.base)}[{sexp(e.index)}]"
    if isinstance(e, ast.RecordLit):
        return f"(rec {sexp(e.type_ref)} " + " ".join(f"{x.name}={sexp(x.expr)}" for x in e.fields) + ")"
    if isinstance(e, ast.RecWith):
        return f"(with {sexp(e.base)} " + " ".join(f"{x.name}={sexp(x.expr)}" for x in e.fields) + ")"
    if isinstance(e, ast.ArrWith):
        return f"(with {sexp(e.base)} [{sexp(e.index)}]={sexp(e.value)})"
    if isinstance(e, ast.If):
        return f"(if {sexp(e.cond)} {sexp(e.then)} {sexp(e.else_)})"
    if isinstance(e, ast.Block):
        lets = "".join(f"(let {x.name} {sexp(x.expr)}) " for x in e.lets)
        return f"{{{lets}{sexp(e.result)}}}"
    if isinstance(e, ast.Raise):
        return f"(raise {e.path.dotted()})"
    return type(e).__name__


@pytest.mark.parametrize("src,tree", [
    # language.md: `a & b == c` means `(a & b) == c`; `not a == b` means `not (a == b)`
    ("a & b == c", "(eq (band a b) c)"),
    ("not a == b", "(not (eq a b))"),
    ("a or b and c", "(or a (and b c))"),
    ("not a and b", "(and (not a) b)"),
    ("a | b ^ c & d", "(bor a (bxor b (band c d)))"),
    ("a << 1 + 2", "(shl a (add 1 2))"),
    ("a + b * c", "(add a (mul b c))"),
    ("a - b - c", "(sub (sub a b) c)"),
    ("a +% b -| c *| d", "(sub_sat (add_wrap a b) (mul_sat c d))"),
    ("a * b as u32", "(mul a (as b u32))"),
    ("-x as i8", "(as (neg x) i8)"),
    ("~x.f", "(bnot x.f)"),
    ("a.b.c(1)[2]", "(call a.b.c 1)[2]"),
    ("x as u8 as u16", "(as (as x u8) u16)"),
])
def test_precedence(src, tree):
    assert sexp(expr(src)) == tree


def test_chained_comparison_is_an_error_but_parenthesised_is_not():
    sink = DiagnosticSink()
    parse_source(HEAD + "fn f() -> bool { a == b == c }", "t.upel", sink)
    assert [d.code for d in sink.items] == ["E0006"]
    assert sexp(expr("(a == b) == c")) == "(eq (eq a b) c)"


def test_negative_literals():
    assert isinstance(expr("-128"), ast.IntLit) and expr("-128").value == -128
    assert sexp(expr("-(128)")) == "(neg 128)"
    assert sexp(expr("x - 1")) == "(sub x 1)"
    assert sexp(expr("x -1")) == "(sub x 1)"


def test_record_literals_everywhere_blocks_stay_blocks():
    assert sexp(expr("if W { a: 1 } == w { x } else { y }")) == "(if (eq (rec W a=1) w) {x} {y})"
    assert sexp(expr("if c { x } else { y }")) == "(if c {x} {y})"
    assert sexp(expr("m.W { a: 1, b: 2, }")) == "(rec m.W a=1 b=2)"
    assert sexp(expr("w with { a: 1 }")) == "(with w a=1)"
    assert sexp(expr("a with [i] = v + 1")) == "(with a [i]=(add v 1))"
    assert sexp(expr("{ let x = 1; let y: u8 = x; y }")) == "{(let x 1) (let y x) y}"


def test_else_if_chain_and_raise():
    assert sexp(expr("if a { 1 } else if b { raise E.x } else { raise overflow }")) == \
        "(if a {1} (if b {(raise E.x)} {(raise overflow)}))"


def test_match_fold_arrays():
    m = expr("match s { S.a | S.b => 1, -3 => 2, true => 3, _ => 4, }")
    assert isinstance(m, ast.Match)
    assert [[p.kind for p in arm.patterns] for arm in m.arms] == [["path", "path"], ["int"], ["bool"], ["wild"]]
    assert m.arms[1].patterns[0].value == -3
    f = expr("fold i: u16 in 0..N with acc: u32 = 0 { acc + 1 }")
    assert isinstance(f, ast.Fold) and f.var == "i" and f.acc == "acc" and f.var_type and f.acc_type
    assert isinstance(expr("[1, 2, 3,]"), ast.ArrayLit)
    assert isinstance(expr("[0; 8]"), ast.ArrayRepeat)


def test_items_docs_and_attributes():
    f = parse('''use a.b.{X, Y};
use c.d;
/// Line one.
///   indented
@req("R-1", "R-2")
@deprecated("old")
fn f(x: u8,) -> u8 raises E, overflow requires x > 0 ensures result > 0 { x }
type T = u32 in 0..=10;
enum E: u2 { /// first
  a = 0, b = 1, }
record R { /// doc
  a: u8, b: [u8; 4] }
error Err { x = 16 }
const C: u8 = 1;
property p(x: u8) requires x > 1 { x > 0 }
vectors f { (1) -> 1; () -> error Err.x; }
''')
    kinds = [type(i).__name__ for i in f.items]
    assert kinds == ["UseDecl", "UseDecl", "FnDecl", "TypeDecl", "EnumDecl", "RecordDecl", "ErrorDecl",
                     "ConstDecl", "PropertyDecl", "VectorsDecl"]
    fn = f.items[2]
    assert fn.meta.docs == ["Line one.", "  indented"]
    assert [(a.name, a.args) for a in fn.meta.attrs] == [("req", ["R-1", "R-2"]), ("deprecated", ["old"])]
    assert [p.dotted() for p in fn.raises] == ["E", "overflow"]
    assert len(fn.requires) == 1 and len(fn.ensures) == 1
    assert f.items[0].names and [n for n, _ in f.items[0].names] == ["X", "Y"]
    assert f.items[1].names is None
    assert f.items[4].members[0].meta.docs == ["first"]
    assert f.items[5].fields[0].meta.docs == ["doc"]
    assert isinstance(f.items[9].cases[1].outcome, ast.ErrorOutcome)


def test_comments_are_ignored_and_quad_slash_is_plain():
    f = parse("// plain\n/* block\n spanning */\n//// not a doc\nfn f() -> u8 { 1 /* inline */ }\n")
    assert f.items[0].meta.docs == []


def test_locations_are_one_based_and_in_characters():
    f = parse("fn é() -> u8 { 1 }\n") if False else parse("/* ü */ fn f() -> u8 { 1 }\n")
    assert (f.items[0].loc.line, f.items[0].loc.col) == (2, 12)


@pytest.mark.parametrize("text,value", [
    ("0", 0), ("42", 42), ("1_000", 1000), ("0xFF", 255), ("0x_ff", 255), ("0b1010", 10), ("0o205", 133),
    ("18446744073709551615", 2**64 - 1),
])
def test_int_literals(text, value):
    assert parse_int_literal(text) == (value, None)


@pytest.mark.parametrize("text", ["0b102", "0x", "1__0", "10_", "007", "12ab", "0o9"])
def test_bad_int_literals(text):
    value, problem = parse_int_literal(text)
    assert value is None and problem


def test_string_escapes():
    f = parse('@doc("a\\"b\\\\c\\n\\u{e9}")\nfn f() -> u8 { 1 }\n')
    assert f.items[0].meta.attrs[0].args == ['a"b\\c\né']
