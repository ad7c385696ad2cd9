"""Check stage: items -> IR packages, and the whole-program entry point.

`check_program` runs the checker over every loaded package: types, error
sets, constants, function bodies with their contracts, properties and vector
sets; then rejects recursion and assembles one IR document per root package
(that package plus everything it imports, dependencies first).
"""

from __future__ import annotations

from typing import Any

from upel.check.checker import Checker, Ctx, Signature
from upel.check.exprs import Bail, ExprChecker
from upel.check.symbols import LocalScope, Symbol
from upel.check.types import Type
from upel.diagnostics import DiagnosticSink
from upel.ir.model import IR_FORMAT, IR_VERSION
from upel.loader import Program, dependency_order
from upel.syntax import ast


def check_program(program: Program, sink: DiagnosticSink) -> dict[str, dict] | None:
    """Returns {root package: IR document}, or None if there were errors."""
    ck = Checker(program, sink)
    ck.declare()
    packages = {name: _lower_package(ck, name) for name in sorted(ck.items)}
    _reject_recursion(ck, packages)
    if sink.has_errors:
        return None
    docs = {}
    for root in program.roots:
        order = dependency_order(program.packages, root)
        docs[root] = {
            "format": IR_FORMAT,
            "ir_version": IR_VERSION,
            "root": root,
            "packages": [packages[n] for n in order],
        }
    return docs


def _item_common(ck: Checker, sym: Symbol) -> dict:
    d = sym.decl
    docs = list(d.meta.docs)
    reqs: list[str] = []
    out: dict[str, Any] = {"name": sym.name, "qname": sym.qname}
    for a in d.meta.attrs:
        if a.name == "doc":
            docs.extend(a.args[0].splitlines() or [""])
        elif a.name == "req":
            reqs.extend(a.args)
        elif a.name == "deprecated":
            out["deprecated"] = a.args[0] if a.args else ""
    out["doc"] = docs
    out["reqs"] = reqs
    out["loc"] = ck.ir_loc(d.loc)
    return out


def _member_doc(meta: ast.Meta) -> list[str]:
    docs = list(meta.docs)
    for a in meta.attrs:
        if a.name == "doc" and a.args:
            docs.extend(a.args[0].splitlines() or [""])
    return docs


def _lower_package(ck: Checker, name: str) -> dict:
    pkg = ck.program.packages[name]
    syms = list(ck.items[name].values())
    types, errors, consts, functions, properties = [], [], [], {}, []
    for sym in syms:
        if sym.kind == "type":
            t = _lower_type(ck, sym)
            if t is not None:
                types.append(t)
        elif sym.kind == "error":
            members = ck.error_members(sym)
            errors.append({**_item_common(ck, sym), "members": [
                {"name": m.name, "code": members[m.name], "doc": _member_doc(m.meta), "loc": ck.ir_loc(m.loc)}
                for m in sym.decl.members if m.name in members]})
        elif sym.kind == "const":
            ct, cv = ck.const_type(sym), ck.const_value(sym)
            if ct is not None:
                consts.append({**_item_common(ck, sym), "type": ck.types.to_ir(ct), "value": _canon(cv)})
        elif sym.kind == "fn":
            f = _lower_fn(ck, sym)
            if f is not None:
                functions[sym.qname] = f
        elif sym.kind == "property":
            p = _lower_property(ck, sym)
            if p is not None:
                properties.append(p)
    vectors = []
    for fs in [f for f in ck.files if f.package == name]:
        for item in fs.source.items:
            if isinstance(item, ast.VectorsDecl):
                v = _lower_vectors(ck, fs, item)
                if v is not None:
                    vectors.append(v)
    doc = []
    for src in sorted(pkg.files, key=lambda f: ck.program.ir_paths.get(f.path, f.path)):
        doc.extend(_member_doc(src.package.meta))
    return {
        "name": name,
        "version": pkg.version,
        "doc": doc,
        "imports": pkg.imports,
        "types": types,
        "errors": errors,
        "consts": consts,
        "functions": _callee_first(functions),
        "properties": properties,
        "vectors": vectors,
    }


def _lower_type(ck: Checker, sym: Symbol) -> dict | None:
    if not ck.ensure_type(sym):
        return None
    info: Any = ck.types.decls[sym.qname]
    d = sym.decl
    common = _item_common(ck, sym)
    if isinstance(d, ast.TypeDecl):
        out = {"kind": "newtype", **common, "underlying": ck.types.to_ir(info.underlying)}
        if info.ranged:
            out["range"] = {"lo": info.lo, "hi": info.hi}
        return out
    if isinstance(d, ast.EnumDecl):
        return {"kind": "enum", **common, "underlying": ck.types.to_ir(info.underlying), "members": [
            {"name": m.name, "value": info.members[m.name], "doc": _member_doc(m.meta), "loc": ck.ir_loc(m.loc)}
            for m in d.members if m.name in info.members]}
    return {"kind": "record", **common, "fields": [
        {"name": f.name, "type": ck.types.to_ir(info.fields[f.name]), "doc": _member_doc(f.meta),
         "loc": ck.ir_loc(f.loc)} for f in d.fields]}


def _params_scope(ck: Checker, sym: Symbol, params: list[ast.Param], types: list[Type]) -> LocalScope:
    scope = LocalScope()
    for p, t in zip(params, types):
        if p.name in scope.names:
            ck.sink.error("E0103", f"parameter `{p.name}` is defined twice", p.loc)
        elif p.name in ("result", "_") or ck.item_named(sym.file, p.name):
            ck.sink.error("E0111", f"parameter `{p.name}` would shadow {'a reserved name' if p.name in ('result', '_') else 'an item'}",
                          p.loc, "choose another name")
        scope.names[p.name] = _local(p.name, t, p.loc)
    return scope


def _local(name, t, loc):
    from upel.check.symbols import Local

    return Local(name, t, loc)


def _bool_clauses(ck: Checker, ctx: Ctx, clauses, what: str) -> list[dict] | None:
    out, ok = [], True
    for c in clauses:
        node = _cond(ck, ctx, c, what)
        if node is None:
            ok = False
        else:
            out.append(node)
    return out if ok else None


def _cond(ck: Checker, ctx: Ctx, e, what: str) -> dict | None:
    ctx.failed = False
    try:
        return ExprChecker(ck, ctx).cond(e, what)
    except Bail:
        return None


def _lower_fn(ck: Checker, sym: Symbol) -> dict | None:
    d: ast.FnDecl = sym.decl
    sig: Signature | None = ck.signature(sym)
    if sig is None:
        return None
    scope = _params_scope(ck, sym, d.params, sig.params)
    ctx = Ctx(sym.file, scope, declared=sig.codes)
    requires = _bool_clauses(ck, ctx, d.requires, "requires")
    body = ck.check_top(d.body, sig.ret, ctx)
    ens_scope = scope.child()
    ens_scope.names["result"] = _local("result", sig.ret, d.loc)
    ens_ctx = Ctx(sym.file, ens_scope, declared=sig.codes, calls=ctx.calls)
    ensures = _bool_clauses(ck, ens_ctx, d.ensures, "ensures")
    setattr(sym, "calls", ctx.calls)  # noqa: B010 - used by the recursion check; Symbol declares no `calls` (mypyc)
    if requires is None or body is None or ensures is None:
        return None
    return {
        **_item_common(ck, sym),
        "params": [{"name": p.name, "type": ck.types.to_ir(t)} for p, t in zip(d.params, sig.params)],
        "ret": ck.types.to_ir(sig.ret),
        "raises": sorted(sig.codes),
        "requires": requires,
        "ensures": ensures,
        "body": body[0],
        "calls": sorted(ctx.calls),
        **_assumptions(ck, sym, [f"ensures[{i}]" for i in range(len(ensures))] + ["raises"]),
    }


def _lower_property(ck: Checker, sym: Symbol) -> dict | None:
    d: ast.PropertyDecl = sym.decl
    types = [ck.resolve_type(p.type, sym.file) for p in d.params]
    if any(t is None for t in types):
        return None
    ctx = Ctx(sym.file, _params_scope(ck, sym, d.params, types))  # type: ignore[arg-type]
    requires = _bool_clauses(ck, ctx, d.requires, "requires")
    body = _cond(ck, ctx, d.body, "a property body")
    if requires is None or body is None:
        return None
    return {
        **_item_common(ck, sym),
        "params": [{"name": p.name, "type": ck.types.to_ir(t)} for p, t in zip(d.params, types)],  # type: ignore[arg-type]
        "requires": requires,
        "body": body,
        **_assumptions(ck, sym, ["property"]),
    }


# Code-level obligations (Frama-C RTE, synthesis) can be assumed too.
_TOOL_KINDS = ("rte", "synth")


def _assumptions(ck: Checker, sym: Symbol, obligations: list[str]) -> dict:
    """`{"assume": [...]}` from @assume attributes (absent when there are none)."""
    from .checker import ASSUME_TOOLS, MIN_JUSTIFICATION

    out: list[dict] = []
    for a in sym.decl.meta.attrs:
        if a.name != "assume" or len(a.args) != 3:
            continue
        tool, ob, why = [x.strip() for x in a.args]
        if tool not in ASSUME_TOOLS:
            ck.sink.error("E0110", f"`@assume`: unknown tool `{tool}`", a.loc, f"tools: {', '.join(ASSUME_TOOLS)}")
        elif ob not in obligations and ob not in _TOOL_KINDS:
            ck.sink.error("E0110", f"`@assume`: `{sym.name}` has no obligation `{ob}`", a.loc,
                          f"its obligations: {', '.join(obligations + list(_TOOL_KINDS))}")
        elif len(why) < MIN_JUSTIFICATION:
            ck.sink.error("E0110", "`@assume` needs a written justification (at least "
                          f"{MIN_JUSTIFICATION} characters)", a.loc,
                          "say why the obligation holds and how else it is checked; it goes into the evidence")
        elif any(x["tool"] == tool and x["obligation"] == ob for x in out):
            ck.sink.error("E0110", f"`@assume` for {tool} {ob} is given twice", a.loc)
        else:
            out.append({"tool": tool, "obligation": ob, "justification": why})
    return {"assume": out} if out else {}


def _lower_vectors(ck: Checker, fs, item: ast.VectorsDecl) -> dict | None:
    target = ck.resolve_path_parts(fs, item.fn)
    if target is None:
        return None
    if target[0] != "symbol" or target[1].kind != "fn":
        ck.sink.error("E0224", f"`{item.fn.dotted()}` is not a function", item.fn.loc)
        return None
    sym = target[1]
    sig = ck.signature(sym)
    if sig is None:
        return None
    cases = []
    for case in item.cases:
        if len(case.args) != len(sig.params):
            ck.sink.error("E0224", f"`{sym.name}` takes {len(sig.params)} argument(s); this vector has "
                          f"{len(case.args)}", case.loc)
            continue
        ctx = Ctx(fs, LocalScope(), const_mode=True)
        args = [ck.const_eval(a, t, ctx) for a, t in zip(case.args, sig.params)]
        if isinstance(case.outcome, ast.ErrorOutcome):
            code, _ = ck.error_code(fs, case.outcome.path)
            expect = None if code is None else {"error": code}
        else:
            v = ck.const_eval(case.outcome, sig.ret, ctx)
            expect = None if v is None else {"value": _canon(v)}
        if expect is None or any(a is None for a in args):
            continue
        cases.append({"args": [_canon(a) for a in args], "expect": expect, "loc": ck.ir_loc(case.loc)})
    return {"fn": sym.qname, "cases": cases, "loc": ck.ir_loc(item.loc)}


def _canon(v):
    """Interpreter value -> canonical IR value (tuples become lists)."""
    if isinstance(v, tuple):
        return [_canon(x) for x in v]
    if isinstance(v, dict):
        return {k: _canon(x) for k, x in v.items()}
    return v


def _callee_first(functions: dict[str, dict]) -> list[dict]:
    out: list[dict] = []
    seen: set[str] = set()
    for q in functions:
        _callees_then(q, functions, seen, out)
    return out


# The depth-first walks here and in upel.loader are module functions with
# their state passed in, not closures: a recursive closure refers to itself
# through its cell, a reference cycle that kept the whole Checker alive until
# the collector found it (and the front end runs with the collector paused,
# see upel.gcpolicy).
def _callees_then(q: str, functions: dict[str, dict], seen: set[str], out: list[dict]) -> None:
    if q in seen or q not in functions:
        return
    seen.add(q)
    for c in functions[q]["calls"]:
        _callees_then(c, functions, seen, out)
    out.append(functions[q])


def _reject_recursion(ck: Checker, packages: dict[str, dict]) -> None:
    graph: dict[str, dict[str, ast.Loc]] = {}
    for table in ck.items.values():
        for sym in table.values():
            if sym.kind == "fn":
                graph[sym.qname] = getattr(sym, "calls", {})
    state: dict[str, int] = {}
    reported: set[frozenset] = set()
    for n in sorted(graph):
        if n not in state:
            _find_recursion(n, [], graph, state, reported, ck.sink)


def _find_recursion(n: str, stack: list[str], graph: dict[str, dict[str, ast.Loc]], state: dict[str, int],
                    reported: set[frozenset], sink: DiagnosticSink) -> None:
    state[n] = 1
    stack.append(n)
    for callee, loc in sorted(graph.get(n, {}).items()):
        if state.get(callee) == 1:
            cycle = stack[stack.index(callee):] + [callee]
            key = frozenset(cycle)
            if key not in reported:
                reported.add(key)
                names = " -> ".join(c.rsplit(".", 1)[1] for c in cycle)
                msg = f"`{cycle[0].rsplit('.', 1)[1]}` calls itself" if len(cycle) == 2 else f"recursion: {names}"
                sink.error("E0215", msg, loc, "UPEL functions are total: use `fold` for bounded iteration")
        elif callee not in state:
            _find_recursion(callee, stack, graph, state, reported, sink)
    stack.pop()
    state[n] = 2
