"""Codegen stage: test cases for generated code, and the harness protocol.

A conformance run feeds every backend the same cases: each golden vector of
the root package's functions, then N random inputs per function (boundary
values mixed in, seeded). The reference interpreter's outcome is the
expectation; the generated harness answers one line per case.

Wire format (docs/backends.md), one case per line:
    in:  <function index> <leaf hex> <leaf hex> ...
    out: ok <leaf hex> ...   |   err <decimal error code>
The function index is the position in `harness_functions(doc)`: every
function of every package of the document, in document order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from upel.codegen.values import from_hex, leaves, to_hex, unflatten, flatten
from upel.interp.eval import Evaluator
from upel.interp.inputs import InputGen
from upel.interp.intops import Raised
from upel.interp.runner import IRResolver, item_seed, to_canonical, to_value
from upel.ir.model import IRIndex


def harness_functions(doc: dict) -> list[dict]:
    return [f for p in doc["packages"] for f in p["functions"]]


@dataclass
class Case:
    fn: str
    index: int
    args: list  # interpreter values
    source: str  # "vector" | "random"
    expect: dict  # {"value": canonical} | {"error": code}


class ProtocolError(Exception):
    pass


def make_cases(doc: dict, samples: int, seed: int) -> list[Case]:
    ix = IRIndex(doc)
    fns = harness_functions(doc)
    index = {f["qname"]: i for i, f in enumerate(fns)}
    ev = Evaluator(IRResolver(ix), check_ensures=False)
    root = ix.root
    cases: list[Case] = []

    def expect(qname: str, args: list) -> dict:
        try:
            return {"value": to_canonical(ev.call(qname, args))}
        except Raised as r:
            return {"error": r.code}

    for vs in root["vectors"]:
        for c in vs["cases"]:
            args = [to_value(a) for a in c["args"]]
            cases.append(Case(vs["fn"], index[vs["fn"]], args, "vector", c["expect"]))
    for fn in root["functions"]:
        gen = InputGen(ix, item_seed(seed, "conform:" + fn["qname"]))
        for _ in range(samples):
            args = gen.args(fn["params"])
            cases.append(Case(fn["qname"], index[fn["qname"]], args, "random", expect(fn["qname"], args)))
    return cases


def encode_cases(doc: dict, cases: list[Case]) -> str:
    ix = IRIndex(doc)
    fns = harness_functions(doc)
    lines = []
    for c in cases:
        fn = fns[c.index]
        parts = [str(c.index)]
        for p, a in zip(fn["params"], c.args):
            for leaf, v in zip(leaves(ix, p["type"]), flatten(ix, p["type"], a)):
                parts.append(to_hex(v, leaf))
        lines.append(" ".join(parts))
    return "\n".join(lines) + "\n"


def decode_result(doc: dict, fn: dict, line: str, ix: IRIndex | None = None) -> dict:
    # `ix`: the caller's index of `doc`. Building one per line dominated
    # conformance runs of large specs (rust backend: 44 s of 104 s for 475k cases).
    ix = ix if ix is not None else IRIndex(doc)
    parts = line.split()
    if len(parts) == 2 and parts[0] == "err" and parts[1].isdigit():
        return {"error": int(parts[1])}
    if not parts or parts[0] != "ok":
        raise ProtocolError(f"harness answered {line!r}")
    ls = leaves(ix, fn["ret"])
    if len(parts) - 1 != len(ls):
        raise ProtocolError(f"harness answered {len(parts) - 1} values for {fn['name']}, expected {len(ls)}: {line!r}")
    ints = [from_hex(h, leaf) for h, leaf in zip(parts[1:], ls)]
    value, _ = unflatten(ix, fn["ret"], ints)
    return {"value": value}


def show_args(args: list[Any]) -> str:
    return "(" + ", ".join(repr(to_canonical(a)) for a in args) + ")"
