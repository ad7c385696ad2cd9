"""CLI stage: signed releases - `upel keygen`, `bundle`, `provenance verify`, `rebuild-check`.

    upel keygen --out PREFIX
    upel bundle FILE... --out DIR --key PREFIX [--backend c,rust,python,verilog]
                [--tool interp,smt] [--samples N] [--seed S] [--timeout S]
                [--ledger FILE] [--force]
    upel provenance verify DIR --key PREFIX.pub     (or --unsigned)
    upel rebuild-check A B

Signing keys are named by a path or `env:NAME` and never taken from a git
work tree (a key committed by accident is a key leaked). Exit codes as for
every command: 0 ok, 1 a user-visible failure (diagnostics, failed
obligation, bad signature, differing bundles), 2 bad usage or a bug.
See docs/provenance.md.
"""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from upel.diagnostics import UserError

DEFAULT_BACKENDS = "c,rust,python,verilog"
DEFAULT_TOOLS = "interp,smt"


def add_parsers(sub, common) -> None:
    c = sub.add_parser("keygen", help="create an Ed25519 signing key pair (PREFIX, PREFIX.pub)")
    c.add_argument("--out", required=True, metavar="PREFIX", help="private key path; the public key is PREFIX.pub")
    c.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    c.set_defaults(func=cmd_keygen)

    c = sub.add_parser("bundle", parents=[common],
                       help="generate, build, verify and sign a release bundle (in-toto/SLSA provenance, DSSE)")
    c.add_argument("--out", required=True, metavar="DIR", help="bundle directory (must not exist or be empty)")
    c.add_argument("--key", required=True, metavar="KEY", help="private key: a path or env:NAME")
    c.add_argument("--backend", default=DEFAULT_BACKENDS, metavar="B[,B...]",
                   help=f"backends to generate, or `all` (default {DEFAULT_BACKENDS})")
    c.add_argument("--tool", default=DEFAULT_TOOLS, metavar="T[,T...]",
                   help=f"interp and/or verification tools (default {DEFAULT_TOOLS})")
    c.add_argument("--samples", type=int, default=1000, metavar="N",
                   help="interp: random inputs per item (default 1000)")
    c.add_argument("--seed", type=int, default=0, help="interp: seed for the random inputs (default 0)")
    c.add_argument("--timeout", type=float, default=120.0, metavar="S", help="seconds per prover call (default 120)")
    c.add_argument("--ledger", metavar="FILE", help="append a `release` entry to this audit ledger")
    c.add_argument("--force", action="store_true", help="replace an existing non-empty DIR")
    c.set_defaults(func=cmd_bundle)

    p = sub.add_parser("provenance", help="check the signed provenance of a bundle")
    psub = p.add_subparsers(dest="provenance_command", required=True, metavar="ACTION")
    c = psub.add_parser("verify", help="check signature, statement, manifest and every file of a bundle (offline)")
    c.add_argument("dir", metavar="DIR", help="bundle directory")
    group = c.add_mutually_exclusive_group(required=True)
    group.add_argument("--key", metavar="PUB", help="public key: a path (PREFIX.pub) or env:NAME")
    group.add_argument("--unsigned", action="store_true",
                       help="accept an unsigned bundle (Bazel without a key): integrity only, not authorship")
    c.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    c.set_defaults(func=cmd_provenance_verify)

    c = sub.add_parser("rebuild-check", help="compare two bundle directories byte for byte")
    c.add_argument("a", metavar="A")
    c.add_argument("b", metavar="B")
    c.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    c.set_defaults(func=cmd_rebuild_check)


def refuse_key_in_repo(ref: str) -> None:
    """A signing key inside a git work tree is one `git add .` away from being published."""
    if ref.startswith("env:"):
        return
    path = Path(ref).absolute()
    for d in path.parents:
        if (d / ".git").exists():
            raise UserError(f"{ref}: is inside the git work tree {d}; keep signing keys outside "
                            "repositories (another path, or env:NAME)")


def cmd_keygen(args, out) -> int:
    from upel.trust import keys

    refuse_key_in_repo(args.out)
    priv, pub = keys.generate(args.out)
    kid = keys.keyid(keys.load_public_key(str(pub)))
    if out.json:
        out.emit_json({"ok": True, "private": str(priv), "public": str(pub), "keyid": kid})
    else:
        out.err.print(f"[green]ok[/]: wrote {escape(str(priv))} (private, mode 0600) and "
                      f"{escape(str(pub))}; keyid {kid}")
    return 0


def _parse_tools(spec: str) -> list[str]:
    from upel.verify.registry import parse_tools

    wanted = [s.strip() for s in spec.split(",") if s.strip()]
    provers = [t for t in wanted if t != "interp"]
    tools = (["interp"] if "interp" in wanted else []) + (parse_tools(",".join(provers)) if provers else [])
    if not tools:
        raise UserError(f"--tool needs at least one tool, got {spec!r}")
    return tools


def cmd_bundle(args, out) -> int:
    from upel.cli.main import checked_front
    from upel.codegen.registry import parse_backends
    from upel.trust import keys
    from upel.trust.bundle import Options, check_destination, release

    backends = parse_backends(args.backend)
    tools = _parse_tools(args.tool)
    if args.samples < 0 or args.timeout <= 0:
        raise UserError("--samples must be >= 0 and --timeout positive")
    dest = Path(args.out)
    check_destination(dest, args.force)
    refuse_key_in_repo(args.key)
    key = keys.load_private_key(args.key)  # a bad key fails now, not after minutes of proofs
    front = checked_front(args, out)
    if front is None:
        return 1
    progress = (lambda m: None) if out.json else (lambda m: out.err.print(f"[dim]{escape(m)}[/]"))
    opts = Options(backends=backends, tools=tools, samples=args.samples, seed=args.seed,
                   timeout=args.timeout, progress=progress)
    summary = release(front, opts, key, dest, force=args.force, ledger=args.ledger)
    if out.json:
        out.emit_json({"ok": True, **summary})
        return 0
    out.err.print(f"[green]ok[/]: bundle {escape(str(dest))}: {summary['files']} files, {summary['bytes']} bytes, "
                  f"signed by keyid {keys.keyid(key.public_key())[:16]}...")
    out.out.print(f"manifest sha256:{summary['manifest_sha256']}")
    out.out.print(f"envelope sha256:{summary['envelope_sha256']}")
    if "ledger_index" in summary:
        out.out.print(f"ledger {escape(args.ledger)}: entry {summary['ledger_index']}")
    return 0


def cmd_provenance_verify(args, out) -> int:
    from upel.trust import keys
    from upel.trust.dsse import ProvenanceError
    from upel.trust.statement import verify_bundle

    key = keys.load_public_key(args.key) if args.key else None
    try:
        st = verify_bundle(Path(args.dir), key)
    except ProvenanceError as e:
        if not out.json:
            raise
        out.emit_json({"ok": False, "error": str(e)})
        return 1
    n = len(st["subject"])
    specs = st["predicate"]["buildDefinition"].get("externalParameters", {}).get("specs", [])
    if out.json:
        out.emit_json({"ok": True, "signed": key is not None, "subjects": n, "specs": specs,
                       "keyid": keys.keyid(key) if key else None})
    elif key is not None:
        out.err.print(f"[green]ok[/]: {escape(args.dir)}: signature by keyid {keys.keyid(key)[:16]}... verifies; "
                      f"{n} subject(s) match, no unlisted files")
    else:
        out.err.print(f"[yellow]ok, UNSIGNED[/]: {escape(args.dir)}: {n} subject(s) match the statement and manifest; "
                      "nothing shows who made it")
    return 0


def cmd_rebuild_check(args, out) -> int:
    from upel.trust.rebuild import compare

    diffs = compare(Path(args.a), Path(args.b))
    if out.json:
        out.emit_json({"ok": not diffs, "differences": [vars(d) for d in diffs]})
        return 0 if not diffs else 1
    for d in diffs:
        out.out.print(f"[red]{d.kind}[/] {escape(str(d))}")
    if diffs:
        out.err.print(f"[bold red]DIFFERENT[/]: {len(diffs)} difference(s) between "
                      f"{escape(args.a)} and {escape(args.b)}")
        return 1
    out.err.print(f"[bold green]IDENTICAL[/]: {escape(args.a)} and {escape(args.b)} match byte for byte")
    return 0
