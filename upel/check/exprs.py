"""Check stage: expressions -> typed IR expression nodes.

`ExprChecker.check(e, expected)` types an AST expression, with `expected`
flowing down from the context (that is how a literal learns its type), and
returns the IR node (docs/ir.md) plus the type. On the first error inside a
top-level expression it reports a diagnostic and raises `Bail`; callers catch
it per `let`, per contract clause and per vector, so one run still reports
several independent errors without cascades.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from upel.check.symbols import BUILTIN_FUNCTIONS, Local, LocalScope, Symbol, suggest
from upel.check.types import BOOL, ArrayT, BoolT, IntT, NamedT, Type, smallest_unsigned
from upel.interp.intops import BUILTIN_ERRORS
from upel.syntax import ast

if TYPE_CHECKING:
    from upel.check.checker import Checker, Ctx

ARITH = {"add", "sub", "mul", "div", "rem", "add_wrap", "sub_wrap", "mul_wrap", "add_sat", "sub_sat", "mul_sat"}
WRAPPING = {"add_wrap", "sub_wrap", "mul_wrap"}
BITWISE = {"band", "bor", "bxor"}
SHIFTS = {"shl", "shr"}
EQUALITY = {"eq", "ne"}
ORDERING = {"lt", "le", "gt", "ge"}
LOGIC = {"and", "or"}
SYMBOL = {
    "add": "+", "sub": "-", "mul": "*", "div": "/", "rem": "%", "add_wrap": "+%", "sub_wrap": "-%",
    "mul_wrap": "*%", "add_sat": "+|", "sub_sat": "-|", "mul_sat": "*|", "band": "&", "bor": "|",
    "bxor": "^", "shl": "<<", "shr": ">>", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">",
    "ge": ">=", "and": "and", "or": "or",
}
MAX_ARRAY = 65536
MAX_FOLD = 65536
MAX_SCALARS = 1 << 20  # values are held element by element (interpreter, IR, buses)


class Bail(Exception):
    """Abandon the current top-level expression (the error is reported)."""


def needs_context(e) -> bool:
    """True when `e` has no type of its own and takes the one its context gives."""
    if isinstance(e, (ast.IntLit, ast.Raise)):
        return True
    if isinstance(e, ast.Call) and isinstance(e.callee, ast.Name) and e.callee.ident == "len":
        return True
    if isinstance(e, ast.Unary) and e.op in ("neg", "bnot"):
        return needs_context(e.operand)
    if isinstance(e, ast.Binary):
        if e.op in ARITH or e.op in BITWISE:
            return needs_context(e.a) and needs_context(e.b)
        if e.op in SHIFTS:
            return needs_context(e.a)
        return False
    if isinstance(e, ast.If):
        return needs_context(e.then) and needs_context(e.else_)
    if isinstance(e, ast.Block):
        return needs_context(e.result)
    if isinstance(e, ast.Match):
        return all(needs_context(a.body) for a in e.arms)
    return False


class ExprChecker:
    def __init__(self, ck: Checker, ctx: Ctx) -> None:
        self.ck = ck
        self.ctx = ctx
        self.types = ck.types
        self.scope: LocalScope = ctx.scope

    # ---- helpers --------------------------------------------------------------
    def fail(self, code: str, msg: str, loc, hint: str | None = None) -> NoReturn:
        self.ck.sink.error(code, msg, loc, hint)
        raise Bail()

    def show(self, t) -> str:
        return self.types.show(t)

    def ir_t(self, t: Type) -> dict:
        return self.types.to_ir(t)

    def node(self, k: str, t: Type, loc, **fields) -> dict:
        n = {"k": k, "t": self.types.to_ir(t), **fields}
        if loc is not None:
            n["loc"] = self.ck.ir_loc(loc)
        return n

    def expect(self, t: Type, expected: Type | None, loc) -> None:
        if expected is not None and t != expected:
            hint = None
            if self.types.int_view(t) and self.types.int_view(expected):
                hint = f"convert explicitly: `... as {self.show(expected)}`"
            self.fail("E0201", f"type mismatch: expected {self.show(expected)}, found {self.show(t)}", loc, hint)

    def int_like(self, t: Type, loc, what: str):
        v = self.types.int_view(t)
        if v is None:
            self.fail("E0205", f"{what} needs an integer type, found {self.show(t)}", loc)
        return v

    def cond(self, e, what: str) -> dict:
        """A condition (`if`, `and/or/not`, contracts, property bodies): bool."""
        if needs_context(e):
            return self.check(e, BOOL)[0]
        node, t = self.check(e, None)
        if t != BOOL:
            self.fail("E0219", f"{what} must be bool, found {self.show(t)}", e.loc,
                      "compare explicitly, for example `x != 0`")
        return node

    def unsigned_amount(self, e, what: str) -> tuple[dict, Type]:
        """A shift amount, bit index or array index: any unsigned type."""
        if isinstance(e, ast.IntLit):
            if e.value < 0:
                self.fail("E0202", f"{what} cannot be negative", e.loc)
            if e.value >= 1 << 64:
                # Found by tests/fuzz: no unsigned type holds it, and smallest_unsigned()
                # would make a `u65` that breaks the IR (schema, canonical encoding).
                self.fail("E0202", f"{what} {e.value} does not fit u64 (0..={(1 << 64) - 1})", e.loc)
            return self.check(e, smallest_unsigned(e.value))
        if (isinstance(e, ast.Call) and isinstance(e.callee, ast.Name) and e.callee.ident == "len"
                and len(e.args) == 1 and self.scope.lookup("len") is None):
            # language.md (Precisions): `len(a)` "types like a literal", so as a shift
            # amount, bit index or array index it takes the smallest unsigned type
            # holding it (it used to fail with E0203 "cannot infer").
            _, at = self.check(e.args[0], None)
            if isinstance(at, ArrayT):
                return self.check(e, smallest_unsigned(at.length))
        node, t = self.check(e, None)
        v = self.types.int_view(t)
        if v is None or v.base.signed:
            self.fail("E0220", f"{what} must have an unsigned type, found {self.show(t)}", e.loc,
                      "convert it: `... as u32`")
        return node, t

    def lit(self, value: int, t: Type, loc) -> dict:
        v = self.types.int_view(t)
        if v is None:
            self.fail("E0201", f"type mismatch: expected {self.show(t)}, found an integer literal", loc)
        if not v.lo <= value <= v.hi:
            self.fail("E0202", f"literal {value} does not fit {self.show(t)} ({v.lo}..={v.hi})", loc)
        return self.node("lit", t, loc, v=value)

    def check_pair(self, a, b, expected: Type | None) -> tuple[dict, dict, Type]:
        """Two operands of one type: the one that has a type of its own goes first."""
        if needs_context(a) and not needs_context(b):
            nb, tb = self.check(b, expected)
            na, _ = self.check(a, tb)
            return na, nb, tb
        na, ta = self.check(a, expected)
        nb, _ = self.check(b, ta)
        return na, nb, ta

    # ---- dispatch -------------------------------------------------------------
    def check(self, e, expected: Type | None) -> tuple[dict, Type]:
        if expected is None and needs_context(e):
            what = "literal" if isinstance(e, ast.IntLit) else "expression"
            self.fail("E0203", f"cannot infer the type of this {what}", e.loc,
                      "give the binding a type (`let x: u32 = ...`) or cast (`... as u32`)")
        method = _DISPATCH.get(type(e))
        if method is None:  # not a class of upel.syntax.ast itself
            return getattr(self, "_" + type(e).__name__)(e, expected)
        return method(self, e, expected)

    def _IntLit(self, e: ast.IntLit, expected):
        return self.lit(e.value, expected, e.loc), expected

    def _BoolLit(self, e: ast.BoolLit, expected):
        self.expect(BOOL, expected, e.loc)
        return self.node("lit", BOOL, e.loc, v=e.value), BOOL

    def _Name(self, e: ast.Name, expected):
        local = self.scope.lookup(e.ident)
        if local is not None:
            if local.type is None:
                raise Bail()
            self.expect(local.type, expected, e.loc)
            return self.node("local", local.type, e.loc, name=e.ident), local.type
        target = self.resolve_path(e)
        return self.path_value(target, e, expected)

    def _Field(self, e: ast.Field, expected):
        target = self.resolve_path(e)
        if target is not None:
            return self.path_value(target, e, expected)
        base, bt = self.check(e.base, None)
        rec = self.types.record(bt)
        if rec is None:
            self.fail("E0207", f"type {self.show(bt)} has no fields (it is not a record)", e.loc)
        if e.name not in rec.fields:
            self.fail("E0207", f"record {self.show(bt)} has no field `{e.name}`", e.loc, suggest(e.name, rec.fields))
        ft = rec.fields[e.name]
        self.expect(ft, expected, e.loc)
        return self.node("field", ft, e.loc, a=base, name=e.name), ft

    # ---- paths: package.Item, Enum.member, Error.code ---------------------------
    def resolve_path(self, e):
        """Resolve a Name/Field chain that does not start with a local.

        Returns ("symbol", Symbol) | ("package", name) | ("enum", qname, member)
        | ("error", code, text), or None when `e` starts with a local (so it is
        a value and `.x` is a field access). Unknown names are reported.
        """
        if isinstance(e, ast.Name):
            if self.scope.lookup(e.ident) is not None:
                return None
            return self.ck.lookup(self.ctx.file, e.ident, e.loc)
        if isinstance(e, ast.Field):
            if not isinstance(e.base, (ast.Name, ast.Field)):
                return None
            base = self.resolve_path(e.base)
            if base is None or (base[0] == "symbol" and base[1].kind == "const"):
                return None  # a value: `.name` is a field access (`LIMITS.hard_max`)
            return self.ck.member(base, e.name, e.loc)
        return None

    def path_value(self, target, e, expected):
        kind = target[0]
        if kind == "enum":
            _, qname, member = target
            t = NamedT(qname)
            self.expect(t, expected, e.loc)
            value = self.types.decls[qname].members[member]
            return self.node("enum", t, e.loc, member=member, v=value), t
        if kind == "symbol":
            sym: Symbol = target[1]
            if sym.kind == "const":
                t = self.ck.const_type(sym)
                if t is None:
                    raise Bail()
                self.expect(t, expected, e.loc)
                return self.node("const", t, e.loc, name=sym.qname), t
            what = {"type": "a type", "fn": "a function (call it with arguments)", "error": "an error set",
                    "property": "a property"}[sym.kind]
            self.fail("E0104", f"`{sym.name}` is {what}, not a value", e.loc)
        if kind == "package":
            self.fail("E0104", f"`{target[1]}` is a package, not a value", e.loc)
        self.fail("E0104", f"`{target[2]}` is an error code, not a value", e.loc, "use `raise` to end the call with it")

    # ---- operators -----------------------------------------------------------
    def _Unary(self, e: ast.Unary, expected):
        if e.op == "not":
            node = self.cond(e.operand, "the operand of `not`")
            self.expect(BOOL, expected, e.loc)
            return self.node("un", BOOL, e.loc, op="not", a=node), BOOL
        node, t = self.check(e.operand, expected)
        v = self.int_like(t, e.loc, "unary `-`" if e.op == "neg" else "`~`")
        if e.op == "bnot" and v.ranged:
            self.fail("E0218", f"`~` is not defined on ranged newtype {self.show(t)}", e.loc,
                      f"cast to {self.show(v.base)} first")
        return self.node("un", t, e.loc, op=e.op, a=node), t

    def _Binary(self, e: ast.Binary, expected):
        op = e.op
        sym = SYMBOL[op]
        if op in LOGIC:
            na = self.cond(e.a, f"the left operand of `{op}`")
            nb = self.cond(e.b, f"the right operand of `{op}`")
            self.expect(BOOL, expected, e.loc)
            return self.node("bin", BOOL, e.loc, op=op, a=na, b=nb), BOOL
        if op in EQUALITY or op in ORDERING:
            if needs_context(e.a) and needs_context(e.b):
                self.fail("E0203", "cannot infer the type of the operands of this comparison", e.loc,
                          "cast one side: `x as u32`")
            na, nb, t = self.check_pair(e.a, e.b, None)
            if op in ORDERING and self.types.int_view(t) is None:
                self.fail("E0205", f"`{sym}` compares integers; {self.show(t)} has only == and !=", e.loc)
            self.expect(BOOL, expected, e.loc)
            return self.node("bin", BOOL, e.loc, op=op, a=na, b=nb), BOOL
        if op in SHIFTS:
            na, t = self.check(e.a, expected)
            v = self.int_like(t, e.a.loc, f"`{sym}`")
            if v.ranged:
                self.fail("E0218", f"`{sym}` is not defined on ranged newtype {self.show(t)}", e.loc,
                          f"cast to {self.show(v.base)} first")
            nb, _ = self.unsigned_amount(e.b, "a shift amount")
            return self.node("bin", t, e.loc, op=op, a=na, b=nb), t
        na, nb, t = self.check_pair(e.a, e.b, expected)
        v = self.int_like(t, e.loc, f"`{sym}`")
        if v.ranged and (op in WRAPPING or op in BITWISE):
            self.fail("E0218", f"`{sym}` is not defined on ranged newtype {self.show(t)}", e.loc,
                      f"cast to {self.show(v.base)} first, or use checked `+ - *`")
        self.expect(t, expected, e.loc)
        return self.node("bin", t, e.loc, op=op, a=na, b=nb), t

    def _Cast(self, e: ast.Cast, expected):
        target = self.ck.resolve_type(e.type, self.ctx.file)
        if target is None:
            raise Bail()
        tv = self.types.int_view(target)
        if tv is None:
            self.fail("E0206", f"cannot cast to {self.show(target)}: `as` produces integer types and newtypes",
                      e.type.loc, "for an enum use `E.from(x)`; for bool compare: `x != 0`")
        if needs_context(e.expr):
            node, st = self.check(e.expr, target)
        else:
            node, st = self.check(e.expr, None)
        en = self.types.enum(st)
        if en is not None:
            if target != en.underlying:
                self.fail("E0206", f"enum {self.show(st)} converts only to its underlying type "
                          f"{self.show(en.underlying)}", e.loc,
                          f"write `(x as {self.show(en.underlying)}) as {self.show(target)}`")
        elif not isinstance(st, BoolT) and self.types.int_view(st) is None:
            self.fail("E0206", f"cannot cast {self.show(st)} to {self.show(target)}", e.loc)
        self.expect(target, expected, e.loc)
        return self.node("cast", target, e.loc, a=node, check=isinstance(target, NamedT)), target

    # ---- calls and built-ins -----------------------------------------------------
    def _Call(self, e: ast.Call, expected):
        callee = e.callee
        if isinstance(callee, ast.Name) and callee.ident in BUILTIN_FUNCTIONS and self.scope.lookup(callee.ident) is None:
            return self.builtin(callee.ident, e, expected)
        if isinstance(callee, ast.Field) and callee.name == "from":
            target = self.resolve_path(callee.base) if isinstance(callee.base, (ast.Name, ast.Field)) else None
            if target and target[0] == "symbol" and target[1].kind == "type":
                t = NamedT(target[1].qname)
                self.ck.ensure_type(target[1])
                if self.types.enum(t) is None:
                    self.fail("E0209", f"`.from` converts integers to enums; {self.show(t)} is not an enum", callee.loc)
                if len(e.args) != 1:
                    self.fail("E0208", f"`{self.show(t)}.from` takes 1 argument, got {len(e.args)}", e.loc)
                arg = e.args[0]
                en = self.types.enum(t)
                node, at = self.check(arg, en.underlying if needs_context(arg) else None)  # type: ignore[union-attr]
                self.int_like(at, arg.loc, "`.from`")
                self.expect(t, expected, e.loc)
                return self.node("enum_from", t, e.loc, a=node), t
        target = self.resolve_path(callee) if isinstance(callee, (ast.Name, ast.Field)) else None
        if target is None or target[0] != "symbol" or target[1].kind != "fn":
            self.fail("E0209", "this is not a function", callee.loc)
        sym: Symbol = target[1]
        sig = self.ck.signature(sym)
        if sig is None:
            raise Bail()
        if self.ctx.const_mode:
            self.fail("E0216", "function calls are not allowed in constant expressions", e.loc)
        if len(e.args) != len(sig.params):
            self.fail("E0208", f"`{sym.name}` takes {len(sig.params)} argument(s), got {len(e.args)}", e.loc)
        args = [self.check(a, pt)[0] for a, pt in zip(e.args, sig.params)]
        self.ctx.calls.setdefault(sym.qname, e.loc)
        if self.ctx.declared is not None:
            missing = sorted(c for c in sig.codes if c >= 16 and c not in self.ctx.declared)
            if missing:
                names = ", ".join(self.ck.code_name(c) for c in missing)
                self.fail("E0223", f"`{sym.name}` may raise {names}, which this function does not declare", e.loc,
                          f"add it to the `raises` clause: `raises {names}`")
        self.expect(sig.ret, expected, e.loc)
        return self.node("call", sig.ret, e.loc, fn=sym.qname, args=args), sig.ret

    def builtin(self, name: str, e: ast.Call, expected):
        arity = {"min": 2, "max": 2, "abs": 1, "popcount": 1, "bit": 2, "bits": 3, "len": 1}[name]
        if len(e.args) != arity:
            self.fail("E0208", f"`{name}` takes {arity} argument(s), got {len(e.args)}", e.loc)
        if name == "len":
            _, at = self.check(e.args[0], None)
            if not isinstance(at, ArrayT):
                self.fail("E0205", f"`len` needs an array, found {self.show(at)}", e.args[0].loc)
            return self.lit(at.length, expected, e.loc), expected
        if name in ("min", "max"):
            na, nb, t = self.check_pair(e.args[0], e.args[1], expected)
            self.int_like(t, e.loc, f"`{name}`")
            self.expect(t, expected, e.loc)
            return self.node("builtin", t, e.loc, name=name, args=[na, nb]), t
        if name == "abs":
            na, t = self.check(e.args[0], expected)
            v = self.int_like(t, e.loc, "`abs`")
            if not v.base.signed:
                self.fail("E0205", f"`abs` needs a signed type, found {self.show(t)}", e.loc)
            return self.node("builtin", t, e.loc, name=name, args=[na]), t
        na, t = self.check(e.args[0], None)
        v = self.int_like(t, e.args[0].loc, f"`{name}`")
        if v.ranged:
            # language.md (Precisions): popcount/bit/bits accept integers and *unranged*
            # newtypes only, like the other bit-level operators (they used to accept
            # ranged newtypes).
            self.fail("E0218", f"`{name}` is not defined on ranged newtype {self.show(t)}", e.loc,
                      f"cast to {self.show(v.base)} first")
        if name == "popcount":
            rt = IntT(False, 8)
            self.expect(rt, expected, e.loc)
            return self.node("builtin", rt, e.loc, name=name, args=[na]), rt
        if name == "bit":
            ni, _ = self.unsigned_amount(e.args[1], "a bit index")
            self.expect(BOOL, expected, e.loc)
            return self.node("builtin", BOOL, e.loc, name=name, args=[na, ni]), BOOL
        hi = self.ck.const_int(e.args[1], self.ctx, self)
        lo = self.ck.const_int(e.args[2], self.ctx, self)
        if hi is None or lo is None:
            raise Bail()
        if not (v.base.width > hi >= lo >= 0):
            self.fail("E0220", f"bits({self.show(t)}, {hi}, {lo}) needs {v.base.width} > hi >= lo >= 0", e.loc)
        rt = IntT(False, hi - lo + 1)
        self.expect(rt, expected, e.loc)
        return self.node("builtin", rt, e.loc, name=name, args=[na], hi=hi, lo=lo), rt

    # ---- records and arrays ---------------------------------------------------------
    def _RecordLit(self, e: ast.RecordLit, expected):
        target = self.resolve_path(e.type_ref) if isinstance(e.type_ref, (ast.Name, ast.Field)) else None
        if target is None or target[0] != "symbol" or target[1].kind != "type":
            self.fail("E0104", "a record literal must start with a record type name", e.type_ref.loc)
        self.ck.ensure_type(target[1])
        t = NamedT(target[1].qname)
        rec = self.types.record(t)
        if rec is None:
            self.fail("E0104", f"{self.show(t)} is not a record type", e.type_ref.loc)
        fields = self.field_inits(e.fields, rec, t)
        missing = [f for f in rec.fields if f not in {x["name"] for x in fields}]
        if missing:
            self.fail("E0207", f"record literal of {self.show(t)} misses field(s): {', '.join(missing)}", e.loc)
        self.expect(t, expected, e.loc)
        return self.node("record", t, e.loc, fields=fields), t

    def field_inits(self, inits: list[ast.FieldInit], rec, t) -> list[dict]:
        out, seen = [], set()
        for fi in inits:
            if fi.name not in rec.fields:
                self.fail("E0207", f"record {self.show(t)} has no field `{fi.name}`", fi.loc, suggest(fi.name, rec.fields))
            if fi.name in seen:
                self.fail("E0207", f"field `{fi.name}` is given twice", fi.loc)
            seen.add(fi.name)
            node, _ = self.check(fi.expr, rec.fields[fi.name])
            out.append({"name": fi.name, "e": node})
        return out

    def _RecWith(self, e: ast.RecWith, expected):
        base, t = self.check(e.base, expected if self.types.record(expected) else None) if expected is not None \
            else self.check(e.base, None)
        rec = self.types.record(t)
        if rec is None:
            self.fail("E0207", f"`with {{...}}` updates records; found {self.show(t)}", e.base.loc)
        fields = self.field_inits(e.fields, rec, t)
        self.expect(t, expected, e.loc)
        return self.node("rec_with", t, e.loc, a=base, fields=fields), t

    def _ArrWith(self, e: ast.ArrWith, expected):
        base, t = self.check(e.base, expected if isinstance(expected, ArrayT) else None)
        if not isinstance(t, ArrayT):
            self.fail("E0205", f"`with [i] = v` updates arrays; found {self.show(t)}", e.base.loc)
        ni, _ = self.unsigned_amount(e.index, "an array index")
        nv, _ = self.check(e.value, t.elem)
        self.expect(t, expected, e.loc)
        return self.node("arr_with", t, e.loc, a=base, i=ni, v=nv), t

    def _Index(self, e: ast.Index, expected):
        base, t = self.check(e.base, None)
        if not isinstance(t, ArrayT):
            self.fail("E0205", f"only arrays can be indexed; found {self.show(t)}", e.base.loc)
        ni, _ = self.unsigned_amount(e.index, "an array index")
        self.expect(t.elem, expected, e.loc)
        return self.node("index", t.elem, e.loc, a=base, i=ni), t.elem

    def _ArrayLit(self, e: ast.ArrayLit, expected):
        if len(e.elems) > MAX_ARRAY:
            self.fail("E0210", f"array literal has {len(e.elems)} elements; the maximum is {MAX_ARRAY}", e.loc)
        if isinstance(expected, ArrayT):
            if expected.length != len(e.elems):
                self.fail("E0201", f"expected {self.show(expected)}, found an array of {len(e.elems)} element(s)", e.loc)
            elem = expected.elem
        elif expected is not None:
            self.fail("E0201", f"expected {self.show(expected)}, found an array literal", e.loc)
        else:
            first = next((x for x in e.elems if not needs_context(x)), None)
            if first is None:
                self.fail("E0203", "cannot infer the element type of this array", e.loc,
                          "annotate the binding: `let a: [u8; 4] = ...`")
            _, elem = self.check(first, None)
        nodes = [self.check(x, elem)[0] for x in e.elems]
        t = ArrayT(elem, len(e.elems))
        return self.node("array", t, e.loc, elems=nodes), t

    def _ArrayRepeat(self, e: ast.ArrayRepeat, expected):
        n = self.ck.const_int(e.count, self.ctx, self)
        if n is None:
            raise Bail()
        if not 1 <= n <= MAX_ARRAY:
            self.fail("E0210", f"array length {n} is outside 1..={MAX_ARRAY}", e.count.loc)
        if isinstance(expected, ArrayT):
            node, elem = self.check(e.elem, expected.elem)
        else:
            node, elem = self.check(e.elem, None)
        t = ArrayT(elem, n)
        if self.ck.scalars(t) > MAX_SCALARS:
            self.fail("E0210", f"this array holds {self.ck.scalars(t)} scalars; the maximum is {MAX_SCALARS}", e.loc)
        self.expect(t, expected, e.loc)
        return self.node("repeat", t, e.loc, e=node, n=n), t

    # ---- control ---------------------------------------------------------------
    def _If(self, e: ast.If, expected):
        nc = self.cond(e.cond, "an `if` condition")
        if expected is None and needs_context(e.then):
            ne_, t = self.check(e.else_, None)
            nt, _ = self.check(e.then, t)
        else:
            nt, t = self.check(e.then, expected)
            ne_, _ = self.check(e.else_, t)
        return self.node("if", t, e.loc, c=nc, then=nt, **{"else": ne_}), t

    def _Match(self, e: ast.Match, expected):
        na, st = self.check(e.scrutinee, None)
        en = self.types.enum(st)
        iv = self.types.int_view(st)
        if en is None and iv is None and not isinstance(st, BoolT):
            self.fail("E0205", f"match works on enums, integers and bool; found {self.show(st)}", e.scrutinee.loc)
        t = expected
        if t is None:
            first = next((a for a in e.arms if not needs_context(a.body)), None)
            if first is None:
                self.fail("E0203", "cannot infer the type of this match", e.loc)
        seen: set = set()
        arms, wild = [], False
        pending = []
        for arm in e.arms:
            if wild:
                self.fail("E0214", "unreachable arm: it comes after `_`", arm.loc)
            pats = []
            for p in arm.patterns:
                if p.kind == "wild":
                    if len(arm.patterns) > 1:
                        self.fail("E0214", "`_` cannot be combined with other patterns", p.loc)
                    wild = True
                    continue
                v = self.pattern_value(p, st, en, iv)
                if (type(v), v) in seen:
                    self.fail("E0214", f"pattern `{self.show_pat(p)}` is matched by an earlier arm", p.loc)
                seen.add((type(v), v))
                pats.append(v)
            pending.append((arm, None if wild else pats))
        if not wild:
            if en is not None:
                missing = [m for m, v in en.members.items() if (int, v) not in seen]
                if missing:
                    self.fail("E0213", f"match on {self.show(st)} misses {', '.join(self.show(st) + '.' + m for m in missing)}",
                              e.loc, "add the missing members or a `_ => ...` arm")
            elif isinstance(st, BoolT):
                if len(seen) < 2:
                    self.fail("E0213", "match on bool misses " + ("true" if (bool, True) not in seen else "false"), e.loc)
            elif iv.hi - iv.lo + 1 > len(seen):  # type: ignore[union-attr]
                self.fail("E0213", f"match on {self.show(st)} does not cover every value", e.loc,
                          "add a `_ => ...` arm")
        if t is None:
            first_arm = next(a for a, _ in pending if not needs_context(a.body))
            _, t = self.check(first_arm.body, None)
        for arm, arm_pats in pending:
            body, _ = self.check(arm.body, t)
            arms.append({"pats": arm_pats, "body": body})
        return self.node("match", t, e.loc, a=na, arms=arms), t

    def pattern_value(self, p: ast.Pattern, st, en, iv):
        if p.kind == "bool":
            if not isinstance(st, BoolT):
                self.fail("E0201", f"pattern `{p.value}` is a bool; the scrutinee is {self.show(st)}", p.loc)
            return p.value
        if p.kind == "int":
            if iv is None:
                self.fail("E0201", f"integer pattern on {self.show(st)}", p.loc)
            if not iv.lo <= p.value <= iv.hi:
                self.fail("E0202", f"pattern {p.value} does not fit {self.show(st)} ({iv.lo}..={iv.hi})", p.loc)
            return p.value
        target = self.ck.resolve_path_parts(self.ctx.file, p.path)  # type: ignore[arg-type]
        if target is not None and target[0] == "symbol" and target[1].kind == "const":
            if self.ck.const_type(target[1]) != st:
                self.fail("E0201", f"constant `{target[1].name}` is not a {self.show(st)}", p.loc)
            return self.ck.const_value(target[1])
        if target is None or target[0] != "enum":
            self.fail("E0104", f"pattern `{p.path.dotted()}` is not an enum member or constant", p.loc)  # type: ignore[union-attr]
        if en is None or target[1] != st.qname:
            self.fail("E0201", f"pattern `{p.path.dotted()}` does not belong to {self.show(st)}", p.loc)  # type: ignore[union-attr]
        return en.members[target[2]]

    @staticmethod
    def show_pat(p: ast.Pattern) -> str:
        return p.path.dotted() if p.path else str(p.value).lower() if isinstance(p.value, bool) else str(p.value)

    def bind(self, scope: LocalScope, name: str, t: Type | None, loc) -> None:
        if name == "_":
            self.fail("E0102", "`_` is not a name you can bind", loc)
        if scope.lookup(name) is not None or self.ck.item_named(self.ctx.file, name):
            self.ck.sink.error("E0111", f"`{name}` is already defined; a binding may not shadow it", loc,
                               "choose another name")
        scope.names[name] = Local(name, t, loc)

    def _Block(self, e: ast.Block, expected):
        outer = self.scope
        self.scope = outer.child()
        try:
            lets = []
            for let in e.lets:
                t = None
                try:
                    if let.type is not None:
                        t = self.ck.resolve_type(let.type, self.ctx.file)
                        if t is None:
                            raise Bail()
                    node, t = self.check(let.expr, t)
                    lets.append({"name": let.name, "t": self.ir_t(t), "e": node, "loc": self.ck.ir_loc(let.loc)})
                except Bail:
                    self.ctx.failed = True
                    t = None
                self.bind(self.scope, let.name, t, let.loc)
            result, t = self.check(e.result, expected)
        finally:
            self.scope = outer
        if self.ctx.failed:
            raise Bail()
        return self.node("block", t, e.loc, lets=lets, result=result), t

    def _Fold(self, e: ast.Fold, expected):
        lo = self.ck.const_int(e.lo, self.ctx, self)
        hi = self.ck.const_int(e.hi, self.ctx, self)
        if lo is None or hi is None:
            raise Bail()
        if not 0 <= lo <= hi:
            self.fail("E0225", f"fold range {lo}..{hi} needs 0 <= lo <= hi", e.lo.loc)
        if hi - lo > MAX_FOLD:
            self.fail("E0225", f"fold range has {hi - lo} steps; the maximum is {MAX_FOLD}", e.lo.loc)
        if e.var_type is not None:
            vt = self.ck.resolve_type(e.var_type, self.ctx.file)
            if vt is None:
                raise Bail()
            if not isinstance(vt, IntT) or vt.signed or (hi > lo and vt.hi < hi - 1):
                self.fail("E0225", f"fold index type {self.show(vt)} must be unsigned and hold {max(hi - 1, 0)}",
                          e.var_type.loc)
        else:
            vt = smallest_unsigned(max(hi - 1, 0))
        if e.acc_type is not None:
            at = self.ck.resolve_type(e.acc_type, self.ctx.file)
            if at is None:
                raise Bail()
            ni, _ = self.check(e.init, at)
        elif needs_context(e.init):
            if expected is None:
                self.fail("E0203", "cannot infer the accumulator type", e.acc_loc, "annotate it: `with acc: u32 = 0`")
            ni, at = self.check(e.init, expected)
        else:
            ni, at = self.check(e.init, None)
        outer = self.scope
        self.scope = outer.child()
        try:
            self.bind(self.scope, e.var, vt, e.var_loc)
            self.bind(self.scope, e.acc, at, e.acc_loc)
            body, _ = self.check(e.body, at)
        finally:
            self.scope = outer
        self.expect(at, expected, e.loc)
        return self.node("fold", at, e.loc, var=e.var, var_t=self.ir_t(vt), lo=lo, hi=hi, acc=e.acc,
                         init=ni, body=body), at

    def _Raise(self, e: ast.Raise, expected):
        if self.ctx.const_mode:
            self.fail("E0216", "`raise` is not allowed in a constant expression", e.loc)
        code, text = self.ck.error_code(self.ctx.file, e.path)
        if code is None:
            raise Bail()
        if self.ctx.declared is not None and code != 5 and code not in self.ctx.declared:
            self.fail("E0223", f"`raise {text}`: the function does not declare {text}", e.loc,
                      f"add it to the `raises` clause: `raises {text.split('.')[0]}`")
        return self.node("raise", expected, e.loc, code=code, error=text), expected


# AST class -> its method (`_IntLit` for ast.IntLit, ...), found once rather than per node.
_DISPATCH = {cls: getattr(ExprChecker, "_" + name) for name, cls in vars(ast).items()
             if isinstance(cls, type) and hasattr(ExprChecker, "_" + name)}

# Names that are reserved and may not be bound or declared.
RESERVED = set(BUILTIN_FUNCTIONS) | {"bool", "result"} | set(BUILTIN_ERRORS)
