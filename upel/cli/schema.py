"""CLI stage: `upel schema emit|gate|diff` and `upel registry` (docs/schemas.md).

    upel schema emit FILE... --out DIR          generated JSON Schema per package
    upel schema gate [--schemas DIR] [--lock FILE] [--update]
    upel schema diff OLD NEW                    two .json schemas, or two specs
    upel registry FILE... --out REGISTRY.json [--against REGISTRY] [--imports-only]
    upel registry check REGISTRY FILE... [--imports-only]

Exit 0 on success; 1 when the gate finds a problem or drift, when a diff is
breaking without a MAJOR version bump, or when a referenced operator does
not resolve in a registry; 2 on bad usage.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from upel.diagnostics import UserError


def add_parsers(sub, common) -> None:
    json_only = argparse.ArgumentParser(add_help=False)
    json_only.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    s = sub.add_parser("schema", help="JSON Schemas: generate them from specs, gate them, classify changes")
    ssub = s.add_subparsers(dest="schema_command", required=True, metavar="SUBCOMMAND")
    c = ssub.add_parser("emit", parents=[common], help="write <package>.schema.json for every package")
    c.add_argument("--out", required=True, metavar="DIR", help="output directory")
    c.set_defaults(func=cmd_emit)
    c = ssub.add_parser("gate", parents=[json_only],
                        help="check schemas/ against the meta-schema, resolve every $ref, compare digests with the lock")
    c.add_argument("--schemas", metavar="DIR", help="the schema directory (default: the repository's schemas/)")
    c.add_argument("--lock", metavar="FILE", help="the lock file (default: DIR/schemas.lock.json)")
    c.add_argument("--update", action="store_true",
                   help="rewrite the lock (refused for a breaking change without a MAJOR version bump)")
    c.set_defaults(func=cmd_gate)
    c = ssub.add_parser("diff", parents=[json_only], help="classify a change as MAJOR, MINOR, PATCH or NONE")
    c.add_argument("old", metavar="OLD", help="a .json schema, or a .upel file or directory")
    c.add_argument("new", metavar="NEW", help="the same kind of input as OLD")
    c.add_argument("--spec-path", action="append", metavar="DIR", help="search root for imported packages")
    c.set_defaults(func=cmd_diff)
    c = sub.add_parser("registry", parents=[common],
                       help="write the operator registry of specs, or `registry check REGISTRY FILE...`")
    c.add_argument("--out", metavar="FILE", help="where to write the registry (JSON)")
    c.add_argument("--against", metavar="REGISTRY",
                   help="also check that every operator the specs reference resolves in this registry")
    c.add_argument("--imports-only", action="store_true",
                   help="check only references from one package to another")
    c.set_defaults(func=cmd_registry)


def _spec_args(args, files: list[str]) -> argparse.Namespace:
    return argparse.Namespace(files=files, spec_path=getattr(args, "spec_path", None), json=args.json)


def cmd_emit(args, out) -> int:
    from upel.cli.main import checked_front
    from upel.trust.schema.emit import emit_docs, write_schemas

    front = checked_front(args, out)
    if front is None:
        return 1
    written = write_schemas(emit_docs(front.docs), Path(args.out))
    if out.json:
        out.emit_json({"ok": True, "written": [str(p) for p in written]})
    else:
        out.err.print(f"[green]ok[/]: {len(written)} schema(s) in {escape(args.out)}")
    return 0


def cmd_gate(args, out) -> int:
    from upel.trust.schema import LOCK_NAME, schemas_dir
    from upel.trust.schema.gate import describe, run_gate

    root = Path(args.schemas) if args.schemas else schemas_dir()
    if not root.is_dir():
        raise UserError(f"{root}: not a directory")
    lock = Path(args.lock) if args.lock else root / LOCK_NAME
    res = run_gate(root, lock, update=args.update)
    if out.json:
        out.emit_json({"ok": res.ok, "updated": res.updated, "problems": res.problems, "digests": res.digests,
                       "changes": [{"path": c.path, "kind": c.kind, "level": c.level, "refused": c.refusal,
                                    "old_version": c.old_version, "new_version": c.new_version,
                                    "findings": [f.to_json() for f in c.findings]} for c in res.changes]})
        return 0 if res.ok else 1
    for p in res.problems:
        out.err.print(f"[bold red]error[/]: {escape(p)}")
    for c in res.changes:
        lines = describe(c, lock)
        colour = "green" if res.updated else "red"
        out.err.print(f"[{colour}]{'updated' if res.updated else 'drift'}[/]: " + escape("\n".join(lines)))
    if res.problems:
        out.err.print(f"[bold red]FAIL[/]: {len(res.problems)} problem(s) in {len(res.digests)} schema(s)")
        return 1
    if any(c.refusal for c in res.changes):
        out.err.print("[bold red]FAIL[/]: lock not updated: a breaking change needs a MAJOR bump of the "
                      "schema's x-upel-version")
        return 1
    if res.changes and not res.updated:
        out.err.print(f"[bold red]FAIL[/]: {len(res.changes)} schema(s) differ from {escape(str(lock))}; if "
                      "intended, run `upel schema gate --update` (breaking changes need a MAJOR bump of "
                      "x-upel-version) and commit the lock")
        return 1
    verb = "lock updated" if res.updated and res.changes else "matches the lock"
    out.err.print(f"[green]ok[/]: {len(res.digests)} schema(s) pass the meta-schema, every $ref resolves, {verb}")
    return 0


def _is_schema_file(path: str) -> bool:
    return path.endswith(".json") and Path(path).is_file()


def cmd_diff(args, out) -> int:
    from upel.trust.schema.diff import classify, diff_schemas, version_problem

    kinds = {_is_schema_file(args.old), _is_schema_file(args.new)}
    if len(kinds) != 1:
        raise UserError("OLD and NEW must both be .json schemas or both be specs (.upel files or directories)")
    if kinds == {True}:
        pairs = _schema_pairs(args)
    else:
        pairs = _spec_pairs(args, out)
        if pairs is None:
            return 1
    results, ok = [], True
    for name, old, new, stores in pairs:
        if old is None or new is None:
            level = "MINOR" if old is None else "MAJOR"
            rule = "PACKAGE_ADDED" if old is None else "PACKAGE_NO_DELETE"
            results.append({"name": name, "level": level, "findings": [
                {"level": level, "rule": rule, "pointer": "/", "message": f"{name} {'added' if old is None else 'removed'}"}],
                "old_version": None if old is None else old.get("x-upel-version"),
                "new_version": None if new is None else new.get("x-upel-version"), "refused": None})
            continue
        findings = diff_schemas(old, new, *stores)
        level = classify(findings)
        refusal = version_problem(old.get("x-upel-version"), new.get("x-upel-version"), level)
        ok = ok and refusal is None
        results.append({"name": name, "level": level, "findings": [f.to_json() for f in findings],
                        "old_version": old.get("x-upel-version"), "new_version": new.get("x-upel-version"),
                        "refused": refusal})
    if out.json:
        out.emit_json({"ok": ok, "level": classify_levels(r["level"] for r in results), "results": results})
        return 0 if ok else 1
    for r in results:
        out.out.print(escape(f"{r['name']}: {r['level']} ({r['old_version']} -> {r['new_version']})"))
        for f in r["findings"]:
            out.out.print(escape(f"  {f['level']:<5}  {f['rule']:<28} {f['pointer']}  {f['message']}"))
        if r["refused"]:
            out.out.print(f"  [bold red]refused[/]: {escape(r['refused'])}")
    return 0 if ok else 1


def classify_levels(levels) -> str:
    from upel.trust.schema.diff import LEVELS

    return max(levels, key=LEVELS.index, default="NONE")


def _schema_pairs(args):
    from upel.trust.schema import load_json, schemas_dir
    from upel.trust.schema.gate import load_schemas
    from upel.trust.schema.refs import SchemaStore

    old, new = load_json(Path(args.old)), load_json(Path(args.new))
    stores = []
    for doc in (old, new):  # cross-file refs resolve against the repository's schemas
        store = SchemaStore()
        try:
            for rel, s in load_schemas(schemas_dir())[0].items():
                if isinstance(s, dict) and s.get("$id") != doc.get("$id"):
                    store.add(s, rel)
        except FileNotFoundError:
            pass
        store.add(doc, "")
        stores.append(store)
    name = new.get("$id") or args.new
    return [(name, old, new, tuple(stores))]


def _spec_pairs(args, out):
    from upel.cli.main import checked_front
    from upel.trust.schema.emit import emit_docs
    from upel.trust.schema.refs import SchemaStore

    sides = []
    for files in ([args.old], [args.new]):
        front = checked_front(_spec_args(args, files), out)
        if front is None:
            return None
        schemas = emit_docs(front.docs)
        store = SchemaStore()
        for name, s in schemas.items():
            store.add(s, name)
        sides.append((schemas, store))
    (olds, ostore), (news, nstore) = sides
    return [(name, olds.get(name), news.get(name), (ostore, nstore)) for name in sorted(set(olds) | set(news))]


def cmd_registry(args, out) -> int:
    from upel.cli.main import checked_front
    from upel.trust.registry import build_registry, check_registry, render_registry

    files = list(args.files)
    against = args.against
    if files[0] == "check":
        if len(files) < 3:
            raise UserError("usage: upel registry check REGISTRY FILE...")
        against, files = files[1], files[2:]
    elif not args.out:
        raise UserError("upel registry FILE... needs --out FILE (or use `upel registry check REGISTRY FILE...`)")
    front = checked_front(_spec_args(args, files), out)
    if front is None:
        return 1
    problems = []
    if args.out:
        from upel.ir.write import atomic_write

        reg = build_registry(front.docs)
        problems += check_registry(reg, front.docs, args.out, args.imports_only)
        if not problems:
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            atomic_write(Path(args.out), render_registry(reg))
    if against:
        problems += _check_against(Path(against), front.docs, args.imports_only)
    if out.json:
        out.emit_json({"ok": not problems, "problems": problems})
    else:
        for p in problems:
            out.err.print(f"[bold red]error[/]: {escape(p)}")
        if problems:
            out.err.print(f"[bold red]FAIL[/]: {len(problems)} operator reference(s) do not resolve")
        else:
            done = [f"registry written to {args.out}"] if args.out else []
            done += [f"every referenced operator resolves in {against}"] if against else []
            out.err.print(f"[green]ok[/]: {escape('; '.join(done))}")
    return 1 if problems else 0


def _check_against(path: Path, docs: dict, imports_only: bool) -> list[str]:
    from upel.trust.registry import check_registry, validate_registry
    from upel.trust.schema import load_json

    reg = load_json(path)
    validate_registry(reg, str(path))
    return check_registry(reg, docs, str(path), imports_only)
