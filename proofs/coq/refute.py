"""Verification stage (Coq): counterexamples for refuted obligations.

When a reflection proof evaluates to `false`, the same enumeration run as a
search (`zfind`/`lfind`, by `vm_compute`) returns the first input that
violates the obligation. The leaves are folded back into canonical values,
and the reference interpreter replays the input, so the record says whether
the model and the interpreter agree on the failure.
"""

from __future__ import annotations

import re
from pathlib import Path

from upel.interp.eval import ContractViolation, Evaluator
from upel.interp.intops import PRECONDITION, Raised
from upel.interp.runner import IRResolver, to_value

from .emit import Model
from .lemmas import LemmaSpec, _z

LIBRARY = "Upel"


def search_term(s: LemmaSpec) -> str:
    leaves = "; ".join(f"Z.b2z {x.var}" if x.kind == "bool" else x.var for x in s.leaves)
    check = f"{s.check} {' '.join(s.args)}" if s.args else s.check
    term = f"(if {check} then None else Some [{leaves}])"
    for leaf in reversed(s.leaves):
        fun = f"(fun {leaf.var} : {'bool' if leaf.kind == 'bool' else 'Z'} => {term})"
        if leaf.kind == "range":
            term = f"(zfind {fun} {_z(leaf.lo)} (Z.to_nat ({_z(leaf.hi)} - {_z(leaf.lo)} + 1)))"
        elif leaf.kind == "enum":
            term = f"(lfind {fun} [{'; '.join(_z(v) for v in leaf.members)}])"
        else:
            term = f"(lfind {fun} [true; false])"
    return term


def rebuild(m: Model, t: dict, vals: list[int]):
    """Consume leaf values (in flatten order) and return the canonical value of type t."""
    if t["k"] == "bool":
        return vals.pop(0) != 0
    if t["k"] == "array":
        return [rebuild(m, t["elem"], vals) for _ in range(t["len"])]
    d = m.decl(t) if t["k"] == "named" else None
    if d is not None and d["kind"] == "record":
        return {f["name"]: rebuild(m, f["type"], vals) for f in d["fields"]}
    return vals.pop(0)


def replay(m: Model, s: LemmaSpec, args: list) -> tuple[bool, str]:
    """Does the reference interpreter fail the obligation on args too?"""
    ev = Evaluator(IRResolver(m.ix), check_ensures=True)
    values = [to_value(a) for a in args]
    ob = s.ob
    if ob.kind == "property":
        prop = m.ix.properties[ob.subject]
        env = dict(zip([p["name"] for p in prop["params"]], values))
        try:
            if not all(ev.compile(r)(env) for r in prop["requires"]):
                return False, "requires false"
            return (False, "holds") if ev.compile(prop["body"])(env) else (True, "property body is false")
        except Raised as r:
            return True, f"raised {m.ix.error_name(r.code)}"
        except ContractViolation as v:
            return True, f"contract violation in {v.fn}"
    fn = m.ix.functions[ob.subject]
    try:
        ev.call(ob.subject, values)
        return False, "returned a value and every ensures held"
    except ContractViolation as v:
        if ob.kind == "ensures" and v.fn == ob.subject and v.index == ob.index:
            return True, f"ensures[{v.index}] " + ("is false" if v.raised is None else
                                                  f"raised {m.ix.error_name(v.raised)}")
        return False, f"contract violation elsewhere ({v.fn} ensures[{v.index}])"
    except Raised as r:
        if ob.kind == "raises" and r.code not in fn["raises"] and r.code != PRECONDITION:
            return True, f"raised {m.ix.error_name(r.code)}, which is not declared"
        return False, f"raised {m.ix.error_name(r.code)}"


def counterexample(ctx, wd: Path, s: LemmaSpec, defs: str) -> dict | None:
    module = defs[:-2]
    fname = f"C_{s.n:03d}.v"
    (wd / fname).write_text(
        f"Require Import ZArith List.\nImport ListNotations.\nOpen Scope Z_scope.\n"
        f"Require Import {LIBRARY}.{module}.\n\nEval vm_compute in {search_term(s)}.\n", encoding="utf-8")
    r = ctx.run(["coqc", "-Q", ".", LIBRARY, fname], cwd=wd)
    found = re.search(r"=\s*Some\s*\[([^\]]*)\]", r.stdout)
    if r.rc != 0 or found is None:
        return None
    vals = [int(x) for x in re.findall(r"-?\d+", found.group(1).replace("(", "").replace(")", ""))]
    m = Model(ctx.doc)
    item = m.ix.properties.get(s.ob.subject) or m.ix.functions[s.ob.subject]
    args = [rebuild(m, p["type"], vals) for p in item["params"]]
    replayed, what = replay(m, s, args)
    vector = f"({', '.join(_show(a) for a in args)})"
    return {"args": args, "vector": vector, "replayed": replayed, "interpreter": what}


def _show(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_show(x)}" for k, x in v.items()) + "}"
    return str(v)
