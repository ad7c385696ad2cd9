"""SMT proof target: UPEL expressions -> SMT-LIB 2 terms over bit-vectors.

Every expression lowers to a pair (value, error): `error` is a 16-bit
vector, 0 when the expression returns normally and the UPEL error code
otherwise; `value` is meaningful only when `error` is 0. Strict left-to-right
evaluation ("the first error wins") is the chain `first(e1, e2, ...)`: the
first non-zero error of the operands in evaluation order, then the
operation's own. Every intermediate term is bound to a fresh name with a
`let`, so the output is linear in the size of the expression even though
values and errors refer to the same operands many times.

Arithmetic follows upel/interp/intops.py exactly: checked operations are
computed in a wider vector (w+1 bits for + - / %, 2w for *), compared with
the type's value set, and truncated; wrapping ones are plain bvadd/bvmul;
shifts by an amount >= width are handled before the SMT shift (whose
amount must have the operand's width). Folds are unrolled.
"""

from __future__ import annotations

from dataclasses import dataclass

from upel.interp.intops import CONVERT, DIV_BY_ZERO, INDEX, OVERFLOW, PRECONDITION, RANGE
from .sorts import Sorts, bv, bv_value

ERR_W = 16
NO_ERR = bv(0, ERR_W)
# Internal outcome of a property's requires chain: "input skipped" (never a UPEL code).
SKIP = bv((1 << ERR_W) - 1, ERR_W)


def err(code: int) -> str:
    return bv(code, ERR_W)


@dataclass
class Val:
    v: str   # value term (an atom: a name or a literal)
    e: str   # error term (an atom)


class Body:
    """The let-bindings of one term under construction."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.binds: list[tuple[str, str]] = []

    def bind(self, term: str) -> str:
        if _atomic(term):
            return term
        name = f"{self.prefix}{len(self.binds)}"
        self.binds.append((name, term))
        return name

    def render(self, result: str) -> str:
        out = result
        for name, term in reversed(self.binds):
            out = f"(let (({name} {term})) {out})"
        return out


def _atomic(term: str) -> bool:
    return not term.startswith("(") or term.startswith("(_ bv")


class Lowerer:
    """Lowers expressions of one definition into a `Body`."""

    def __init__(self, sorts: Sorts, consts, fn_symbol, body: Body) -> None:
        self.s = sorts
        self.consts = consts          # qname -> canonical value
        self.fn_symbol = fn_symbol    # (qname, "v"|"e") -> SMT function symbol
        self.b = body

    # ---- error chains ---------------------------------------------------------
    def first(self, *errs: str) -> str:
        live = [e for e in errs if e != NO_ERR]
        if not live:
            return NO_ERR
        out = live[-1]
        for e in reversed(live[:-1]):
            out = self.b.bind(f"(ite (= {e} {NO_ERR}) {out} {e})")
        return out

    def guard(self, cond_bad: str, code: int) -> str:
        """Error term: `code` when cond_bad holds, else none."""
        return self.b.bind(f"(ite {cond_bad} {err(code)} {NO_ERR})")

    # ---- expressions ------------------------------------------------------------
    def expr(self, e: dict, env: dict[str, str]) -> Val:
        return getattr(self, "_" + e["k"])(e, env)

    def _lit(self, e, env):
        return Val(self.s.literal(e["t"], e["v"]), NO_ERR)

    _enum = _lit

    def _local(self, e, env):
        return Val(env[e["name"]], NO_ERR)

    def _const(self, e, env):
        return Val(self.b.bind(self.s.literal(e["t"], self.consts(e["name"]))), NO_ERR)

    def _un(self, e, env):
        a = self.expr(e["a"], env)
        if e["op"] == "not":
            return Val(self.b.bind(f"(not {a.v})"), a.e)
        sc = self.s.scalar(e["t"])
        if e["op"] == "bnot":
            return Val(self.b.bind(f"(bvnot {a.v})"), a.e)
        lo, hi = self.s.bounds(e["t"])
        wide = self.b.bind(f"(bvneg {self._ext(a.v, sc.signed, sc.width, sc.width + 2)})")
        return self._checked(wide, sc.width + 2, lo, hi, sc.width, a.e, OVERFLOW)

    def _bin(self, e, env):
        op = e["op"]
        a = self.expr(e["a"], env)
        b = self.expr(e["b"], env)
        if op in ("and", "or"):
            # short-circuit: b's error counts only when b is evaluated
            b_runs = a.v if op == "and" else f"(not {a.v})"
            be = self.b.bind(f"(ite {b_runs} {b.e} {NO_ERR})") if b.e != NO_ERR else NO_ERR
            return Val(self.b.bind(f"({op} {a.v} {b.v})"), self.first(a.e, be))
        if op in ("eq", "ne"):
            t = f"(= {a.v} {b.v})" if op == "eq" else f"(not (= {a.v} {b.v}))"
            return Val(self.b.bind(t), self.first(a.e, b.e))
        ta = e["a"]["t"]
        sa = self.s.scalar(ta)
        if op in ("lt", "le", "gt", "ge"):
            fn = ("bvs" if sa.signed else "bvu") + op
            return Val(self.b.bind(f"({fn} {a.v} {b.v})"), self.first(a.e, b.e))
        sc = self.s.scalar(e["t"])
        w, signed = sc.width, sc.signed
        lo, hi = self.s.bounds(e["t"])
        ops_err = self.first(a.e, b.e)
        if op in ("band", "bor", "bxor"):
            return Val(self.b.bind(f"(bv{op[1:]} {a.v} {b.v})"), ops_err)
        if op in ("add_wrap", "sub_wrap", "mul_wrap"):
            return Val(self.b.bind(f"(bv{op[:3]} {a.v} {b.v})"), ops_err)
        if op in ("shl", "shr"):
            return Val(self._shift(op, a.v, b.v, e["b"]["t"], signed, w), ops_err)
        # exact result as a signed number: room for the sign and the carry
        ww = 2 * w + 1 if op.startswith("mul") else w + 2
        xa, xb = self.b.bind(self._ext(a.v, signed, w, ww)), self.b.bind(self._ext(b.v, signed, w, ww))
        base = op.split("_")[0]
        if base in ("add", "sub", "mul"):
            wide = self.b.bind(f"(bv{base} {xa} {xb})")
            if op.endswith("_sat"):
                return Val(self._clamp(wide, ww, lo, hi, w), ops_err)
            return self._checked(wide, ww, lo, hi, w, ops_err, OVERFLOW)
        # div / rem: divisor zero first, then the value-set check (MIN / -1).
        # On the sign-extended operands bvsdiv/bvsrem are truncating division
        # and the remainder with the dividend's sign, for unsigned types too.
        zero = self.guard(f"(= {b.v} {bv(0, w)})", DIV_BY_ZERO)
        wide = self.b.bind(f"({'bvsdiv' if op == 'div' else 'bvsrem'} {xa} {xb})")
        res = self._checked(wide, ww, lo, hi, w, NO_ERR, OVERFLOW)
        return Val(res.v, self.first(ops_err, zero, res.e))

    def _shift(self, op: str, a: str, n: str, nt: dict, signed: bool, w: int) -> str:
        ns = self.s.scalar(nt)
        if w < (1 << ns.width):
            big = self.b.bind(f"(bvuge {n} {bv(w, ns.width)})")
        else:
            big = "false"  # the amount's type cannot reach the width
        amount = self._resize(n, False, ns.width, w)
        if op == "shl":
            return self.b.bind(f"(ite {big} {bv(0, w)} (bvshl {a} {amount}))")
        if signed:
            return self.b.bind(f"(ite {big} (bvashr {a} {bv(w - 1, w)}) (bvashr {a} {amount}))")
        return self.b.bind(f"(ite {big} {bv(0, w)} (bvlshr {a} {amount}))")

    def _cast(self, e, env):
        a = self.expr(e["a"], env)
        src, dst = e["a"]["t"], e["t"]
        sd = self.s.scalar(dst)
        if self.s.is_bool(dst):
            return Val(a.v, a.e)  # bool -> bool newtype (same values)
        if self.s.is_bool(src):
            return Val(self.b.bind(f"(ite {a.v} {bv(1, sd.width)} {bv(0, sd.width)})"), a.e)
        ss = self.s.scalar(src)
        out = self.b.bind(self._resize(a.v, ss.signed, ss.width, sd.width))
        if not e["check"]:
            return Val(out, a.e)
        lo, hi = self.s.bounds(dst)
        ww = max(ss.width, sd.width) + 1
        x = self.b.bind(self._ext(a.v, ss.signed, ss.width, ww))
        bad = f"(or (bvslt {x} {bv(lo, ww)}) (bvsgt {x} {bv(hi, ww)}))"
        return Val(out, self.first(a.e, self.guard(bad, RANGE)))

    def _enum_from(self, e, env):
        a = self.expr(e["a"], env)
        ss, sd = self.s.scalar(e["a"]["t"]), self.s.scalar(e["t"])
        ww = max(ss.width, sd.width) + 1
        x = self.b.bind(self._ext(a.v, ss.signed, ss.width, ww))
        members = self.s.ix.decl(e["t"])["members"]
        ok = "(or " + " ".join(f"(= {x} {bv(m['value'], ww)})" for m in members) + ")"
        out = self.b.bind(self._resize(a.v, ss.signed, ss.width, sd.width))
        return Val(out, self.first(a.e, self.guard(f"(not {ok})", CONVERT)))

    def _call(self, e, env):
        args = [self.expr(x, env) for x in e["args"]]
        argv = " ".join(x.v for x in args)
        sym_v, sym_e = self.fn_symbol(e["fn"], "v"), self.fn_symbol(e["fn"], "e")
        call_v = f"({sym_v} {argv})" if args else sym_v
        call_e = f"({sym_e} {argv})" if args else sym_e
        return Val(self.b.bind(call_v), self.first(*[x.e for x in args], self.b.bind(call_e)))

    def _builtin(self, e, env):
        name = e["name"]
        args = [self.expr(x, env) for x in e["args"]]
        errs = self.first(*[x.e for x in args])
        a = args[0].v
        ta = e["args"][0]["t"]
        sa = self.s.scalar(ta)
        if name in ("min", "max"):
            fn = ("bvs" if sa.signed else "bvu") + ("le" if name == "min" else "ge")
            return Val(self.b.bind(f"(ite ({fn} {a} {args[1].v}) {a} {args[1].v})"), errs)
        w = sa.width
        if name == "abs":
            lo, hi = self.s.bounds(e["t"])
            x = self.b.bind(self._ext(a, True, w, w + 1))
            wide = self.b.bind(f"(ite (bvslt {x} {bv(0, w + 1)}) (bvneg {x}) {x})")
            return self._checked(wide, w + 1, lo, hi, w, errs, OVERFLOW)
        if name == "popcount":
            bits = [f"((_ zero_extend 7) ((_ extract {i} {i}) {a}))" for i in range(w)]
            total = bits[0] if w == 1 else "(bvadd " + " ".join(bits) + ")"
            return Val(self.b.bind(total), errs)
        if name == "bit":
            it = self.s.scalar(e["args"][1]["t"])
            i = args[1].v
            in_range = f"(bvult {i} {bv(w, it.width)})" if w < (1 << it.width) else "true"
            amount = self._resize(i, False, it.width, w)
            return Val(self.b.bind(f"(and {in_range} (= ((_ extract 0 0) (bvlshr {a} {amount})) #b1))"), errs)
        hi_, lo_ = e["hi"], e["lo"]
        field = f"((_ extract {hi_} {lo_}) {a})"
        st = self.s.scalar(e["t"])
        return Val(self.b.bind(self._resize(field, False, hi_ - lo_ + 1, st.width)), errs)

    def _if(self, e, env):
        c = self.expr(e["c"], env)
        t = self.expr(e["then"], env)
        f = self.expr(e["else"], env)
        branch_e = t.e if t.e == f.e else self.b.bind(f"(ite {c.v} {t.e} {f.e})")
        return Val(self.b.bind(f"(ite {c.v} {t.v} {f.v})"), self.first(c.e, branch_e))

    def _match(self, e, env):
        a = self.expr(e["a"], env)
        arms = [(arm["pats"], self.expr(arm["body"], env)) for arm in e["arms"]]
        ta = e["a"]["t"]
        # the wildcard (or, for an exhaustive match, the last arm) is the fallback
        pats, last = arms[-1]
        v, er = last.v, last.e
        for pats, body in reversed(arms[:-1]):
            cond = "(or " + " ".join(f"(= {a.v} {self.s.literal(ta, p)})" for p in pats) + " false)"
            cond = self.b.bind(cond)
            v = self.b.bind(f"(ite {cond} {body.v} {v})")
            er = er if er == body.e else self.b.bind(f"(ite {cond} {body.e} {er})")
        return Val(v, self.first(a.e, er))

    def _block(self, e, env):
        env = dict(env)
        errs = []
        for x in e["lets"]:
            r = self.expr(x["e"], env)
            env[x["name"]] = r.v
            errs.append(r.e)
        res = self.expr(e["result"], env)
        return Val(res.v, self.first(*errs, res.e))

    def _record(self, e, env):
        vals = {}
        errs = []
        for x in e["fields"]:  # source order = evaluation order
            r = self.expr(x["e"], env)
            vals[x["name"]] = r.v
            errs.append(r.e)
        sort = self.s.sort(e["t"])
        order = [f["name"] for f in self.s.ix.decl(e["t"])["fields"]]
        term = f"({self.s.ctor(sort)} " + " ".join(vals[n] for n in order) + ")"
        return Val(self.b.bind(term), self.first(*errs))

    def _field(self, e, env):
        a = self.expr(e["a"], env)
        sort = self.s.sort(e["a"]["t"])
        return Val(self.b.bind(f"({self.s.rec_sel(sort, e['name'])} {a.v})"), a.e)

    def _rec_with(self, e, env):
        a = self.expr(e["a"], env)
        errs = [a.e]
        new = {}
        for x in e["fields"]:
            r = self.expr(x["e"], env)
            new[x["name"]] = r.v
            errs.append(r.e)
        sort = self.s.sort(e["t"])
        parts = [new.get(f["name"], f"({self.s.rec_sel(sort, f['name'])} {a.v})")
                 for f in self.s.ix.decl(e["t"])["fields"]]
        return Val(self.b.bind(f"({self.s.ctor(sort)} " + " ".join(parts) + ")"), self.first(*errs))

    def _array(self, e, env):
        rs = [self.expr(x, env) for x in e["elems"]]
        sort = self.s.sort(e["t"])
        return Val(self.b.bind(f"({self.s.ctor(sort)} " + " ".join(r.v for r in rs) + ")"),
                   self.first(*[r.e for r in rs]))

    def _repeat(self, e, env):
        x = self.expr(e["e"], env)
        sort = self.s.sort(e["t"])
        return Val(self.b.bind(f"({self.s.ctor(sort)} " + " ".join([x.v] * e["n"]) + ")"), x.e)

    def _elements(self, arr_t: dict, a: str) -> list[str]:
        sort = self.s.sort(arr_t)
        return [f"({self.s.arr_sel(sort, k)} {a})" for k in range(arr_t["len"])]

    def _index_check(self, i: str, it: dict, n: int) -> str:
        si = self.s.scalar(it)
        if n >= (1 << si.width):
            return NO_ERR  # every value of the index type is in bounds
        k = _literal(i)
        if k is not None:
            return NO_ERR if k < n else err(INDEX)
        return self.guard(f"(bvuge {i} {bv(n, si.width)})", INDEX)

    def _index(self, e, env):
        a = self.expr(e["a"], env)
        i = self.expr(e["i"], env)
        it, at = e["i"]["t"], e["a"]["t"]
        si = self.s.scalar(it)
        elems = self._elements(at, a.v)
        k = _literal(i.v)
        if k is not None:
            # A constant index (every index of an unrolled fold) selects its element
            # directly: Z3 4.8.12 takes time exponential in the number of selection
            # chains summed in one define-fun (8 chains of a [u32; 8] fold: 23 s to
            # parse block_checksum, 0.02 s with direct selectors).
            v = elems[k] if k < len(elems) else elems[-1]  # out of bounds: the error wins
        else:
            v = elems[-1]
            for k in range(len(elems) - 2, -1, -1):
                v = f"(ite (= {i.v} {bv(k, si.width)}) {elems[k]} {v})"
        return Val(self.b.bind(v), self.first(a.e, i.e, self._index_check(i.v, it, len(elems))))

    def _arr_with(self, e, env):
        a = self.expr(e["a"], env)
        i = self.expr(e["i"], env)
        x = self.expr(e["v"], env)
        it, at = e["i"]["t"], e["a"]["t"]
        si = self.s.scalar(it)
        sort = self.s.sort(at)
        at_k = _literal(i.v)
        if at_k is not None:  # a constant index replaces its element directly (see _index)
            elems = [x.v if k == at_k else old for k, old in enumerate(self._elements(at, a.v))]
        else:
            elems = [f"(ite (= {i.v} {bv(k, si.width)}) {x.v} {old})" if k < (1 << si.width) else old
                     for k, old in enumerate(self._elements(at, a.v))]
        term = f"({self.s.ctor(sort)} " + " ".join(elems) + ")"
        return Val(self.b.bind(term), self.first(a.e, i.e, x.e, self._index_check(i.v, it, at["len"])))

    def _fold(self, e, env):
        acc = self.expr(e["init"], env)
        errs = [acc.e]
        vt = self.s.scalar(e["var_t"])
        for i in range(e["lo"], e["hi"]):
            inner = dict(env)
            inner[e["var"]] = bv(i, vt.width)
            inner[e["acc"]] = acc.v
            acc = self.expr(e["body"], inner)
            errs.append(acc.e)
        return Val(acc.v, self.first(*errs))

    def _raise(self, e, env):
        return Val(self.s.default(e["t"]), err(e["code"]))

    # ---- helpers ----------------------------------------------------------------
    @staticmethod
    def _ext(x: str, signed: bool, w: int, ww: int) -> str:
        if ww == w:
            return x
        return f"((_ {'sign' if signed else 'zero'}_extend {ww - w}) {x})"

    def _resize(self, x: str, signed: bool, w: int, ww: int) -> str:
        if ww <= w:
            return x if ww == w else f"((_ extract {ww - 1} 0) {x})"
        return self._ext(x, signed, w, ww)

    def _checked(self, wide: str, ww: int, lo: int, hi: int, w: int, before: str, code: int) -> Val:
        # `wide` holds the exact mathematical result as a signed ww-bit number
        # (operands were extended with room for the sign), so one signed
        # comparison with the value set decides overflow for every type.
        bad = f"(or (bvslt {wide} {bv(lo, ww)}) (bvsgt {wide} {bv(hi, ww)}))"
        value = self.b.bind(f"((_ extract {w - 1} 0) {wide})")
        return Val(value, self.first(before, self.guard(bad, code)))

    def _clamp(self, wide: str, ww: int, lo: int, hi: int, w: int) -> str:
        clamped = self.b.bind(f"(ite (bvslt {wide} {bv(lo, ww)}) {bv(lo, ww)} "
                              f"(ite (bvsgt {wide} {bv(hi, ww)}) {bv(hi, ww)} {wide}))")
        return self.b.bind(f"((_ extract {w - 1} 0) {clamped})")


def _literal(term: str) -> int | None:
    """The value of a bit-vector literal term, None for any other term."""
    try:
        return bv_value(term) if term.startswith("#") else None
    except ValueError:
        return None


__all__ = ["ERR_W", "NO_ERR", "PRECONDITION", "SKIP", "Body", "Lowerer", "Val", "err"]
