"""Interpreter stage: run a spec's vectors, contracts and properties.

`run_spec(doc)` evaluates, on the reference interpreter, every golden vector
(the value or error code must match exactly), every `ensures` on every vector
and on N random calls per function, and every property on N random inputs.
The result is plain data that the CLI prints as tables or JSON.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from upel.interp.eval import ContractViolation, Evaluator
from upel.interp.inputs import InputGen
from upel.interp.intops import Raised
from upel.ir.model import IRIndex


class IRResolver:
    """The interpreter's view of a whole IR document."""

    def __init__(self, index: IRIndex) -> None:
        self.ix = index
        self._consts: dict[str, Any] = {}

    def int_info(self, t: dict):
        return self.ix.int_info(t)

    def decl(self, t: dict):
        return self.ix.decl(t)

    def const_value(self, qname: str):
        if qname not in self._consts:
            self._consts[qname] = to_value(self.ix.consts[qname]["value"])
        return self._consts[qname]

    def function(self, qname: str) -> dict:
        return self.ix.functions[qname]


def to_value(v: Any) -> Any:
    """Canonical IR value -> interpreter value (arrays are tuples)."""
    if isinstance(v, list):
        return tuple(to_value(x) for x in v)
    if isinstance(v, dict):
        return {k: to_value(x) for k, x in v.items()}
    return v


def to_canonical(v: Any) -> Any:
    if isinstance(v, tuple):
        return [to_canonical(x) for x in v]
    if isinstance(v, dict):
        return {k: to_canonical(x) for k, x in v.items()}
    return v


def outcome(ev: Evaluator, fn: str, args: list) -> dict:
    """{"value": v} or {"error": code}; ContractViolation propagates."""
    try:
        return {"value": to_canonical(ev.call(fn, args))}
    except Raised as r:
        return {"error": r.code}


@dataclass
class Failure:
    kind: str  # "vector" | "ensures" | "property"
    name: str  # function or property qname
    args: list
    message: str
    loc: dict | None = None


@dataclass
class FnReport:
    qname: str
    vectors: int = 0
    vectors_passed: int = 0
    ensures: int = 0  # number of ensures clauses
    random_calls: int = 0
    random_errors: int = 0  # random calls that ended with an error code (not a failure)


@dataclass
class PropReport:
    qname: str
    tried: int = 0
    held: int = 0
    skipped: int = 0  # inputs rejected by the property's requires


@dataclass
class SpecReport:
    root: str
    functions: list[FnReport] = field(default_factory=list)
    properties: list[PropReport] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


def _show_args(ix: IRIndex, args: list) -> str:
    return "(" + ", ".join(repr(to_canonical(a)) for a in args) + ")"


def _show_outcome(ix: IRIndex, o: dict) -> str:
    if "error" in o:
        return f"error {ix.error_name(o['error'])}"
    return repr(o["value"])


def _violation(ix: IRIndex, v: ContractViolation) -> str:
    clause = f"ensures #{v.index + 1} of {v.fn.rsplit('.', 1)[1]}"
    if v.raised is not None:
        return f"{clause} raised {ix.error_name(v.raised)} (result {to_canonical(v.result)!r})"
    return f"{clause} is false (result {to_canonical(v.result)!r})"


def run_spec(doc: dict, samples: int = 1000, seed: int = 0, packages: set[str] | None = None) -> SpecReport:
    """Test the packages of `doc` (default: its root package only)."""
    t0 = time.perf_counter()
    ix = IRIndex(doc)
    ev = Evaluator(IRResolver(ix), check_ensures=True)
    report = SpecReport(doc["root"])
    wanted = packages or {doc["root"]}
    pkgs = [p for p in doc["packages"] if p["name"] in wanted]
    by_fn: dict[str, FnReport] = {}
    for pkg in pkgs:
        for fn in pkg["functions"]:
            by_fn[fn["qname"]] = FnReport(fn["qname"], ensures=len(fn["ensures"]))
    for pkg in pkgs:
        for vs in pkg["vectors"]:
            rep = by_fn.setdefault(vs["fn"], FnReport(vs["fn"], ensures=len(ix.functions[vs["fn"]]["ensures"])))
            for case in vs["cases"]:
                rep.vectors += 1
                args = [to_value(a) for a in case["args"]]
                try:
                    got = outcome(ev, vs["fn"], args)
                except ContractViolation as v:
                    report.failures.append(Failure("ensures", vs["fn"], case["args"], _violation(ix, v), case.get("loc")))
                    continue
                if got == case["expect"]:
                    rep.vectors_passed += 1
                else:
                    report.failures.append(Failure(
                        "vector", vs["fn"], case["args"],
                        f"{vs['fn'].rsplit('.', 1)[1]}{_show_args(ix, args)}: expected "
                        f"{_show_outcome(ix, case['expect'])}, got {_show_outcome(ix, got)}", case.get("loc")))
    for qname, rep in by_fn.items():
        fn = ix.functions[qname]
        if not fn["ensures"] or samples <= 0:
            continue
        gen = InputGen(ix, item_seed(seed, qname))
        for _ in range(samples):
            args = gen.args(fn["params"])
            rep.random_calls += 1
            try:
                ev.call(qname, args)
            except Raised:
                rep.random_errors += 1
            except ContractViolation as v:
                report.failures.append(Failure("ensures", qname, to_canonical(args), _violation(ix, v), fn.get("loc")))
                break
    for pkg in pkgs:
        for prop in pkg["properties"]:
            report.properties.append(_run_property(ix, ev, prop, samples, seed, report.failures))
    report.functions = sorted(by_fn.values(), key=lambda r: r.qname)
    report.seconds = time.perf_counter() - t0
    return report


def _run_property(ix, ev, prop, samples, seed, failures) -> PropReport:
    rep = PropReport(prop["qname"])
    requires = [ev.compile(e) for e in prop["requires"]]
    body = ev.compile(prop["body"])
    names = [p["name"] for p in prop["params"]]
    gen = InputGen(ix, item_seed(seed, prop["qname"]))
    for _ in range(samples):
        args = gen.args(prop["params"])
        env = dict(zip(names, args))
        rep.tried += 1
        try:
            if not all(r(env) for r in requires):
                rep.skipped += 1
                continue
            ok = body(env)
            problem = None if ok else "is false"
        except Raised as r:
            problem = f"raised {ix.error_name(r.code)}"
        except ContractViolation as v:
            problem = "hit a contract violation: " + _violation(ix, v)
        if problem:
            shown = ", ".join(f"{n}={to_canonical(a)!r}" for n, a in zip(names, args))
            failures.append(Failure("property", prop["qname"], to_canonical(args),
                                    f"property {prop['name']} {problem} at {shown}", prop.get("loc")))
            break
        rep.held += 1
    return rep


def item_seed(seed: int, name: str) -> int:
    # Per-item seeds: adding a function does not change the inputs of another.
    import hashlib

    return int.from_bytes(hashlib.sha256(f"{seed}:{name}".encode()).digest()[:8], "big")
