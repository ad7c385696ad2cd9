"""The parser's own LALR driver (upel.syntax.drive) and inline AST building
(upel.syntax.reduce) behave exactly as lark's parse-tree path did."""

from __future__ import annotations

import pathlib

import pytest

from upel.diagnostics import DiagnosticSink
from upel.syntax.parser import MAX_NESTING, _nesting_ok, _parser, _tree_parser, parse_source

REPO = pathlib.Path(__file__).resolve().parents[2]
SPECS = sorted(p for p in REPO.glob("specs/**/*.upel")) + sorted(REPO.glob("tests/**/*.upel"))
HEAD = 'package t version "1.0.0";\n'


def lark_tokens(text: str) -> list[tuple]:
    return [(t.type, t.value, t.start_pos, t.line, t.column, t.end_line, t.end_column, t.end_pos)
            for t in _parser().lex(text)]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(REPO)))
def test_tokens_are_lark_tokens(path):
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        expected = lark_tokens(text)
    except Exception:  # a file with a lexical error: the driver must refuse it too
        from upel.syntax.drive import Rejected

        with pytest.raises(Rejected):
            _parser().upel_driver.tokens(text)
        return
    got = [(t.type, t.value, t.start_pos, t.line, t.column, t.end_line, t.end_column, t.end_pos)
           for t in _parser().upel_driver.tokens(text)]
    assert got == expected


def test_spans_match_lark_propagate_positions():
    # Every node the builder locates by its rule's span (not by a token) in the examples.
    text = (REPO / "specs" / "medtech" / "infusion.upel").read_text(encoding="utf-8")
    tree = _tree_parser().parse(text)
    spans = {(n.data, n.meta.line, n.meta.column, n.meta.end_line, n.meta.end_column)
             for n in tree.iter_subtrees() if not n.meta.empty}
    f = parse_source(text, "x.upel", DiagnosticSink())
    assert f is not None
    for fn in (i for i in f.items if type(i).__name__ == "FnDecl"):
        loc = fn.body.loc
        assert ("block", loc.line, loc.col, loc.end_line, loc.end_col) in spans


def test_builder_diagnostics_wait_for_a_whole_parse():
    sink = DiagnosticSink()
    assert parse_source(HEAD + "const A: u8 = 0b102;\nconst B: u8 = ;\n", "t.upel", sink) is None
    assert [d.code for d in sink.items] == ["E0002"]  # not E0004 for the literal before the error
    sink = DiagnosticSink()
    parse_source(HEAD + "const A: u8 = 0b102;\n", "t.upel", sink)
    assert [d.code for d in sink.items] == ["E0004"]


@pytest.mark.parametrize("depth", [MAX_NESTING - 5, MAX_NESTING + 5, 3 * MAX_NESTING])
def test_nesting_limit_reports_where_the_tree_walk_does(depth):
    text = HEAD + "fn f() -> u8 { " + "(" * depth + "1" + ")" * depth + " }\n"
    fast, slow = DiagnosticSink(), DiagnosticSink()
    result = parse_source(text, "t.upel", fast)
    ok = _nesting_ok(_tree_parser().parse(text), "t.upel", slow)
    assert (result is not None) == ok
    assert [(d.code, d.loc) for d in fast.items] == [(d.code, d.loc) for d in slow.items]


def test_syntax_errors_come_from_lark():
    sink = DiagnosticSink()
    assert parse_source(HEAD + "fn f( -> u8 { 1 }", "t.upel", sink) is None
    [d] = sink.items
    assert d.code == "E0002" and d.loc.line == 2 and d.hint.startswith("expected one of")
