"""Trust layer: JSON Schemas generated from a spec's data types.

`upel schema emit SPEC... --out DIR` writes `DIR/<package>.schema.json` for
every package: one `$defs` entry per type declaration, describing values in
the canonical JSON value form of docs/ir.md (the form vectors, the
interpreter and the harnesses use):

| UPEL type | schema |
|---|---|
| `bool` | `{"type": "boolean"}` |
| `uN` / `iN` | integer with the type's `minimum` / `maximum` |
| newtype `T = u32 in a..=b` | integer, `minimum` a, `maximum` b |
| enum | integer, `enum` of the member values; names in `x-upel-members` |
| record | object, every field `required`, `additionalProperties: false` |
| `[T; n]` | array of T with `minItems` = `maxItems` = n |

Enum values are integers in that value form (never names), so the schema
says integers too; the member names ride along as an annotation.

A package schema's `x-upel-version` is the package's version, and its `$id`
is stable across versions (`https://upel.dev/schemas/specs/<package>.schema.json`),
so `upel schema diff` compares two versions of one contract. Output is
deterministic: the same IR gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from upel.ir.model import IRIndex, int_bounds
from upel.trust.schema import DRAFT, ID_PREFIX, render

SPEC_ID_PREFIX = ID_PREFIX + "specs/"


def schema_file(package: str) -> str:
    return f"{package}.schema.json"


def schema_id(package: str) -> str:
    return SPEC_ID_PREFIX + schema_file(package)


def _doc(lines: list[str]) -> str:
    return "\n".join(lines).strip()


def int_type_name(t: dict) -> str:
    return f"{'i' if t['signed'] else 'u'}{t['width']}"


def type_name(t: dict) -> str:
    """A type expression as the spec writes it (`u32`, `bool`, `[medtech.infusion.DoseUg; 4]`)."""
    k = t["k"]
    if k == "bool":
        return "bool"
    if k == "int":
        return int_type_name(t)
    if k == "named":
        return t["name"]
    return f"[{type_name(t['elem'])}; {t['len']}]"


def _int_schema(t: dict) -> dict:
    lo, hi = int_bounds(t["signed"], t["width"])
    return {"type": "integer", "minimum": lo, "maximum": hi, "x-upel-type": int_type_name(t)}


def type_schema(ix: IRIndex, t: dict, package: str | None) -> dict:
    """The schema of a type expression.

    With `package` set, named types become `$ref`s (local to that package's
    schema, or relative to the sibling file of another package); with
    `package=None` every named type is inlined, giving a self-contained
    schema (the registry digests these, so a digest changes exactly when the
    accepted JSON values or their documentation change).
    """
    k = t["k"]
    if k == "bool":
        return {"type": "boolean"}
    if k == "int":
        return _int_schema(t)
    if k == "array":
        return {"type": "array", "items": type_schema(ix, t["elem"], package),
                "minItems": t["len"], "maxItems": t["len"]}
    name = t["name"]
    if package is None:
        return decl_schema(ix, ix.types[name], None)
    owner, _, item = name.rpartition(".")
    if owner == package:
        return {"$ref": f"#/$defs/{item}"}
    return {"$ref": f"{schema_file(owner)}#/$defs/{item}"}


def decl_schema(ix: IRIndex, d: dict, package: str | None) -> dict:
    """The schema of one type declaration (see `type_schema` for `package`)."""
    out: dict[str, Any] = {"title": d["qname"]}
    doc = _doc(d.get("doc", []))
    if doc:
        out["description"] = doc
    if d["kind"] == "newtype":
        u = d["underlying"]
        if u["k"] == "bool":
            out["type"] = "boolean"
            return out
        out.update(_int_schema(u))
        if "range" in d:
            out["minimum"], out["maximum"] = d["range"]["lo"], d["range"]["hi"]
        return out
    if d["kind"] == "enum":
        out.update({"type": "integer", "x-upel-type": int_type_name(d["underlying"]),
                    "enum": [m["value"] for m in d["members"]],
                    "x-upel-members": {m["name"]: m["value"] for m in d["members"]}})
        return out
    props = {}
    for f in d["fields"]:
        fs = dict(type_schema(ix, f["type"], package))
        fdoc = _doc(f.get("doc", []))
        if fdoc:
            fs["description"] = fdoc
        props[f["name"]] = fs
    out.update({"type": "object", "required": [f["name"] for f in d["fields"]],
                "additionalProperties": False, "properties": props})
    return out


def package_schema(ix: IRIndex, name: str) -> dict:
    """The schema document of package `name` of the IR behind `ix`."""
    pkg = ix.packages[name]
    doc = _doc(pkg.get("doc", []))
    return {
        "$schema": DRAFT,
        "$id": schema_id(name),
        "title": f"UPEL data types of package {name}",
        "description": doc or f"The JSON form of the values of package {name}'s data types.",
        "x-upel-version": pkg["version"],
        "x-upel-package": name,
        "$defs": {d["name"]: decl_schema(ix, d, name) for d in pkg["types"]},
    }


def emit_docs(docs: dict[str, dict]) -> dict[str, dict]:
    """Package name -> schema, for every package of every IR document (each once)."""
    out: dict[str, dict] = {}
    for root in sorted(docs):
        ix = IRIndex(docs[root])
        for pkg in docs[root]["packages"]:
            if pkg["name"] not in out:
                out[pkg["name"]] = package_schema(ix, pkg["name"])
    return dict(sorted(out.items()))


def write_schemas(schemas: dict[str, dict], out_dir: Path) -> list[Path]:
    """Write `<package>.schema.json` files; only files whose bytes change are rewritten."""
    from upel.ir.write import atomic_write

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas.items():
        path = out_dir / schema_file(name)
        data = render(schema)
        if not path.is_file() or path.read_bytes() != data:
            atomic_write(path, data)
        written.append(path)
    return written
