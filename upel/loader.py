"""Load stage: command-line paths + search path -> parsed packages.

Groups the files named by the user into packages, follows `use` imports
through the search path (package `a.b.c` is `ROOT/a/b/c.upel` and/or
`ROOT/a/b/c/*.upel`), detects import cycles, and gives every file two names:
the display path used in diagnostics (as the user would type it) and the IR
path (relative to its search-path root, so that the IR is the same on every
machine and in every directory).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from upel.diagnostics import DiagnosticSink, UserError
from upel.syntax import ast
from upel.syntax.parser import parse_file


@dataclass
class Package:
    name: str
    files: list[ast.SourceFile] = field(default_factory=list)
    version: str = ""
    imports: list[str] = field(default_factory=list)  # sorted, unique


@dataclass
class Program:
    packages: dict[str, Package]
    roots: list[str]  # the packages named on the command line, in order
    sources: dict[str, str]  # display path -> text (for rendering diagnostics)
    ir_paths: dict[str, str]  # display path -> root-relative path used in the IR


def _display(p: Path) -> str:
    try:
        rel = os.path.relpath(p)
    except ValueError:
        rel = str(p)
    return rel if not rel.startswith("..") else str(p)


def expand_inputs(paths: list[str]) -> list[Path]:
    """Files and directories (searched recursively for *.upel), sorted, unique."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*.upel") if q.is_file())
            if not found:
                raise UserError(f"{raw}: directory contains no .upel files")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise UserError(f"{raw}: no such file or directory")
    seen, unique = set(), []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _inferred_root(path: Path, package: str) -> Path | None:
    """If `path` is ROOT/a/b/c.upel or ROOT/a/b/c/x.upel for package a.b.c, return ROOT."""
    parts = package.split(".")
    resolved = path.resolve()
    as_file = resolved.with_suffix("")
    for candidate, depth in ((as_file, len(parts)), (resolved.parent, len(parts))):
        tail = candidate.parts[-depth:]
        if list(tail) == parts:
            return Path(*candidate.parts[:-depth])
    return None


def load(paths: list[str], spec_path: list[str], sink: DiagnosticSink, deps: list[str] = ()) -> Program:
    """`paths` name the packages to build (the roots); `deps` are further
    files that imports may resolve to (Bazel passes a target's transitive
    sources this way) without becoming roots themselves."""
    files = expand_inputs(paths)
    roots: list[Path] = [Path(r).resolve() for r in spec_path]
    for r, raw in zip(roots, spec_path):
        if not r.is_dir():
            raise UserError(f"--spec-path {raw}: not a directory")
    packages: dict[str, Package] = {}
    sources: dict[str, str] = {}
    ir_paths: dict[str, str] = {}
    order: list[str] = []
    loaded_files: set[Path] = set()

    def add_file(p: Path, root: Path | None) -> ast.SourceFile | None:
        loaded_files.add(p.resolve())
        disp = _display(p)
        tree, text = parse_file(p, disp, sink)
        if text is not None:
            sources[disp] = text
        if tree is None:
            return None
        if root is None:
            root = _inferred_root(p, tree.package.name)
            if root is not None and root not in roots:
                roots.append(root)
        if root is not None:
            ir_paths[disp] = p.resolve().relative_to(root).as_posix()
        else:
            ir_paths[disp] = p.name
        pkg = packages.setdefault(tree.package.name, Package(tree.package.name))
        if pkg.files and tree.package.version != pkg.version:
            sink.error("E0106", f"package {pkg.name} is version {tree.package.version!r} here but "
                       f"{pkg.version!r} in {pkg.files[0].path}", tree.package.version_loc,
                       "every file of a package declares the same version")
        if not pkg.files:
            pkg.version = tree.package.version
        pkg.files.append(tree)
        return tree

    for p in files:
        tree = add_file(p, None)
        if tree is not None and tree.package.name not in order:
            order.append(tree.package.name)
    for p in expand_inputs(list(deps)):
        if p.resolve() not in loaded_files:
            add_file(p, None)

    # Follow imports breadth-first; the first root that has a package wins.
    pending = list(packages)
    while pending:
        name = pending.pop(0)
        pkg = packages[name]
        imports: set[str] = set()
        for f in pkg.files:
            for item in f.items:
                if not isinstance(item, ast.UseDecl):
                    continue
                target = item.package.dotted()
                if item.names is None and len(item.package.parts) < 1:
                    continue
                imports.add(target)
                if target in packages or target == name:
                    continue
                found = _find_package(target, roots, loaded_files)
                if not found:
                    where = ", ".join(_display(r) for r in roots) or "(none)"
                    sink.error("E0101", f"package {target} not found", item.package.loc,
                               f"searched {where}; add its root with --spec-path, or name its files")
                    continue
                for fp, root in found:
                    add_file(fp, root)
                if target in packages:
                    pending.append(target)
        pkg.imports = sorted(imports - {name})
    _check_cycles(packages, sink)
    return Program(packages, order, sources, ir_paths)


def _find_package(name: str, roots: list[Path], loaded: set[Path]) -> list[tuple[Path, Path]]:
    rel = Path(*name.split("."))
    for root in roots:
        hits = []
        single = root / rel.with_suffix(".upel")
        if single.is_file():
            hits.append(single)
        d = root / rel
        if d.is_dir():
            hits.extend(sorted(q for q in d.glob("*.upel") if q.is_file()))
        hits = [h for h in hits if h.resolve() not in loaded]
        if hits:
            return [(h, root) for h in hits]
    return []


def _check_cycles(packages: dict[str, Package], sink: DiagnosticSink) -> None:
    state: dict[str, int] = {}
    for n in sorted(packages):
        if n not in state:
            _find_cycles(n, [], packages, state, sink)


# Depth-first walks are module functions, not recursive closures: a closure
# that calls itself is a reference cycle (function -> cell -> function) that
# holds everything it closes over until the collector runs (upel.gcpolicy).
def _find_cycles(n: str, stack: list[str], packages: dict[str, Package], state: dict[str, int],
                 sink: DiagnosticSink) -> None:
    state[n] = 1
    for dep in packages[n].imports:
        if dep not in packages:
            continue
        if state.get(dep) == 1:
            cycle = stack[stack.index(dep):] + [n, dep] if dep in stack else [n, dep]
            loc = _use_loc(packages[n], dep)
            sink.error("E0105", "import cycle: " + " -> ".join(dict.fromkeys(cycle)) + f" -> {dep}", loc,
                       "move the shared items into a package that both can import")
        elif dep not in state:
            _find_cycles(dep, stack + [n], packages, state, sink)
    state[n] = 2


def _use_loc(pkg: Package, target: str) -> ast.Loc | None:
    for f in pkg.files:
        for item in f.items:
            if isinstance(item, ast.UseDecl) and item.package.dotted() == target:
                return item.package.loc
    return None


def dependency_order(packages: dict[str, Package], root: str) -> list[str]:
    """`root` and everything it imports, dependencies first, ties by name."""
    out: list[str] = []
    _deps_then(root, packages, set(), out)
    return out


def _deps_then(n: str, packages: dict[str, Package], seen: set[str], out: list[str]) -> None:
    if n in seen or n not in packages:
        return
    seen.add(n)
    for dep in packages[n].imports:
        _deps_then(dep, packages, seen, out)
    out.append(n)
