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
from pathlib import Path

from upel.codegen.registry import ToolMissing
from upel.verify.context import VerifyContext
from upel.verify.evidence import Evidence, sha256_bytes
from upel.verify.obligations import Obligation, obligations

from .model import parse_sexprs, replay, vector_line
from .script import ScriptBuilder

NAME = "smt"
_HOW = "apt-get install z3 (Debian 12 ships Z3 4.8.12); or set UPEL_Z3 to a z3 binary"


def _z3() -> str:
    import os

    exe = os.environ.get("UPEL_Z3") or shutil.which("z3")
    if not exe:
        raise ToolMissing("z3", _HOW)
    return exe


def tools() -> dict[str, str]:
    import subprocess

    exe = _z3()
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError as e:
        raise ToolMissing("z3", f"{exe} does not run ({e}); {_HOW}") from None
    m = re.search(r"Z3 version (\S+)", out)
    if not m:
        raise ToolMissing("z3", f"{exe} --version printed {out.strip()!r}; {_HOW}")
    return {"z3": m.group(1)}


def file_name(n: int, ob: Obligation) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.]+", "_", ob.id.replace(":", "."))
    return f"{n:04d}_{safe}.smt2"


def verify(ctx: VerifyContext) -> list[Evidence]:
    version = tools()["z3"]
    exe = _z3()
    builder = ScriptBuilder(ctx.doc)
    obs = obligations(ctx.doc)
    jobs = []
    for n, ob in enumerate(obs):
        text, inputs = builder.script(ob)
        name = file_name(n, ob)
        (ctx.workdir / name).write_text(text, encoding="utf-8")
        jobs.append((ob, name, text, inputs))
    ctx.progress(f"smt: {len(jobs)} obligations")

    def run(job) -> Evidence:
        ob, name, text, inputs = job
        return _decide(ctx, exe, version, ob, name, text, inputs, builder)

    with ThreadPoolExecutor(max_workers=max(1, ctx.jobs)) as pool:
        records = list(pool.map(run, jobs))
    for r in records:
        if not r.ok:
            ctx.progress(f"smt: {r.obligation}: {r.verdict} {r.message}")
    return records


def _decide(ctx, exe, version, ob, name, text, inputs, builder) -> Evidence:
    # z3's own soft limit answers "unknown" cleanly; the hard limit (ctx.run) is the backstop.
    soft_ms = int(ctx.timeout * 1000)
    cmd = ["z3", "-smt2", f"-t:{soft_ms}", name]
    res = ctx.run([exe, *cmd[1:]], cwd=ctx.workdir, timeout=ctx.timeout + 10)
    base = dict(tool=NAME, prover="z3", prover_version=version, command=cmd,
                inputs={name: sha256_bytes(text.encode()), "ir": ctx.ir_digest}, duration_ms=res.duration_ms)
    if res.timed_out:
        return Evidence.for_obligation(ob, verdict="timeout", message=f"no answer in {ctx.timeout:g} s", **base)
    try:
        answers = parse_sexprs(res.stdout)
    except ValueError as e:
        return Evidence.for_obligation(ob, verdict="error", message=f"unreadable z3 output: {e}", **base)
    first = answers[0] if answers else None
    if first == "unsat":
        return Evidence.for_obligation(ob, verdict="proved", **base)
    if first == "unknown" or first == "timeout":
        verdict = "timeout" if "timeout" in res.stdout or "canceled" in res.stdout else "unknown"
        return Evidence.for_obligation(ob, verdict=verdict, message=f"z3: {res.stdout.strip()[:200]}", **base)
    if first != "sat":
        msg = (res.stdout + res.stderr).strip().splitlines()
        return Evidence.for_obligation(ob, verdict="error", message="z3: " + " | ".join(msg[:3]), **base)
    ix = builder.ix
    try:
        pairs = answers[1] if inputs else []
        by_name = {p[0]: p[1] for p in pairs}
        args = [ix and builder_decode(builder, t, by_name[s]) for s, t in inputs]
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


def builder_decode(builder: ScriptBuilder, t: dict, sx):
    from .sorts import Sorts

    return Sorts(builder.ix).decode(t, sx)


__all__ = ["NAME", "tools", "verify"]
_ = Path
