"""Verification stage: the verifier registry.

Adding a verifier is adding its module and one line here. Each module
implements the contract of docs/verification.md:

    NAME: str
    tools() -> {program: version}      # raises ToolMissing(program, how to install)
    verify(ctx: VerifyContext) -> list[Evidence]

A verifier reads the IR (and, for code-level tools, the code the backends
generate from it) and returns one record per obligation it decided.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from upel.codegen.registry import ToolMissing
from upel.diagnostics import UserError

VERIFIERS: dict[str, str] = {
    "smt": "upel.proofs.smt",
    "coq": "upel.proofs.coq",
    "wp": "upel.proofs.framac.wp",
    "eva": "upel.proofs.framac.eva",
    "cbmc": "upel.proofs.cbmc",
    "yosys": "upel.hdl.verilog.formal",
}
# The default set of `upel verify`: every prover (interp is testing, not proof).
DEFAULT_TOOLS = ("smt", "coq", "wp", "eva", "cbmc", "yosys")


def names() -> list[str]:
    return list(VERIFIERS)


def parse_tools(spec: str) -> list[str]:
    """`smt,coq` or `all` -> validated list of verifier names."""
    wanted = list(DEFAULT_TOOLS) if spec.strip() == "all" else [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [w for w in wanted if w not in VERIFIERS]
    if unknown or not wanted:
        raise UserError(f"unknown verification tool {', '.join(unknown) or repr(spec)}; "
                        f"known: {', '.join(names())}, all")
    return list(dict.fromkeys(wanted))


def get(name: str) -> ModuleType:
    if name not in VERIFIERS:
        raise UserError(f"unknown verification tool {name!r}; known: {', '.join(names())}")
    return importlib.import_module(VERIFIERS[name])


__all__ = ["DEFAULT_TOOLS", "ToolMissing", "VERIFIERS", "get", "names", "parse_tools"]
