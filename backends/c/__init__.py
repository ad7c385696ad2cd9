"""The C backend (C11 + ACSL contracts), importable as `upel.backends.c`.

`generate(ir, options)` writes, per package `a.b`, `a_b.h` and `a_b.c`, plus
the shared runtime `upel_rt.h` and, with `options["harness"]`, `harness.c`
(docs/backends.md). `tools()` / `run()` compile and run it with gcc
(`runner.py`). The shape of the generated code is described in `emitter.py`.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .emitter import Emitter
from .runner import run, tools

NAME = "c"

_ENV = Environment(
    loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _render(name: str, ctx: dict) -> str:
    return _ENV.get_template(name).render(**ctx)


def generate(ir: dict, options: dict) -> dict[str, str]:
    em = Emitter(ir)
    files = {"upel_rt.h": _render("upel_rt.h.j2", em.runtime_context())}
    for pkg in ir["packages"]:
        ctx = em.package_context(pkg)
        files[f"{ctx['stem']}.h"] = _render("header.h.j2", ctx)
        files[f"{ctx['stem']}.c"] = _render("source.c.j2", ctx)
    if options.get("harness"):
        files["harness.c"] = _render("harness.c.j2", em.harness_context())
    return dict(sorted(files.items()))


__all__ = ["NAME", "generate", "run", "tools"]
