"""SMT proof target: one self-contained SMT-LIB 2 script per obligation.

A script declares the datatypes it needs, defines every function the
obligation reaches as a pair of macros (`|f.v|` its value, `|f.e|` its
error code, 0 when it returns; the requires chain is part of `|f.e|`),
declares the inputs as constants constrained to their value sets, and
asserts the *negation* of the obligation: `unsat` means proved, `sat`
comes with a model whose `get-value` is the counterexample.
"""

from __future__ import annotations

from upel.interp.runner import IRResolver
from upel.ir.model import IRIndex
from upel.verify.obligations import Obligation
from upel.verify.synthetic import callees as calls_of

from .lower import NO_ERR, PRECONDITION, SKIP, Body, Lowerer, err
from .sorts import Sorts

ERR_SORT = "(_ BitVec 16)"


def _sym(name: str) -> str:
    return f"|{name}|"


def param_sym(name: str) -> str:
    return _sym(f"in:{name}")


class ScriptBuilder:
    """Scripts in one encoding: bit-vectors (default) or mathematical integers
    (`ints=True`, see ints.py; raises ints.Unsupported outside its fragment)."""

    def __init__(self, doc: dict, ints: bool = False) -> None:
        self.ints = ints
        self.ix = IRIndex(doc)
        self.consts = IRResolver(self.ix).const_value
        self._defs: dict[str, tuple[Sorts, list[str]]] = {}

    def new_sorts(self) -> Sorts:
        from .ints import IntSorts

        return IntSorts(self.ix) if self.ints else Sorts(self.ix)

    def _lowerer(self, sorts: Sorts, body: Body) -> Lowerer:
        from .ints import IntLowerer

        cls = IntLowerer if self.ints else Lowerer
        return cls(sorts, self.consts, lambda q, part: _sym(f"{q}.{part}"), body)

    def _closure(self, roots: set[str]) -> list[str]:
        """Functions reachable from `roots`, callees first (IR order already is)."""
        need, todo = set(), list(roots)
        while todo:
            q = todo.pop()
            if q in need:
                continue
            need.add(q)
            todo.extend(self.ix.functions[q]["calls"])
        order = [f["qname"] for p in self.ix.doc["packages"] for f in p["functions"]]
        return [q for q in order if q in need]

    def _requires_chain(self, low: Lowerer, reqs: list[dict], env: dict, false_code: str) -> list[str]:
        errs = []
        for r in reqs:
            x = low.expr(r, env)
            errs += [x.e, low.b.bind(f"(ite {x.v} {NO_ERR} {false_code})")]
        return errs

    def _define(self, sorts: Sorts, fn: dict) -> list[str]:
        body = Body("t!")
        low = self._lowerer(sorts, body)
        env = {p["name"]: param_sym(p["name"]) for p in fn["params"]}
        errs = self._requires_chain(low, fn["requires"], env, err(PRECONDITION))
        res = low.expr(fn["body"], env)
        total_e = low.first(*errs, res.e)
        params = " ".join(f"({param_sym(p['name'])} {sorts.sort(p['type'])})" for p in fn["params"])
        q = fn["qname"]
        return [
            f"(define-fun {_sym(q + '.v')} ({params}) {sorts.sort(fn['ret'])}\n  {body.render(res.v)})",
            f"(define-fun {_sym(q + '.e')} ({params}) {ERR_SORT}\n  {body.render(total_e)})",
        ]

    def script(self, ob: Obligation) -> tuple[str, list[tuple[str, dict]]]:
        """(SMT-LIB text, [(input symbol, type)]) for one obligation."""
        sorts = self.new_sorts()
        if ob.kind == "property":
            item = self.ix.properties[ob.subject]
            calls = _calls_in([*item["requires"], item["body"]])
        else:
            item = self.ix.functions[ob.subject]
            calls = {ob.subject} | (_calls_in(item["ensures"]) if ob.kind == "ensures" else set())
        defs: list[str] = []
        for q in self._closure(calls):
            defs += self._define(sorts, self.ix.functions[q])
        inputs = [(param_sym(p["name"]), p["type"]) for p in item["params"]]
        lines = []
        for p in item["params"]:
            term, leaves = sorts.spread(p["type"], "in:" + p["name"])
            lines += [f"(declare-const {leaf} {sort})" for leaf, sort in leaves]
            if term != param_sym(p["name"]):
                lines.append(f"(define-fun {param_sym(p['name'])} () {sorts.sort(p['type'])} {term})")
        for s, t in inputs:
            lines += [f"(assert {c})" for c in sorts.valid(t, s)]
        lines.append(self._goal(sorts, ob, item))
        head = [
            f"; UPEL proof obligation {ob.id}",
            "; unsat = proved; sat = refuted, the model is a counterexample",
            "(set-logic ALL)",
            "(set-option :produce-models true)",
            *sorts.declarations(),
            *defs,
        ]
        getv = "(get-value (" + " ".join(s for s, _ in inputs) + "))" if inputs else ""
        text = "\n".join([*head, *lines, "(check-sat)", getv, ""])
        return text, inputs

    def _goal(self, sorts: Sorts, ob: Obligation, item: dict) -> str:
        body = Body("g!")
        low = self._lowerer(sorts, body)
        env = {p["name"]: param_sym(p["name"]) for p in item["params"]}
        args = " ".join(env[p["name"]] for p in item["params"])

        def call(part: str) -> str:
            s = _sym(f"{item['qname']}.{part}")
            return f"({s} {args})" if args else s

        if ob.kind == "raises":
            e = body.bind(call("e"))
            allowed = [0, PRECONDITION, *item["raises"]]
            ok = "(or " + " ".join(f"(= {e} {err(c)})" for c in sorted(set(allowed))) + ")"
            return f"(assert {body.render(f'(not {ok})')})"
        if ob.kind == "property":
            errs = self._requires_chain(low, item["requires"], env, SKIP)
            res = low.expr(item["body"], env)
            pe = low.first(*errs, res.e)
            fail = f"(and (not (= {pe} {SKIP})) (or (not (= {pe} {NO_ERR})) (not {res.v})))"
            return f"(assert {body.render(fail)})"
        # ensures[i]: the call returned; earlier ensures hold; ensures i fails
        returned = body.bind(f"(= {call('e')} {NO_ERR})")
        env["result"] = body.bind(call("v"))
        conj = [returned]
        for j, ens in enumerate(item["ensures"][: ob.index + 1]):
            x = low.expr(ens, env)
            holds = body.bind(f"(and (= {x.e} {NO_ERR}) {x.v})")
            conj.append(holds if j < ob.index else f"(not {holds})")
        return f"(assert {body.render('(and ' + ' '.join(conj) + ')')})"


def _calls_in(exprs) -> set[str]:
    out: set[str] = set()
    for e in exprs:
        out |= calls_of(e)
    return out


def eval_script(builder: ScriptBuilder, fn_qname: str, cases: list[list]) -> str:
    """A script that evaluates `fn` on concrete arguments with the solver's
    simplifier: per case, `(simplify (|f.e| args))` then `(simplify (|f.v| args))`.
    Used to test the lowering against the reference interpreter."""
    sorts = builder.new_sorts()
    fn = builder.ix.functions[fn_qname]
    defs: list[str] = []
    for q in builder._closure({fn_qname}):
        defs += builder._define(sorts, builder.ix.functions[q])
    lines = ["(set-logic ALL)", *sorts.declarations(), *defs]
    for args in cases:
        argv = " ".join(sorts.literal(p["type"], a) for p, a in zip(fn["params"], args, strict=True))
        for part in ("e", "v"):
            s = _sym(f"{fn_qname}.{part}")
            lines.append(f"(simplify ({s} {argv}))" if argv else f"(simplify {s})")
    return "\n".join(lines) + "\n"
