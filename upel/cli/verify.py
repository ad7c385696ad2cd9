"""CLI stage: `upel verify` - prove the obligations of specs with real provers.

    upel verify [--tool smt,coq,wp,eva,cbmc,yosys | all] [--timeout S]
                [--evidence DIR] [--keep DIR] [--gen-dir BACKEND=DIR] FILE...

Prints a summary table per spec (obligations, proved, assumed, failed, time
per tool), then every obligation that did not pass with the tool that said
so, its message and, for refutations, the counterexample as a vector line.
`--evidence DIR` writes `DIR/<package>/<tool>.evidence.json` (schema
`schemas/evidence.schema.json`) and `<tool>.sarif` (SARIF 2.1.0).
`--ledger FILE` appends one `verify` entry to that audit ledger (docs/ledger.md).

Each package is proved once per command: the specs run in dependency order,
and a spec's run proves its own package and the imports no earlier run of
the same command proved (an imported package has the same IR whichever
root it comes from). `--reprove-imports` proves every import again in each
spec's run, so that each spec's evidence stands alone.
Exit 0 only when every obligation of every tool is proved or explicitly assumed.
"""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.table import Table

from upel.diagnostics import UserError


def add_parser(sub, common) -> None:
    from upel.verify.registry import DEFAULT_TOOLS

    c = sub.add_parser("verify", parents=[common],
                       help="prove contracts and properties with real provers (Z3, Coq, Frama-C, CBMC, Yosys)")
    c.add_argument("--tool", default="all", metavar="T[,T...]",
                   help=f"verification tools, or `all` = {','.join(DEFAULT_TOOLS)} (default: all)")
    c.add_argument("--timeout", type=float, default=120.0, metavar="S",
                   help="seconds per prover call before the obligation counts as timed out (default 120)")
    c.add_argument("--evidence", metavar="DIR", help="write evidence JSON and SARIF per tool under DIR")
    c.add_argument("--keep", metavar="DIR", help="keep every tool's work files (scripts, harnesses) under DIR")
    c.add_argument("--gen-dir", action="append", default=[], metavar="BACKEND=DIR",
                   help="check this already generated tree (must equal what `upel gen` writes) instead of generating")
    c.add_argument("--ledger", metavar="FILE", help="append one `verify` entry (digests, tools, counts) to this audit ledger")
    c.add_argument("--reprove-imports", action="store_true",
                   help="prove imported packages again in every spec's run (default: once per command)")
    c.set_defaults(func=cmd_verify)


def _gen_dirs(values: list[str]) -> dict[str, Path]:
    out = {}
    for v in values:
        backend, sep, path = v.partition("=")
        if not sep or not backend or not path:
            raise UserError(f"--gen-dir takes BACKEND=DIR, got {v!r}")
        out[backend] = Path(path)
    return out


def cmd_verify(args, out) -> int:
    from upel.cli.main import checked_front
    from upel.verify.driver import verify, write_outputs
    from upel.verify.registry import parse_tools

    tools = parse_tools(args.tool)
    if args.timeout <= 0:
        raise UserError("--timeout must be positive")
    gen_dirs = _gen_dirs(args.gen_dir)
    front = checked_front(args, out)
    if front is None:
        return 1
    progress = (lambda m: None) if out.json else (lambda m: out.err.print(f"[dim]{escape(m)}[/]"))
    results = []
    proved: set[str] = set()  # packages an earlier run of this command covered
    earlier: dict[str, list[str]] = {}  # root -> its imports that an earlier run proved
    for root in dependency_order(front.program.roots, front.docs):
        doc = front.docs[root]
        keep = Path(args.keep) / root if args.keep else None
        scope = None
        if not args.reprove_imports:
            mine = {p["name"] for p in doc["packages"]} - proved
            earlier[root] = sorted(proved & {p["name"] for p in doc["packages"]})
            if earlier[root]:
                scope = frozenset(mine)
            proved |= mine
        reports = verify(doc, tools, timeout=args.timeout, gen_dirs=gen_dirs, keep=keep, progress=progress,
                         packages=scope)
        if args.evidence:
            dest = Path(args.evidence) / root
            dest.mkdir(parents=True, exist_ok=True)
            for rep in reports:
                write_outputs(doc, rep, dest / f"{rep.tool}.evidence.json", dest / f"{rep.tool}.sarif")
        results.append((root, reports))
    ok = all(rep.ok for _, reps in results for rep in reps)
    if args.ledger:
        _ledger_entry(args.ledger, front, results, ok, out)
    if out.json:
        out.emit_json({"ok": ok, "specs": [
            {"package": root, "proved_earlier": earlier.get(root, []), "tools": [{"tool": r.tool, "versions": r.versions, "ok": r.ok,
                                          "seconds": round(r.duration_ms / 1000, 3),
                                          "records": [x.to_json() for x in r.records]} for r in reps]}
            for root, reps in results]})
        return 0 if ok else 1
    for root, reps in results:
        _print_summary(out, root, reps, earlier.get(root, []))
    verdict = "[bold green]PASS[/]" if ok else "[bold red]FAIL[/]"
    n = sum(len(r.records) for _, reps in results for r in reps)
    bad = sum(len(r.failures()) for _, reps in results for r in reps)
    out.out.print(f"{verdict}: {len(results)} spec(s), {n} obligation result(s), {bad} not proved")
    return 0 if ok else 1


def dependency_order(roots: list[str], docs: dict[str, dict]) -> list[str]:
    """The roots, each after the roots it imports (directly or not); otherwise
    in the order given. Each document lists its packages dependencies first."""
    out: list[str] = []
    for root in roots:
        for pkg in docs[root]["packages"]:
            if pkg["name"] in docs and pkg["name"] in roots and pkg["name"] not in out:
                out.append(pkg["name"])
    return out


def _ledger_entry(path: str, front, results, ok: bool, out) -> None:
    """One `verify` entry per run, failures included; counts, never durations,
    so the same run on the same inputs gives the same entry."""
    from upel.ir.encoding import ir_digest
    from upel.trust.ledger import append

    verdicts = ("proved", "failed", "assumed", "unknown", "timeout", "error")
    index = append(path, "verify", {"ok": ok, "specs": [
        {"package": root, "ir_digest": ir_digest(front.docs[root]), "tools": [
            {"tool": r.tool, "versions": dict(r.versions), "ok": r.ok,
             "counts": {v: sum(1 for x in r.records if x.verdict == v) for v in verdicts}} for r in reps]}
        for root, reps in results]})
    if not out.json:
        out.err.print(f"ledger {escape(path)}: entry {index}")


def _print_summary(out, root: str, reports, earlier: list[str]) -> None:
    note = f" (imports proved above: {', '.join(earlier)})" if earlier else ""
    table = Table(title=f"verify: {root}{note}", title_justify="left")
    for col in ("tool", "versions", "obligations", "proved", "assumed", "failed", "unknown/timeout/error", "time"):
        table.add_column(col, justify="left" if col in ("tool", "versions") else "right")
    for r in reports:
        c = {v: sum(1 for x in r.records if x.verdict == v) for v in
             ("proved", "assumed", "failed", "unknown", "timeout", "error")}
        table.add_row(r.tool, ", ".join(f"{k} {v}" for k, v in r.versions.items()), str(len(r.records)),
                      str(c["proved"]), str(c["assumed"]), str(c["failed"]),
                      str(c["unknown"] + c["timeout"] + c["error"]), f"{r.duration_ms / 1000:.1f} s")
    out.out.print(table)
    for r in reports:
        for x in r.failures():
            out.out.print(f"  [bold red]{x.verdict}[/] [{x.tool}] {escape(x.obligation)}"
                          + (f" ({escape(x.loc['file'])}:{x.loc['line']})" if x.loc else "")
                          + (f": {escape(x.message)}" if x.message else ""))
            if x.counterexample and x.counterexample.get("vector"):
                out.out.print(f"      counterexample: {escape(x.counterexample['vector'])}")
        for x in r.records:
            if x.verdict == "assumed":
                out.out.print(f"  [yellow]assumed[/] [{x.tool}] {escape(x.obligation)}: {escape(x.justification or '')}")
