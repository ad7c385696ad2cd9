"""Python backend: render the emitter's context through the templates."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2

from upel.backends.python.emitter import Emitter, module_name
from upel.codegen.harness import harness_functions
from upel.interp.intops import BUILTIN_ERROR_NAMES

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # nosec B701 - generating Python source, not HTML
)


def _tidy(text: str) -> str:
    """Collapse the blank-line runs that template conditionals leave behind
    (PEP 8: at most two blank lines) and end with exactly one newline."""
    out: list[str] = []
    blank = 0
    for line in text.splitlines():
        if line.strip():
            blank = 0
            out.append(line.rstrip())
        else:
            blank += 1
            if blank <= 2 and out:
                out.append("")
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def generate(ir: dict, options: dict) -> dict[str, str]:
    em = Emitter(ir)
    files: dict[str, str] = {}
    # The runtime names only the built-in codes: it is shared by every package
    # and root, so it must not depend on the spec (user codes are the error
    # set IntEnums of each package module).
    files["upel_rt.py"] = _tidy(_ENV.get_template("upel_rt.py.j2").render(
        errors=[(c, json.dumps(n)) for c, n in sorted(BUILTIN_ERROR_NAMES.items())]))
    for pkg in ir["packages"]:
        files[f"{module_name(pkg['name'])}.py"] = _tidy(_ENV.get_template("module.py.j2").render(**em.package(pkg)))
    if options.get("harness"):
        files["harness.py"] = _tidy(_ENV.get_template("harness.py.j2").render(**_harness_context(ir, em)))
    return files


def _harness_context(ir: dict, em: Emitter) -> dict:
    codecs: dict[str, dict] = {}

    def codec(t: dict) -> str:
        key = json.dumps(t, sort_keys=True)
        if key not in codecs:
            cid = str(len(codecs))
            codecs[key] = {"id": cid}
            codecs[key].update(_codec(t, em, codec))
        return codecs[key]["id"]

    functions = []
    for f in harness_functions(ir):
        em.pkg = {"name": ""}  # qualify every name with its module
        functions.append({"params": [codec(p["type"]) for p in f["params"]], "ret": codec(f["ret"]),
                          "call": em.qualified(f["qname"])})
    return {"root": ir["root"], "modules": [module_name(p["name"]) for p in ir["packages"]],
            "codecs": list(codecs.values()), "functions": functions}


def _codec(t: dict, em: Emitter, codec) -> dict:
    em.pkg = {"name": ""}
    k = t["k"]
    annot = em.annot(t)
    if k == "bool":
        return {"annot": annot, "decode": "bool(_leaf(it, 1, False))", "encode": "[_hex(v, 1)]"}
    if k == "int":
        w, s = t["width"], t["signed"]
        return {"annot": annot, "decode": f"_leaf(it, {w}, {s})", "encode": f"[_hex(v, {w})]"}
    if k == "array":
        c = codec(t["elem"])
        return {"annot": annot, "decode": f"tuple(_dec{c}(it) for _ in range({t['len']}))",
                "encode": f"[x for e in v for x in _enc{c}(e)]"}
    d = em.ix.decl(t)
    ref = em.type_ref(t)
    if d["kind"] in ("newtype", "enum"):
        u = d["underlying"]
        return {"annot": annot, "decode": f"{ref}(_leaf(it, {u['width']}, {u['signed']}))",
                "encode": f"[_hex(v, {u['width']})]"}
    from upel.backends.python.emitter import ident

    fields = [(ident(f["name"]), codec(f["type"])) for f in d["fields"]]
    return {"annot": annot,
            "decode": f"{ref}(" + ", ".join(f"{n}=_dec{c}(it)" for n, c in fields) + ")",
            "encode": " + ".join(f"_enc{c}(v.{n})" for n, c in fields)}
