"""Verification stage (CBMC): IR -> C proof harnesses.

One harness (a `main` for CBMC) per operator and one per property, written
against the code the C backend generates. Each harness

- gives every argument a nondeterministic value leaf by leaf and assumes it
  lies in its type's value set (ranged newtypes, enum members, odd widths),
  so CBMC explores exactly the inputs the spec allows;
- calls the generated function and asserts the obligations with
  `__CPROVER_assert`, whose description names the obligation
  (`upel:raises`, `upel:ensures[0]`, `upel:property`), so each result of
  `cbmc --json-ui` maps back to one obligation.

The contracts themselves are checked through ordinary generated code: the
synthetic `upel_ens_*` / `upel_prop_*` functions of `upel.verify.synthetic`,
plus, per property with requires, an `upel_preq_<p>` function (the
conjunction of the requires) added here. Without it a `precondition` status
from `upel_prop_<p>` would be ambiguous: a false requires (skip the input)
or a body that raised `precondition` through a callee (a failure, per
docs/language.md "Evaluation").

Everything here is a pure function of the IR: the same IR gives the same
harness bytes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from upel.backends.c.emitter import Emitter

from upel.ir.schema import validate_ir
from upel.ir.walk import nodes
from upel.verify.obligations import (
    Obligation,
    function_obligations,
    property_obligation,
)
from upel.verify.synthetic import ENS_PREFIX, PROP_PREFIX, with_checks

PREQ_PREFIX = "upel_preq_"
# Longest loop of the C runtime: upel_popcount clears one bit per iteration
# of a 64-bit word. Other loops come from the IR (folds, array loops).
RUNTIME_LOOP = 64


@dataclass
class Harness:
    """One CBMC run: a harness file and the obligations its assertions decide."""
    name: str                      # file stem, unique (the C name of the subject)
    subject: str                   # qualified name of the function or property
    params: list[dict]             # the subject's parameters (for counterexamples)
    text: str                      # the C source
    # assertion description -> obligation (several assertions may share one)
    obligations: dict[str, Obligation] = field(default_factory=dict)
    rte: Obligation | None = None  # the subject's `rte` obligation (built-in checks)


def prepared_ir(doc: dict) -> dict:
    """The IR with the check functions the harnesses call (validated)."""
    out, _ = with_checks(doc)
    out = copy.deepcopy(out)
    for pkg in out["packages"]:
        taken = {f["name"] for f in pkg["functions"]}
        for prop in pkg["properties"]:
            if not prop["requires"]:
                continue
            name = f"{PREQ_PREFIX}{prop['name']}"
            if name in taken:
                raise ValueError(f"package {pkg['name']}: name reserved for verification is in use: {name}")
            cond = prop["requires"][0]
            for r in prop["requires"][1:]:
                # `and` short-circuits: the first false requires skips, a raising one ends it,
                # exactly like requires checked in order.
                cond = {"k": "bin", "op": "and", "a": cond, "b": r, "t": {"k": "bool"}}
            calls: set[str] = set()
            _collect_calls(prop["requires"], calls)
            pkg["functions"].append({
                "name": name, "qname": f"{pkg['name']}.{name}", "doc": [], "reqs": list(prop["reqs"]),
                "params": list(prop["params"]), "ret": {"k": "bool"}, "raises": [], "requires": [],
                "ensures": [], "body": cond, "calls": sorted(calls),
            })
    validate_ir(out)
    return out


def _collect_calls(x, out: set[str]) -> None:
    if isinstance(x, dict):
        if x.get("k") == "call":
            out.add(x["fn"])
        for v in x.values():
            _collect_calls(v, out)
    elif isinstance(x, list):
        for v in x:
            _collect_calls(v, out)


def unwind_bound(doc: dict) -> int:
    """A loop bound no loop of the generated code can exceed, plus one.

    Loops in the generated C are folds (hi - lo iterations), loops over
    arrays (their length: equality, literals, the harness's own argument
    loops) and the runtime's popcount; `--unwinding-assertions` makes CBMC
    prove that this bound is enough, so the proof is complete, not bounded.
    """
    most = RUNTIME_LOOP
    for x in nodes(doc["packages"]):
        if x.get("k") == "fold":
            most = max(most, x["hi"] - x["lo"])
        elif x.get("k") == "array" and "len" in x:
            most = max(most, x["len"])
    return most + 1


class HarnessWriter:
    """Writes the harnesses of one prepared IR (see `prepared_ir`)."""

    def __init__(self, prepared: dict) -> None:
        self.doc = prepared
        self.em = Emitter(prepared)
        self.headers = [self.em.file_stem(p) + ".h" for p in prepared["packages"]]

    # ---- argument values ---------------------------------------------------------------
    def _fill(self, t: dict, lv: str, out: list[str], depth: int, nondet: set[str]) -> None:
        """Statements giving `lv` an arbitrary value of type `t` (leaf by leaf)."""
        em, pad = self.em, "    " * depth
        if t["k"] == "array":
            k = f"k{depth}"
            out.append(f"{pad}for (uint32_t {k} = 0; {k} < {t['len']}u; {k}++) {{")
            self._fill(t["elem"], f"{lv}.v[{k}]", out, depth + 1, nondet)
            out.append(f"{pad}}}")
            return
        sc = em.scalar(t)
        if sc is None:  # record: field by field, so no padding byte or bool holds junk
            d = em.ix.decl(t)
            for f in d["fields"]:
                self._fill(f["type"], f"{lv}.{em.fields[(d['qname'], f['name'])]}", out, depth, nondet)
            return
        fn = f"nondet_upel_{'bool' if sc.is_bool else sc.sfx}"
        nondet.add(f"{sc.base} {fn}(void);")
        out.append(f"{pad}{lv} = {fn}();")
        cond = self._value_set(t, sc, lv)
        if cond:
            out.append(f"{pad}__CPROVER_assume({cond});")

    def _value_set(self, t: dict, sc, lv: str) -> str:
        if sc.is_bool:
            return ""
        d = self.em.ix.decl(t)
        if d is not None and d["kind"] == "enum":
            return " || ".join(f"{lv} == {sc.lit(m['value'])}" for m in d["members"])
        lo, hi = sc.storage_range
        parts = []
        if sc.lo > lo:
            parts.append(f"{lv} >= {sc.lit(sc.lo)}")
        if sc.hi < hi:
            parts.append(f"{lv} <= {sc.lit(sc.hi)}")
        return " && ".join(parts)

    def _args(self, params: list[dict], body: list[str], nondet: set[str]) -> list[str]:
        """Declares and fills a0, a1, ...; returns the C arguments to pass."""
        args = []
        for i, p in enumerate(params):
            v = f"a{i}"
            body.append(f"    {self.em.ctype(p['type'])} {v};")
            self._fill(p["type"], v, body, 1, nondet)
            args.append(f"&{v}" if self.em.is_agg(p["type"]) else v)
        return args

    def _file(self, title: str, nondet: set[str], body: list[str]) -> str:
        lines = [f"// CBMC proof harness: {title}",
                 "// Generated by upel.proofs.cbmc from the IR; arguments range over their value sets.", ""]
        lines += [f'#include "{h}"' for h in self.headers]
        lines += [""] + sorted(nondet) + ["", "int main(void)", "{"] + body + ["    return 0;", "}", ""]
        return "\n".join(lines)

    # ---- harnesses ---------------------------------------------------------------------
    def function(self, pkg: dict, fn: dict) -> Harness:
        em = self.em
        obs = function_obligations(fn)
        nondet: set[str] = set()
        body: list[str] = []
        args = self._args(fn["params"], body, nondet)
        body.append(f"    {em.ctype(fn['ret'])} r;")
        body.append(f"    upel_status s = {em.cname[fn['qname']]}({', '.join(args + ['&r'])});")
        allowed = " || ".join(["s == UPEL_OK", "s == UPEL_PRECONDITION"] + [f"s == {c}" for c in fn["raises"]
                                                                          if c != 5])
        h = Harness(em.cname[fn["qname"]], fn["qname"], fn["params"], "")
        h.obligations["upel:raises"] = obs[-1]
        body.append(f'    __CPROVER_assert({allowed}, "upel:raises");')
        if fn["ensures"]:
            result = "&r" if em.is_agg(fn["ret"]) else "r"
            body.append("    if (s == UPEL_OK) {")
            for i in range(len(fn["ensures"])):
                check = em.cname[f"{pkg['name']}.{ENS_PREFIX}{fn['name']}_{i}"]
                desc = f"upel:{obs[i].local}"
                h.obligations[desc] = obs[i]
                body += [f"        bool e{i} = false;",
                         f"        upel_status s{i} = {check}({', '.join(args + [result, f'&e{i}'])});",
                         f'        __CPROVER_assert(s{i} == UPEL_OK && e{i}, "{desc}");',
                         # ensures 0..i-1 may be assumed by the later ones (obligations.py)
                         f"        __CPROVER_assume(s{i} == UPEL_OK && e{i});"]
            body.append("    }")
        # records follow obligations.py's order: ensures[0..], raises
        h.obligations = dict(sorted(h.obligations.items(), key=lambda kv: obs.index(kv[1])))
        h.rte = Obligation(fn["qname"], "rte", None, fn.get("loc"), tuple(fn.get("reqs", ())))
        h.text = self._file(f"operator {fn['qname']}", nondet, body)
        return h

    def property(self, pkg: dict, prop: dict) -> Harness:
        em = self.em
        ob = property_obligation(prop)
        nondet: set[str] = set()
        body: list[str] = []
        args = self._args(prop["params"], body, nondet)
        if prop["requires"]:
            preq = em.cname[f"{pkg['name']}.{PREQ_PREFIX}{prop['name']}"]
            body += ["    bool q = false;",
                     f"    upel_status sq = {preq}({', '.join(args + ['&q'])});",
                     # a requires that raises is a failure, a false one skips the input
                     '    __CPROVER_assert(sq == UPEL_OK, "upel:property");',
                     "    __CPROVER_assume(sq == UPEL_OK && q);"]
        check = em.cname[f"{pkg['name']}.{PROP_PREFIX}{prop['name']}"]
        body += ["    bool v = false;",
                 f"    upel_status s = {check}({', '.join(args + ['&v'])});",
                 '    __CPROVER_assert(s == UPEL_OK && v, "upel:property");']
        name = em.cname[f"{pkg['name']}.{PROP_PREFIX}{prop['name']}"]
        h = Harness(name, prop["qname"], prop["params"], "", {"upel:property": ob},
                    Obligation(prop["qname"], "rte", None, prop.get("loc"), tuple(prop.get("reqs", ()))))
        h.text = self._file(f"property {prop['qname']}", nondet, body)
        return h

    def all(self, original: dict, packages: frozenset[str] | None = None) -> list[Harness]:
        """The harnesses of every function and property of `original` (the unprepared IR), in IR
        order; only those of `packages` if given (the packages the run proves, VerifyContext)."""
        out = []
        for pkg in original["packages"]:
            if packages is not None and pkg["name"] not in packages:
                continue
            prepared_pkg = self.em.ix.packages[pkg["name"]]
            for fn in pkg["functions"]:
                out.append(self.function(prepared_pkg, fn))
            for prop in pkg["properties"]:
                out.append(self.property(prepared_pkg, prop))
        return out
