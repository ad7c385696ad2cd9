"""Codegen stage: the backend registry.

Adding a backend is adding its folder and one line here. Each entry names
the module that implements the backend contract (docs/backends.md):
`NAME`, `generate(ir, options) -> {path: text}`, `tools() -> {tool: version}`
and `run(workdir, cases_path, timeout) -> harness stdout`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from upel.diagnostics import UserError

BACKENDS: dict[str, str] = {
    "python": "upel.backends.python",
    "c": "upel.backends.c",
    "rust": "upel.backends.rust",
    "verilog": "upel.hdl.verilog",
}


class ToolMissing(Exception):
    """A toolchain a backend needs is not installed; the message says how to get it."""

    def __init__(self, tool: str, how: str) -> None:
        super().__init__(f"{tool} is not installed ({how})")
        self.tool, self.how = tool, how


def names() -> list[str]:
    return list(BACKENDS)


def parse_backends(spec: str) -> list[str]:
    """`c,rust` or `all` -> validated list of backend names."""
    wanted = names() if spec.strip() == "all" else [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [w for w in wanted if w not in BACKENDS]
    if unknown or not wanted:
        raise UserError(f"unknown backend {', '.join(unknown) or repr(spec)}; known: {', '.join(names())}, all")
    return wanted


def get(name: str) -> ModuleType:
    if name not in BACKENDS:
        raise UserError(f"unknown backend {name!r}; known: {', '.join(names())}")
    return importlib.import_module(BACKENDS[name])
