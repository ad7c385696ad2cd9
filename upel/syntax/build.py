"""Syntax stage: grammar rules -> AST (`upel.syntax.ast`).

One method per grammar rule, called by the LALR driver at each reduction
(upel.syntax.drive, upel.syntax.reduce) with the rule's children, already
built, and its span. Problems the grammar cannot express (a bad digit in a
literal, a chained comparison, a malformed version) are reported here as
diagnostics; the builder substitutes a harmless value and carries on so that
the checker can still report further errors.

A token is the driver's tuple `(type, value, start offset)`. A span is the
indices `first, last` of the rule's first and last token in `tokens` (the
driver's list); `first > last` means the rule matched no tokens. Lines and
columns are computed only here, for the `Loc`s, exactly as lark's lexer and
`propagate_positions` compute them.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from upel.diagnostics import DiagnosticSink
from upel.syntax import ast
from upel.syntax.ast import NATIVE, Loc, UnfrozenLoc, new_loc
from upel.syntax.drive import line_starts

TYPE, VALUE, START = 0, 1, 2  # a token's fields

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
PACKAGE_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")

_ARITH = {
    "+": "add", "-": "sub", "*": "mul", "/": "div", "%": "rem",
    "+%": "add_wrap", "-%": "sub_wrap", "*%": "mul_wrap",
    "+|": "add_sat", "-|": "sub_sat", "*|": "mul_sat",
}
_CMP = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_SHIFT = {"<<": "shl", ">>": "shr"}
_BASES = {"x": (16, "0123456789abcdef", "hexadecimal"), "b": (2, "01", "binary"), "o": (8, "01234567", "octal")}
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "0": "\0"}


def parse_int_literal(text: str) -> tuple[int | None, str | None]:
    """Returns (value, None) or (None, problem description)."""
    if text.isdigit() and text.isascii() and (text[0] != "0" or len(text) == 1):
        return int(text), None  # plain decimal, most literals: nothing to check
    body, base, digits, base_name = text, 10, "0123456789", "decimal"
    if len(text) >= 2 and text[0] == "0" and text[1].lower() in _BASES:
        base, digits, base_name = _BASES[text[1].lower()]
        body = text[2:]
        body = body.removeprefix("_")  # `0x_FF` reads well and is allowed
    if not body:
        return None, f"{base_name} literal has no digits"
    if body.endswith("_") or "__" in body:
        return None, "`_` may only separate digits"
    clean = body.replace("_", "")
    for ch in clean:
        if ch.lower() not in digits:
            return None, f"invalid digit {ch!r} in {base_name} literal"
    if base == 10 and len(clean) > 1 and clean[0] == "0":
        return None, "decimal literals do not start with 0 (use the 0o prefix for octal)"
    return int(clean, base), None


def _decode_string(tok: tuple) -> tuple[str, str | None]:
    raw = tok[VALUE][1:-1]
    if "\\" not in raw:
        return raw, None  # no escapes, most strings
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u" and raw[i + 2: i + 3] == "{":
            end = raw.find("}", i + 3)
            hexpart = raw[i + 3: end] if end != -1 else ""
            if end == -1 or not re.fullmatch(r"[0-9a-fA-F]{1,6}", hexpart) or int(hexpart, 16) > 0x10FFFF \
                    or 0xD800 <= int(hexpart, 16) <= 0xDFFF:
                return "".join(out), "malformed \\u{...} escape (1 to 6 hex digits, a Unicode scalar value)"
            out.append(chr(int(hexpart, 16)))
            i = end + 1
        else:
            return "".join(out), f"unknown escape sequence \\{nxt}"
    return "".join(out), None


class Builder:
    """The methods of one file's parse: `method(children, first, last)`.

    `children` is a tuple or a list the driver may reuse: a method copies
    what it keeps (`list(children)`), never stores `children` itself."""

    def __init__(self, path: str, sink: DiagnosticSink, text: str) -> None:
        self.file = path
        self.sink = sink
        self.line_starts = line_starts(text)
        self.tokens: list[tuple] = []  # the driver's, set before its first reduction

    # ---- helpers --------------------------------------------------------
    def loc(self, first: int, last: int) -> ast.Loc:
        if first > last:
            return new_loc(self.file, 1, 1)
        tokens = self.tokens
        end = tokens[last]
        return self.at(tokens[first][START], end[START] + len(end[VALUE]))

    def tloc(self, tok: tuple) -> ast.Loc:
        start = tok[START]
        return self.at(start, start + len(tok[VALUE]))

    def at(self, start: int, end: int) -> ast.Loc:
        """The `Loc` of the text from offset `start` to `end`, lines and
        columns counted as lark's lexer counts them."""
        starts = self.line_starts
        line = bisect_right(starts, start)
        base = starts[line - 1]
        if end < starts[line]:  # on one line, as nearly every span is
            end_line, end_col = line, end - base + 1
        else:
            end_line = bisect_right(starts, end)
            end_col = end - starts[end_line - 1] + 1
        # What `new_loc` does, inline: a `Loc` per node makes the call count.
        if NATIVE:
            return Loc(self.file, line, start - base + 1, end_line, end_col)
        loc = UnfrozenLoc(self.file, line, start - base + 1, end_line, end_col)
        loc.__class__ = Loc  # type: ignore[assignment]
        return loc  # type: ignore[return-value]

    def string(self, tok: tuple) -> str:
        value, problem = _decode_string(tok)
        if problem:
            self.sink.error("E0007", problem, self.tloc(tok))
        return value

    @staticmethod
    def _clean(children):
        return [c for c in children if not (type(c) is tuple and c[TYPE] == "RLBRACE")]

    # ---- file and items ---------------------------------------------------
    def start(self, children, first, last):
        return ast.SourceFile(self.file, children[0], list(children[1:]))

    def package_decl(self, children, first, last):
        m, name, kw, ver = children
        if kw[VALUE] != "version":
            self.sink.error("E0008", f"expected `version` after the package name, found {kw[VALUE]!r}",
                            self.tloc(kw), 'write `package a.b version "1.0.0";`')
        version = self.string(ver)
        if not SEMVER.match(version):
            self.sink.error("E0008", f"version {version!r} is not a SemVer 2.0 version", self.tloc(ver),
                            'use MAJOR.MINOR.PATCH, for example "1.2.0"')
        if not PACKAGE_NAME.match(name.dotted()):
            self.sink.error("E0008", f"package name {name.dotted()!r} must be dotted lower-case identifiers",
                            name.loc, "for example `avionics.arinc429`")
        return ast.PackageDecl(name.dotted(), version, m, name.loc, self.tloc(ver))

    def meta(self, children, first, last):
        out = ast.Meta()
        for c in children:
            if type(c) is tuple:
                text = c[VALUE][3:]
                out.docs.append((text.removeprefix(" ")).rstrip())
            else:
                out.attrs.append(c)
        return out

    def attribute(self, children, first, last):
        name, *args = children
        return ast.Attribute(name[VALUE], [self.string(a) for a in args if a is not None], self.loc(first, last))

    def dotted_name(self, children, first, last):
        return ast.Path([t[VALUE] for t in children], self.loc(first, last))

    def path(self, children, first, last):
        return self.dotted_name(children, first, last)

    def use_decl(self, children, first, last):
        m = children[0]
        names = None
        parts = []
        for c in children[1:]:
            if type(c) is tuple:
                parts.append(c[VALUE])
            else:
                names = c
        head = children[1]
        return ast.UseDecl(ast.Path(parts, self.tloc(head)), names, m, self.loc(first, last))

    def use_set(self, children, first, last):
        return [(t[VALUE], self.tloc(t)) for t in children]

    def type_decl(self, children, first, last):
        m, name, texpr, *rest = children
        rng = rest[0] if rest else None
        return ast.TypeDecl(name[VALUE], texpr, rng, m, self.tloc(name))

    def type_range(self, children, first, last):
        return (children[0], children[1])

    def enum_decl(self, children, first, last):
        m, name, under, *members = children
        return ast.EnumDecl(name[VALUE], under, members, m, self.tloc(name))

    def enum_member(self, children, first, last):
        m, name, value = children
        return ast.EnumMember(name[VALUE], value, m, self.tloc(name))

    def record_decl(self, children, first, last):
        m, name, *fields = self._clean(children)
        return ast.RecordDecl(name[VALUE], fields, m, self.tloc(name))

    def field_decl(self, children, first, last):
        m, name, texpr = children
        return ast.FieldDecl(name[VALUE], texpr, m, self.tloc(name))

    def error_decl(self, children, first, last):
        m, name, *members = children
        return ast.ErrorDecl(name[VALUE], members, m, self.tloc(name))

    def error_member(self, children, first, last):
        m, name, code = children
        return ast.ErrorMember(name[VALUE], code, m, self.tloc(name))

    def const_decl(self, children, first, last):
        m, name, texpr, value = children
        return ast.ConstDecl(name[VALUE], texpr, value, m, self.tloc(name))

    def params(self, children, first, last):
        return [c for c in children if c is not None]

    def param(self, children, first, last):
        name, texpr = children
        return ast.Param(name[VALUE], texpr, self.tloc(name))

    def raises(self, children, first, last):
        return ("raises", list(children))

    def requires(self, children, first, last):
        return ("requires", children[0], self.loc(first, last))

    def ensures(self, children, first, last):
        return ("ensures", children[0], self.loc(first, last))

    def fn_decl(self, children, first, last):
        m, name, params, ret, *rest = children
        body = rest.pop()
        raises: list[ast.Path] = []
        requires, ensures = [], []
        for r in rest:
            if r[0] == "raises":
                raises = r[1]
            elif r[0] == "requires":
                requires.append(r[1])
            else:
                ensures.append(r[1])
        return ast.FnDecl(name[VALUE], params, ret, raises, requires, ensures, body, m, self.tloc(name))

    def property_decl(self, children, first, last):
        m, name, params, *rest = children
        body = rest.pop()
        requires = []
        for r in rest:
            if r[0] == "ensures":
                self.sink.error("E0009", "a property has no `ensures`; its body is the claim", r[2],
                                "move the condition into the property body")
            else:
                requires.append(r[1])
        return ast.PropertyDecl(name[VALUE], params, requires, body, m, self.tloc(name))

    def vectors_decl(self, children, first, last):
        m, fn, *cases = children
        return ast.VectorsDecl(fn, cases, m, self.loc(first, last))

    def vector_case(self, children, first, last):
        *args, outcome = children
        return ast.VectorCase([a for a in args if a is not None], outcome, self.loc(first, last))

    def error_outcome(self, children, first, last):
        return ast.ErrorOutcome(children[0], self.loc(first, last))

    def value_outcome(self, children, first, last):
        return children[0]

    # ---- types ----------------------------------------------------------
    def type_path(self, children, first, last):
        return ast.TypePath(children[0], self.loc(first, last))

    def type_array(self, children, first, last):
        return ast.TypeArray(children[0], children[1], self.loc(first, last))

    # ---- expressions ----------------------------------------------------
    def rec_with(self, children, first, last):
        base, fields = self._clean(children)
        return ast.RecWith(base, fields, self.loc(first, last))

    def arr_with(self, children, first, last):
        base, idx, value = children
        return ast.ArrWith(base, idx, value, self.loc(first, last))

    def or_op(self, children, first, last):
        return ast.Binary("or", children[0], children[1], self.loc(first, last))

    def and_op(self, children, first, last):
        return ast.Binary("and", children[0], children[1], self.loc(first, last))

    def not_op(self, children, first, last):
        return ast.Unary("not", children[0], self.loc(first, last))

    def compare(self, children, first, last):
        a, op, b = children
        loc = self.loc(first, last)
        if isinstance(a, ast.Binary) and a.op in _CMP.values() and not a.paren:
            self.sink.error("E0006", "comparison operators cannot be chained", loc,
                            "write `a < b and b < c`, or add parentheses if you mean to compare a bool")
        return ast.Binary(_CMP[op], a, b, loc)

    def bor(self, children, first, last):
        return ast.Binary("bor", children[0], children[1], self.loc(first, last))

    def bxor(self, children, first, last):
        return ast.Binary("bxor", children[0], children[1], self.loc(first, last))

    def band(self, children, first, last):
        return ast.Binary("band", children[0], children[1], self.loc(first, last))

    def shift(self, children, first, last):
        a, op, b = children
        return ast.Binary(_SHIFT[op], a, b, self.loc(first, last))

    def arith(self, children, first, last):
        a, op, b = children
        return ast.Binary(_ARITH[op], a, b, self.loc(first, last))

    def cmp_op(self, children, first, last):
        return children[0][VALUE]

    # One method per rule (mypyc compiles no aliases in a class body).
    def shift_op(self, children, first, last):
        return children[0][VALUE]

    def add_op(self, children, first, last):
        return children[0][VALUE]

    def mul_op(self, children, first, last):
        return children[0][VALUE]

    def cast(self, children, first, last):
        return ast.Cast(children[0], children[1], self.loc(first, last))

    def neg(self, children, first, last):
        e = children[0]
        if isinstance(e, ast.IntLit) and not e.paren and e.value >= 0:
            # "-128" is one literal (so it fits i8), not negation of 128.
            return ast.IntLit(-e.value, self.loc(first, last))
        return ast.Unary("neg", e, self.loc(first, last))

    def bnot(self, children, first, last):
        return ast.Unary("bnot", children[0], self.loc(first, last))

    def field(self, children, first, last):
        base, name = children
        return ast.Field(base, name[VALUE], self.tloc(name))

    def call(self, children, first, last):
        return ast.Call(children[0], children[1], self.loc(first, last))

    def index(self, children, first, last):
        return ast.Index(children[0], children[1], self.loc(first, last))

    def record_lit(self, children, first, last):
        type_ref, fields = self._clean(children)
        return ast.RecordLit(type_ref, fields, self.loc(first, last))

    def args(self, children, first, last):
        return [c for c in children if c is not None]

    def field_inits(self, children, first, last):
        return list(children)

    def field_init(self, children, first, last):
        name, e = children
        return ast.FieldInit(name[VALUE], e, self.tloc(name))

    def int_lit(self, children, first, last):
        tok = children[0]
        value, problem = parse_int_literal(tok[VALUE])
        if problem:
            self.sink.error("E0004", problem, self.tloc(tok))
            value = 0
        return ast.IntLit(value, self.tloc(tok))

    def true_lit(self, children, first, last):
        return ast.BoolLit(True, self.loc(first, last))

    def false_lit(self, children, first, last):
        return ast.BoolLit(False, self.loc(first, last))

    def name(self, children, first, last):
        return ast.Name(children[0][VALUE], self.tloc(children[0]))

    def paren(self, children, first, last):
        e = children[0]
        if isinstance(e, (ast.IntLit, ast.Binary)):
            e.paren = True
        return e

    def array_lit(self, children, first, last):
        return ast.ArrayLit(list(children), self.loc(first, last))

    def array_repeat(self, children, first, last):
        return ast.ArrayRepeat(children[0], children[1], self.loc(first, last))

    def if_expr(self, children, first, last):
        cond, then, else_ = children
        return ast.If(cond, then, else_, self.loc(first, last))

    def match_expr(self, children, first, last):
        return ast.Match(children[0], list(children[1:]), self.loc(first, last))

    def arm(self, children, first, last):
        *pats, body = children
        return ast.Arm(pats, body, self.loc(first, last))

    def pat_path(self, children, first, last):
        p = children[0]
        if p.parts == ["_"]:
            return ast.Pattern("wild", p.loc)
        return ast.Pattern("path", p.loc, path=p)

    def pat_int(self, children, first, last):
        value, problem = parse_int_literal(children[0][VALUE])
        if problem:
            self.sink.error("E0004", problem, self.tloc(children[0]))
            value = 0
        return ast.Pattern("int", self.loc(first, last), value=value)

    def pat_neg_int(self, children, first, last):
        p = self.pat_int(children, first, last)
        p.value = -p.value
        return p

    def pat_true(self, children, first, last):
        return ast.Pattern("bool", self.loc(first, last), value=True)

    def pat_false(self, children, first, last):
        return ast.Pattern("bool", self.loc(first, last), value=False)

    def fold_expr(self, children, first, last):
        var, vtype, lo, hi, acc, atype, init, body = children
        return ast.Fold(var[VALUE], vtype, lo, hi, acc[VALUE], atype, init, body, self.loc(first, last),
                        self.tloc(var), self.tloc(acc))

    def block(self, children, first, last):
        *stmts, result = children
        return self._desugar_guards(stmts, result, self.loc(first, last))

    def _desugar_guards(self, stmts, result, loc):
        """`{ s1; if c { raise X } s2; e }` == `{ s1; if c { raise X } else { s2; e } }`."""
        for k, s in enumerate(stmts):
            if isinstance(s, tuple):  # ("guard", cond, block, loc)
                _, cond, then, gloc = s
                rest = self._desugar_guards(stmts[k + 1:], result, gloc)
                return ast.Block(stmts[:k], ast.If(cond, then, rest, gloc), loc)
        return ast.Block(list(stmts), result, loc)

    def guard_stmt(self, children, first, last):
        cond, then = children
        tail = then.result
        while isinstance(tail, ast.Block):
            tail = tail.result
        if not isinstance(tail, ast.Raise):
            self.sink.error("E0009", "an `if` without `else` is a guard: its block must end with `raise`",
                            self.loc(first, last), "add an `else` branch, or end the block with `raise E.code`")
        return ("guard", cond, then, self.loc(first, last))

    def let_stmt(self, children, first, last):
        name, texpr, e = children
        return ast.Let(name[VALUE], texpr, e, self.tloc(name))

    def raise_expr(self, children, first, last):
        return ast.Raise(children[0], self.loc(first, last))
