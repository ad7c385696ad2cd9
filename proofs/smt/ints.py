"""SMT proof target: the integer encoding (linear and nonlinear arithmetic).

Bit-blasting makes 64-bit multiplication and division hard for the SAT
solver, yet obligations about scaled arithmetic (unit conversions, money,
doses) are *linear* over mathematical integers: multiplication and division
by constants. This encoding keeps every integer-like value as an SMT `Int`
holding its mathematical value (exactly the interpreter's representation),
with the value set as a constraint, so Z3's arithmetic solvers decide them
directly. It covers the arithmetic fragment of the language; an expression
outside it (bitwise operators, shifts, popcount, wrapping that is not the
identity) raises `Unsupported`, and the verifier uses the bit-vector
encoding instead. Both encodings are tested against the interpreter.
"""

from __future__ import annotations

from upel.interp.intops import CONVERT, DIV_BY_ZERO, INDEX, OVERFLOW, RANGE
from upel.ir.model import int_bounds

from .lower import Lowerer, Val
from .sorts import Sorts


class Unsupported(Exception):
    """The expression needs bit-level operations: use the bit-vector encoding."""


def lit(v: int) -> str:
    return str(v) if v >= 0 else f"(- {-v})"


class IntSorts(Sorts):
    def sort(self, t: dict) -> str:
        if not self.is_bool(t) and self.scalar(t) is not None:
            return "Int"
        return super().sort(t)

    def literal(self, t: dict, v) -> str:
        if not self.is_bool(t) and self.scalar(t) is not None:
            return lit(int(v))
        return super().literal(t, v)

    def default(self, t: dict) -> str:
        if not self.is_bool(t) and self.scalar(t) is not None:
            return "0"
        return super().default(t)

    def valid(self, t: dict, term: str) -> list[str]:
        if not self.is_bool(t) and self.scalar(t) is not None:
            d = self.ix.decl(t)
            if d is not None and d["kind"] == "enum":
                return ["(or " + " ".join(f"(= {term} {lit(m['value'])})" for m in d["members"]) + ")"]
            lo, hi = self.bounds(t)
            return [f"(<= {lit(lo)} {term})", f"(<= {term} {lit(hi)})"]
        return super().valid(t, term)

    def decode(self, t: dict, sx):
        if not self.is_bool(t) and self.scalar(t) is not None:
            if isinstance(sx, list) and len(sx) == 2 and sx[0] == "-":
                return -int(sx[1])
            return int(sx)
        return super().decode(t, sx)


class IntLowerer(Lowerer):
    def _range_err(self, x: str, t: dict, code: int) -> str:
        lo, hi = self.s.bounds(t)
        return self.guard(f"(or (< {x} {lit(lo)}) (> {x} {lit(hi)}))", code)

    def _un(self, e, env):
        a = self.expr(e["a"], env)
        if e["op"] == "not":
            return Val(self.b.bind(f"(not {a.v})"), a.e)
        if e["op"] == "bnot":
            raise Unsupported("bitwise not")
        x = self.b.bind(f"(- {a.v})")
        return Val(x, self.first(a.e, self._range_err(x, e["t"], OVERFLOW)))

    def _bin(self, e, env):
        op = e["op"]
        if op in ("band", "bor", "bxor", "shl", "shr", "add_wrap", "sub_wrap", "mul_wrap"):
            raise Unsupported(op)
        if op in ("and", "or", "eq", "ne"):
            return super()._bin(e, env)
        a = self.expr(e["a"], env)
        b = self.expr(e["b"], env)
        ops_err = self.first(a.e, b.e)
        if op in ("lt", "le", "gt", "ge"):
            sym = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
            return Val(self.b.bind(f"({sym} {a.v} {b.v})"), ops_err)
        lo, hi = self.s.bounds(e["t"])
        base = op.split("_")[0]
        if base in ("add", "sub", "mul"):
            x = self.b.bind(f"({ {'add': '+', 'sub': '-', 'mul': '*'}[base]} {a.v} {b.v})")
            if op.endswith("_sat"):
                return Val(self.b.bind(f"(ite (< {x} {lit(lo)}) {lit(lo)} (ite (> {x} {lit(hi)}) {lit(hi)} {x}))"),
                           ops_err)
            return Val(x, self.first(ops_err, self._range_err(x, e["t"], OVERFLOW)))
        # truncating division: the quotient of the magnitudes, with the sign of a*b
        zero = self.guard(f"(= {b.v} 0)", DIV_BY_ZERO)
        mag = self.b.bind(f"(div (abs {a.v}) (abs {b.v}))")
        q = self.b.bind(f"(ite (= (< {a.v} 0) (< {b.v} 0)) {mag} (- {mag}))")
        x = q if op == "div" else self.b.bind(f"(- {a.v} (* {b.v} {q}))")
        return Val(x, self.first(ops_err, zero, self._range_err(x, e["t"], OVERFLOW)))

    def _cast(self, e, env):
        src, dst = e["a"]["t"], e["t"]
        if self.s.is_bool(dst):
            return super()._cast(e, env)
        a = self.expr(e["a"], env)
        if self.s.is_bool(src):
            return Val(self.b.bind(f"(ite {a.v} 1 0)"), a.e)
        if e["check"]:
            return Val(a.v, self.first(a.e, self._range_err(a.v, dst, RANGE)))
        # a wrapping cast is the identity when every source value fits the target's storage
        ss, sd = self.s.scalar(src), self.s.scalar(dst)
        lo, hi = self.s.bounds(src)
        tlo, thi = int_bounds(sd.signed, sd.width)
        if not (tlo <= lo and hi <= thi):
            raise Unsupported("narrowing cast")
        return Val(a.v, a.e)

    def _enum_from(self, e, env):
        a = self.expr(e["a"], env)
        members = self.s.ix.decl(e["t"])["members"]
        ok = "(or " + " ".join(f"(= {a.v} {lit(m['value'])})" for m in members) + ")"
        return Val(a.v, self.first(a.e, self.guard(f"(not {ok})", CONVERT)))

    def _builtin(self, e, env):
        name = e["name"]
        if name in ("popcount", "bit", "bits"):
            raise Unsupported(name)
        args = [self.expr(x, env) for x in e["args"]]
        errs = self.first(*[x.e for x in args])
        a = args[0].v
        if name in ("min", "max"):
            cmp = "<=" if name == "min" else ">="
            return Val(self.b.bind(f"(ite ({cmp} {a} {args[1].v}) {a} {args[1].v})"), errs)
        x = self.b.bind(f"(abs {a})")
        return Val(x, self.first(errs, self._range_err(x, e["t"], OVERFLOW)))

    def _index_check(self, i: str, it: dict, n: int) -> str:
        return self.guard(f"(>= {i} {n})", INDEX)

    def _index(self, e, env):
        a = self.expr(e["a"], env)
        i = self.expr(e["i"], env)
        elems = self._elements(e["a"]["t"], a.v)
        v = elems[-1]
        for k in range(len(elems) - 2, -1, -1):
            v = f"(ite (= {i.v} {k}) {elems[k]} {v})"
        return Val(self.b.bind(v), self.first(a.e, i.e, self._index_check(i.v, e["i"]["t"], len(elems))))

    def _arr_with(self, e, env):
        a = self.expr(e["a"], env)
        i = self.expr(e["i"], env)
        x = self.expr(e["v"], env)
        at = e["a"]["t"]
        sort = self.s.sort(at)
        elems = [f"(ite (= {i.v} {k}) {x.v} {old})" for k, old in enumerate(self._elements(at, a.v))]
        term = f"({self.s.ctor(sort)} " + " ".join(elems) + ")"
        return Val(self.b.bind(term), self.first(a.e, i.e, x.e, self._index_check(i.v, e["i"]["t"], at["len"])))

    def _fold(self, e, env):
        acc = self.expr(e["init"], env)
        errs = [acc.e]
        for i in range(e["lo"], e["hi"]):
            inner = dict(env)
            inner[e["var"]] = lit(i)
            inner[e["acc"]] = acc.v
            acc = self.expr(e["body"], inner)
            errs.append(acc.e)
        return Val(acc.v, self.first(*errs))
