"""Syntax stage: grammar rules -> AST (`upel.syntax.ast`).

One callback per grammar rule, called by lark's LALR parser at each
reduction (upel.syntax.reduce) with the rule's span and its children,
already built. Problems the grammar cannot express (a bad digit in a
literal, a chained comparison, a malformed version) are reported here as
diagnostics; the builder substitutes a harmless value and carries on so that
the checker can still report further errors.

A span is `(line, col, end_line, end_col, height)` from the first to the
last token of the rule, as lark's `propagate_positions` computes it; line 0
means the rule matched no tokens.
"""

from __future__ import annotations

import re

from lark import Token

from upel.diagnostics import DiagnosticSink
from upel.syntax import ast

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
        if body.startswith("_"):
            body = body[1:]  # `0x_FF` reads well and is allowed
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


def _decode_string(tok: Token) -> tuple[str, str | None]:
    raw = tok.value[1:-1]
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
    """The callbacks of one file's parse. `meta` below is the rule's span."""

    def __init__(self, path: str, sink: DiagnosticSink) -> None:
        self.file = path
        self.sink = sink

    # ---- helpers --------------------------------------------------------
    def loc(self, span) -> ast.Loc:
        if not span[0]:
            return ast.Loc(self.file, 1, 1)
        return ast.Loc(self.file, span[0], span[1], span[2], span[3])

    def tloc(self, tok: Token) -> ast.Loc:
        return ast.Loc(self.file, tok.line, tok.column, tok.end_line, tok.end_column)

    def string(self, tok: Token) -> str:
        value, problem = _decode_string(tok)
        if problem:
            self.sink.error("E0007", problem, self.tloc(tok))
        return value

    @staticmethod
    def _clean(children):
        return [c for c in children if not (isinstance(c, Token) and c.type == "RLBRACE")]

    # ---- file and items ---------------------------------------------------
    def start(self, meta, children):
        return ast.SourceFile(self.file, children[0], list(children[1:]))

    def package_decl(self, meta, children):
        m, name, kw, ver = children
        if kw.value != "version":
            self.sink.error("E0008", f"expected `version` after the package name, found {kw.value!r}",
                            self.tloc(kw), 'write `package a.b version "1.0.0";`')
        version = self.string(ver)
        if not SEMVER.match(version):
            self.sink.error("E0008", f"version {version!r} is not a SemVer 2.0 version", self.tloc(ver),
                            'use MAJOR.MINOR.PATCH, for example "1.2.0"')
        if not PACKAGE_NAME.match(name.dotted()):
            self.sink.error("E0008", f"package name {name.dotted()!r} must be dotted lower-case identifiers",
                            name.loc, "for example `avionics.arinc429`")
        return ast.PackageDecl(name.dotted(), version, m, name.loc, self.tloc(ver))

    def meta(self, meta, children):
        out = ast.Meta()
        for c in children:
            if isinstance(c, Token):
                text = c.value[3:]
                out.docs.append((text[1:] if text.startswith(" ") else text).rstrip())
            else:
                out.attrs.append(c)
        return out

    def attribute(self, meta, children):
        name, *args = children
        return ast.Attribute(name.value, [self.string(a) for a in args if a is not None], self.loc(meta))

    def dotted_name(self, meta, children):
        return ast.Path([t.value for t in children], self.loc(meta))

    path = dotted_name

    def use_decl(self, meta, children):
        m = children[0]
        names = None
        parts = []
        for c in children[1:]:
            if isinstance(c, Token):
                parts.append(c.value)
            else:
                names = c
        first = children[1]
        return ast.UseDecl(ast.Path(parts, self.tloc(first)), names, m, self.loc(meta))

    def use_set(self, meta, children):
        return [(t.value, self.tloc(t)) for t in children]

    def type_decl(self, meta, children):
        m, name, texpr, *rest = children
        rng = rest[0] if rest else None
        return ast.TypeDecl(name.value, texpr, rng, m, self.tloc(name))

    def type_range(self, meta, children):
        return (children[0], children[1])

    def enum_decl(self, meta, children):
        m, name, under, *members = children
        return ast.EnumDecl(name.value, under, members, m, self.tloc(name))

    def enum_member(self, meta, children):
        m, name, value = children
        return ast.EnumMember(name.value, value, m, self.tloc(name))

    def record_decl(self, meta, children):
        m, name, *fields = self._clean(children)
        return ast.RecordDecl(name.value, fields, m, self.tloc(name))

    def field_decl(self, meta, children):
        m, name, texpr = children
        return ast.FieldDecl(name.value, texpr, m, self.tloc(name))

    def error_decl(self, meta, children):
        m, name, *members = children
        return ast.ErrorDecl(name.value, members, m, self.tloc(name))

    def error_member(self, meta, children):
        m, name, code = children
        return ast.ErrorMember(name.value, code, m, self.tloc(name))

    def const_decl(self, meta, children):
        m, name, texpr, value = children
        return ast.ConstDecl(name.value, texpr, value, m, self.tloc(name))

    def params(self, meta, children):
        return [c for c in children if c is not None]

    def param(self, meta, children):
        name, texpr = children
        return ast.Param(name.value, texpr, self.tloc(name))

    def raises(self, meta, children):
        return ("raises", children)

    def requires(self, meta, children):
        return ("requires", children[0], self.loc(meta))

    def ensures(self, meta, children):
        return ("ensures", children[0], self.loc(meta))

    def fn_decl(self, meta, children):
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
        return ast.FnDecl(name.value, params, ret, raises, requires, ensures, body, m, self.tloc(name))

    def property_decl(self, meta, children):
        m, name, params, *rest = children
        body = rest.pop()
        requires = []
        for r in rest:
            if r[0] == "ensures":
                self.sink.error("E0009", "a property has no `ensures`; its body is the claim", r[2],
                                "move the condition into the property body")
            else:
                requires.append(r[1])
        return ast.PropertyDecl(name.value, params, requires, body, m, self.tloc(name))

    def vectors_decl(self, meta, children):
        m, fn, *cases = children
        return ast.VectorsDecl(fn, cases, m, self.loc(meta))

    def vector_case(self, meta, children):
        *args, outcome = children
        return ast.VectorCase([a for a in args if a is not None], outcome, self.loc(meta))

    def error_outcome(self, meta, children):
        return ast.ErrorOutcome(children[0], self.loc(meta))

    def value_outcome(self, meta, children):
        return children[0]

    # ---- types ----------------------------------------------------------
    def type_path(self, meta, children):
        return ast.TypePath(children[0], self.loc(meta))

    def type_array(self, meta, children):
        return ast.TypeArray(children[0], children[1], self.loc(meta))

    # ---- expressions ----------------------------------------------------
    def rec_with(self, meta, children):
        base, fields = self._clean(children)
        return ast.RecWith(base, fields, self.loc(meta))

    def arr_with(self, meta, children):
        base, idx, value = children
        return ast.ArrWith(base, idx, value, self.loc(meta))

    def or_op(self, meta, children):
        return ast.Binary("or", children[0], children[1], self.loc(meta))

    def and_op(self, meta, children):
        return ast.Binary("and", children[0], children[1], self.loc(meta))

    def not_op(self, meta, children):
        return ast.Unary("not", children[0], self.loc(meta))

    def compare(self, meta, children):
        a, op, b = children
        loc = self.loc(meta)
        if isinstance(a, ast.Binary) and a.op in _CMP.values() and not a.paren:
            self.sink.error("E0006", "comparison operators cannot be chained", loc,
                            "write `a < b and b < c`, or add parentheses if you mean to compare a bool")
        return ast.Binary(_CMP[op], a, b, loc)

    def _binop(name):  # noqa: N805 - helper factory used at class creation
        def cb(self, meta, children):
            return ast.Binary(name, children[0], children[1], self.loc(meta))
        return cb

    bor = _binop("bor")
    bxor = _binop("bxor")
    band = _binop("band")

    def shift(self, meta, children):
        a, op, b = children
        return ast.Binary(_SHIFT[op], a, b, self.loc(meta))

    def arith(self, meta, children):
        a, op, b = children
        return ast.Binary(_ARITH[op], a, b, self.loc(meta))

    def cmp_op(self, meta, children):
        return children[0].value

    shift_op = add_op = mul_op = cmp_op

    def cast(self, meta, children):
        return ast.Cast(children[0], children[1], self.loc(meta))

    def neg(self, meta, children):
        e = children[0]
        if isinstance(e, ast.IntLit) and not e.paren and e.value >= 0:
            # "-128" is one literal (so it fits i8), not negation of 128.
            return ast.IntLit(-e.value, self.loc(meta))
        return ast.Unary("neg", e, self.loc(meta))

    def bnot(self, meta, children):
        return ast.Unary("bnot", children[0], self.loc(meta))

    def field(self, meta, children):
        base, name = children
        return ast.Field(base, name.value, self.tloc(name))

    def call(self, meta, children):
        return ast.Call(children[0], children[1], self.loc(meta))

    def index(self, meta, children):
        return ast.Index(children[0], children[1], self.loc(meta))

    def record_lit(self, meta, children):
        type_ref, fields = self._clean(children)
        return ast.RecordLit(type_ref, fields, self.loc(meta))

    def args(self, meta, children):
        return [c for c in children if c is not None]

    def field_inits(self, meta, children):
        return list(children)

    def field_init(self, meta, children):
        name, e = children
        return ast.FieldInit(name.value, e, self.tloc(name))

    def int_lit(self, meta, children):
        tok = children[0]
        value, problem = parse_int_literal(tok.value)
        if problem:
            self.sink.error("E0004", problem, self.tloc(tok))
            value = 0
        return ast.IntLit(value, self.tloc(tok))

    def true_lit(self, meta, children):
        return ast.BoolLit(True, self.loc(meta))

    def false_lit(self, meta, children):
        return ast.BoolLit(False, self.loc(meta))

    def name(self, meta, children):
        return ast.Name(children[0].value, self.tloc(children[0]))

    def paren(self, meta, children):
        e = children[0]
        if isinstance(e, (ast.IntLit, ast.Binary)):
            e.paren = True
        return e

    def array_lit(self, meta, children):
        return ast.ArrayLit(list(children), self.loc(meta))

    def array_repeat(self, meta, children):
        return ast.ArrayRepeat(children[0], children[1], self.loc(meta))

    def if_expr(self, meta, children):
        cond, then, else_ = children
        return ast.If(cond, then, else_, self.loc(meta))

    def match_expr(self, meta, children):
        return ast.Match(children[0], list(children[1:]), self.loc(meta))

    def arm(self, meta, children):
        *pats, body = children
        return ast.Arm(pats, body, self.loc(meta))

    def pat_path(self, meta, children):
        p = children[0]
        if p.parts == ["_"]:
            return ast.Pattern("wild", p.loc)
        return ast.Pattern("path", p.loc, path=p)

    def pat_int(self, meta, children):
        value, problem = parse_int_literal(children[0].value)
        if problem:
            self.sink.error("E0004", problem, self.tloc(children[0]))
            value = 0
        return ast.Pattern("int", self.loc(meta), value=value)

    def pat_neg_int(self, meta, children):
        p = self.pat_int(meta, children)
        p.value = -p.value
        return p

    def pat_true(self, meta, children):
        return ast.Pattern("bool", self.loc(meta), value=True)

    def pat_false(self, meta, children):
        return ast.Pattern("bool", self.loc(meta), value=False)

    def fold_expr(self, meta, children):
        var, vtype, lo, hi, acc, atype, init, body = children
        return ast.Fold(var.value, vtype, lo, hi, acc.value, atype, init, body, self.loc(meta),
                        self.tloc(var), self.tloc(acc))

    def block(self, meta, children):
        *stmts, result = children
        return self._desugar_guards(stmts, result, self.loc(meta))

    def _desugar_guards(self, stmts, result, loc):
        """`{ s1; if c { raise X } s2; e }` == `{ s1; if c { raise X } else { s2; e } }`."""
        for k, s in enumerate(stmts):
            if isinstance(s, tuple):  # ("guard", cond, block, loc)
                _, cond, then, gloc = s
                rest = self._desugar_guards(stmts[k + 1:], result, gloc)
                return ast.Block(stmts[:k], ast.If(cond, then, rest, gloc), loc)
        return ast.Block(list(stmts), result, loc)

    def guard_stmt(self, meta, children):
        cond, then = children
        tail = then.result
        while isinstance(tail, ast.Block):
            tail = tail.result
        if not isinstance(tail, ast.Raise):
            self.sink.error("E0009", "an `if` without `else` is a guard: its block must end with `raise`",
                            self.loc(meta), "add an `else` branch, or end the block with `raise E.code`")
        return ("guard", cond, then, self.loc(meta))

    def let_stmt(self, meta, children):
        name, texpr, e = children
        return ast.Let(name.value, texpr, e, self.tloc(name))

    def raise_expr(self, meta, children):
        return ast.Raise(children[0], self.loc(meta))
