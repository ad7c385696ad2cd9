"""Bazel action entry points: one subcommand per rule (see bazel/private/).

Each subcommand takes explicit input and output paths (Bazel declares the
outputs at analysis time), writes nothing but those outputs, prints
diagnostics exactly like the `upel` command, and exits non-zero on any
failure so the build stops with the spec's own message.

    spec     --srcs F... [--deps F...] --json OUT --cbor OUT --digest OUT
    codegen  --ir IR.json --backend B --out DIR
    conform  --ir IR.json --backend B [--samples N] [--seed S]   (a test)
    verify   --ir IR.json --tool T --out EVIDENCE.json [--sarif OUT.sarif]
             [--gen-dir BACKEND=DIR] [--timeout S]
    registry --ir IR.json... --out REGISTRY.json
    bundle   --ir IR.json --out DIR [--src F...] [--gen BACKEND=DIR...]
             [--evidence NAME=FILE...] [--key PATH|env:NAME]   (unsigned without --key)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.markup import escape

from upel.cli.main import Front, Output
from upel.diagnostics import UserError


def _read_ir(path: str) -> dict:
    """An IR document from disk; anything else is the user's error, not a bug."""
    from upel.ir.schema import IRSchemaError, validate_ir

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        validate_ir(doc)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{path}: cannot read an IR document: {e}") from None
    except IRSchemaError as e:
        raise UserError(f"{path}: not a valid UPEL IR document:\n{e}") from None
    return doc


def cmd_spec(args, out: Output) -> int:
    from upel.ir.encoding import canonical_cbor, ir_digest
    from upel.ir.schema import validate_ir_docs
    from upel.ir.write import atomic_write, render_json

    front = Front(args.srcs, [], deps=args.deps or [])
    out.diagnostics(front)
    if not front.ok:
        return 1
    roots = front.program.roots
    if len(roots) != 1:
        raise UserError(f"the srcs of one upel_spec must declare one package; they declare {', '.join(roots)}")
    doc = front.docs[roots[0]]
    validate_ir_docs([doc])
    atomic_write(Path(args.json), render_json(doc))
    atomic_write(Path(args.cbor), canonical_cbor(doc))
    atomic_write(Path(args.digest), (ir_digest(doc) + "\n").encode())
    return 0


def cmd_codegen(args, out: Output) -> int:
    from upel.codegen.driver import generate
    from upel.ir.write import atomic_write

    doc = _read_ir(args.ir)
    dest = Path(args.out)
    for rel, text in generate(doc, args.backend, harness=False).items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text.encode("utf-8"))
    return 0


def cmd_conform(args, out: Output) -> int:
    from upel.cli.main import print_conformance
    from upel.codegen.conform import run_conformance

    doc = _read_ir(args.ir)
    reports = run_conformance(doc, [args.backend], args.samples, args.seed,
                              progress=lambda m: out.err.print(m))
    return print_conformance(out, reports)


def cmd_verify(args, out: Output) -> int:
    from upel.ir.write import atomic_write
    from upel.verify.evidence import interp_evidence

    doc = _read_ir(args.ir)
    if args.tool != "interp":
        return _verify_with_prover(args, doc, out)
    evidence, failures = interp_evidence(doc, args.samples, args.seed)
    for line in failures:
        out.err.print(f"[red]{escape(line)}[/]")
    # The evidence records facts only: no times or paths, so rebuilds are identical.
    atomic_write(Path(args.out), (json.dumps(evidence, indent=1, sort_keys=True) + "\n").encode())
    return 0 if evidence["verdict"] == "passed" else 1


def _verify_with_prover(args, doc: dict, out: Output) -> int:
    """One prover on one spec: evidence without durations (a cached, reproducible output)."""
    from upel.verify.driver import verify, write_outputs
    from upel.verify.registry import parse_tools

    gen_dirs = {}
    for v in args.gen_dir or []:
        backend, _, path = v.partition("=")
        gen_dirs[backend] = Path(path)
    (tool,) = parse_tools(args.tool)
    (rep,) = verify(doc, [tool], timeout=args.timeout, gen_dirs=gen_dirs,
                    progress=lambda m: out.err.print(m))
    for r in rep.failures():
        where = f" ({r.loc['file']}:{r.loc['line']})" if r.loc else ""
        out.err.print(f"[red]{r.verdict}[/] [{r.tool}] {r.obligation}{where}: {r.message}")
        if r.counterexample and r.counterexample.get("vector"):
            out.err.print(f"    counterexample: {r.counterexample['vector']}")
    write_outputs(doc, rep, Path(args.out), Path(args.sarif) if args.sarif else None, reproducible=True)
    out.err.print(f"{tool}: {len(rep.records)} obligation(s), {len(rep.failures())} not proved")
    return 0 if rep.ok else 1


def cmd_bundle(args, out: Output) -> int:
    """Lay out a bundle from other actions' outputs (docs/provenance.md); sign it if a key is given."""
    from upel.cli.trust import refuse_key_in_repo
    from upel.trust import keys
    from upel.trust.bundle import bazel_bundle

    pairs = {}
    for flag in ("gen", "evidence"):
        pairs[flag] = dict(v.partition("=")[::2] for v in getattr(args, flag) or [])
    key = None
    if args.key:
        refuse_key_in_repo(args.key)
        key = keys.load_private_key(args.key)
    gen = {k: Path(v) for k, v in pairs["gen"].items()}
    evidence = {k: Path(v) for k, v in pairs["evidence"].items()}
    files = bazel_bundle(Path(args.ir), [Path(s) for s in args.src or []], gen, evidence, Path(args.out), key)
    if key is None:
        out.err.print(f"UNSIGNED bundle {args.out}: manifest and in-toto statement only; configure a key with "
                      "--action_env=UPEL_SIGNING_KEY=/abs/path (docs/provenance.md)")
    else:
        out.err.print(f"signed bundle {args.out}: {len(files)} files, keyid {keys.keyid(key.public_key())[:16]}...")
    return 0


def cmd_registry(args, out: Output) -> int:
    """The operator registry of the given IR documents; fails on an operator reference that does not resolve."""
    from upel.ir.write import atomic_write
    from upel.trust.registry import build_registry, check_registry, render_registry

    docs = {}
    for path in args.ir:
        doc = _read_ir(path)
        docs[doc["root"]] = doc
    reg = build_registry(docs)
    problems = check_registry(reg, docs, args.out)
    for p in problems:
        out.err.print(f"[red]error[/]: {p}")
    if problems:
        return 1
    atomic_write(Path(args.out), render_registry(reg))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="upel-action")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("spec")
    c.add_argument("--srcs", nargs="+", required=True)
    c.add_argument("--deps", nargs="*")
    c.add_argument("--json", required=True)
    c.add_argument("--cbor", required=True)
    c.add_argument("--digest", required=True)
    c.set_defaults(func=cmd_spec)
    c = sub.add_parser("codegen")
    c.add_argument("--ir", required=True)
    c.add_argument("--backend", required=True)
    c.add_argument("--out", required=True)
    c.set_defaults(func=cmd_codegen)
    for name, func in (("conform", cmd_conform), ("verify", cmd_verify)):
        c = sub.add_parser(name)
        c.add_argument("--ir", required=True)
        c.add_argument("--samples", type=int, default=1000)
        c.add_argument("--seed", type=int, default=0)
        if name == "conform":
            c.add_argument("--backend", required=True)
        else:
            c.add_argument("--tool", required=True)
            c.add_argument("--out", required=True)
            c.add_argument("--sarif")
            c.add_argument("--gen-dir", action="append")
            c.add_argument("--timeout", type=float, default=120.0)
        c.set_defaults(func=func)
    c = sub.add_parser("bundle")
    c.add_argument("--ir", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--src", action="append")
    c.add_argument("--gen", action="append")
    c.add_argument("--evidence", action="append")
    c.add_argument("--key")
    c.set_defaults(func=cmd_bundle)
    c = sub.add_parser("registry")
    c.add_argument("--ir", nargs="+", required=True)
    c.add_argument("--out", required=True)
    c.set_defaults(func=cmd_registry)
    args = p.parse_args(argv)
    out = Output(False)
    from upel.cli.main import guarded
    from upel.gcpolicy import release, tune_gc

    tune_gc()
    try:
        return guarded(lambda: args.func(args, out), out)
    finally:
        release()


if __name__ == "__main__":
    sys.exit(main())
