"""SMT proof target (`upel verify --tool smt`): SMT-LIB 2 over bit-vectors, proved by Z3.

Each obligation of upel/verify/obligations.py becomes one self-contained
script (`script.py`, lowering in `lower.py`, sorts and values in
`sorts.py`) written to the work directory and decided by the real `z3`
binary. `unsat` is a proof; `sat` gives a model that `model.py` turns into
UPEL values, a ready-to-paste vector line, and a replay on the reference
interpreter (a model that the interpreter does not confirm is reported as
an error: it would mean the lowering and language.md disagree).
"""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor

from upel.codegen.registry import ToolMissing
from upel.verify.context import VerifyContext
from upel.verify.evidence import Evidence, sha256_bytes
from upel.verify.obligations import Obligation, obligations

from .model import parse_sexprs, replay, vector_line
from .ints import Unsupported
from .sorts import TooLarge
from .script import ScriptBuilder
from .split import Split, case_name, split_input

NAME = "smt"
_HOW = "apt-get install z3 (Debian 12 ships Z3 4.8.12); or set UPEL_Z3 to a z3 binary"


def _z3() -> str:
    import os

    exe = os.environ.get("UPEL_Z3") or shutil.which("z3")
    if not exe:
        raise ToolMissing("z3", _HOW)
    return exe


def z3_version(exe: str) -> str:
    """The version `exe --version` reports ("Z3 version 4.8.12 - 64 bit"); ToolMissing if it does not run."""
    import subprocess

    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ToolMissing("z3", f"{exe} does not run ({e}); {_HOW}") from None
    m = re.search(r"Z3 version (\S+)", out)
    if not m:
        raise ToolMissing("z3", f"{exe} --version printed {out.strip()!r}; {_HOW}")
    return m.group(1)


def tools() -> dict[str, str]:
    return {"z3": z3_version(_z3())}


def file_name(n: int, ob: Obligation, encoding: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.]+", "_", ob.id.replace(":", "."))
    return f"{n:04d}_{safe}.{encoding}.smt2"


def verify(ctx: VerifyContext) -> list[Evidence]:
    version = tools()["z3"]
    exe = _z3()
    builders = {"int": ScriptBuilder(ctx.doc, ints=True), "bv": ScriptBuilder(ctx.doc)}
    jobs = []
    for n, ob in enumerate(obligations(ctx.doc, ctx.packages)):
        attempts = []
        too_large = None
        for enc, builder in builders.items():
            try:
                text, inputs = builder.script(ob)
            except Unsupported:
                continue  # bit-level operations: the bit-vector encoding only
            except TooLarge as e:
                too_large = str(e)
                break
            name = file_name(n, ob, enc)
            (ctx.workdir / name).write_text(text, encoding="utf-8")
            attempts.append((enc, builder, name, text, inputs))
        jobs.append((ob, attempts, too_large))
    ctx.progress(f"smt: {len(jobs)} obligations")

    def run(job) -> Evidence:
        ob, attempts, too_large = job
        if too_large:
            return Evidence.for_obligation(ob, tool=NAME, prover="z3", prover_version=version, verdict="unknown",
                                           command=["z3"], inputs={"ir": ctx.ir_digest},
                                           message=f"not lowered to SMT: {too_large}")
        # Integer arithmetic first (fast on scaled arithmetic), bit-vectors when
        # it cannot decide; the first definite answer is the verdict.
        # An obligation with a small integer input that the whole goal does not decide
        # is split on that input (split.py), with three quarters of the budget.
        ev = None
        for i, (enc, builder, name, text, inputs) in enumerate(attempts):
            last = i == len(attempts) - 1
            split = split_input(builder, inputs) if last else None
            limit = ctx.timeout if last and split is None else max(5.0, ctx.timeout / 4)
            ev = _decide(ctx, exe, version, ob, name, text, inputs, builder, limit)
            if split is not None and ev.verdict in ("timeout", "unknown"):
                ev = _decide_cases(ctx, exe, version, ob, name, text, inputs, builder, split, ev)
            ev.details["encoding"] = enc
            if ev.verdict in ("proved", "failed"):
                break
        return ev

    with ThreadPoolExecutor(max_workers=max(1, ctx.jobs)) as pool:
        records = list(pool.map(run, jobs))
    for r in records:
        if not r.ok:
            ctx.progress(f"smt: {r.obligation}: {r.verdict} {r.message}")
    return records


def _decide_cases(ctx, exe, version, ob, name, text, inputs, builder, split: Split, whole: Evidence) -> Evidence:
    """One script per value of split.symbol (split.py): proved when every case is."""
    per_case = max(5.0, ctx.timeout * 3 / 4 / len(split.values))
    spent = whole.duration_ms
    scripts: dict[str, str] = {}
    # Only "undecided": whether z3 said `unknown` or ran out of time, and how long it
    # took, depend on the machine, and the record must not (Bazel compares the
    # evidence of two clean builds byte for byte).
    info = {"on": split.name, "cases": len(split.values), "whole_goal": "undecided"}
    for k, value in enumerate(split.values):
        cname, ctext = case_name(name, k), split.case(text, k)
        (ctx.workdir / cname).write_text(ctext, encoding="utf-8")
        ev = _decide(ctx, exe, version, ob, cname, ctext, inputs, builder, per_case)
        spent += ev.duration_ms
        scripts[cname] = ev.inputs[cname]
        ev.details["split"] = {**info, "value": value}
        if ev.verdict != "proved":
            ev.message = f"case {split.name} = {value}: {ev.message}"
            ev.duration_ms = spent
            return ev
    return Evidence.for_obligation(
        ob, verdict="proved", tool=NAME, prover="z3", prover_version=version,
        command=["z3", "-smt2", f"-t:{int(per_case * 1000)}", case_name(name, 0), "..."],
        inputs={**scripts, "ir": ctx.ir_digest}, duration_ms=spent,
        message=f"proved in {len(split.values)} cases of {split.name} (the whole goal was undecided)",
        details={"split": info})


def _decide(ctx, exe, version, ob, name, text, inputs, builder, limit) -> Evidence:
    # z3's own soft limit answers "unknown" cleanly; the hard limit (ctx.run) is the backstop.
    cmd = ["z3", "-smt2", f"-t:{int(limit * 1000)}", name]
    res = ctx.run([exe, *cmd[1:]], cwd=ctx.workdir, timeout=limit + 10)
    base = dict(tool=NAME, prover="z3", prover_version=version, command=cmd,
                inputs={name: sha256_bytes(text.encode()), "ir": ctx.ir_digest}, duration_ms=res.duration_ms)
    if res.timed_out:
        return Evidence.for_obligation(ob, verdict="timeout", message=f"no answer in {limit:g} s", **base)
    try:
        answers = parse_sexprs(res.stdout)
    except ValueError as e:
        return Evidence.for_obligation(ob, verdict="error", message=f"unreadable z3 output: {e}", **base)
    first = answers[0] if answers else None
    if first == "unsat":
        return Evidence.for_obligation(ob, verdict="proved", **base)
    if first in ("unknown", "timeout"):
        # z3 answers `unknown` when its -t limit expires; say which it was
        verdict = "timeout" if res.duration_ms >= limit * 1000 * 0.95 else "unknown"
        return Evidence.for_obligation(ob, verdict=verdict, message=f"z3 gave no answer ({verdict})", **base)
    if first != "sat":
        msg = (res.stdout + res.stderr).strip().splitlines()
        return Evidence.for_obligation(ob, verdict="error", message="z3: " + " | ".join(msg[:3]), **base)
    ix = builder.ix
    try:
        by_name = {p[0]: p[1] for p in (answers[1] if inputs else [])}
        sorts = builder.new_sorts()
        args = [sorts.decode(t, by_name[s]) for s, t in inputs]
    except (KeyError, IndexError, ValueError, TypeError) as e:
        return Evidence.for_obligation(ob, verdict="error", message=f"unreadable z3 model: {e}", **base)
    confirmed, what = replay(ix, ob, args)
    cex = {"args": args, "vector": vector_line(ix, ob, args), "replayed": confirmed, "interpreter": what}
    if not confirmed:
        # The solver and the interpreter disagree: a bug in UPEL, never a verdict on the spec.
        return Evidence.for_obligation(ob, verdict="error", counterexample=cex,
                                       message=f"z3 model not confirmed by the interpreter ({what})", **base)
    return Evidence.for_obligation(ob, verdict="failed", counterexample=cex,
                                   message=f"refuted; the interpreter confirms: {what}", **base)


__all__ = ["NAME", "tools", "verify"]
