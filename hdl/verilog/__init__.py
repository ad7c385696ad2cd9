"""Verilog backend (hardware): one combinational Verilog-2005 module per operator.

See hdl/verilog/README.md for the generated code's conventions (ports, bit
layout of records and arrays, error port) and docs/backends.md for the
contract this module implements.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from upel.hdl.verilog.emitter import HARNESS_MODULE, Generator
from upel.hdl.verilog.runner import run, tools

NAME = "verilog"

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
    autoescape=False,
)


def generate(ir: dict, options: dict) -> dict[str, str]:
    """IR document -> {relative path: Verilog text}: one `<package>.v` per package,
    plus `harness_tb.v` with options["harness"]."""
    gen = Generator(ir)
    files: dict[str, str] = {}
    template = _ENV.get_template("package.v.j2")
    for pkg in ir["packages"]:
        files[gen.file_names[pkg["name"]]] = template.render(**gen.package_context(pkg))
    if options.get("harness"):
        files[HARNESS_MODULE + ".v"] = _ENV.get_template("harness_tb.v.j2").render(**gen.harness_context())
    return dict(sorted(files.items()))


def generate_modules(ir: dict, qnames: set[str]) -> dict[str, str]:
    """Like `generate`, but each package file holds only the modules of the
    functions named in `qnames` (packages with none are left out).

    The formal checks (formal.py) use it to put the contract-check modules of
    `upel.verify.synthetic` beside the unchanged production files."""
    gen = Generator(ir)
    files: dict[str, str] = {}
    template = _ENV.get_template("package.v.j2")
    for pkg in ir["packages"]:
        wanted = {gen.module_names[f["qname"]] for f in pkg["functions"] if f["qname"] in qnames}
        if not wanted:
            continue
        context = gen.package_context(pkg)
        context["modules"] = [m for m in context["modules"] if m["name"] in wanted]
        files[gen.file_names[pkg["name"]]] = template.render(**context)
    return dict(sorted(files.items()))


__all__ = ["NAME", "generate", "generate_modules", "run", "tools"]
