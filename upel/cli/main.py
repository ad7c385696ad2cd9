"""CLI stage: the `upel` command (check, ir, test, gen, conform, verify).

Every command reads specs through the same front end (load -> parse ->
check -> IR), prints diagnostics to stderr (rich, or plain when piped), and
exits 0 on success, 1 on any user-visible failure (diagnostics, failing
vectors), 2 on bad usage or an internal error. `--json` prints one JSON
object on stdout instead of tables, for machines.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from upel import __version__
from upel.diagnostics import DiagnosticSink, UserError, render
from upel.gcpolicy import front_end, release, tune_gc
from upel.loader import Program


class Front:
    """The result of reading specs: program, IR documents, diagnostics."""

    def __init__(self, paths: list[str], spec_path: list[str], deps: list[str] = ()) -> None:
        from upel.check.lower import check_program
        from upel.loader import load

        self.sink = DiagnosticSink()
        self.docs: dict[str, dict] | None = None
        with front_end():
            self.program: Program = load(paths, spec_path, self.sink, deps)
            # After load errors (syntax, missing packages) the checker would only
            # repeat them as unknown names; it runs once the sources are whole.
            if not self.sink.has_errors:
                self.docs = check_program(self.program, self.sink)

    @property
    def ok(self) -> bool:
        return not self.sink.has_errors and self.docs is not None


def _split_paths(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(p for p in v.split(os.pathsep) if p)
    env = os.environ.get("UPEL_SPEC_PATH")
    if env:
        out.extend(p for p in env.split(os.pathsep) if p)
    return out


class Output:
    def __init__(self, json_mode: bool) -> None:
        self.json = json_mode
        # Piped output gets a fixed, wide layout (reproducible logs in CI).
        width = None if sys.stdout.isatty() else 120
        self.out = Console(highlight=False, soft_wrap=True, width=width)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    def diagnostics(self, front: Front) -> None:
        if self.json:
            return
        for d in front.sink.sorted():
            text = render(d, front.program.sources)
            first, _, rest = text.partition("\n")
            colour = "red" if d.severity == "error" else "yellow"
            self.err.print(f"[bold {colour}]{escape(first)}[/]" + (("\n" + escape(rest)) if rest else ""))
        n_err = sum(1 for d in front.sink.items if d.severity == "error")
        n_warn = len(front.sink.items) - n_err
        if n_err or n_warn:
            self.err.print(f"[bold]{n_err} error(s), {n_warn} warning(s)[/]")

    def emit_json(self, obj: dict) -> None:
        sys.stdout.write(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def _diag_json(front: Front) -> list[dict]:
    return [d.as_json() for d in front.sink.sorted()]


# ---- commands -------------------------------------------------------------------


def checked_front(args, out: Output) -> Front | None:
    """Read and check the specs; on errors print them (or the JSON) and return None."""
    front = Front(args.files, _split_paths(args.spec_path))
    out.diagnostics(front)
    if front.ok:
        return front
    if out.json:
        out.emit_json({"ok": False, "diagnostics": _diag_json(front)})
    return None


def cmd_check(args, out: Output) -> int:
    front = Front(args.files, _split_paths(args.spec_path))
    out.diagnostics(front)
    if out.json:
        out.emit_json({"ok": front.ok, "diagnostics": _diag_json(front),
                       "packages": sorted(front.program.packages)})
    elif front.ok:
        n = len(front.program.packages)
        out.err.print(f"[green]ok[/]: {n} package(s) checked: {', '.join(sorted(front.program.packages))}")
    return 0 if front.ok else 1


def cmd_ir(args, out: Output) -> int:
    from upel.ir.write import write_ir

    front = checked_front(args, out)
    if front is None:
        return 1
    written = write_ir(front.docs, args.out, full_validation=args.validate)
    if args.pretty:
        from upel.ir.pretty import pretty

        for root in front.program.roots:
            sys.stdout.write(pretty(front.docs[root]))
    if out.json:
        out.emit_json({"ok": True, "diagnostics": _diag_json(front), "outputs": written})
    elif not args.pretty:
        for root, info in written.items():
            out.out.print(f"{root}  {info['digest']}  -> {escape(info['json'])}, {escape(info['cbor'])}")
    return 0


def cmd_test(args, out: Output) -> int:
    from upel.interp.runner import run_spec

    front = checked_front(args, out)
    if front is None:
        return 1
    reports = []
    for root in front.program.roots:
        if not out.json:
            out.err.print(f"[dim]testing {root} ({args.samples} random inputs per item, seed {args.seed})...[/]")
        reports.append(run_spec(front.docs[root], samples=args.samples, seed=args.seed))
    ok = all(r.ok for r in reports)
    if out.json:
        out.emit_json({"ok": ok, "diagnostics": _diag_json(front), "reports": [_report_json(r) for r in reports]})
        return 0 if ok else 1
    for r in reports:
        _print_report(out, r)
    total_v = sum(f.vectors for r in reports for f in r.functions)
    total_p = sum(len(r.properties) for r in reports)
    fails = sum(len(r.failures) for r in reports)
    verdict = "[bold green]PASS[/]" if ok else "[bold red]FAIL[/]"
    out.out.print(f"{verdict}: {len(reports)} package(s), {total_v} vectors, {total_p} properties, {fails} failure(s)")
    return 0 if ok else 1


def _report_json(r) -> dict:
    return {
        "package": r.root,
        "ok": r.ok,
        "seconds": round(r.seconds, 3),
        "functions": [vars(f) for f in r.functions],
        "properties": [vars(p) for p in r.properties],
        "failures": [vars(f) for f in r.failures],
    }


def _print_report(out: Output, r) -> None:
    table = Table(title=f"{r.root}", title_justify="left")
    for col in ("item", "vectors", "ensures", "random calls", "result"):
        table.add_column(col, justify="left" if col == "item" else "right")
    failed = {f.name for f in r.failures}
    for f in r.functions:
        status = "[red]FAIL[/]" if f.qname in failed else "[green]ok[/]"
        vec = f"{f.vectors_passed}/{f.vectors}" if f.vectors else "-"
        calls = f"{f.random_calls} ({f.random_errors} err)" if f.random_calls else "-"
        table.add_row(f"fn {f.qname.rsplit('.', 1)[1]}", vec, str(f.ensures) if f.ensures else "-", calls, status)
    for p in r.properties:
        status = "[red]FAIL[/]" if p.qname in failed else "[green]ok[/]"
        table.add_row(f"property {p.qname.rsplit('.', 1)[1]}", "-", "-",
                      f"{p.held}/{p.tried - p.skipped} held ({p.skipped} skipped)", status)
    out.out.print(table)
    for fl in r.failures:
        where = f"{fl.loc['file']}:{fl.loc['line']}:{fl.loc['col']}: " if fl.loc else ""
        out.out.print(f"  [red]{fl.kind} failure[/]: {escape(where + fl.message)}")


def cmd_gen(args, out: Output) -> int:
    from pathlib import Path

    from upel.codegen.driver import generate, write_generated
    from upel.codegen.registry import parse_backends

    backends = parse_backends(args.backend)
    front = checked_front(args, out)
    if front is None:
        return 1
    files: dict[str, str] = {}
    roots = front.program.roots
    # Production sources of several roots share their dependency packages and
    # merge into one tree; harnesses are per root, so each root gets its own
    # directory when --harness is asked for several roots.
    per_root = args.harness and len(roots) > 1
    for b in backends:
        for root in roots:
            for rel, text in generate(front.docs[root], b, harness=args.harness).items():
                key = f"{root}/{rel}" if per_root else rel
                key = key if len(backends) == 1 else f"{b}/{key}"
                if key in files and files[key] != text:
                    raise UserError(f"two packages generate different contents for {key}")
                files[key] = text
    rep = write_generated(files, Path(args.out), force=args.force)
    if out.json:
        out.emit_json({"ok": True, "diagnostics": _diag_json(front), "written": rep.written,
                       "unchanged": rep.unchanged, "forced": rep.overwritten_by_force})
    else:
        out.err.print(f"[green]ok[/]: {len(rep.written)} file(s) written, {len(rep.unchanged)} unchanged"
                      + (f", {len(rep.overwritten_by_force)} hand-edited file(s) overwritten (--force)"
                         if rep.overwritten_by_force else "") + f" in {escape(args.out)}")
    return 0


def cmd_conform(args, out: Output) -> int:
    from pathlib import Path

    from upel.codegen.conform import run_conformance
    from upel.codegen.registry import parse_backends

    backends = parse_backends(args.backend)
    front = checked_front(args, out)
    if front is None:
        return 1
    progress = None if out.json else (lambda msg: out.err.print(f"[dim]{escape(msg)}...[/]"))
    reports = []
    for root in front.program.roots:
        reports.extend(run_conformance(front.docs[root], backends, args.samples, args.seed,
                                       Path(args.keep) / root if args.keep else None, progress))
    return print_conformance(out, reports)


def print_conformance(out: Output, reports) -> int:
    ok = all(r.ok for r in reports)
    if out.json:
        out.emit_json({"ok": ok, "reports": [
            {"backend": r.backend, "package": r.package, "ok": r.ok, "tools": r.tools, "error": r.error,
             "seconds": round(r.seconds, 3), "functions": [vars(f) for f in r.functions]} for r in reports]})
        return 0 if ok else 1
    for r in reports:
        table = Table(title=f"{r.backend}: {r.package}  ({', '.join(f'{k} {v}' for k, v in r.tools.items())})",
                      title_justify="left")
        for col in ("function", "vectors", "random agreed", "first mismatch"):
            table.add_column(col, justify="left" if col in ("function", "first mismatch") else "right")
        for f in r.functions:
            table.add_row(f.qname.rsplit(".", 1)[1], f"{f.vectors_passed}/{f.vectors}",
                          f"{f.random_agreed}/{f.random}", escape(f.first_mismatch or ""))
        out.out.print(table)
        if r.error:
            out.out.print(f"[bold red]{r.backend} failed[/]: {escape(r.error)}")
    verdict = "[bold green]PASS[/]" if ok else "[bold red]FAIL[/]"
    total = sum(f.vectors + f.random for r in reports for f in r.functions)
    bad = sum(r.mismatches for r in reports) + sum(1 for r in reports if r.error)
    out.out.print(f"{verdict}: {len(reports)} backend run(s), {total} cases compared, {bad} problem(s)")
    return 0 if ok else 1


# ---- entry ------------------------------------------------------------------------


class _VersionAction(argparse.Action):
    """`upel --version`: the version, then whether the compiled front end is in use (upel.syntax.native)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from upel.syntax.native import describe

        print(f"upel {__version__}\n{describe()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("files", nargs="+", metavar="FILE", help=".upel files or directories")
    common.add_argument("--spec-path", action="append", metavar="DIR",
                        help="search root for imported packages (repeatable; also UPEL_SPEC_PATH)")
    common.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p = argparse.ArgumentParser(prog="upel", description="UPEL: one specification, verified code for many targets.")
    p.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and whether the front end runs compiled")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    c = sub.add_parser("check", parents=[common], help="parse and check specs, print diagnostics")
    c.set_defaults(func=cmd_check)
    c = sub.add_parser("ir", parents=[common], help="write the IR (JSON, canonical CBOR, digest)")
    c.add_argument("-o", "--out", required=True, metavar="DIR", help="output directory")
    c.add_argument("--pretty", action="store_true", help="also print the IR in its readable form")
    c.add_argument("--validate", action="store_true",
                   help="always run full JSON Schema validation (slow; the default gate is an equivalent fast check)")
    c.set_defaults(func=cmd_ir)
    c = sub.add_parser("test", parents=[common], help="run vectors, contracts and properties on the reference interpreter")
    c.add_argument("--samples", type=int, default=1000, metavar="N", help="random inputs per function and property (default 1000)")
    c.add_argument("--seed", type=int, default=0, help="seed for the random inputs (default 0)")
    c.set_defaults(func=cmd_test)
    c = sub.add_parser("gen", parents=[common], help="generate code for one or more backends")
    c.add_argument("--backend", required=True, metavar="B[,B...]", help="backend name(s), or `all`")
    c.add_argument("--out", required=True, metavar="DIR", help="output directory")
    c.add_argument("--force", action="store_true", help="overwrite generated files that were edited by hand")
    c.add_argument("--harness", action="store_true", help="also write the vector/differential harness")
    c.set_defaults(func=cmd_gen)
    c = sub.add_parser("conform", parents=[common],
                       help="compile generated code with the real toolchains and compare it with the interpreter")
    c.add_argument("--backend", required=True, metavar="B[,B...]", help="backend name(s), or `all`")
    c.add_argument("--samples", type=int, default=1000, metavar="N", help="random inputs per function (default 1000)")
    c.add_argument("--seed", type=int, default=0, help="seed for the random inputs (default 0)")
    c.add_argument("--keep", metavar="DIR", help="keep the generated build trees under DIR for inspection")
    c.set_defaults(func=cmd_conform)
    from upel.cli.verify import add_parser as add_verify

    add_verify(sub, common)
    from upel.cli.schema import add_parsers as add_schema
    add_schema(sub, common)
    from upel.cli.ledger import add_parser as add_ledger
    add_ledger(sub, common)
    from upel.cli.trust import add_parsers as add_trust
    add_trust(sub, common)
    return p


def guarded(run, out: Output) -> int:
    """Run a command: user errors are one line (exit 1), bugs one line asking
    for a report (exit 2, traceback with UPEL_DEBUG=1), never a raw traceback."""
    try:
        return run()
    except UserError as e:
        out.err.print(f"[bold red]error[/]: {escape(str(e))}")
        return 1
    except KeyboardInterrupt:
        out.err.print("interrupted")
        return 130
    except Exception as e:  # noqa: BLE001 - the one place that turns bugs into a report
        if os.environ.get("UPEL_DEBUG"):
            traceback.print_exc()
        out.err.print(f"[bold red]internal error[/]: {escape(type(e).__name__)}: {escape(str(e))}\n"
                      "This is a bug in UPEL. Please report it with the input that caused it "
                      "(set UPEL_DEBUG=1 for a traceback).")
        return 2


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = Output(args.json)
    tune_gc()
    try:
        return guarded(lambda: args.func(args, out), out)
    finally:
        release()


if __name__ == "__main__":
    sys.exit(main())
