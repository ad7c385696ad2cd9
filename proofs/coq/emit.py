"""Verification stage (Coq): IR -> Coq definitions.

One Coq file models a whole IR document: the prelude (outcome monad and the
integer operations of upel/interp/intops.py), then per package its records,
type equality functions, constants and one `Definition` per function
(callees first, as the IR lists them). Every expression is a term of type
`Out T`; operands are sequenced with `bind`, left to right, so the first
error wins exactly as in the reference interpreter.

Representation: integers, newtypes and enums are `Z` (the mathematical value,
which always lies in the type's value set), `bool` is `bool`, records are Coq
Records, arrays are lists of their fixed length. Powers of two and value-set
bounds are emitted as literals so that `lia` can reason about the model.
"""

from __future__ import annotations

import re
from pathlib import Path

from upel.ir.model import IRIndex

PRELUDE = (Path(__file__).resolve().parent / "prelude.v").read_text(encoding="utf-8")

BOOL = {"k": "bool"}


def ident(qname: str) -> str:
    """A Coq identifier for a qualified name (dots cannot occur in items)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", qname.replace(".", "'"))


def fn_name(q: str) -> str:
    return "F_" + ident(q)


def const_name(q: str) -> str:
    return "K_" + ident(q)


def rec_name(q: str) -> str:
    return "R_" + ident(q)


def ctor_name(q: str) -> str:
    return "mk_" + ident(q)


def field_name(q: str, f: str) -> str:
    return f"{ident(q)}'{f}"


def eqb_name(q: str) -> str:
    """The boolean structural equality of record `q`."""
    return f"eqb_{ident(q)}"


def local_name(n: str) -> str:
    return "v_" + n


def z(v: int) -> str:
    return f"({v})" if v < 0 else str(v)


class Model:
    """Type and value helpers over one document."""

    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.ix = IRIndex(doc)

    # ---- types --------------------------------------------------------------
    def decl(self, t: dict) -> dict | None:
        return self.ix.decl(t)

    def coq_type(self, t: dict) -> str:
        k = t["k"]
        if k == "bool":
            return "bool"
        if k == "int":
            return "Z"
        if k == "array":
            return f"(list {self.coq_type(t['elem'])})"
        d = self.decl(t)
        if d["kind"] == "record":
            return rec_name(d["qname"])
        return "Z"

    def value_set(self, t: dict) -> tuple[int, int] | None:
        """[lo, hi] of an integer-like type (enums: min..max member)."""
        info = self.ix.int_info(t)
        if info is not None:
            return info.lo, info.hi
        d = self.decl(t) if t["k"] == "named" else None
        if d is not None and d["kind"] == "enum":
            vals = [m["value"] for m in d["members"]]
            return min(vals), max(vals)
        return None

    def storage(self, t: dict) -> tuple[bool, int]:
        """(signed, width) of the two's complement representation."""
        info = self.ix.int_info(t)
        if info is not None:
            return info.signed, info.width
        d = self.decl(t)
        u = d["underlying"]
        return u["signed"], u["width"]

    def eqb(self, t: dict) -> str:
        k = t["k"]
        if k == "bool":
            return "Bool.eqb"
        if k == "int":
            return "Z.eqb"
        if k == "array":
            return f"(list_eqb {self.eqb(t['elem'])})"
        d = self.decl(t)
        return eqb_name(d["qname"]) if d["kind"] == "record" else "Z.eqb"

    # ---- values -------------------------------------------------------------
    def value(self, v, t: dict) -> str:
        if t["k"] == "bool":
            return "true" if v else "false"
        if t["k"] == "array":
            return "[" + "; ".join(self.value(x, t["elem"]) for x in v) + "]"
        d = self.decl(t) if t["k"] == "named" else None
        if d is not None and d["kind"] == "record":
            args = " ".join(self.value(v[f["name"]], f["type"]) for f in d["fields"])
            return f"({ctor_name(d['qname'])} {args})"
        return z(int(v))


class ExprEmitter:
    """One IR expression -> a Coq term of type `Out T`."""

    def __init__(self, m: Model) -> None:
        self.m = m
        self.fresh = 0

    def tmp(self) -> str:
        self.fresh += 1
        return f"t{self.fresh}"

    def bind(self, e: dict, body) -> str:
        """`bind <e> (fun x => <body(x)>)`, skipping the bind for plain values."""
        if e["k"] in ("local", "const", "lit", "enum"):
            return body(self.pure(e))
        x = self.tmp()
        return f"(bind {self.emit(e)} (fun ({x} : {self.m.coq_type(e['t'])}) => {body(x)}))"

    def bind_all(self, es: list[dict], body) -> str:
        def go(i: int, names: list[str]) -> str:
            if i == len(es):
                return body(names)
            return self.bind(es[i], lambda x: go(i + 1, names + [x]))
        return go(0, [])

    def pure(self, e: dict) -> str:
        k = e["k"]
        if k == "local":
            return local_name(e["name"])
        if k == "const":
            return const_name(e["name"])
        return self.m.value(e["v"], e["t"])

    def emit(self, e: dict) -> str:
        k = e["k"]
        if k in ("local", "const", "lit", "enum"):
            return f"(Ok {self.pure(e)})"
        return getattr(self, "_" + k)(e)

    # ---- operators ----------------------------------------------------------
    def _un(self, e):
        op, t = e["op"], e["t"]
        if op == "not":
            return self.bind(e["a"], lambda x: f"(Ok (negb {x}))")
        if op == "neg":
            lo, hi = self.m.value_set(t)
            return self.bind(e["a"], lambda x: f"(chk {z(lo)} {z(hi)} (- {x}))")
        signed, width = self.m.storage(t)
        if signed:
            return self.bind(e["a"], lambda x: f"(Ok (Z.lnot {x}))")
        return self.bind(e["a"], lambda x: f"(Ok (Z.lxor {x} {(1 << width) - 1}))")

    def _bin(self, e):
        op, t, a, b = e["op"], e["t"], e["a"], e["b"]
        if op == "and":
            return self.bind(a, lambda x: f"(if {x} then {self.emit(b)} else Ok false)")
        if op == "or":
            return self.bind(a, lambda x: f"(if {x} then Ok true else {self.emit(b)})")
        if op in _CMP or op in ("eq", "ne"):
            if op in ("eq", "ne"):
                eq = self.m.eqb(a["t"])
                neg = "negb " if op == "ne" else ""
                return self.bind_all([a, b], lambda xs: f"(Ok ({neg}({eq} {xs[0]} {xs[1]})))")
            sym, swap = _CMP[op]
            return self.bind_all([a, b], lambda xs: f"(Ok ({xs[swap]} {sym} {xs[1 - swap]}))")
        if op == "shl" or op == "shr":
            return self._shift(e)
        lo, hi = self.m.value_set(t)
        if op in _ARITH:
            sym = _ARITH[op]
            return self.bind_all([a, b], lambda xs: f"(chk {z(lo)} {z(hi)} ({xs[0]} {sym} {xs[1]}))")
        if op in _WRAP:
            signed, width = self.m.storage(t)
            w = "wrap_s" if signed else "wrap_u"
            return self.bind_all([a, b], lambda xs: f"(Ok ({w} {1 << width} ({xs[0]} {_WRAP[op]} {xs[1]})))")
        if op in _SAT:
            return self.bind_all([a, b], lambda xs: f"(Ok (clamp {z(lo)} {z(hi)} ({xs[0]} {_SAT[op]} {xs[1]})))")
        if op in ("div", "rem"):
            return self.bind_all([a, b], lambda xs: f"(op_{op} {z(lo)} {z(hi)} {xs[0]} {xs[1]})")
        if op in _BITWISE:
            return self.bind_all([a, b], lambda xs: f"(Ok ({_BITWISE[op]} {xs[0]} {xs[1]}))")
        raise AssertionError(f"unknown binary op {op}")

    def _shift(self, e):
        op, t, a, b = e["op"], e["t"], e["a"], e["b"]
        signed, width = self.m.storage(t)
        m = 1 << width
        if b["k"] == "lit":  # constant amount: a multiplication or a floor division by 2^n
            n = b["v"]
            if n >= width:
                if op == "shl" or not signed:
                    return self.bind(a, lambda x: "(Ok 0)")
                return self.bind(a, lambda x: f"(Ok (if {x} <? 0 then -1 else 0))")
            if op == "shl":
                w = "wrap_s" if signed else "wrap_u"
                return self.bind(a, lambda x: f"(Ok ({w} {m} ({x} * {1 << n})))")
            return self.bind(a, lambda x: f"(Ok ({x} / {1 << n}))")
        if op == "shl":
            f = "shl_s" if signed else "shl_u"
            return self.bind_all([a, b], lambda xs: f"(Ok ({f} {width} {m} {xs[0]} {xs[1]}))")
        f = "shr_s" if signed else "shr_u"
        return self.bind_all([a, b], lambda xs: f"(Ok ({f} {width} {xs[0]} {xs[1]}))")

    def _cast(self, e):
        a, t = e["a"], e["t"]
        src = a["t"]
        lo, hi = self.m.value_set(t)
        if src["k"] == "bool":
            conv = lambda x: f"(Z.b2z {x})"
            sset = (0, 1)
        else:
            conv = lambda x: x
            sset = self.m.value_set(src)
        if sset[0] >= lo and sset[1] <= hi:  # every source value fits: the cast is the identity
            return self.bind(a, lambda x: f"(Ok {conv(x)})")
        if e["check"]:
            return self.bind(a, lambda x: f"(to_range {z(lo)} {z(hi)} {conv(x)})")
        signed, width = self.m.storage(t)
        w = "wrap_s" if signed else "wrap_u"
        return self.bind(a, lambda x: f"(Ok ({w} {1 << width} {conv(x)}))")

    def _enum_from(self, e):
        members = "; ".join(z(mm["value"]) for mm in self.m.decl(e["t"])["members"])
        return self.bind(e["a"], lambda x: f"(enum_from [{members}] {x})")

    def _call(self, e):
        return self.bind_all(e["args"], lambda xs: f"({fn_name(e['fn'])} {' '.join(xs)})" if xs
                             else fn_name(e["fn"]))

    def _builtin(self, e):
        name, args = e["name"], e["args"]
        if name in ("min", "max"):
            return self.bind_all(args, lambda xs: f"(Ok (Z.{name} {xs[0]} {xs[1]}))")
        t = args[0]["t"]
        signed, width = self.m.storage(t)
        m = 1 << width
        if name == "abs":
            lo, hi = self.m.value_set(t)
            return self.bind(args[0], lambda x: f"(chk {z(lo)} {z(hi)} (Z.abs {x}))")
        if name == "popcount":
            return self.bind(args[0], lambda x: f"(Ok (popcount {width} {m} {x}))")
        if name == "bit":
            return self.bind_all(args, lambda xs: f"(Ok (bit {width} {xs[0]} {xs[1]}))")
        hi_, lo_ = e["hi"], e["lo"]
        return self.bind(args[0], lambda x: f"(Ok ((({x} mod {m}) / {1 << lo_}) mod {1 << (hi_ - lo_ + 1)}))")

    # ---- control ------------------------------------------------------------
    def _if(self, e):
        return self.bind(e["c"], lambda c: f"(if {c} then {self.emit(e['then'])} else {self.emit(e['else'])})")

    def _match(self, e):
        eq = self.m.eqb(e["a"]["t"])
        t = e["a"]["t"]

        def arms(x: str) -> str:
            # Built inside out. The last arm is the fallback: either `_`, or the
            # last alternatives of an exhaustive match (no other value exists).
            out = self.emit(e["arms"][-1]["body"])
            for arm in reversed(e["arms"][:-1]):
                test = " || ".join(f"({eq} {x} {self.m.value(p, t)})" for p in arm["pats"])
                out = f"(if {test} then {self.emit(arm['body'])} else {out})"
            return out

        return self.bind(e["a"], arms)

    def _block(self, e):
        def go(i: int) -> str:
            if i == len(e["lets"]):
                return self.emit(e["result"])
            let = e["lets"][i]
            return (f"(bind {self.emit(let['e'])} (fun ({local_name(let['name'])} : "
                    f"{self.m.coq_type(let['t'])}) => {go(i + 1)}))")
        return go(0)

    def _record(self, e):
        d = self.m.decl(e["t"])
        src = [f["name"] for f in e["fields"]]

        def build(xs: list[str]) -> str:
            val = dict(zip(src, xs))
            return f"(Ok ({ctor_name(d['qname'])} {' '.join(val[f['name']] for f in d['fields'])}))"
        return self.bind_all([f["e"] for f in e["fields"]], build)

    def _field(self, e):
        d = self.m.decl(e["a"]["t"])
        return self.bind(e["a"], lambda x: f"(Ok ({field_name(d['qname'], e['name'])} {x}))")

    def _rec_with(self, e):
        d = self.m.decl(e["t"])
        names = [f["name"] for f in e["fields"]]

        def build(xs: list[str]) -> str:
            base, new = xs[0], dict(zip(names, xs[1:]))
            parts = [new.get(f["name"], f"({field_name(d['qname'], f['name'])} {base})") for f in d["fields"]]
            return f"(Ok ({ctor_name(d['qname'])} {' '.join(parts)}))"
        return self.bind_all([e["a"]] + [f["e"] for f in e["fields"]], build)

    def _array(self, e):
        return self.bind_all(e["elems"], lambda xs: f"(Ok [{'; '.join(xs)}])")

    def _repeat(self, e):
        return self.bind(e["e"], lambda x: f"(Ok (repeat {x} (Z.to_nat {e['n']})))")

    def _index(self, e):
        return self.bind_all([e["a"], e["i"]], lambda xs: f"(op_index {xs[0]} {xs[1]})")

    def _arr_with(self, e):
        return self.bind_all([e["a"], e["i"], e["v"]], lambda xs: f"(op_upd {xs[0]} {xs[1]} {xs[2]})")

    def _fold(self, e):
        n = e["hi"] - e["lo"]
        ty = self.m.coq_type(e["t"])
        body = self.emit(e["body"])
        return self.bind(e["init"], lambda x: (
            f"(mfold (fun ({local_name(e['var'])} : Z) ({local_name(e['acc'])} : {ty}) => {body}) "
            f"{z(e['lo'])} {n}%nat {x})"))

    def _raise(self, e):
        return f"(Err {e['code']})"


# gt / ge are emitted as swapped lt / le: lia knows Z.ltb and Z.leb.
_CMP = {"lt": ("<?", 0), "le": ("<=?", 0), "gt": ("<?", 1), "ge": ("<=?", 1)}
_ARITH = {"add": "+", "sub": "-", "mul": "*"}
_WRAP = {"add_wrap": "+", "sub_wrap": "-", "mul_wrap": "*"}
_SAT = {"add_sat": "+", "sub_sat": "-", "mul_sat": "*"}
_BITWISE = {"band": "Z.land", "bor": "Z.lor", "bxor": "Z.lxor"}


def requires_chain(ex: ExprEmitter, reqs: list[dict], then: str) -> str:
    """Evaluate requires in order; `then` when all hold, `Err 5` at the first false one."""
    out = then
    for r in reversed(reqs):
        out = ex.bind(r, lambda c, out=out: f"(if {c} then {out} else Err 5)")
    return out


def requires_bool(ex: ExprEmitter, reqs: list[dict]) -> str:
    """Ok true when every requires holds, Ok false at the first false one, else the error."""
    out = "(Ok true)"
    for r in reversed(reqs):
        out = ex.bind(r, lambda c, out=out: f"(if {c} then {out} else Ok false)")
    return out


def params_decl(m: Model, params: list[dict]) -> str:
    return " ".join(f"({local_name(p['name'])} : {m.coq_type(p['type'])})" for p in params)


def emit_types(m: Model, pkg: dict) -> list[str]:
    out = []
    for t in pkg["types"]:
        if t["kind"] != "record":
            continue
        q = t["qname"]
        fields = "; ".join(f"{field_name(q, f['name'])} : {m.coq_type(f['type'])}" for f in t["fields"])
        out.append(f"Record {rec_name(q)} : Type := {ctor_name(q)} {{ {fields} }}.")
        conj = " && ".join(f"({m.eqb(f['type'])} ({field_name(q, f['name'])} a) ({field_name(q, f['name'])} b))"
                           for f in t["fields"])
        out.append(f"Definition {eqb_name(q)} (a b : {rec_name(q)}) : bool := {conj}.")
    return out


def emit_document(doc: dict) -> str:
    """The definitions file: prelude + every package of the document."""
    m = Model(doc)
    lines = [PRELUDE, f"(* ==== model of IR document {doc['root']} ==== *)"]
    for pkg in doc["packages"]:
        lines.append(f"\n(* ---- package {pkg['name']} {pkg['version']} ---- *)")
        lines.extend(emit_types(m, pkg))
        for c in pkg["consts"]:
            lines.append(f"Definition {const_name(c['qname'])} : {m.coq_type(c['type'])} := "
                         f"{m.value(c['value'], c['type'])}.")
        for f in pkg["functions"]:
            ex = ExprEmitter(m)
            body = requires_chain(ex, f["requires"], ex.emit(f["body"]))
            lines.append(f"(* {f['qname']} *)")
            lines.append(f"Definition {fn_name(f['qname'])} {params_decl(m, f['params'])} : "
                         f"Out {m.coq_type(f['ret'])} :=\n  {body}.")
    return "\n".join(lines) + "\n"
