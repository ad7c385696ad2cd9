"""The parser's own LALR driver (upel.syntax.drive) and inline AST building
(upel.syntax.reduce) behave exactly as lark's parse-tree path does."""

from __future__ import annotations

import pathlib
import random

import pytest
from lark.exceptions import UnexpectedInput

from upel.diagnostics import DiagnosticSink
from upel.syntax.build import Builder
from upel.syntax.drive import Driver, Rejected
from upel.syntax.parser import MAX_NESTING, _nesting_ok, _parser, _tree_parser, parse_source
from upel.syntax.reduce import reducers

REPO = pathlib.Path(__file__).resolve().parents[2]
SPECS = sorted(p for p in REPO.glob("specs/**/*.upel")) + sorted(REPO.glob("tests/**/*.upel"))
HEAD = 'package t version "1.0.0";\n'

# Where the lexer's one-match-per-token regex could part from lark's
# token-by-token choice: comments of every kind, next to each other, inside
# and around tokens, unterminated, and a lexical error after a comment whose
# end a backtracking regex could move.
LEXER_CASES = [
    "", " \n\t ", "// only a comment", "/* only */", "/// doc", "//// four", "///", "////",
    "a/**/b", "a /* x */ / b", "a // c\n/ b", "/* a */ $ */ x", "/* a \n b */ c /* d", "/* a ", "a/*",
    "/// doc\n/// more\nfn", "x ///\n//\ny", "/*/ x */ y", "/**/ /***/ /* * / */ z", '"a" // "b"\n"c"',
    "a\r\nb\n\n  c", "{ x: 1 }", "{x:1}", "{ x }", "1..=2 .. 3", "a +% b -| c *| d", "0b102 12abc 0x_FF",
    '"unterminated\n"', "'quote'", "a\u00e9b",
]


def lark_tokens(text: str) -> list[tuple]:
    return [(t.type, t.value, t.start_pos, t.line, t.column, t.end_line, t.end_column)
            for t in _parser().lex(text)]


def driver_tokens(text: str) -> list[tuple]:
    """The driver's tokens, with positions as the builder computes them."""
    builder = Builder("t.upel", DiagnosticSink(), text)
    out = []
    for type_, value, start in _parser().upel_driver.tokens(text):
        loc = builder.tloc((type_, value, start))
        out.append((type_, value, start, loc.line, loc.col, loc.end_line, loc.end_col))
    return out


def assert_same_tokens(text: str) -> None:
    try:
        expected = lark_tokens(text)
    except UnexpectedInput:  # a lexical error: the driver must refuse the text too
        with pytest.raises(Rejected):
            _parser().upel_driver.tokens(text)
        return
    assert driver_tokens(text) == expected


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(REPO)))
def test_tokens_are_lark_tokens(path):
    assert_same_tokens(path.read_bytes().decode("utf-8", errors="replace"))


@pytest.mark.parametrize("text", LEXER_CASES)
def test_tokens_are_lark_tokens_around_comments(text):
    assert_same_tokens(text)


class _Recorder:
    """A builder whose every named rule records (rule, span) instead of a node."""

    def __init__(self, text: str) -> None:
        self.inner = Builder("t.upel", DiagnosticSink(), text)
        self.spans: list[tuple] = []

    def record(self, name, first, last):
        if first <= last:
            self.inner.tokens = self.tokens
            loc = self.inner.loc(first, last)
            self.spans.append((name, loc.line, loc.col, loc.end_line, loc.end_col))
        return name


def _recording_driver() -> Driver:
    p = _parser()
    names = {rule.alias or rule.options.template_source or rule.origin.name for rule in p.rules}
    methods = {n: (lambda self, children, first, last, _n=n: self.record(_n, first, last))
               for n in names if not n.startswith("_")}
    return Driver(p, reducers(p, type("RecorderClass", (_Recorder,), methods)))


@pytest.mark.parametrize("path", [p for p in SPECS if "specs" in p.parts[-3:]], ids=lambda p: p.name)
def test_every_rule_span_is_lark_propagate_positions(path):
    text = path.read_text(encoding="utf-8")
    tree = _tree_parser().parse(text)
    expected = sorted((n.data, n.meta.line, n.meta.column, n.meta.end_line, n.meta.end_column)
                      for n in tree.iter_subtrees() if not n.meta.empty)
    recorder = _Recorder(text)
    _recording_driver().parse(text, recorder)
    assert sorted(recorder.spans) == expected


def test_driver_refuses_exactly_what_lark_refuses():
    # Random mutilations of the examples: deleted, doubled and swapped characters.
    rng = random.Random(7)
    texts = [p.read_text(encoding="utf-8") for p in sorted(REPO.glob("specs/**/*.upel"))]
    driver, lark_parser = _parser().upel_driver, _tree_parser()
    refused = 0
    for _ in range(300):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(text))
            op = rng.randrange(3)
            text = text[:i] + text[i + 1:] if op == 0 else (
                text[:i] + text[i] + text[i:] if op == 1 else text[:i] + text[i + 1: i + 2] + text[i] + text[i + 2:])
        try:
            lark_parser.parse(text)
            lark_ok = True
        except UnexpectedInput:
            lark_ok = False
        try:
            driver.parse(text, Builder("t.upel", DiagnosticSink(), text))
            ok = True
        except Rejected:
            ok = False
        assert ok == lark_ok, text
        refused += not ok
    assert 0 < refused < 300  # both kinds of text were tried


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


@pytest.mark.parametrize("length", [MAX_NESTING - 5, MAX_NESTING + 5])
def test_nesting_limit_counts_left_deep_chains(length):
    # `a + a + ...` keeps the LALR stack shallow but nests lark's tree.
    text = HEAD + "fn f(a: u8) -> u8 { " + " + ".join(["a"] * length) + " }\n"
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


def test_parse_leaves_the_collector_as_it_found_it():
    import gc

    assert gc.isenabled()
    parse_source(HEAD + "const A: u8 = 1;\n", "t.upel", DiagnosticSink())
    assert gc.isenabled()
    gc.disable()
    try:
        parse_source(HEAD + "const A: u8 = 1;\n", "t.upel", DiagnosticSink())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_locs_made_fast_are_frozen_locs():
    from dataclasses import FrozenInstanceError

    from upel.syntax.ast import Loc, new_loc

    fast, slow = new_loc("f.upel", 1, 2, 3, 4), Loc("f.upel", 1, 2, 3, 4)
    assert type(fast) is Loc and fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    with pytest.raises(FrozenInstanceError):
        fast.line = 7
