"""Check stage: declarations, constants, signatures, call graph -> IR.

`Checker` takes the loaded packages (`upel.loader.Program`), builds symbol
tables and file scopes, resolves types lazily (so declaration order never
matters), evaluates constants with the reference interpreter, checks every
function, property and vector set with `ExprChecker`, rejects recursion, and
lowers everything into IR packages (docs/ir.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from upel.check.exprs import MAX_SCALARS, RESERVED, Bail, ExprChecker, needs_context
from upel.check.symbols import BUILTIN_FUNCTIONS, FileScope, LocalScope, Symbol, suggest
from upel.check.types import (
    ArrayT, EnumInfo, IntT, NamedT, NewtypeInfo, RecordInfo, Type, TypeTable, parse_int_type,
)
from upel.diagnostics import DiagnosticSink
from upel.interp.eval import Evaluator
from upel.interp.intops import BUILTIN_ERROR_NAMES, BUILTIN_ERRORS, Raised
from upel.ir.model import IntInfo
from upel.loader import Program
from upel.syntax import ast

KNOWN_ATTRS = {"req": "one or more requirement ids", "doc": "one string", "deprecated": "one string",
               "assume": "three strings: tool, obligation, justification"}
# @assume(tool, obligation, justification): which tools and obligation names are valid
# is checked when the item is lowered (upel/check/lower.py), where its clauses are known.
ASSUME_TOOLS = ("smt", "coq", "wp", "eva", "cbmc", "yosys")
MIN_JUSTIFICATION = 20


@dataclass
class Signature:
    params: list[Type]
    ret: Type
    codes: set[int]


@dataclass
class Ctx:
    file: FileScope
    scope: LocalScope
    const_mode: bool = False
    declared: set[int] | None = None  # the function's declared codes (None: not in a function)
    calls: dict[str, ast.Loc] = field(default_factory=dict)
    failed: bool = False


class Checker:
    def __init__(self, program: Program, sink: DiagnosticSink) -> None:
        self.program = program
        self.sink = sink
        self.types = TypeTable()
        self.items: dict[str, dict[str, Symbol]] = {}
        self.files: list[FileScope] = []
        self._type_state: dict[str, str] = {}
        self._consts: dict[str, tuple[Type | None, object]] = {}  # not `_const`: mypyc names its C field `__const`, a glibc macro
        self._const_state: dict[str, str] = {}
        self._sigs: dict[str, Signature | None] = {}
        self.errors_by_code: dict[str, dict[int, str]] = {}
        self.error_sets: dict[str, dict[str, int]] = {}  # qname -> member -> code
        self._ir_files: dict[str, str] = {}  # source path -> its path in the IR (ir_loc)

    # ---- locations --------------------------------------------------------------
    def ir_loc(self, loc: ast.Loc) -> dict:
        # Every IR node has one: the file's IR path is looked up once per file.
        f = self._ir_files.get(loc.file)
        if f is None:
            f = self._ir_files[loc.file] = self.program.ir_paths.get(loc.file, loc.file)
        return {"file": f, "line": loc.line, "col": loc.col}

    # ---- symbol tables -------------------------------------------------------------
    def declare(self) -> None:
        for name in sorted(self.program.packages):
            pkg = self.program.packages[name]
            table: dict[str, Symbol] = {}
            self.items[name] = table
            for f in sorted(pkg.files, key=lambda f: self.program.ir_paths.get(f.path, f.path)):
                fs = FileScope(name, f)
                self.files.append(fs)
                item: Any  # any item; only those in _KIND are declared
                for item in f.items:
                    self._check_attrs(item)
                    kind = _KIND.get(type(item))
                    if kind is None:
                        continue
                    if item.name in RESERVED or isinstance(parse_int_type(item.name), (IntT, str)):
                        self.sink.error("E0103", f"`{item.name}` is a built-in name and cannot be declared",
                                        item.loc, "choose another name")
                        continue
                    if item.name in table:
                        prev = table[item.name].decl.loc
                        self.sink.error("E0103", f"`{item.name}` is defined twice (first at "
                                        f"{prev.file}:{prev.line}:{prev.col})", item.loc)
                        continue
                    table[item.name] = Symbol(kind, item.name, name, item, fs)
        for fs in self.files:
            self._bind_imports(fs)

    def _check_attrs(self, item) -> None:
        meta = getattr(item, "meta", None)
        for a in getattr(meta, "attrs", []):
            if a.name not in KNOWN_ATTRS:
                self.sink.error("E0110", f"unknown attribute `@{a.name}`", a.loc,
                                "known attributes: @req, @doc, @deprecated, @assume")
            elif a.name == "assume":
                if not isinstance(item, (ast.FnDecl, ast.PropertyDecl)):
                    self.sink.error("E0110", "`@assume` applies to functions and properties only", a.loc)
                elif len(a.args) != 3:
                    self.sink.error("E0110", f"`@assume` takes {KNOWN_ATTRS['assume']}", a.loc,
                                    'for example @assume("coq", "ensures[0]", "why it holds and who checked it")')
            elif (a.name == "req" and not a.args) or (a.name != "req" and len(a.args) != 1):
                self.sink.error("E0110", f"`@{a.name}` takes {KNOWN_ATTRS[a.name]}", a.loc)
            elif any(not s.strip() for s in a.args):
                self.sink.error("E0110", f"`@{a.name}` arguments may not be empty", a.loc)

    def _bind_imports(self, fs: FileScope) -> None:
        for item in fs.source.items:
            if not isinstance(item, ast.UseDecl):
                continue
            target = item.package.dotted()
            if target not in self.items:
                continue  # reported by the loader
            if item.names is None:
                alias = item.package.parts[-1]
                if alias in self.items[fs.package]:
                    self.sink.error("E0103", f"`use {target};` binds `{alias}`, which is also an item here",
                                    item.package.loc)
                fs.aliases[alias] = target
                continue
            for name, loc in item.names:
                sym = self.items[target].get(name)
                if sym is None:
                    self.sink.error("E0102", f"package {target} has no item `{name}`", loc,
                                    suggest(name, self.items[target]))
                elif name in self.items[fs.package]:
                    self.sink.error("E0103", f"`{name}` is imported and also defined in this package", loc)
                else:
                    fs.imported[name] = sym

    def item_named(self, fs: FileScope, name: str) -> bool:
        return name in self.items.get(fs.package, {}) or name in fs.imported

    # ---- lookup ---------------------------------------------------------------------
    def lookup(self, fs: FileScope, name: str, loc) -> tuple:
        sym = self.items[fs.package].get(name) or fs.imported.get(name)
        if sym is not None:
            self._note_use(sym, loc)
            return ("symbol", sym)
        if name in fs.aliases:
            return ("package", fs.aliases[name])
        if name in BUILTIN_ERRORS:
            return ("error", BUILTIN_ERRORS[name], name)
        candidates = list(self.items[fs.package]) + list(fs.imported) + list(fs.aliases) + list(BUILTIN_FUNCTIONS)
        self.sink.error("E0102", f"unknown name `{name}`", loc, suggest(name, candidates))
        raise Bail()

    def member(self, base: tuple, name: str, loc) -> tuple:
        kind = base[0]
        if kind == "package":
            sym = self.items.get(base[1], {}).get(name)
            if sym is None:
                self.sink.error("E0102", f"package {base[1]} has no item `{name}`", loc,
                                suggest(name, self.items.get(base[1], {})))
                raise Bail()
            self._note_use(sym, loc)
            return ("symbol", sym)
        if kind == "symbol":
            sym = base[1]
            if sym.kind == "type":
                self.ensure_type(sym)
                info = self.types.decls.get(sym.qname)
                if isinstance(info, EnumInfo):
                    if name not in info.members:
                        self.sink.error("E0102", f"enum {sym.name} has no member `{name}`", loc,
                                        suggest(name, info.members))
                        raise Bail()
                    return ("enum", sym.qname, name)
            if sym.kind == "error":
                members = self.error_members(sym)
                if name not in members:
                    self.sink.error("E0102", f"error set {sym.name} has no code `{name}`", loc, suggest(name, members))
                    raise Bail()
                return ("error", members[name], f"{sym.name}.{name}")
            self.sink.error("E0104", f"`{sym.name}` has no member `{name}`", loc)
            raise Bail()
        self.sink.error("E0104", f"`{base[2]}` has no member `{name}`", loc)
        raise Bail()

    def resolve_path_parts(self, fs: FileScope, path: ast.Path):
        try:
            target = self.lookup(fs, path.parts[0], path.loc)
            for part in path.parts[1:]:
                target = self.member(target, part, path.loc)
            return target
        except Bail:
            return None

    def _note_use(self, sym: Symbol, loc) -> None:
        msg = sym.deprecated
        if msg is not None:
            self.sink.warning("E0112", f"`{sym.name}` is deprecated: {msg}", loc)

    # ---- types --------------------------------------------------------------------
    def scalars(self, t: Type) -> int:
        """How many scalar leaves a value of type t holds."""
        if isinstance(t, ArrayT):
            return t.length * self.scalars(t.elem)
        rec = self.types.record(t)
        if rec is not None:
            return sum(self.scalars(f) for f in rec.fields.values())
        return 1

    def resolve_type(self, te, fs: FileScope) -> Type | None:
        if isinstance(te, ast.TypeArray):
            elem = self.resolve_type(te.elem, fs)
            n = self.const_int(te.length, Ctx(fs, LocalScope(), const_mode=True))
            if elem is None or n is None:
                return None
            if not 1 <= n <= 65536:
                self.sink.error("E0210", f"array length {n} is outside 1..=65536", te.length.loc)
                return None
            size = n * self.scalars(elem)
            if size > MAX_SCALARS:
                # Values are held element by element (interpreter, IR constants,
                # vectors, hardware buses); [[[u8; 65536]; 65536]; 65536] would
                # need 2^48 of them.
                self.sink.error("E0210", f"a value of this type holds {size} scalars; the maximum is {MAX_SCALARS}",
                                te.loc, "use fewer or smaller arrays")
                return None
            return ArrayT(elem, n)
        parts = te.path.parts
        if len(parts) == 1:
            if parts[0] == "bool":
                return ast_bool()
            it = parse_int_type(parts[0])
            if isinstance(it, str):
                self.sink.error("E0204", it, te.loc)
                return None
            if it is not None:
                return it
        target = self.resolve_path_parts(fs, te.path)
        if target is None:
            return None
        if target[0] != "symbol" or target[1].kind != "type":
            self.sink.error("E0104", f"`{te.path.dotted()}` is not a type", te.loc)
            return None
        if not self.ensure_type(target[1]):
            return None
        return NamedT(target[1].qname)

    def ensure_type(self, sym: Symbol) -> bool:
        """Resolve a type declaration once; False if it is broken."""
        state = self._type_state.get(sym.qname)
        if state == "done":
            return sym.qname in self.types.decls
        if state == "busy":
            self.sink.error("E0226", f"type `{sym.name}` contains itself", sym.decl.loc,
                            "records cannot be recursive: a value would be infinite")
            return False
        self._type_state[sym.qname] = "busy"
        try:
            info = self._build_type(sym)
        finally:
            self._type_state[sym.qname] = "done"
        if info is not None:
            self.types.decls[sym.qname] = info
        return info is not None

    def _build_type(self, sym: Symbol):
        d, fs = sym.decl, sym.file
        if isinstance(d, ast.TypeDecl):
            under = self.resolve_type(d.type, fs)
            if under is None:
                return None
            if not isinstance(under, IntT):
                self.sink.error("E0226", f"a newtype wraps an integer type; `{self.types.show(under)}` is not one",
                                d.type.loc, "records, enums and arrays are nominal already")
                return None
            if d.range is None:
                return NewtypeInfo(sym.qname, under, under.lo, under.hi, False)
            ctx = Ctx(fs, LocalScope(), const_mode=True)
            lo = self.const_eval(d.range[0], under, ctx)
            hi = self.const_eval(d.range[1], under, ctx)
            if lo is None or hi is None:
                return None
            if lo > hi:
                self.sink.error("E0211", f"empty range {lo}..={hi}", d.range[0].loc, "the range needs lo <= hi")
                return None
            return NewtypeInfo(sym.qname, under, lo, hi, True)
        if isinstance(d, ast.EnumDecl):
            under = self.resolve_type(d.underlying, fs)
            if under is None:
                return None
            if not isinstance(under, IntT):
                self.sink.error("E0212", "an enum's underlying type is an integer type such as u8", d.underlying.loc)
                return None
            info = EnumInfo(sym.qname, under)
            values: dict[int, str] = {}
            ctx = Ctx(fs, LocalScope(), const_mode=True)
            for m in d.members:
                v = self.const_eval(m.value, under, ctx)
                if v is None:
                    continue
                if m.name in info.members:
                    self.sink.error("E0103", f"enum member `{m.name}` is defined twice", m.loc)
                elif v in values:
                    self.sink.error("E0212", f"`{m.name}` has the same value {v} as `{values[v]}`", m.value.loc,
                                    "discriminants must be distinct")
                else:
                    info.members[m.name] = v
                    values[v] = m.name
            return info
        if isinstance(d, ast.RecordDecl):
            rec = RecordInfo(sym.qname)
            ok = True
            for f in d.fields:
                t = self.resolve_type(f.type, fs)
                if t is None:
                    ok = False
                elif f.name in rec.fields:
                    self.sink.error("E0103", f"field `{f.name}` is defined twice", f.loc)
                else:
                    rec.fields[f.name] = t
            return rec if ok else None
        raise AssertionError(type(d))

    # ---- errors ---------------------------------------------------------------------
    def error_members(self, sym: Symbol) -> dict[str, int]:
        if sym.qname in self.error_sets:
            return self.error_sets[sym.qname]
        members: dict[str, int] = {}
        self.error_sets[sym.qname] = members
        used = self.errors_by_code.setdefault(sym.package, {})
        ctx = Ctx(sym.file, LocalScope(), const_mode=True)
        for m in sym.decl.members:
            code = self.const_eval(m.code, IntT(False, 32), ctx)
            if code is None:
                continue
            if 1 <= code <= 15:
                self.sink.error("E0221", f"error code {code} is reserved for built-in errors", m.code.loc,
                                "user codes are 16..65535")
            elif not 16 <= code <= 65535:
                self.sink.error("E0221", f"error code {code} is outside 16..65535", m.code.loc)
            elif m.name in members:
                self.sink.error("E0103", f"error `{m.name}` is defined twice", m.loc)
            elif code in used:
                self.sink.error("E0222", f"error code {code} is already used by {used[code]}", m.code.loc)
            else:
                members[m.name] = code
                used[code] = f"{sym.name}.{m.name}"
        return members

    def error_code(self, fs: FileScope, path: ast.Path) -> tuple[int | None, str]:
        target = self.resolve_path_parts(fs, path)
        if target is None:
            return None, ""
        if target[0] != "error":
            self.sink.error("E0104", f"`{path.dotted()}` is not an error code", path.loc,
                            "write `ErrorSet.code` or a built-in code such as `overflow`")
            return None, ""
        return target[1], target[2]

    def code_name(self, code: int) -> str:
        if code in BUILTIN_ERROR_NAMES:
            return BUILTIN_ERROR_NAMES[code]
        for codes in self.errors_by_code.values():
            if code in codes:
                return codes[code]
        return str(code)

    # ---- constants ------------------------------------------------------------------
    def const_type(self, sym: Symbol) -> Type | None:
        return self._const_entry(sym)[0]

    def const_value(self, sym: Symbol):
        return self._const_entry(sym)[1]

    def _const_entry(self, sym: Symbol):
        q = sym.qname
        if q in self._consts:
            return self._consts[q]
        if self._const_state.get(q) == "busy":
            self.sink.error("E0216", f"constant `{sym.name}` depends on itself", sym.decl.loc)
            return None, None
        self._const_state[q] = "busy"
        d = sym.decl
        t = self.resolve_type(d.type, sym.file)
        value = None
        if t is not None:
            value = self.const_eval(d.value, t, Ctx(sym.file, LocalScope(), const_mode=True))
        self._consts[q] = (t if value is not None else None, value)
        return self._consts[q]

    def const_eval(self, e, expected: Type | None, ctx: Ctx):
        """Check `e` as a constant expression of type `expected` and evaluate it."""
        node = self.check_top(e, expected, ctx)
        if node is None:
            return None
        return self.eval_node(node[0], e.loc)

    def eval_node(self, node: dict, loc):
        try:
            return Evaluator(_CheckResolver(self)).compile(node)({})
        except Raised as r:
            self.sink.error("E0217", f"constant evaluation raised {self.code_name(r.code)}", loc)
            return None

    def const_int(self, e, ctx: Ctx, within: ExprChecker | None = None) -> int | None:
        """A constant integer in a type-free position (lengths, bounds, bit numbers).

        `len(a)` is constant even when `a` is a parameter or a local (arrays
        have fixed lengths), so it is typed in the enclosing scope `within`.
        """
        if (within is not None and isinstance(e, ast.Call) and isinstance(e.callee, ast.Name)
                and e.callee.ident == "len" and within.scope.lookup("len") is None and len(e.args) == 1):
            try:
                _, t = within.check(e.args[0], None)
            except Bail:
                return None
            if not isinstance(t, ArrayT):
                self.sink.error("E0205", f"`len` needs an array, found {self.types.show(t)}", e.args[0].loc)
                return None
            return t.length
        cctx = Ctx(ctx.file, LocalScope(), const_mode=True)
        if needs_context(e):
            return self.const_eval(e, IntT(True, 64), cctx)
        res = self.check_top(e, None, cctx)
        if res is None:
            return None
        node, t = res
        if self.types.int_view(t) is None:
            self.sink.error("E0201", f"expected an integer constant, found {self.types.show(t)}", e.loc)
            return None
        return self.eval_node(node, e.loc)

    def check_top(self, e, expected: Type | None, ctx: Ctx):
        """Check one top-level expression; None when it had errors (reported)."""
        ctx.failed = False
        try:
            return ExprChecker(self, ctx).check(e, expected)
        except Bail:
            return None

    # ---- functions -----------------------------------------------------------------
    def signature(self, sym: Symbol) -> Signature | None:
        if sym.qname in self._sigs:
            return self._sigs[sym.qname]
        self._sigs[sym.qname] = None
        d: ast.FnDecl = sym.decl
        params = [self.resolve_type(p.type, sym.file) for p in d.params]
        ret = self.resolve_type(d.ret, sym.file)
        codes: set[int] = set()
        for path in d.raises:
            target = self.resolve_path_parts(sym.file, path)
            if target is None:
                continue
            if target[0] == "error":
                codes.add(target[1])
            elif target[0] == "symbol" and target[1].kind == "error":
                codes.update(self.error_members(target[1]).values())
            else:
                self.sink.error("E0104", f"`{path.dotted()}` is not an error set or error code", path.loc)
        if ret is None or any(p is None for p in params):
            return None
        sig = Signature(params, ret, codes)  # type: ignore[arg-type]  # no None: checked above
        self._sigs[sym.qname] = sig
        return sig


class _CheckResolver:
    """Lets the interpreter evaluate constants against the checker's tables."""

    def __init__(self, ck: Checker) -> None:
        self.ck = ck

    def int_info(self, t: dict):
        ty = _from_ir(t)
        v = self.ck.types.int_view(ty)
        return IntInfo(v.base.signed, v.base.width, v.lo, v.hi, v.ranged) if v else None

    def decl(self, t: dict) -> dict | None:
        info = self.ck.types.decls.get(t.get("name"))  # type: ignore[arg-type]
        if isinstance(info, EnumInfo):
            return {"members": [{"value": v} for v in info.members.values()]}
        if isinstance(info, RecordInfo):
            return {"fields": [{"name": n} for n in info.fields]}
        return None

    def const_value(self, qname: str):
        pkg, name = qname.rsplit(".", 1)
        return self.ck.const_value(self.ck.items[pkg][name])

    def function(self, qname: str) -> dict:
        raise AssertionError("constant expressions contain no calls")


def _from_ir(t: dict) -> Type:
    if t["k"] == "int":
        return IntT(t["signed"], t["width"])
    if t["k"] == "named":
        return NamedT(t["name"])
    if t["k"] == "bool":
        return ast_bool()
    return ArrayT(_from_ir(t["elem"]), t["len"])


def ast_bool():
    from upel.check.types import BOOL

    return BOOL


_KIND = {
    ast.TypeDecl: "type", ast.EnumDecl: "type", ast.RecordDecl: "type", ast.ErrorDecl: "error",
    ast.ConstDecl: "const", ast.FnDecl: "fn", ast.PropertyDecl: "property",
}
