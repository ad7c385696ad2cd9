"""CLI stage: `upel ledger` - the audit ledger (append, verify, prove, checkpoint).

    upel ledger append LEDGER --kind K --payload-json FILE|- [--origin NAME]
    upel ledger verify LEDGER [--checkpoint FILE ... --key PUB] [--repair]
    upel ledger prove LEDGER (--index I | --consistency OLD_SIZE) [--size N] [-o FILE]
    upel ledger verify-proof PROOF.json [--root HEX | --checkpoint FILE ... --key PUB]
    upel ledger checkpoint LEDGER --key PRIV --out FILE [--previous FILE [--previous-key PUB]]

Every failure is one line and exit 1 (a LedgerError is a UserError); `--json`
prints one JSON object instead of text. docs/ledger.md has the formats.
"""

from __future__ import annotations

import json
import sys

from rich.markup import escape

from upel.diagnostics import UserError


def add_parser(sub, common) -> None:
    import argparse

    flags = argparse.ArgumentParser(add_help=False)
    flags.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    c = sub.add_parser("ledger", help="the audit ledger: append, verify, prove, checkpoint")
    c.set_defaults(json=False)
    ls = c.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")

    a = ls.add_parser("append", parents=[flags], help="append one entry; prints its index and the new root")
    a.add_argument("ledger", metavar="LEDGER")
    a.add_argument("--kind", required=True, help="entry kind, e.g. release or verify")
    a.add_argument("--payload-json", required=True, metavar="FILE", help="the payload: a JSON object (- = stdin)")
    a.add_argument("--origin", help="the ledger's name when this append creates it (default: the file's stem)")
    a.set_defaults(func=cmd_append)

    v = ls.add_parser("verify", parents=[flags],
                      help="check every entry, the prev chain, indices and the root; optionally checkpoints")
    v.add_argument("ledger", metavar="LEDGER")
    v.add_argument("--checkpoint", action="append", default=[], metavar="FILE",
                   help="a signed checkpoint the ledger must extend (repeatable; needs --key)")
    v.add_argument("--key", metavar="PUB", help="public key of the checkpoints (path or env:NAME)")
    v.add_argument("--repair", action="store_true",
                   help="remove a torn tail (a partial last record left by a crash) and say what was removed")
    v.set_defaults(func=cmd_verify)

    p = ls.add_parser("prove", help="print an inclusion or a consistency proof as JSON")
    p.add_argument("ledger", metavar="LEDGER")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--index", type=int, metavar="I", help="inclusion proof of entry I")
    g.add_argument("--consistency", type=int, metavar="OLD_SIZE", help="consistency proof from OLD_SIZE")
    p.add_argument("--size", type=int, metavar="N", help="tree size to prove against (default: the whole ledger)")
    p.add_argument("-o", "--out", metavar="FILE", help="write the proof here instead of stdout")
    p.set_defaults(func=cmd_prove)

    vp = ls.add_parser("verify-proof", parents=[flags], help="verify a proof from `upel ledger prove` offline")
    vp.add_argument("proof", metavar="PROOF", help="proof JSON file (- = stdin)")
    vp.add_argument("--root", action="append", default=[], metavar="HEX",
                    help="a trusted root hash the proof must end in (repeatable)")
    vp.add_argument("--checkpoint", action="append", default=[], metavar="FILE",
                    help="a signed checkpoint whose size and root the proof must match (repeatable; needs --key)")
    vp.add_argument("--key", metavar="PUB", help="public key of the checkpoints (path or env:NAME)")
    vp.set_defaults(func=cmd_verify_proof)

    k = ls.add_parser("checkpoint", parents=[flags], help="write a signed checkpoint of the ledger")
    k.add_argument("ledger", metavar="LEDGER")
    k.add_argument("--key", required=True, metavar="PRIV", help="Ed25519 private key (path or env:NAME)")
    k.add_argument("--out", required=True, metavar="FILE", help="where to write the checkpoint")
    k.add_argument("--previous", metavar="FILE",
                   help="the last checkpoint: the new one must extend it (consistency proof), never shrink")
    k.add_argument("--previous-key", metavar="PUB",
                   help="public key of --previous (default: the public half of --key)")
    k.set_defaults(func=cmd_checkpoint)


def _read_text(ref: str, what: str) -> str:
    try:
        if ref == "-":
            return sys.stdin.read()
        with open(ref, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise UserError(f"{what} {ref}: cannot read: {e.strerror}") from None
    except UnicodeDecodeError:
        raise UserError(f"{what} {ref}: not UTF-8 text") from None


def _read_json(ref: str, what: str):
    try:
        return json.loads(_read_text(ref, what))
    except json.JSONDecodeError as e:
        raise UserError(f"{what} {ref}: not valid JSON ({e})") from None


def _checkpoints(files: list[str], key: str | None):
    from upel.trust.keys import load_public_key
    from upel.trust.ledger.checkpoint import read_signed

    if files and not key:
        raise UserError("--checkpoint needs --key PUB, the public key that signed it")
    if key and not files:
        raise UserError("--key is only used with --checkpoint")
    if not files:
        return []
    pub = load_public_key(key)
    return [(f, read_signed(f, pub)) for f in files]


def cmd_append(args, out) -> int:
    from upel.trust.ledger import store

    payload = _read_json(args.payload_json, "payload")
    if not isinstance(payload, dict):
        raise UserError(f"payload {args.payload_json}: must be a JSON object")
    if args.origin is not None:
        store.check_origin(args.origin)
        if not store.create(args.ledger, args.origin):
            have = store.load(args.ledger).origin
            if have != args.origin:
                raise UserError(f"{args.ledger} exists with origin {have!r}, not {args.origin!r}")
    res = store.append_entry(args.ledger, args.kind, payload)
    if out.json:
        out.emit_json({"ok": True, "index": res.index, "size": res.size, "root": res.root.hex(),
                       "leaf_hash": res.leaf.hex()})
    else:
        out.out.print(f"entry {res.index} appended to {escape(args.ledger)}: size {res.size}, root {res.root.hex()}")
    return 0


def cmd_verify(args, out) -> int:
    from upel.trust.ledger import store
    from upel.trust.ledger.checkpoint import check_against_ledger

    cps = _checkpoints(args.checkpoint, args.key)  # a bad key or checkpoint fails before any repair
    repaired = store.repair(args.ledger) if args.repair else None
    led = store.load(args.ledger)
    for f, cp in cps:
        try:
            check_against_ledger(cp, led)
        except UserError as e:
            raise UserError(f"checkpoint {f}: {e}") from None
    root = led.root().hex()
    if out.json:
        out.emit_json({"ok": True, "origin": led.origin, "size": led.size, "root": root,
                       "repaired": vars(repaired) if repaired else None,
                       "checkpoints": [{"file": f, "size": cp.size, "root": cp.root.hex()} for f, cp in cps]})
        return 0
    if repaired:
        out.err.print(f"[yellow]repaired[/]: removed {repaired.removed} byte(s) at offset {repaired.offset} "
                      f"(a partial record for entry {repaired.index}); {repaired.size} intact entries kept")
    elif args.repair:
        out.err.print("nothing to repair: the ledger ends in a complete record")
    out.out.print(f"[green]ok[/]: {escape(args.ledger)} ({escape(led.origin)}): {led.size} entries, root {root}")
    for f, cp in cps:
        out.out.print(f"[green]ok[/]: checkpoint {escape(f)} (size {cp.size}) is a prefix of the ledger")
    return 0


def cmd_prove(args, out) -> int:
    from upel.trust.ledger import proofs, store

    led = store.load(args.ledger)
    if args.index is not None:
        doc = proofs.inclusion(led, args.index, args.size)
    else:
        doc = proofs.consistency(led, args.consistency, args.size)
    text = json.dumps(doc, indent=2) + "\n"
    if args.out:
        from upel.trust.ledger.checkpoint import write_atomic

        write_atomic(args.out, text, "proof")
    else:
        sys.stdout.write(text)
    return 0


def cmd_verify_proof(args, out) -> int:
    from upel.trust.ledger import proofs
    from upel.trust.ledger.errors import ProofError

    origin, proved = proofs.verify(_read_json(args.proof, "proof"))
    proved_roots = {r for _, r in proved}
    for h in args.root:
        if h.lower() not in {r.hex() for r in proved_roots}:
            raise ProofError(f"the proof does not end in the trusted root {h}")
    for f, cp in _checkpoints(args.checkpoint, args.key):
        if cp.origin != origin:
            raise ProofError(f"checkpoint {f} is for ledger {cp.origin!r}, the proof for {origin!r}")
        if (cp.size, cp.root) not in proved:
            raise ProofError(f"checkpoint {f} (size {cp.size}) matches neither tree size and root of the proof")
    anchored = bool(args.root or args.checkpoint)
    if out.json:
        out.emit_json({"ok": True, "origin": origin, "anchored": anchored,
                       "trees": [{"size": s, "root": r.hex()} for s, r in proved]})
        return 0
    trees = ", ".join(f"size {s} root {r.hex()}" for s, r in proved)
    out.out.print(f"[green]ok[/]: the proof verifies ({escape(origin)}: {trees})")
    if not anchored:
        out.err.print("[yellow]note[/]: no --root or --checkpoint given; the root is the proof's own claim")
    return 0


def cmd_checkpoint(args, out) -> int:
    from upel.trust.keys import keyid, load_private_key, load_public_key
    from upel.trust.ledger import merkle, store
    from upel.trust.ledger.checkpoint import check_growth, of_ledger, read_signed, sign, write_atomic

    priv = load_private_key(args.key)
    if args.previous_key and not args.previous:
        raise UserError("--previous-key is only used with --previous")
    led = store.load(args.ledger)
    cp = of_ledger(led)
    if args.previous:
        pub = load_public_key(args.previous_key) if args.previous_key else priv.public_key()
        old = read_signed(args.previous, pub)
        # The proof comes from the ledger as it is now: if the old tree is not
        # a prefix of it, the ledger was rolled back or rewritten since.
        proof = merkle.consistency_proof(led.leaves, old.size) if old.size <= led.size else []
        check_growth(old, cp, proof)
    write_atomic(args.out, sign(cp, priv))
    if out.json:
        out.emit_json({"ok": True, "origin": cp.origin, "size": cp.size, "root": cp.root.hex(),
                       "keyid": keyid(priv.public_key()), "out": args.out})
    else:
        out.out.print(f"checkpoint {escape(args.out)}: {escape(cp.origin)} size {cp.size} root {cp.root.hex()} "
                      f"signed by {keyid(priv.public_key())}")
    return 0
