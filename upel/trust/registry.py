"""Trust layer: the operator registry (docs/schemas.md, schemas/registry.schema.json).

`build_registry(docs)` lists every operator of the checked specs' packages
with what a consumer relies on: signature (parameter names and types,
result type), purity ("pure") and side effects ([]) -- true of every UPEL v1
operator --, declared errors, determinism class "E0" (bit-exact against the
reference interpreter), the digest of the self-contained JSON Schema of each
parameter and result type, requirement ids, and contract digests (SHA-256
of the canonical CBOR of each requires/ensures clause's IR without source
locations, and of the whole contract). Nothing in it depends on where the
specs live or when it was built, so two builds give identical bytes.

`render_registry` gives sorted, 2-space-indented UTF-8 JSON with a final
newline (readable, diffable, deterministic); a registry's digest, where one
is needed, is the RFC 8785 digest of the parsed document (`jcs.digest`).

`check_registry(reg, docs)` is the other direction: every operator the
specs reference -- a vector's operator, a call from an operator or a
property -- must resolve in the registry with the same signature. That
fails after checking when the registry was built from a subset of the
packages, from an older version of them, or published by another team.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from upel.diagnostics import UserError
from upel.ir.encoding import canonical_cbor, package_digest, strip_locs
from upel.ir.model import IRIndex
from upel.trust import jcs
from upel.trust.schema.emit import package_schema, type_name, type_schema

REGISTRY_FORMAT = "upel-registry"
REGISTRY_VERSION = 1
SCHEMA_FILE = "registry.schema.json"
PRECONDITION = 5


def _cbor_digest(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_cbor(strip_locs(value))).hexdigest()


def _typed(ix: IRIndex, t: dict) -> dict:
    return {"type": type_name(t), "schema_digest": jcs.digest(type_schema(ix, t, None))}


def _packages(docs: dict[str, dict]) -> dict[str, tuple[IRIndex, dict, dict]]:
    """Package name -> (index, package, document) over every document, each package once."""
    out: dict[str, tuple[IRIndex, dict, dict]] = {}
    for root in sorted(docs):
        ix = IRIndex(docs[root])
        for pkg in docs[root]["packages"]:
            out.setdefault(pkg["name"], (ix, pkg, docs[root]))
    return dict(sorted(out.items()))


def operator_entry(ix: IRIndex, pkg: dict, fn: dict) -> dict:
    """The registry entry of function `fn` of package `pkg`."""
    codes = set(fn["raises"])
    if fn["requires"]:
        codes.add(PRECONDITION)  # a violated requires is the caller's error outcome 5
    entry = {
        "name": fn["qname"],
        "package": pkg["name"],
        "package_version": pkg["version"],
        "doc": "\n".join(fn.get("doc", [])).strip(),
        "signature": {
            "params": [{"name": p["name"], **_typed(ix, p["type"])} for p in fn["params"]],
            "result": _typed(ix, fn["ret"]),
        },
        "purity": "pure",
        "side_effects": [],
        "errors": [{"code": c, "name": ix.error_name(c, pkg["name"])} for c in sorted(codes)],
        "determinism": "E0",
        "reqs": list(fn.get("reqs", [])),
        "contract": {
            "requires": [_cbor_digest(e) for e in fn["requires"]],
            "ensures": [_cbor_digest(e) for e in fn["ensures"]],
            "digest": _cbor_digest({"requires": fn["requires"], "ensures": fn["ensures"]}),
        },
        "calls": sorted(fn.get("calls", [])),
    }
    if "deprecated" in fn:
        entry["deprecated"] = fn["deprecated"]
    return entry


def build_registry(docs: dict[str, dict]) -> dict:
    """The registry of every operator in `docs` (IR documents per root package, as `Front.docs`)."""
    packages, operators = [], []
    for name, (ix, pkg, doc) in _packages(docs).items():
        packages.append({"name": name, "version": pkg["version"], "ir_digest": package_digest(doc, name),
                         "schema_digest": jcs.digest(package_schema(ix, name))})
        operators += [operator_entry(ix, pkg, fn) for fn in pkg["functions"]]
    operators.sort(key=lambda op: op["name"])
    reg = {"format": REGISTRY_FORMAT, "registry_version": REGISTRY_VERSION,
           "packages": packages, "operators": operators}
    validate_registry(reg)
    return reg


def render_registry(reg: dict) -> bytes:
    """Deterministic bytes: sorted keys, 2-space indent, UTF-8, final newline."""
    from upel.trust.schema import render

    return render(reg)


@functools.cache
def _validator():
    from jsonschema import Draft202012Validator, validators

    from upel.trust.schema import load_json, schemas_dir

    strict = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, v: isinstance(v, int) and not isinstance(v, bool))
    return validators.extend(Draft202012Validator, type_checker=strict)(load_json(schemas_dir() / SCHEMA_FILE))


def validate_registry(reg: Any, name: str = "registry") -> None:
    """Raise UserError listing (JSON pointer: message) problems when `reg` does not match the schema."""
    errors = sorted(_validator().iter_errors(reg), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        lines = [f"  /{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:200]}" for e in errors[:5]]
        more = [f"  ... and {len(errors) - 5} more"] if len(errors) > 5 else []
        raise UserError("\n".join([f"{name} does not match schemas/{SCHEMA_FILE}:"] + lines + more))


# ---- references -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reference:
    """One use of an operator: by a vector set, a call in an operator, or a call in a property."""

    target: str
    kind: str  # "vector", "call", "property"
    source: str  # qualified name of the item holding the reference
    package: str
    loc: dict | None

    def where(self) -> str:
        return f"{self.loc['file']}:{self.loc['line']}:{self.loc['col']}: " if self.loc else ""

    def describe(self) -> str:
        if self.kind == "vector":
            return "its vectors"
        return f"a call in {'property' if self.kind == 'property' else 'operator'} {self.source}"


def _calls(node: Any, fallback: dict | None, out: list[tuple[str, dict | None]]) -> None:
    if isinstance(node, dict):
        if node.get("k") == "call" and isinstance(node.get("fn"), str):
            out.append((node["fn"], node.get("loc", fallback)))
        for v in node.values():
            _calls(v, fallback, out)
    elif isinstance(node, list):
        for v in node:
            _calls(v, fallback, out)


def references(docs: dict[str, dict]) -> list[Reference]:
    """Every operator reference in every package of `docs`, in package and source order."""
    refs: list[Reference] = []
    for name, (_, pkg, _) in _packages(docs).items():
        for vs in pkg["vectors"]:
            loc = vs["cases"][0].get("loc") if vs["cases"] else None
            refs.append(Reference(vs["fn"], "vector", vs["fn"], name, loc))
        for kind, items in (("call", pkg["functions"]), ("property", pkg["properties"])):
            for item in items:
                found: list[tuple[str, dict | None]] = []
                _calls([item.get("requires"), item.get("ensures"), item.get("body")], item.get("loc"), found)
                refs += [Reference(fn, kind, item["qname"], name, loc) for fn, loc in found]
    return refs


def _signature_problem(want: dict, got: dict) -> str | None:
    wp, gp = want["signature"]["params"], got["signature"]["params"]
    if len(wp) != len(gp):
        return f"the spec's has {len(wp)} parameter(s), the registry's {len(gp)}"
    for i, (w, g) in enumerate(zip(wp, gp), 1):
        if (w["type"], w["schema_digest"]) != (g["type"], g["schema_digest"]):
            return (f"parameter {i} ({w['name']}): the spec says {w['type']} ({w['schema_digest'][:19]}...), "
                    f"the registry {g['type']} ({g['schema_digest'][:19]}...)")
    w, g = want["signature"]["result"], got["signature"]["result"]
    if (w["type"], w["schema_digest"]) != (g["type"], g["schema_digest"]):
        return (f"result: the spec says {w['type']} ({w['schema_digest'][:19]}...), "
                f"the registry {g['type']} ({g['schema_digest'][:19]}...)")
    if [e["code"] for e in want["errors"]] != [e["code"] for e in got["errors"]]:
        return (f"errors: the spec declares {[e['code'] for e in want['errors']]}, "
                f"the registry {[e['code'] for e in got['errors']]}")
    return None


def check_registry(reg: dict, docs: dict[str, dict], name: str = "the registry",
                   imports_only: bool = False) -> list[str]:
    """Problems (`file:line:col: message`) for references in `docs` that `reg` does not satisfy.

    With `imports_only`, only references from one package to another are
    checked (a spec's own vectors and calls are its own business).
    """
    ops = {op["name"]: op for op in reg["operators"]}
    versions = {p["name"]: p["version"] for p in reg["packages"]}
    pkgs = _packages(docs)
    problems, seen = [], set()
    for ref in references(docs):
        owner = ref.target.rpartition(".")[0]
        if imports_only and owner == ref.package:
            continue
        key = (ref.target, ref.kind, ref.source)
        if key in seen:
            continue
        seen.add(key)
        got = ops.get(ref.target)
        if got is None:
            why = (f"package {owner} {versions[owner]} is in it but has no operator "
                   f"{ref.target.rpartition('.')[2]}" if owner in versions
                   else f"it has no package {owner} (it lists: {', '.join(sorted(versions)) or 'none'})")
            problems.append(f"{ref.where()}operator {ref.target} (used by {ref.describe()}) does not resolve "
                            f"in {name}: {why}")
            continue
        ix, pkg, _ = pkgs[owner]
        fn = ix.functions[ref.target]
        mismatch = _signature_problem(operator_entry(ix, pkg, fn), got)
        if mismatch:
            problems.append(f"{ref.where()}operator {ref.target} (used by {ref.describe()}) has another "
                            f"signature in {name} ({got['package']} {got['package_version']}): {mismatch}")
    return problems
