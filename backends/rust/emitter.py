"""Rust backend: IR -> plain template context (all decisions are made here).

Output layout (docs/backends.md; the choice of file set is documented in
backends/rust/README.md):

    upel_rt.rs          the shared `Error` type and the integer operations
    <package>.rs        one module per package (`avionics.units` -> avionics_units.rs)
    harness.rs          (options["harness"]) the crate root of the vector harness

Package modules sit at the crate root: they refer to each other as
`crate::avionics_units::Feet` and to the runtime as `crate::upel_rt`.

Values: `bool`; `uN`/`iN` in the next native type (u8..u64 / i8..i64), kept
normalised; newtypes as tuple structs over that native type; enums as
`#[repr]` Rust enums with the spec's discriminants; records as structs;
arrays as `[T; N]`. Every function returns `Result<T, Error>`; parameters
that are records or arrays of more than 16 bytes are taken as `&T` (see
`Module.by_ref`), everything else by value.

Expressions are emitted as Rust expressions: Rust evaluates call arguments,
operands, struct-literal fields and array elements left to right, and `?`
ends the call at the first error, which is exactly UPEL's evaluation order.
Checked arithmetic goes through `rt::` helpers, except where
upel/codegen/facts.py proves that it cannot fail: then it is the plain
operator (`a + b`, `x.abs()`), which can neither panic nor wrap
(docs/backends.md, "Checks that cannot fail"). An index whose type's value
set lies inside the array is a plain place `a[i as usize]`.
Three things are taken care of here so that `rustc -D warnings` stays quiet
without blanket allows:
  * divergence: an operand that always raises makes the rest of its node
    unreachable, so such a node is emitted as "evaluate the earlier operands
    that may raise, then the raising one" (no unreachable code);
  * liveness: a `let` whose name is never read becomes `let _ = e;` (or
    disappears when `e` cannot raise); an unread parameter is named `_x`;
  * names: spec identifiers that are Rust keywords become raw identifiers
    (`r#match`) or get a `_` suffix where Rust has no raw form (`self`,
    `Self`, `super`, `crate`); names that would collide with each other or
    with the few names the generated code itself uses get further `_`s.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass

from upel.codegen.facts import document_facts
from upel.interp.intops import BUILTIN_ERROR_NAMES
from upel.ir.encoding import package_digest
from upel.ir.walk import nodes
from upel.ir.model import IRIndex, int_bounds

# ---- names -------------------------------------------------------------------------

# Rust 2021 strict and reserved keywords that have a raw form (`r#loop`), plus
# `gen` (reserved from edition 2024 on, harmless as a raw identifier today).
RAW_KEYWORDS = frozenset({
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait",
    "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box",
    "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
})
# Keywords that cannot be raw identifiers, and `_`: these get a `_` suffix.
NO_RAW = frozenset({"self", "Self", "super", "crate", "_"})

# Names the generated package modules use themselves, so no spec item may
# take them at module level: the runtime alias and error type, the prelude
# names in signatures and results, and the primitive types (a spec may call
# a type `u128` or `str`; Rust would let it shadow the primitive).
MODULE_RESERVED = frozenset({
    "rt", "Error", "Result", "Ok", "Err", "Option", "Some", "None", "core", "std", "alloc",
    "bool", "char", "str", "f32", "f64", "i128", "u128", "isize", "usize",
    "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64",
})
# Module (file) names the backend uses or that would shadow the standard crates.
CRATE_RESERVED = frozenset({"upel_rt", "harness", "std", "core", "alloc", "main",
                            "Leaves", "Error", "String", "put", "finish", "run_case"})


def ident(name: str) -> str:
    """A spec identifier as a Rust identifier (keywords escaped)."""
    if name in NO_RAW:
        return name + "_"
    if name in RAW_KEYWORDS:
        return "r#" + name
    return name


def fresh(base: str, taken: set[str]) -> str:
    """`base`, or `base_`, `base__`, ... whichever is free; records the choice."""
    name = base
    while name in taken or name.removeprefix("r#") in taken:
        name = name.removeprefix("r#") + "_"
    taken.add(name)
    return name


class _Layered:
    """A function's taken names over its package's, without copying the
    package's set for every function (that copy made generation quadratic)."""

    def __init__(self, base: set[str], extra: set[str]) -> None:
        self.base = base
        self.own = set(extra)

    def __contains__(self, name: str) -> bool:
        return name in self.own or name in self.base

    def add(self, name: str) -> None:
        self.own.add(name)


def plain(rust_ident: str) -> str:
    return rust_ident.removeprefix("r#")


# ---- comments ----------------------------------------------------------------------

_BIDI = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F,
         0x061C}


def comment_text(text: str) -> list[str]:
    """Spec text as the bodies of line comments.

    Line breaks split the text into lines (each becomes its own comment
    line); characters that rustc rejects or that could make the comment
    read differently from what it is (bare CR, other control characters,
    bidirectional overrides, line/paragraph separators) are written as
    `\\u{...}`. Nothing can end a `//` comment except a newline, so `*/`,
    quotes, backslashes and backticks need no escaping.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    out = []
    for line in lines:
        buf = []
        for ch in line:
            cp = ord(ch)
            cat = unicodedata.category(ch)
            if ch == "\t":
                buf.append(ch)
            elif cp in _BIDI or cat in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
                buf.append(f"\\u{{{cp:x}}}")
            else:
                buf.append(ch)
        out.append("".join(buf).rstrip())
    return out


def doc_lines(prefix: str, lines: list[str]) -> list[str]:
    """`///` (or `//!`) comment lines for a list of doc lines."""
    out = []
    for line in lines:
        for part in comment_text(line):
            out.append(f"{prefix} {part}" if part else prefix)
    return out


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quoted(s: str) -> str:
    """A spec string shown inside a line comment, escaped like a Rust string
    literal: backslash, quote, line breaks, control, format and bidirectional
    characters are escapes; other non-ASCII text is kept."""
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) in _BIDI or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


# ---- types -------------------------------------------------------------------------


def native_width(width: int) -> int:
    for n in (8, 16, 32, 64):
        if width <= n:
            return n
    raise AssertionError(f"width {width} exceeds 64")


def native(signed: bool, width: int) -> str:
    return f"{'i' if signed else 'u'}{native_width(width)}"


def lit(v: int, signed: bool, width: int) -> str:
    return f"{v}{native(signed, width)}"


# Operator precedence of the emitted Rust (higher binds tighter). Block-like
# expressions (`if`, `match`, `{ ... }`, `return`) get 0: they are wrapped in
# parentheses whenever they appear as an operand.
# A struct literal gets P_STRUCT: any postfix use (`.field`, `.0`, a method)
# parenthesises it, and where it stays bare it is flagged (`bare_struct`),
# because `if`/`match` heads do not accept bare struct literals.
P_BLOCK, P_OR, P_AND, P_CMP, P_BOR, P_BXOR, P_BAND, P_SHIFT, P_ADD, P_MUL, P_AS, P_UNARY, P_STRUCT, P_ATOM = (
    0, 10, 20, 30, 40, 45, 50, 55, 60, 70, 80, 90, 95, 100)


@dataclass
class Out:
    """An emitted Rust expression and what the emitter needs to know about it."""

    code: str
    prec: int
    refs: frozenset = frozenset()  # spec-level local names the code reads
    div: bool = False  # always ends the call with an error (Rust type `!`)
    raises: bool = False  # may end the call with an error
    bare_struct: bool = False  # contains a struct literal outside any brackets
    res: str | None = None  # the same value as a `Result` (the code without its final `?`)
    ref_of: str | None = None  # the code is `*name`, `name` a by-reference parameter


def _refs(*outs: Out) -> frozenset:
    r: frozenset = frozenset()
    for o in outs:
        r |= o.refs
    return r


def indent(text: str, n: int = 1) -> str:
    pad = "    " * n
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def braces(lines: list[str]) -> str:
    return "{\n" + "\n".join(indent(x) for x in lines) + "\n}"


# ---- the document ------------------------------------------------------------------


class Names:
    """Rust names for everything in a document, fixed once so references agree."""

    def __init__(self, doc: dict) -> None:
        self.ix = IRIndex(doc)
        self.facts = document_facts(self.ix)  # upel.codegen.facts, shared with the other backends
        self.modules: dict[str, str] = {}
        self.items: dict[str, str] = {}  # qname -> ident within its module
        self.pkg_of: dict[str, str] = {}  # qname -> package name
        self.taken: dict[str, set[str]] = {}  # package -> module-level names
        self.members: dict[str, dict[str, str]] = {}  # enum/error qname -> member -> ident
        self.fields: dict[str, dict[str, str]] = {}  # record qname -> field -> ident
        self.methods: dict[str, dict[str, str]] = {}  # enum/error qname -> role -> ident
        crate_taken = set(CRATE_RESERVED) | set(RAW_KEYWORDS) | set(NO_RAW)
        for pkg in doc["packages"]:
            self.modules[pkg["name"]] = fresh(pkg["name"].replace(".", "_"), crate_taken)
            taken = set(MODULE_RESERVED)
            for group in ("types", "errors", "consts", "functions"):
                for item in pkg[group]:
                    self.items[item["qname"]] = fresh(ident(item["name"]), taken)
                    self.pkg_of[item["qname"]] = pkg["name"]
            self.taken[pkg["name"]] = taken
            for t in pkg["types"]:
                if t["kind"] == "enum":
                    self._members(t["qname"], [m["name"] for m in t["members"]], ("from_value", "value"))
                elif t["kind"] == "record":
                    used: set[str] = set()
                    self.fields[t["qname"]] = {f["name"]: fresh(ident(f["name"]), used) for f in t["fields"]}
            for es in pkg["errors"]:
                self._members(es["qname"], [m["name"] for m in es["members"]], ("error",))

    def _members(self, qname: str, names: list[str], roles: tuple[str, ...]) -> None:
        used: set[str] = set()
        self.members[qname] = {n: fresh(ident(n), used) for n in names}
        self.methods[qname] = {r: fresh(r, used) for r in roles}

    def path(self, qname: str, here: str) -> str:
        name = self.items[qname]
        pkg = self.pkg_of[qname]
        return name if pkg == here else f"crate::{self.modules[pkg]}::{name}"


class Module:
    """Per-module state: which shared names the module's code ends up using."""

    def __init__(self, names: Names, pkg: dict) -> None:
        self.names = names
        self.ix = names.ix
        self.pkg = pkg["name"]
        self.uses_rt = False
        self.uses_error = False

    # types
    def rty(self, t: dict) -> str:
        k = t["k"]
        if k == "bool":
            return "bool"
        if k == "int":
            return native(t["signed"], t["width"])
        if k == "array":
            return f"[{self.rty(t['elem'])}; {t['len']}]"
        return self.names.path(t["name"], self.pkg)

    def decl(self, t: dict) -> dict | None:
        return self.ix.decl(t)

    def size_align(self, t: dict) -> tuple[int, int]:
        """Size and alignment in bytes of the Rust type of `t` (rustc orders a
        struct's fields by alignment, so a record has no inner padding)."""
        k = t["k"]
        if k == "bool":
            return 1, 1
        if k == "int":
            n = native_width(t["width"]) // 8
            return n, n
        if k == "array":
            size, align = self.size_align(t["elem"])
            return size * t["len"], align
        d = self.decl(t)
        if d["kind"] != "record":
            return self.size_align(d["underlying"])
        parts = [self.size_align(f["type"]) for f in d["fields"]]
        align = max((a for _, a in parts), default=1)
        size = sum(s for s, _ in parts)
        return -(-size // align) * align, align

    def by_ref(self, t: dict) -> bool:
        """Whether a parameter of type `t` is passed as `&T`: records and arrays
        larger than 16 bytes. Rust passes smaller values in registers, and
        larger ones by address anyway, but only after copying them."""
        if t["k"] == "array" or (t["k"] == "named" and self.decl(t)["kind"] == "record"):
            return self.size_align(t)[0] > 16
        return False

    def param_ty(self, t: dict) -> str:
        return ("&" if self.by_ref(t) else "") + self.rty(t)

    def is_newtype(self, t: dict) -> bool:
        d = self.decl(t)
        return d is not None and d["kind"] == "newtype"

    def storage(self, t: dict) -> dict:
        """The int type holding an int/newtype/enum value."""
        if t["k"] == "int":
            return t
        return self.decl(t)["underlying"]

    # values (constants, patterns)
    def value(self, t: dict, v) -> str:
        k = t["k"]
        if k == "bool":
            return "true" if v else "false"
        if k == "int":
            return lit(v, t["signed"], t["width"])
        if k == "array":
            elems = [self.value(t["elem"], x) for x in v]
            if len(set(elems)) == 1:
                return f"[{elems[0]}; {len(elems)}]"
            return "[" + ", ".join(elems) + "]"
        d = self.decl(t)
        path = self.names.path(d["qname"], self.pkg)
        if d["kind"] == "newtype":
            u = d["underlying"]
            return f"{path}({lit(v, u['signed'], u['width'])})"
        if d["kind"] == "enum":
            return self.member(d, v)
        fields = self.names.fields[d["qname"]]
        return path + " { " + ", ".join(f"{fields[f['name']]}: {self.value(f['type'], v[f['name']])}"
                                        for f in d["fields"]) + " }"

    def member(self, d: dict, v: int) -> str:
        name = next(m["name"] for m in d["members"] if m["value"] == v)
        return f"{self.names.path(d['qname'], self.pkg)}::{self.names.members[d['qname']][name]}"

    def error(self, code: int, text: str) -> str:
        """The Rust expression of error `code` (raised as `text`, e.g. "UnitError.too_high")."""
        self.uses_error = True
        if code in BUILTIN_ERROR_NAMES:
            return f"Error::{BUILTIN_ERROR_NAMES[code].upper()}"
        set_name, _, member = text.rpartition(".")
        cands = []
        for pkg in self.ix.doc["packages"]:
            for es in pkg["errors"]:
                for m in es["members"]:
                    if m["code"] == code and m["name"] == member and es["name"] == set_name:
                        cands.append((pkg["name"] != self.pkg, es, m))
        cands.sort(key=lambda c: c[0])
        if cands and (len(cands) == 1 or cands[0][0] != cands[1][0]):
            _, es, m = cands[0]
            q = es["qname"]
            return f"{self.names.path(q, self.pkg)}::{self.names.members[q][m['name']]}.{self.names.methods[q]['error']}()"
        return f"Error({code})"


_CMP = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_BIT = {"band": ("&", P_BAND), "bor": ("|", P_BOR), "bxor": ("^", P_BXOR)}
# Rust's `/` and `%` truncate toward zero like UPEL's
_PLAIN = {"add": ("+", P_ADD), "sub": ("-", P_ADD), "mul": ("*", P_MUL), "div": ("/", P_MUL), "rem": ("%", P_MUL)}


class FnEmitter:
    """Emits one function body. Locals get Rust names once per function."""

    def __init__(self, mod: Module, fn: dict) -> None:
        self.m = mod
        self.ix = mod.ix
        self.fn = fn
        self.taken = _Layered(mod.names.taken[mod.pkg], {"Some", "None", "Ok", "Err"})
        self.locals: dict[str, str] = {}
        self._div: dict[int, bool] = {}
        # checked operations that cannot fail on any path (upel/codegen/facts.py): plain Rust;
        # overflow guards such as `x > MAX - d` (d >= 0): `x.checked_add(d).is_none()`
        self.safe, self.guards = mod.names.facts.of(fn)
        # parameters passed as `&T` (the spec forbids shadowing, so a name
        # means the parameter throughout the function)
        self.ref_params = {p["name"] for p in fn["params"] if mod.by_ref(p["type"])}
        for name in _local_names(fn):
            self.locals[name] = fresh(ident(name), self.taken)

    def temp(self, base: str) -> str:
        return fresh(base, self.taken)

    # ---- helpers ---------------------------------------------------------------
    def rt(self, name: str) -> str:
        self.m.uses_rt = True
        return f"rt::{name}"

    @staticmethod
    def par(o: Out, need: int) -> str:
        return o.code if o.prec >= need else f"({o.code})"

    def raw(self, o: Out, t: dict) -> Out:
        """The native integer inside an int-like value."""
        if self.m.is_newtype(t):
            return Out(f"{self.par(o, P_ATOM)}.0", P_ATOM, o.refs, o.div, o.raises)
        return o

    def wrap(self, code: str, prec: int, t: dict, *parts: Out, raises: bool = False, res: str | None = None) -> Out:
        """A native result as a value of int-like type `t`."""
        refs = _refs(*parts)
        raises = raises or any(p.raises for p in parts)
        if self.m.is_newtype(t):
            return Out(f"{self.m.rty(t)}({code})", P_ATOM, refs, False, raises)
        return Out(code, prec, refs, False, raises, res=res)

    def strict(self, outs: list[Out]) -> Out | None:
        """If an operand always raises: evaluate the earlier operands that may
        raise (their errors come first), then that one; the node never runs."""
        for k, o in enumerate(outs):
            if o.div:
                pre = [p for p in outs[:k] if p.raises]
                if not pre:
                    return o
                lines = [f"let _ = {p.code};" for p in pre] + [o.code]
                return Out(braces(lines), P_BLOCK, _refs(*pre, o), True, True)
        return None

    def info(self, t: dict):
        return self.ix.int_info(t)

    def bounded(self, t: dict) -> bool:
        """True when the value set is narrower than the native storage type."""
        i = self.info(t)
        n = native_width(i.width)
        return (i.lo, i.hi) != int_bounds(i.signed, n)

    def bounds(self, t: dict) -> str:
        i = self.info(t)
        return f"{lit(i.lo, i.signed, i.width)}, {lit(i.hi, i.signed, i.width)}"

    # ---- expressions ----------------------------------------------------------------
    def ex(self, e: dict) -> Out:
        return getattr(self, "_" + e["k"])(e)

    def _lit(self, e):
        t = e["t"]
        v = e["v"]
        if t["k"] == "bool":
            return Out("true" if v else "false", P_ATOM)
        code = self.m.value(t, v)
        return Out(code, P_UNARY if code.startswith("-") else P_ATOM)

    def _enum(self, e):
        return Out(self.m.member(self.m.decl(e["t"]), e["v"]), P_ATOM)

    def _local(self, e):
        name = self.locals[e["name"]]
        if e["name"] in self.ref_params:
            # the value is `*p`; field access, indexing and by-reference
            # arguments use `p` itself (ref_of) and copy nothing
            return Out(f"*{name}", P_UNARY, frozenset({e["name"]}), ref_of=name)
        return Out(name, P_ATOM, frozenset({e["name"]}))

    def _const(self, e):
        return Out(self.m.names.path(e["name"], self.m.pkg), P_ATOM)

    def _raise(self, e):
        return Out(f"return Err({self.m.error(e['code'], e['error'])})", P_BLOCK, div=True, raises=True)

    def _un(self, e):
        a = self.ex(e["a"])
        if a.div:
            return a
        op, t = e["op"], e["t"]
        if op == "not":
            return Out(f"!{self.par(a, P_UNARY)}", P_UNARY, a.refs, False, a.raises,
                       a.bare_struct and a.prec >= P_UNARY)
        r = self.raw(a, t)
        if op == "neg":
            if id(e) in self.safe and self.info(t).signed:
                # cannot overflow (facts.py), so `-` never panics nor wraps (unsigned: keep the call)
                return self.wrap(f"-{self.par(r, P_UNARY)}", P_UNARY, t, a)
            if self.bounded(t):
                call = f"{self.rt('neg_in')}({r.code}, {self.bounds(t)})"
            else:
                call = f"{self.rt('neg')}({r.code})"
            return self.wrap(call + "?", P_ATOM, t, a, raises=True, res=call)
        # bnot: on the bits of the storage width, renormalised for odd widths
        i = self.info(t)
        code = f"!{self.par(r, P_UNARY)}"
        if i.width != native_width(i.width):
            return self.wrap(f"{self.rt('norm')}({code}, {i.width})", P_ATOM, t, a)
        return self.wrap(code, P_UNARY, t, a)

    def _bin(self, e):
        op, t = e["op"], e["t"]
        a = self.ex(e["a"])
        if op in ("and", "or"):
            if a.div:
                return a
            b = self.ex(e["b"])
            p = P_AND if op == "and" else P_OR
            sym = "&&" if op == "and" else "||"
            return Out(f"{self.par(a, p)} {sym} {self.par(b, p + 1)}", p, _refs(a, b), False,
                       a.raises or b.raises, a.bare_struct or b.bare_struct)
        if id(e) in self.guards:
            g = self.overflow_guard(e, a)
            if g is not None:
                return g
        b = self.ex(e["b"])
        d = self.strict([a, b])
        if d:
            return d
        if op in _CMP:
            left_need = P_AS + 1 if op in ("lt", "le") else P_CMP + 1  # `x as u8 < y` does not parse
            return Out(f"{self.par(a, left_need)} {_CMP[op]} {self.par(b, P_CMP + 1)}", P_CMP,
                       _refs(a, b), False, a.raises or b.raises, a.bare_struct or b.bare_struct)
        ra, rb = self.raw(a, t), self.raw(b, e["b"]["t"])
        if op in _BIT:
            sym, p = _BIT[op]
            return self.wrap(f"{self.par(ra, p)} {sym} {self.par(rb, p + 1)}", p, t, a, b)
        i = self.info(t)
        base, _, kind = op.partition("_")
        if kind == "":
            if op in ("shl", "shr"):
                return self.wrap(f"{self.rt(op)}({ra.code}, {rb.code}, {i.width})", P_ATOM, t, a, b)
            # checked: add sub mul div rem
            if op in _PLAIN and id(e) in self.safe:
                # the exact result is in t's value set (facts.py): the plain operator
                # neither panics (debug) nor wraps (release)
                sym, p = _PLAIN[op]
                return self.wrap(f"{self.par(ra, p)} {sym} {self.par(rb, p + 1)}", p, t, a, b)
            if self.bounded(t):
                call = f"{self.rt(op + '_in')}({ra.code}, {rb.code}, {self.bounds(t)})"
            else:
                call = f"{self.rt(op)}({ra.code}, {rb.code})"
            return self.wrap(call + "?", P_ATOM, t, a, b, raises=True, res=call)
        method = {"wrap": "wrapping_", "sat": "saturating_"}[kind] + base
        code = f"{self.par(ra, P_ATOM)}.{method}({rb.code})"
        if kind == "wrap" and i.width != native_width(i.width):
            code = f"{self.rt('norm')}({code}, {i.width})"
        elif kind == "sat" and self.bounded(t):
            code = f"{self.rt('clamp')}({code}, {self.bounds(t)})"
        return self.wrap(code, P_ATOM, t, a, b)

    def overflow_guard(self, e: dict, a: Out) -> Out | None:
        """A comparison such as `x > MAX - d` that facts.py proved to be true
        exactly when x + d (or, for `x > MAX + d`, x - d) leaves T:
        `x.checked_add(d).is_none()`, which LLVM merges with the `x + d` that
        follows (one `add` and `jo`). Only for a T whose value set is its whole
        storage type. `a` is e["a"] emitted."""
        method, xe, de = self.guards[id(e)]
        t = xe["t"]
        if self.bounded(t):
            return None
        x = a if xe is e["a"] else self.ex(xe)
        d = self.ex(de)
        if xe is e["a"]:
            dv = self.strict([x, d])  # x first, as in the comparison
            if dv:
                return dv
        elif a.raises or a.div or x.raises or x.div:
            return None  # the bound, then x: the checked op takes x first, so only when nothing raises
        rx, rd = self.raw(x, t), self.raw(d, t)
        code = f"{self.par(rx, P_ATOM)}.checked_{method}({rd.code}).is_none()"
        return Out(code, P_ATOM, _refs(x, d), False, x.raises or d.raises)

    def _source(self, e: dict) -> tuple[Out, dict, int, int]:
        """Operand of a cast/conversion: (native code, its int type, lo, hi of its values)."""
        a = self.ex(e)
        t = e["t"]
        if a.div:
            return a, {"k": "int", "signed": False, "width": 8}, 0, 0
        if t["k"] == "bool":
            o = Out(f"{self.par(a, P_AS)} as u8", P_AS, a.refs, False, a.raises)
            return o, {"k": "int", "signed": False, "width": 8}, 0, 1
        d = self.m.decl(t)
        if d is not None and d["kind"] == "enum":
            u = d["underlying"]
            o = Out(f"{self.par(a, P_AS)} as {native(u['signed'], u['width'])}", P_AS, a.refs, a.div, a.raises)
            vals = [m["value"] for m in d["members"]]
            return o, u, min(vals), max(vals)
        i = self.info(t)
        return self.raw(a, t), self.m.storage(t), i.lo, i.hi

    def _cast(self, e):
        if e["a"]["t"] == e["t"]:
            return self.ex(e["a"])  # `x as T` where x is already a T
        src, st, slo, shi = self._source(e["a"])
        if src.div:
            return src
        t = e["t"]
        ti = self.info(t)
        tn = native(ti.signed, ti.width)
        sn = native(st["signed"], st["width"])
        if e["check"]:
            if ti.lo <= slo and shi <= ti.hi:
                code = src.code if sn == tn else f"{self.par(src, P_AS)} as {tn}"
                return self.wrap(code, P_ATOM, t, src)
            return self.wrap(f"{self.rt('conv')}({src.code}, {self.bounds(t)})?", P_ATOM, t, src, raises=True)
        lo, hi = int_bounds(ti.signed, ti.width)
        if sn == tn:
            code, prec = src.code, src.prec
        else:
            code, prec = f"{self.par(src, P_AS)} as {tn}", P_AS
        if not (lo <= slo and shi <= hi) and ti.width != native_width(ti.width):
            code, prec = f"{self.rt('norm')}({code}, {ti.width})", P_ATOM
        return Out(code, prec, src.refs, False, src.raises, src.bare_struct if prec == src.prec else False)

    def _enum_from(self, e):
        a = self.ex(e["a"])
        if a.div:
            return a
        r = self.raw(a, e["a"]["t"])
        d = self.m.decl(e["t"])
        fn = f"{self.m.names.path(d['qname'], self.m.pkg)}::{self.m.names.methods[d['qname']]['from_value']}"
        call = f"{fn}({self.rt('wide')}({r.code}))"
        return Out(call + "?", P_ATOM, a.refs, False, True, res=call)

    def _call(self, e):
        args = [self.ex(x) for x in e["args"]]
        d = self.strict(args)
        if d:
            return d
        params = self.ix.functions[e["fn"]]["params"]
        codes = [self._arg(a, p["type"]) for a, p in zip(args, params)]
        call = f"{self.m.names.path(e['fn'], self.m.pkg)}({', '.join(codes)})"
        return Out(call + "?", P_ATOM, _refs(*args), False, True, res=call)

    def _arg(self, a: Out, t: dict) -> str:
        """An argument for a parameter of type `t`: borrowed when passed by reference."""
        if not self.m.by_ref(t):
            return a.code
        return a.ref_of if a.ref_of else f"&{self.par(a, P_UNARY)}"

    def _builtin(self, e):
        name, t = e["name"], e["t"]
        args = [self.ex(x) for x in e["args"]]
        d = self.strict(args)
        if d:
            return d
        if name in ("min", "max"):
            return Out(f"{self.rt(name)}({args[0].code}, {args[1].code})", P_ATOM, _refs(*args), False,
                       any(a.raises for a in args))
        at = e["args"][0]["t"]
        x = self.raw(args[0], at)
        if name == "abs":
            if id(e) in self.safe and self.info(t).signed:
                return self.wrap(f"{self.par(x, P_ATOM)}.abs()", P_ATOM, t, *args)
            if self.bounded(t):
                call = f"{self.rt('abs_in')}({x.code}, {self.bounds(t)})"
            else:
                call = f"{self.rt('abs')}({x.code})"
            return self.wrap(call + "?", P_ATOM, t, *args, raises=True, res=call)
        w = self.info(at).width
        if name == "popcount":
            return Out(f"{self.rt('popcount')}({x.code}, {w})", P_ATOM, _refs(*args), False, args[0].raises)
        if name == "bit":
            i = self.raw(args[1], e["args"][1]["t"])
            return Out(f"{self.rt('bit')}({x.code}, {i.code}, {w})", P_ATOM, _refs(*args), False,
                       any(a.raises for a in args))
        code = f"{self.rt('bits')}({x.code}, {e['hi']}, {e['lo']})"
        tn = native(False, t["width"])
        if tn != "u64":
            return Out(f"{code} as {tn}", P_AS, args[0].refs, False, args[0].raises)
        return Out(code, P_ATOM, args[0].refs, False, args[0].raises)

    def _field(self, e):
        a = self.ex(e["a"])
        if a.div:
            return a
        rec = self.m.decl(e["a"]["t"])["qname"]
        base = a.ref_of or self.par(a, P_ATOM)  # `p.f` reads through the reference
        return Out(f"{base}.{self.m.names.fields[rec][e['name']]}", P_ATOM, a.refs, False, a.raises)

    def _record(self, e):
        outs = [self.ex(f["e"]) for f in e["fields"]]
        d = self.strict(outs)
        if d:
            return d
        rec = self.m.decl(e["t"])["qname"]
        fields = self.m.names.fields[rec]
        parts = [self._init(fields[f["name"]], o) for f, o in zip(e["fields"], outs)]
        return Out(self._struct(self.m.rty(e["t"]), parts), P_STRUCT, _refs(*outs), False,
                   any(o.raises for o in outs), bare_struct=True)

    @staticmethod
    def _init(name: str, o: Out) -> str:
        return name if o.code == name else f"{name}: {o.code}"

    @staticmethod
    def _struct(path: str, parts: list[str]) -> str:
        one = path + " { " + ", ".join(parts) + " }"
        if len(one) <= 90 and "\n" not in one:
            return one
        return path + " " + braces([p if p.startswith("..") else p + "," for p in parts])

    def _rec_with(self, e):
        a = self.ex(e["a"])
        outs = [self.ex(f["e"]) for f in e["fields"]]
        d = self.strict([a, *outs])
        if d:
            return d
        decl = self.m.decl(e["t"])
        fields = self.m.names.fields[decl["qname"]]
        parts = [self._init(fields[f["name"]], o) for f, o in zip(e["fields"], outs)]
        refs = _refs(a, *outs)
        raises = a.raises or any(o.raises for o in outs)
        complete = {f["name"] for f in e["fields"]} == {f["name"] for f in decl["fields"]}
        if complete:
            # every field is replaced: the base only matters for its errors
            lit_ = self._struct(self.m.rty(e["t"]), parts)  # source (evaluation) order
            if not a.raises:
                return Out(lit_, P_STRUCT, _refs(*outs), False, raises, bare_struct=True)
            return Out(braces([f"let _ = {a.code};", lit_]), P_BLOCK, refs, False, True)
        if not a.raises or not any(o.raises for o in outs):
            # `S { f: x, ..base }` evaluates the fields before the base; that is
            # only observable when both can raise, handled below
            return Out(self._struct(self.m.rty(e["t"]), parts + [f"..{a.code}"]), P_STRUCT, refs, False, raises,
                       bare_struct=True)
        tmp = self.temp("updated")
        lines = [f"let mut {tmp} = {a.code};"]
        lines += [f"{tmp}.{fields[f['name']]} = {o.code};" for f, o in zip(e["fields"], outs)]
        lines.append(tmp)
        return Out(braces(lines), P_BLOCK, refs, False, True)

    def _array(self, e):
        outs = [self.ex(x) for x in e["elems"]]
        d = self.strict(outs)
        if d:
            return d
        one = "[" + ", ".join(o.code for o in outs) + "]"
        if len(one) > 100 or "\n" in one:
            one = "[\n" + "\n".join(indent(o.code) + "," for o in outs) + "\n]"
        return Out(one, P_ATOM, _refs(*outs), False, any(o.raises for o in outs))

    def _repeat(self, e):
        x = self.ex(e["e"])
        if x.div:
            return x
        return Out(f"[{x.code}; {e['n']}]", P_ATOM, x.refs, False, x.raises)

    def _index(self, e):
        a, i = self.ex(e["a"]), self.ex(e["i"])
        d = self.strict([a, i])
        if d:
            return d
        ri = self.raw(i, e["i"]["t"])
        ii = self.info(e["i"]["t"])
        if 0 <= ii.lo and ii.hi < e["a"]["t"]["len"]:
            # every value of the index type is in bounds (as in the C backend): a place,
            # read in place (a field of it copies only the field); `[]` cannot panic
            return Out(f"{self.par(a, P_ATOM)}[{self.par(ri, P_AS)} as usize]", P_ATOM, _refs(a, i), False,
                       a.raises or i.raises)
        arr = a.ref_of or f"&{self.par(a, P_UNARY)}"
        call = f"{self.rt('at')}({arr}, {ri.code})"
        return Out(call + "?", P_ATOM, _refs(a, i), False, True, res=call)

    def _arr_with(self, e):
        a, i, v = self.ex(e["a"]), self.ex(e["i"]), self.ex(e["v"])
        d = self.strict([a, i, v])
        if d:
            return d
        ri = self.raw(i, e["i"]["t"])
        call = f"{self.rt('with')}({a.code}, {ri.code}, {v.code})"
        return Out(call + "?", P_ATOM, _refs(a, i, v), False, True, res=call)

    def _if(self, e):
        c = self.ex(e["c"])
        if c.div:
            return c
        cond = self._cond(c)
        tl, to = self.block(e["then"], "v")
        el, eo = self.block(e["else"], "v")
        refs = c.refs | to.refs | eo.refs
        div = to.div and eo.div
        raises = c.raises or to.raises or eo.raises
        if not tl and not el and "\n" not in to.code + eo.code + cond and \
                len(cond) + len(to.code) + len(eo.code) <= 70:
            return Out(f"if {cond} {{ {to.code} }} else {{ {eo.code} }}", P_BLOCK, refs, div, raises)
        return Out(f"if {cond} {braces(tl + [to.code])} else {self._else(el, eo)}", P_BLOCK, refs, div, raises)

    @staticmethod
    def _else(lines: list[str], o: Out) -> str:
        """The `else` part: `else if ...` chains stay flat."""
        if not lines and o.prec == P_BLOCK and o.code.startswith("if "):
            return o.code
        return braces(lines + [o.code])

    @staticmethod
    def _cond(c: Out) -> str:
        # a struct literal directly in an `if` condition or a `match` scrutinee does not parse
        return f"({c.code})" if c.bare_struct else c.code

    def _match(self, e, mode: str = "v"):
        a = self.ex(e["a"])
        if a.div:
            return a
        st = e["a"]["t"]
        scrut = a
        d = self.m.decl(st) if st["k"] == "named" else None
        if st["k"] == "int" or (d is not None and d["kind"] == "newtype"):
            scrut = self.raw(a, st)
        arms = self._arms(e, st, d)
        refs = set(a.refs)
        lines = []
        outs = []
        for pats, comment, body in arms:
            if mode == "r":
                o = self.rexpr(body)
            else:
                bl, o = self.block(body, "v")
                if bl:
                    o = Out(braces(bl + [o.code]), P_BLOCK, o.refs, o.div, o.raises)
            outs.append(o)
            refs |= o.refs
            if comment:
                lines.append(comment)
            if "\n" in o.code and not o.code.startswith(("{", "match ")):
                lines.append(f"{pats} => {braces([o.code])}")
            else:
                lines.append(f"{pats} => {o.code},")
        div = all(o.div for o in outs)
        raises = a.raises or any(o.raises for o in outs)
        return Out(f"match {self._cond(scrut)} " + braces(lines), P_BLOCK, frozenset(refs), div, raises)

    def _arms(self, e, st, d):
        """[(pattern text, comment line or None, body)] with Rust-exhaustive patterns."""
        arms = [(arm["pats"], arm["body"]) for arm in e["arms"]]
        explicit = [p for pats, _ in arms if pats is not None for p in pats]
        if st["k"] == "bool":
            universe = {False, True}
        elif d is not None and d["kind"] == "enum":
            universe = {m["value"] for m in d["members"]}
        else:
            i = self.info(st)
            universe = None
            if i.hi - i.lo + 1 <= len(explicit):
                universe = set(range(i.lo, i.hi + 1))
        covered = universe is not None and universe <= set(explicit)
        if covered and arms[-1][0] is None:
            arms = arms[:-1]  # the wildcard can never match
        out = []
        is_int = st["k"] == "int" or (d is not None and d["kind"] == "newtype")
        for n, (pats, body) in enumerate(arms):
            if pats is None:
                out.append(("_", None, body))
                continue
            if is_int and n == len(arms) - 1 and arms[-1][0] is not None:
                # Rust checks exhaustiveness against the storage type: the last
                # arm takes every value the earlier ones do not
                out.append(("_", "// " + " | ".join(str(p) for p in pats), body))
                continue
            if st["k"] == "bool":
                text = " | ".join("true" if p else "false" for p in pats)
            elif not is_int:
                text = " | ".join(self.m.member(d, p) for p in pats)
            else:
                s = self.m.storage(st)
                text = " | ".join(lit(p, s["signed"], s["width"]) for p in pats)
            out.append((text, None, body))
        return out

    def _block(self, e):
        lines, o = self.block(e, "v")
        if not lines:
            return o
        return Out(braces(lines + [o.code]), P_BLOCK, o.refs, o.div, o.raises)

    def _fold(self, e):
        lines, o = self.fold_parts(e)
        if not lines:
            return o
        return Out(braces(lines + [o.code]), P_BLOCK, o.refs, o.div, o.raises)

    def fold_parts(self, e) -> tuple[list[str], Out]:
        """A fold as statements plus a tail (the accumulator): a loop over the
        index type, or just `init` for an empty range, or a single step when
        the body always raises."""
        init = self.ex(e["init"])
        if init.div or e["lo"] == e["hi"]:
            return [], init
        var, acc = e["var"], e["acc"]
        vt = e["var_t"]
        bl, bo = self.block(e["body"], "v")
        lo = lit(e["lo"], vt["signed"], vt["width"])
        # `lo..hi` where `hi` fits the storage type: rustc compiles it to a
        # plain counted loop that LLVM unrolls; `..=` keeps an extra
        # "exhausted" flag in the loop (needed only when hi is the type's max)
        if e["hi"] <= int_bounds(vt["signed"], native_width(vt["width"]))[1]:
            rng = f"{lo}..{lit(e['hi'], vt['signed'], vt['width'])}"
        else:
            rng = f"{lo}..={lit(e['hi'] - 1, vt['signed'], vt['width'])}"
        body_refs = bo.refs
        rv, ra = self.locals[var], self.locals[acc]
        refs = init.refs | (body_refs - {var, acc})
        if bo.div:
            # the first step raises: run it once
            lines = []
            refs = body_refs - {var, acc}
            if acc in body_refs or init.raises:
                lines.append(f"let {ra if acc in body_refs else '_'}: {self.m.rty(e['t'])} = {init.code};")
                refs |= init.refs
            if var in body_refs:
                lines.append(f"let {rv}: {self.m.rty(vt)} = {lo};")
            return lines + bl, Out(bo.code, bo.prec, refs, True, True)
        loop_var = rv if var in body_refs else "_"
        lines = [f"let mut {ra}: {self.m.rty(e['t'])} = {init.code};",
                 f"for {loop_var} in {rng} " + braces(bl + [f"{ra} = {bo.code};"])]
        return lines, Out(ra, P_ATOM, refs, False, init.raises or bo.raises)

    # ---- blocks --------------------------------------------------------------------
    def block(self, e: dict, mode: str) -> tuple[list[str], Out]:
        """The statements and the tail of a Rust block holding `e`.

        mode "v": the tail is the value; mode "r": the tail is a `Result`.
        Spec blocks are flattened into the statements, a trailing
        `if c { raise } else { rest }` becomes a guard statement, and lets
        whose names are never read are dropped or kept only for their errors.
        """
        items: list[tuple] = []
        tail: Out | None = None
        while tail is None:
            k = e["k"]
            if k == "block":
                for let in e["lets"]:
                    o = self.ex(let["e"])
                    if o.div:
                        tail = self.rexpr(let["e"]) if mode == "r" else o
                        break
                    items.append(("let", let["name"], let["t"], o))
                if tail is None:
                    e = e["result"]
                continue
            if k == "if":
                c = self.ex(e["c"])
                if c.div:
                    tail = c
                    break
                if self.div(e["then"]) and not self.div(e["else"]):
                    tl, to = self.block(e["then"], "v")
                    items.append(("guard", c, tl + [to.code + ";"], to.refs))
                    e = e["else"]
                    continue
                if mode == "r":
                    rl, ro = self.block(e["then"], "r")
                    el, eo = self.block(e["else"], "r")
                    code = f"if {self._cond(c)} {braces(rl + [ro.code])} else {self._else(el, eo)}"
                    tail = Out(code, P_BLOCK, c.refs | ro.refs | eo.refs, ro.div and eo.div,
                               c.raises or ro.raises or eo.raises)
                    break
                tail = self.ex(e)
                break
            if k == "fold":
                lines, o = self.fold_parts(e)
                if lines:
                    items.append(("raw", lines, o.refs, o.raises))
                    e = {"k": "local", "name": e["acc"], "t": e["t"]}
                    if o.div:
                        tail = Out(o.code, o.prec, frozenset(), True, True)
                    continue
            if mode == "r":
                tail = self.rexpr(e)
            else:
                tail = self.ex(e)
        return self._render(items, tail)

    def div(self, e: dict) -> bool:
        """Whether `e` always raises, exactly as the emitted code will tell rustc
        (memoised; mirrors the `div` flags the emitters compute)."""
        key = id(e)
        if key not in self._div:
            self._div[key] = self._div_of(e)
        return self._div[key]

    def _div_of(self, e: dict) -> bool:
        k = e["k"]
        d = self.div
        if k == "raise":
            return True
        if k in ("lit", "enum", "local", "const"):
            return False
        if k in ("un", "cast", "enum_from", "field"):
            return d(e["a"])
        if k == "repeat":
            return d(e["e"])
        if k == "bin":
            if e["op"] in ("and", "or"):
                return d(e["a"])
            return d(e["a"]) or d(e["b"])
        if k in ("call", "builtin"):
            return any(d(x) for x in e["args"])
        if k == "record":
            return any(d(f["e"]) for f in e["fields"])
        if k == "rec_with":
            return d(e["a"]) or any(d(f["e"]) for f in e["fields"])
        if k == "array":
            return any(d(x) for x in e["elems"])
        if k == "index":
            return d(e["a"]) or d(e["i"])
        if k == "arr_with":
            return d(e["a"]) or d(e["i"]) or d(e["v"])
        if k == "if":
            return d(e["c"]) or (d(e["then"]) and d(e["else"]))
        if k == "match":
            st = e["a"]["t"]
            decl = self.m.decl(st) if st["k"] == "named" else None
            return d(e["a"]) or all(d(body) for _, _, body in self._arms(e, st, decl))
        if k == "block":
            return any(d(x["e"]) for x in e["lets"]) or d(e["result"])
        if k == "fold":
            return d(e["init"]) or (e["lo"] < e["hi"] and d(e["body"]))
        raise AssertionError(f"unknown expression kind {k}")

    def _render(self, items: list[tuple], tail: Out) -> tuple[list[str], Out]:
        live = set(tail.refs)
        raises = tail.raises
        lines: list[str] = []
        for it in reversed(items):
            if it[0] == "let":
                _, name, t, o = it
                if name in live:
                    live.discard(name)
                    lines.append(f"let {self.locals[name]}: {self.m.rty(t)} = {o.code};")
                elif o.raises:
                    lines.append(f"let _ = {o.code};")
                else:
                    continue
                live |= o.refs
                raises = raises or o.raises
            elif it[0] == "raw":
                _, raw_lines, refs, raw_raises = it
                lines.extend(reversed(raw_lines))
                live = set(refs)  # the spliced fold is the tail: it reads only these
                raises = raises or raw_raises
            else:
                _, c, then_lines, then_refs = it
                lines.append(f"if {self._cond(c)} {braces(then_lines)}")
                live |= c.refs | then_refs
                raises = True
        lines.reverse()
        return lines, Out(tail.code, tail.prec, frozenset(live), tail.div, raises, tail.bare_struct, tail.res)

    def rexpr(self, e: dict) -> Out:
        """`e` as an expression of type `Result<T, Error>`."""
        k = e["k"]
        if k == "raise":
            return Out(f"Err({self.m.error(e['code'], e['error'])})", P_ATOM, raises=True)
        if k in ("block", "if"):
            lines, o = self.block(e, "r")
            if not lines:
                return o
            return Out(braces(lines + [o.code]), P_BLOCK, o.refs, o.div, o.raises)
        if k == "match":
            return self._match(e, "r")
        o = self.ex(e)
        if o.div:
            return o
        if o.res is not None:
            return Out(o.res, P_ATOM, o.refs, False, o.raises)
        return Out(f"Ok({o.code})", P_ATOM, o.refs, False, o.raises)

    # ---- the function -------------------------------------------------------------
    def function(self) -> dict:
        fn = self.fn
        items: list[tuple] = []
        tail = None
        for req in fn["requires"]:
            c = self.ex(req)
            if c.div:
                tail = c
                break
            items.append(("guard", Out(f"!{self.par(c, P_UNARY)}", P_UNARY, c.refs, False, c.raises),
                          [f"return Err({self.m.error(5, 'precondition')});"], frozenset()))
        if tail is None:
            lines, tail = self.block(fn["body"], "r")
        else:
            lines = []
        pre, tail = self._render(items, tail)
        used = tail.refs
        params = []
        for p in fn["params"]:
            name = self.locals[p["name"]] if p["name"] in used else self.temp("_" + plain(self.locals[p["name"]]))
            params.append(f"{name}: {self.m.param_ty(p['type'])}")
        self.m.uses_error = True
        return {"params": ", ".join(params), "ret": self.m.rty(fn["ret"]),
                "lines": pre + lines + [tail.code]}


def _local_names(fn: dict) -> list[str]:
    """Every local name a function binds, in first-seen order."""
    names: list[str] = [p["name"] for p in fn["params"]]

    for x in nodes([fn["requires"], fn["body"]]):
        if x.get("k") == "block":
            names.extend(let["name"] for let in x["lets"])
        elif x.get("k") == "fold":
            names.extend([x["var"], x["acc"]])
    seen: dict[str, None] = {}
    for n in names:
        seen.setdefault(n, None)
    return list(seen)


# ---- template contexts -------------------------------------------------------------


def header(doc: dict, pkg: dict | None, what: str) -> list[str]:
    """`// <what> UPEL package P, version "v"`, the IR digest, the toolchain."""
    root = next(p for p in doc["packages"] if p["name"] == doc["root"])
    p = pkg or root
    digest = f"// IR digest {package_digest(doc, p['name'])}"
    return [f"// {what} UPEL package {p['name']}, version {quoted(p['version'])}",
            digest,
            "// Generated by the UPEL Rust backend: plain rustc >= 1.63, edition 2021, no crates."]


def item_doc(item: dict) -> list[str]:
    lines = doc_lines("///", item.get("doc", []))
    if "deprecated" in item:
        if lines:
            lines.append("///")
        lines += doc_lines("///", ["Deprecated: " + item["deprecated"]])
    return lines


def reqs_comment(item: dict) -> str | None:
    if not item.get("reqs"):
        return None
    return "// @req(" + ", ".join(quoted(r) for r in item["reqs"]) + ")"


def module_context(doc: dict, names: Names, pkg: dict) -> dict:
    m = Module(names, pkg)
    types = []
    for t in pkg["types"]:
        q = t["qname"]
        entry = {"kind": t["kind"], "doc": item_doc(t), "reqs": reqs_comment(t), "name": names.items[q]}
        if t["kind"] == "newtype":
            u = t["underlying"]
            entry["inner"] = native(u["signed"], u["width"])
            if "range" in t:
                m.uses_error = m.uses_rt = True
                entry["range"] = {"lo": lit(t["range"]["lo"], u["signed"], u["width"]),
                                  "hi": lit(t["range"]["hi"], u["signed"], u["width"])}
            else:
                entry["range"] = None
        elif t["kind"] == "enum":
            u = t["underlying"]
            m.uses_error = True
            entry["repr"] = native(u["signed"], u["width"])
            entry["members"] = [{"doc": doc_lines("///", mm.get("doc", [])), "name": names.members[q][mm["name"]],
                                 "value": mm["value"]} for mm in t["members"]]
            entry["from_value"] = names.methods[q]["from_value"]
            entry["value_fn"] = names.methods[q]["value"]
        else:
            entry["fields"] = [{"doc": doc_lines("///", f.get("doc", [])), "name": names.fields[q][f["name"]],
                                "type": m.rty(f["type"])} for f in t["fields"]]
        types.append(entry)
    errors = []
    for es in pkg["errors"]:
        q = es["qname"]
        m.uses_error = True
        errors.append({"doc": item_doc(es), "reqs": reqs_comment(es), "name": names.items[q],
                       "method": names.methods[q]["error"],
                       "members": [{"doc": doc_lines("///", mm.get("doc", [])),
                                    "name": names.members[q][mm["name"]], "code": mm["code"]}
                                   for mm in es["members"]]})
    consts = [{"doc": item_doc(c), "reqs": reqs_comment(c), "name": names.items[c["qname"]],
               "type": m.rty(c["type"]), "value": m.value(c["type"], c["value"])} for c in pkg["consts"]]
    functions = []
    for fn in pkg["functions"]:
        f = FnEmitter(m, fn).function()
        f.update({"doc": item_doc(fn), "reqs": reqs_comment(fn), "name": names.items[fn["qname"]],
                  "body": "\n".join(indent(line) for line in f.pop("lines"))})
        functions.append(f)
    imports = []
    if m.uses_rt:
        imports.append("self as rt")
    if m.uses_error:
        imports.append("Error")
    use = None
    if imports:
        use = "use crate::upel_rt::" + (imports[0] if len(imports) == 1 and imports[0] == "Error"
                                        else "{" + ", ".join(imports) + "}") + ";"
        if imports == ["self as rt"]:
            use = "use crate::upel_rt as rt;"
    return {"header": header(doc, pkg, f"Rust module {names.modules[pkg['name']]}:"),
            "package_doc": doc_lines("//!", pkg.get("doc", [])),
            "use": use, "types": types, "errors": errors, "consts": consts, "functions": functions}


def runtime_context(doc: dict, names: Names) -> dict:
    # Spec-independent on purpose: one runtime serves every package and root,
    # so several roots can share an output folder.
    return {"header": ["// Rust runtime support (module upel_rt) for UPEL-generated packages.",
                       "// Generated by the UPEL Rust backend: plain rustc >= 1.63, edition 2021, no crates."],
            "builtins": [{"name": n.upper(), "text": n, "code": c} for c, n in sorted(BUILTIN_ERROR_NAMES.items())],
            "modules": ["<one line per package module>"]}


# ---- harness -----------------------------------------------------------------------


class Harness:
    """Readers and writers of the wire format (upel.codegen.values) per type."""

    def __init__(self, doc: dict, names: Names) -> None:
        self.names = names
        self.ix = names.ix
        self.m = Module(names, {"name": ""})  # paths from the crate root: crate::<module>::<item>
        self.keys: dict[str, int] = {}
        self.types: list[dict] = []

    def key(self, t: dict) -> int:
        k = json.dumps(t, sort_keys=True)
        if k not in self.keys:
            self.keys[k] = len(self.types)
            self.types.append(t)
        return self.keys[k]

    def read(self, t: dict, depth: int = 0) -> str:
        k = t["k"]
        if k == "bool":
            return "r.boolean()"
        if k == "int":
            return self._read_int(t)
        if k == "array":
            x = f"x{depth}"
            return ("{\n" + indent(f"let mut a{depth} = [{self.zero(t['elem'])}; {t['len']}];\n"
                                   f"for {x} in a{depth}.iter_mut() {{\n"
                                   + indent(f"*{x} = {self.read(t['elem'], depth + 1)};") + "\n}\n"
                                   f"a{depth}") + "\n}")
        d = self.ix.decl(t)
        path = self.m.rty(t)
        if d["kind"] == "newtype":
            return f"{path}({self._read_int(d['underlying'])})"
        if d["kind"] == "enum":
            fn = self.names.methods[d["qname"]]["from_value"]
            return f"{path}::{fn}({self._read_int(d['underlying'])} as i128).expect(\"not a member\")"
        fields = self.names.fields[d["qname"]]
        return f"{path} {{\n" + "\n".join(indent(f"{fields[f['name']]}: {self.read(f['type'], depth)},")
                                         for f in d["fields"]) + "\n}"

    @staticmethod
    def _read_int(t: dict) -> str:
        n = native(t["signed"], t["width"])
        if t["signed"]:
            return f"r.int({t['width']})" + ("" if n == "i64" else f" as {n}")
        return "r.uint()" + ("" if n == "u64" else f" as {n}")

    def zero(self, t: dict) -> str:
        k = t["k"]
        if k == "bool":
            return "false"
        if k == "int":
            return lit(0, t["signed"], t["width"])
        if k == "array":
            return f"[{self.zero(t['elem'])}; {t['len']}]"
        d = self.ix.decl(t)
        if d["kind"] == "newtype":
            i = self.ix.int_info(t)
            return self.m.value(t, i.lo)
        if d["kind"] == "enum":
            return self.m.member(d, d["members"][0]["value"])
        fields = self.names.fields[d["qname"]]
        return self.m.rty(t) + " { " + ", ".join(f"{fields[f['name']]}: {self.zero(f['type'])}"
                                                 for f in d["fields"]) + " }"

    def write(self, t: dict, v: str, depth: int = 0) -> list[str]:
        k = t["k"]
        if k == "bool":
            return [f"put(out, {v} as u64, 1);"]
        if k == "int":
            return [f"put(out, {v} as u64, {t['width']});"]
        if k == "array":
            x = f"x{depth}"
            return [f"for &{x} in {v}.iter() " + braces(self.write(t["elem"], x, depth + 1))]
        d = self.ix.decl(t)
        u = d.get("underlying")
        if d["kind"] == "newtype":
            return [f"put(out, {v}.0 as u64, {u['width']});"]
        if d["kind"] == "enum":
            return [f"put(out, {v} as {native(u['signed'], u['width'])} as u64, {u['width']});"]
        fields = self.names.fields[d["qname"]]
        out = []
        for f in d["fields"]:
            out += self.write(f["type"], f"{v}.{fields[f['name']]}", depth)
        return out


def harness_context(doc: dict, names: Names) -> dict:
    h = Harness(doc, names)
    cases = []
    index = 0
    for pkg in doc["packages"]:
        for fn in pkg["functions"]:
            args = []
            for n, p in enumerate(fn["params"]):
                args.append(f"let a{n} = read_{h.key(p['type'])}(&mut r);")
            call = f"crate::{names.modules[pkg['name']]}::{names.items[fn['qname']]}(" \
                   + ", ".join(("&" if h.m.by_ref(p["type"]) else "") + f"a{n}"
                               for n, p in enumerate(fn["params"])) + ")"
            cases.append({"index": index, "qname": fn["qname"], "args": args, "call": call,
                          "writer": f"write_{h.key(fn['ret'])}"})
            index += 1
    readers, writers = [], []
    params = {h.keys[json.dumps(p["type"], sort_keys=True)]
              for pkg in doc["packages"] for fn in pkg["functions"] for p in fn["params"]}
    rets = {h.keys[json.dumps(fn["ret"], sort_keys=True)] for pkg in doc["packages"] for fn in pkg["functions"]}
    for i, t in enumerate(h.types):
        ty = h.m.rty(t)
        if i in params:
            readers.append({"n": i, "type": ty, "body": indent(h.read(t))})
        if i in rets:
            writers.append({"n": i, "type": ty, "body": "\n".join(indent(x) for x in h.write(t, "v"))})
    return {"header": header(doc, None, "Rust conformance harness (crate root) for"),
            "modules": ["upel_rt"] + [names.modules[p["name"]] for p in doc["packages"]],
            "cases": cases, "readers": readers, "writers": writers}
