"""Verification stage (Frama-C EVA): absence of runtime errors in the generated C.

For every IR function F, EVA analyses the entry point `upel_eva_<F>`
(entry.py), which calls F on every valid input at once, with the C that
backends/c generates. EVA's default alarms are on (invalid memory access,
signed overflow, division by zero, invalid shift, uninitialised reads, ...);
any alarm is a failure. One record `F:rte` per function, with the alarms and
the precision used in `details`. The same run also tells, for free, whether
F can return a status outside its declared set; that is WP's obligation
(`F:raises`), so EVA does not report it.
"""

from __future__ import annotations

import re

from upel.verify.context import VerifyContext
from upel.verify.evidence import Evidence
from upel.verify.obligations import Obligation

from . import common
from .entry import EntryWriter

NAME = "eva"
ENTRY_FILE = "upel_eva_main.c"
PRECISION = 5  # -eva-precision: 0 (fast, coarse) .. 11 (slow, precise)
_ALARM = re.compile(r"^\[eva:alarm\] (?P<where>[^:\n]+:\d+): Warning:\s*\n?(?P<what>(?:.+\n?)(?:  .+\n?)*)", re.MULTILINE)


def tools() -> dict[str, str]:
    return common.tools(need_z3=False)


def command(entry: str, sources: list[str], precision: int) -> list[str]:
    return ["frama-c", "-machdep", "x86_64", "-eva", "-main", entry, "-eva-precision", str(precision),
            "-eva-no-show-progress", *sources]


def alarms(stdout: str) -> list[str]:
    """`file:line: text` of every alarm EVA printed (each once, in order)."""
    seen: list[str] = []
    for m in _ALARM.finditer(stdout):
        text = " ".join(m.group("what").split())
        if " assert " not in f" {text}":
            continue  # a status of an ACSL contract clause (WP's business), not a runtime-error alarm
        item = f"{m.group('where')}: {text}"
        if item not in seen:
            seen.append(item)
    return seen


def verify(ctx: VerifyContext) -> list[Evidence]:
    versions = tools()
    gen = ctx.generated("c")
    writer = EntryWriter(ctx.doc)
    text, entries = writer.file(gen.relative_to(ctx.workdir).as_posix())
    main = ctx.workdir / ENTRY_FILE
    main.write_text(text, encoding="utf-8")
    files = sorted(p for p in gen.iterdir() if p.suffix in (".c", ".h")) + [main]
    sources = [p.relative_to(ctx.workdir).as_posix() for p in files if p.suffix == ".c"]
    ins = common.inputs(files, ctx.workdir, ctx.ir_digest)
    out: list[Evidence] = []
    for p in ctx.doc["packages"]:
        for fn in p["functions"]:
            if not ctx.proves(fn["qname"]):
                continue
            entry = entries[fn["qname"]]
            cmd = command(entry, sources, PRECISION)
            ctx.progress(f"eva: {fn['qname']}")
            # EVA is one "prover call" per function; give it a generous multiple of the per-call limit.
            res = common.run(ctx, cmd, timeout=ctx.timeout * 10)
            ob = Obligation(fn["qname"], "rte", None, fn.get("loc"), tuple(fn.get("reqs", ())))
            details = {"precision": PRECISION, "entry": entry}
            if res.timed_out:
                verdict, msg = "timeout", f"EVA did not finish within {res.duration_ms // 1000} s"
            elif res.rc != 0 or "[eva] done for function" not in res.stdout:
                verdict, msg = "error", common.trim(f"frama-c exited with {res.rc}: {res.stderr}\n{res.stdout}")
            else:
                found = alarms(res.stdout)
                details["alarms"] = len(found)
                if found:
                    verdict, msg = "failed", common.trim(f"{len(found)} alarm(s): " + "; ".join(found))
                    details["alarm_list"] = found
                else:
                    verdict, msg = "proved", "no alarm: no runtime error for any valid input"
            out.append(Evidence.for_obligation(ob, tool=NAME, prover="frama-c", prover_version=versions["frama-c"],
                                               verdict=verdict, command=cmd, inputs=ins, message=msg,
                                               details=details, duration_ms=res.duration_ms))
    return out
