"""Verification stage: contract checks as ordinary IR functions.

Code-level verifiers (CBMC, Frama-C, Yosys) check what a backend generates,
and backends generate functions, not contracts. `with_checks(doc)` returns a
copy of the IR with, in each package, one extra function per obligation the
code cannot state on its own:

- `upel_ens_<f>_<i>(<f's params>, result: <f's ret>) -> bool`: ensures i of f;
- `upel_prop_<p>(<p's params>) -> bool`: property p, with p's requires as
  its requires (so a false requires comes back as `precondition`, the
  "skip this input" outcome).

The copy is still a valid IR document (the schema check runs on it), so any
backend generates these functions with the same semantics as everything
else; a harness then asserts that they return true. `CHECKS` maps each new
qualified name to the obligation it stands for.
"""

from __future__ import annotations

import copy

from upel.ir.schema import validate_ir

from .obligations import Obligation, function_obligations, property_obligation

ENS_PREFIX = "upel_ens_"
PROP_PREFIX = "upel_prop_"


def _ensures_fn(pkg: str, fn: dict, i: int) -> dict:
    name = f"{ENS_PREFIX}{fn['name']}_{i}"
    return {
        "name": name, "qname": f"{pkg}.{name}", "doc": [], "reqs": list(fn["reqs"]),
        "params": [*fn["params"], {"name": "result", "type": fn["ret"]}],
        "ret": {"k": "bool"}, "raises": list(fn["raises"]), "requires": [],
        "ensures": [], "body": fn["ensures"][i], "calls": sorted(set(fn["calls"]) | callees(fn["ensures"][i])),
    }


def _property_fn(pkg: str, prop: dict) -> dict:
    name = f"{PROP_PREFIX}{prop['name']}"
    calls: set[str] = set(callees(prop["body"]))
    for r in prop["requires"]:
        calls |= callees(r)
    return {
        "name": name, "qname": f"{pkg}.{name}", "doc": [], "reqs": list(prop["reqs"]),
        "params": list(prop["params"]), "ret": {"k": "bool"}, "raises": [],
        "requires": list(prop["requires"]), "ensures": [], "body": prop["body"], "calls": sorted(calls),
    }


def callees(e) -> set[str]:
    out: set[str] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            if x.get("k") == "call":
                out.add(x["fn"])
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return out


def with_checks(doc: dict) -> tuple[dict, dict[str, Obligation]]:
    """(IR copy with check functions, {check function qname: obligation})."""
    out = copy.deepcopy(doc)
    checks: dict[str, Obligation] = {}
    for pkg in out["packages"]:
        taken = {f["name"] for f in pkg["functions"]} | {t["name"] for t in pkg["types"]} \
            | {c["name"] for c in pkg["consts"]} | {p["name"] for p in pkg["properties"]}
        extra = []
        for fn in pkg["functions"]:
            obs = function_obligations(fn)
            for i in range(len(fn["ensures"])):
                f = _ensures_fn(pkg["name"], fn, i)
                extra.append(f)
                checks[f["qname"]] = obs[i]
        for prop in pkg["properties"]:
            f = _property_fn(pkg["name"], prop)
            extra.append(f)
            checks[f["qname"]] = property_obligation(prop)
        clash = [f["name"] for f in extra if f["name"] in taken]
        if clash:
            raise ValueError(f"package {pkg['name']}: names reserved for verification are in use: {', '.join(clash)}")
        pkg["functions"].extend(extra)  # after every callee: order stays callees-first
    validate_ir(out)
    return out, checks
