"""Rust backend: render the emitter's contexts with the templates."""

from __future__ import annotations

from pathlib import Path

import jinja2
from upel.backends.rust.emitter import (
    Names,
    harness_context,
    module_context,
    runtime_context,
)

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=False,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def generate(ir: dict, options: dict) -> dict[str, str]:
    """IR document -> {relative path: file body}; pure and deterministic."""
    names = Names(ir)
    files = {"upel_rt.rs": _ENV.get_template("upel_rt.rs.j2").render(runtime_context(ir, names))}
    for pkg in ir["packages"]:
        ctx = module_context(ir, names, pkg)
        files[f"{names.modules[pkg['name']]}.rs"] = _ENV.get_template("module.rs.j2").render(ctx)
    if options.get("harness"):
        files["harness.rs"] = _ENV.get_template("harness.rs.j2").render(harness_context(ir, names))
    return dict(sorted(files.items()))
