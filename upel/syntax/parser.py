"""Syntax stage: text -> AST, with located diagnostics.

The grammar lives in `upel.lark` beside this file, its LALR tables in
`tables.json` (precomputed, see upel.syntax.tables). Parsing uses lark's LALR(1)
parser (linear time, which the 10,000-operator budget needs) with the basic
lexer and a small post-lexer; lark errors are translated into UPEL
diagnostics (E0001..E0003) and never escape as exceptions. The parser's
reductions build the AST directly (upel.syntax.drive, upel.syntax.reduce); a
lark parse tree is built only to locate a nesting-limit error.
"""

from __future__ import annotations

import functools
import gc
import threading
from pathlib import Path as FsPath

import lark
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)
from lark.lexer import Token

from upel.diagnostics import DiagnosticSink
from upel.syntax import ast, tables
from upel.syntax.build import Builder
from upel.syntax.drive import Driver, Rejected
from upel.syntax.reduce import reducers

GRAMMAR_PATH = tables.GRAMMAR_PATH

# Friendly names for terminals in "expected one of" messages.
_TERMINAL_NAMES = {
    "IDENT": "identifier",
    "INT": "integer literal",
    "STRING": "string literal",
    "DOC_COMMENT": "doc comment",
    "RLBRACE": "'{'",
    "$END": "end of file",
}


# Tokens that can only start an item: seeing one where `;` was expected almost
# always means the previous line lacks its `;`.
_ITEM_START = {"CONST", "FN", "TYPE", "ENUM", "RECORD", "ERROR", "USE", "PROPERTY", "VECTORS", "AT", "DOC_COMMENT"}


class _RecordBracePostLex:
    """Re-types `{` as RLBRACE when the next two tokens are `IDENT :`.

    A block can never start with `name:` (statements start with `let` or an
    expression), so the rewrite is exact; it gives the LALR parser the one
    token of extra lookahead that record literals need.
    """

    always_accept = ()

    def process(self, stream):
        buf: list[Token] = []
        for tok in stream:
            buf.append(tok)
            while buf:
                if buf[0].type != "LBRACE":
                    yield buf.pop(0)
                    continue
                if len(buf) < 3:
                    break  # need two tokens of lookahead after "{"
                first = buf.pop(0)
                if buf[0].type == "IDENT" and buf[1].type == "COLON":
                    first = Token.new_borrow_pos("RLBRACE", first.value, first)
                yield first
        yield from buf


def build_from_grammar(propagate_positions: bool) -> lark.Lark:
    """The parser, with lark's LALR analysis of upel.lark (slow: see upel.syntax.tables)."""
    return lark.Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="basic",
        postlex=_RecordBracePostLex(),
        propagate_positions=propagate_positions,
        maybe_placeholders=True,
    )


def _lark(propagate_positions: bool) -> lark.Lark:
    """The parser from the precomputed tables, or from the grammar if they are stale."""
    saved = tables.load()
    if saved is None:
        return build_from_grammar(propagate_positions)
    data, memo = saved
    return lark.Lark._load_from_dict(data, memo, postlex=_RecordBracePostLex(),
                                     propagate_positions=propagate_positions)


@functools.lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    """The parser that builds the AST (built once per process)."""
    p = _lark(False)
    p.upel_driver = Driver(p, reducers(p, Builder))
    # One parse at a time: reducers that go through lark's filters pass
    # their span beside the call, and the collector's switch is global.
    p.upel_lock = threading.Lock()
    return p


@functools.lru_cache(maxsize=1)
def _tree_parser() -> lark.Lark:
    """A parser that builds lark's parse tree, only to locate E0010."""
    return _lark(True)


def _describe_expected(expected: set[str]) -> str:
    p = _parser()
    names = []
    for name in expected:
        if name in _TERMINAL_NAMES:
            names.append(_TERMINAL_NAMES[name])
            continue
        try:
            term = p.get_terminal(name)
        except KeyError:
            names.append(name.lower())
            continue
        if term.pattern.type == "str":
            names.append(f"'{term.pattern.value}'")
        else:
            names.append(name.lower())
    names = sorted(set(names))
    if len(names) > 12:
        return ", ".join(names[:12]) + f", ... ({len(names) - 12} more)"
    return ", ".join(names)


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    if tok.type in ("IDENT",):
        return f"identifier '{tok.value}'"
    if tok.type == "INT":
        return f"integer literal '{tok.value}'"
    return f"'{tok.value}'"


# The LALR parse itself is iterative, but every later stage (the AST builder,
# the checker, the interpreter, the IR schema gate, the backends) recurses once
# or more per level of nesting. Found by tests/fuzz: 500 nested parentheses or
# a chain of 400 `+` crashed the front end with RecursionError (an internal
# error). Deeper input is refused here with a located diagnostic; real specs
# nest about 25 levels, and 200 keeps every stage within Python's default
# recursion limit (the schema gate raises its own, see upel/ir/schema.py).
MAX_NESTING = 200


def parse_source(text: str, display_path: str, sink: DiagnosticSink) -> ast.SourceFile | None:
    """Parse one file's text. Returns None (with diagnostics) on any error."""
    p = _parser()
    # The builder reports into a buffer: its diagnostics count only if the
    # whole file parses (a syntax error, or too deep nesting, is all that is
    # said about a file, as when the AST was built after the parse).
    buffer = DiagnosticSink()
    builder = Builder(display_path, buffer, text)
    try:
        with p.upel_lock:
            # The parse allocates millions of objects and frees few (its
            # values become the AST), none in reference cycles: the
            # collector's passes over them find nothing. Paused, it scans
            # them once afterwards instead of in passes that overlap (at
            # 10,000 operators 4.3 instead of 4.9 s CPU with the collection
            # that follows, medians of 3 on a loaded machine).
            enabled = gc.isenabled()
            gc.disable()
            try:
                result, height = p.upel_driver.parse(text, builder)
            finally:
                if enabled:
                    gc.enable()
    except Rejected:
        # An error somewhere: lark's own parse of the text raises it exactly
        # (same tables, same tokens), for the diagnostics.
        try:
            p.parse(text)
        except UnexpectedInput as e:
            _report_parse_error(e, text, display_path, sink)
            return None
        raise AssertionError("lark accepts a text the fast parser refused") from None
    # `height` bounds the depth of lark's parse tree from above; only when it
    # passes the limit is the tree built, to find the first too-deep node.
    if height > MAX_NESTING and not _nesting_ok(_tree_parser().parse(text), display_path, sink):
        return None
    for d in buffer.items:
        (sink.error if d.severity == "error" else sink.warning)(d.code, d.message, d.loc, d.hint)
    return result


def _nesting_ok(tree: lark.Tree, path: str, sink: DiagnosticSink) -> bool:
    """False (with E0010 at the first too-deep node) if the parse tree nests too deeply."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            meta = node.meta
            loc = ast.Loc(path, 1, 1) if meta.empty else ast.Loc(path, meta.line, meta.column)
            sink.error("E0010", f"nesting too deep: more than {MAX_NESTING} levels", loc,
                       "split it up, for example with `let` bindings")
            return False
        stack.extend((c, depth + 1) for c in reversed(node.children) if isinstance(c, lark.Tree))
    return True


def _report_parse_error(e: UnexpectedInput, text: str, path: str, sink: DiagnosticSink) -> None:
    if isinstance(e, UnexpectedCharacters):
        loc = ast.Loc(path, e.line, e.column, e.line, e.column + 1)
        if text.startswith("/*", e.pos_in_stream):
            sink.error("E0003", "unterminated block comment", loc, "close it with `*/`")
            return
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else "?"
        hint = None
        if ch == '"':
            hint = "string literals end on the same line"
        elif ch in "'`":
            hint = "strings use double quotes"
        sink.error("E0001", f"unexpected character {ch!r}", loc, hint)
        return
    if isinstance(e, UnexpectedEOF):
        line = text.count("\n") + 1
        col = len(text) - (text.rfind("\n") + 1) + 1
        sink.error("E0002", "unexpected end of file", ast.Loc(path, line, col),
                   f"expected one of: {_describe_expected(set(e.expected))}")
        return
    assert isinstance(e, UnexpectedToken)
    tok = e.token
    if tok.type != "$END" and text.startswith("/*", tok.start_pos):
        # `/` lexes as division when the comment never closes.
        sink.error("E0003", "unterminated block comment",
                   ast.Loc(path, tok.line, tok.column, tok.line, tok.column + 2), "close it with `*/`")
        return
    if tok.type == "$END":
        line = text.count("\n") + 1
        col = len(text) - (text.rfind("\n") + 1) + 1
        loc = ast.Loc(path, line, col)
    else:
        end_col = tok.end_column if tok.end_line == tok.line else tok.column + 1
        loc = ast.Loc(path, tok.line, tok.column, tok.line, end_col)
    expected = set(e.expected)
    hint = f"expected one of: {_describe_expected(expected)}"
    if tok.type == "DOC_COMMENT":
        hint = "a `///` doc comment must precede an item, member or field; use `//` for a plain comment"
    elif "ELSE" in expected and tok.type == "RBRACE":
        hint = "an `if` is an expression and needs an `else` branch"
    elif "SEMICOLON" in expected and tok.type in _ITEM_START:
        hint = "a `;` is probably missing at the end of the previous item"
    sink.error("E0002", f"unexpected {_describe_token(tok)}", loc, hint)


def parse_file(fs_path: FsPath, display_path: str, sink: DiagnosticSink) -> tuple[ast.SourceFile | None, str | None]:
    """Read and parse a file; returns (ast or None, text or None)."""
    try:
        data = fs_path.read_bytes()
    except OSError as exc:
        sink.error("E0005", f"cannot read {display_path}: {exc.strerror or exc}", None)
        return None, None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        sink.error("E0005", f"{display_path} is not valid UTF-8 (byte offset {exc.start})",
                   ast.Loc(display_path, line, 1), "save the file as UTF-8")
        return None, None
    text = text.removeprefix("\ufeff")  # a BOM is harmless; strip it so columns stay right
    return parse_source(text, display_path, sink), text
