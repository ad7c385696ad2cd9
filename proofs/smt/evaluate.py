"""SMT proof target: evaluate a function on concrete inputs through the lowering.

`Evaluator(doc).outcomes(fn, cases)` asks the real solver to simplify the
lowered definitions applied to literal arguments and decodes the answers as
`{"value": v}` / `{"error": code}`: the same shape as the reference
interpreter's outcomes, so tests can compare the two bit for bit. This is
how the lowering is tested against language.md (tests/verify/test_smt.py,
and the semantics suite with UPEL_SEMANTICS_SMT=1).
"""

from __future__ import annotations

import subprocess

from .model import parse_sexprs
from .script import ScriptBuilder, eval_script
from .sorts import bv_value


class SmtEvaluator:
    def __init__(self, doc: dict, z3: str = "z3", ints: bool = False) -> None:
        self.builder = ScriptBuilder(doc, ints=ints)
        self.z3 = z3

    def outcomes(self, fn: str, cases: list[list]) -> list[dict]:
        text = eval_script(self.builder, fn, cases)
        res = subprocess.run([self.z3, "-smt2", "-in"], input=text, capture_output=True, text=True, timeout=600)
        answers = parse_sexprs(res.stdout)
        if len(answers) != 2 * len(cases):
            raise RuntimeError(f"z3 answered {len(answers)} of {2 * len(cases)} terms:\n{res.stdout[:2000]}{res.stderr[:2000]}")
        sorts = self.builder.new_sorts()
        ret = self.builder.ix.functions[fn]["ret"]
        out = []
        for i in range(len(cases)):
            code = bv_value(answers[2 * i])
            out.append({"error": code} if code else {"value": sorts.decode(ret, answers[2 * i + 1])})
        return out
