"""Verification stage (CBMC): run the harnesses and turn results into evidence.

Pipeline: `prepare` writes, under the work directory, `src/` (the C backend's
output for the IR plus the check functions) and `harness/` (one file per
operator and property); `run_harness` runs CBMC on one harness and maps every
property of its answer to an obligation:

- `upel:raises`, `upel:ensures[i]`, `upel:property` assertions -> that obligation;
- CBMC's built-in checks (overflow, bounds, pointers, shifts, division) -> the
  subject's `rte` obligation: the generated C must be free of undefined
  behaviour for every valid input;
- unwinding assertions: when one fails, the loop bound was too small, so no
  SUCCESS of that run is a proof; those obligations become `unknown`.

A failed obligation carries the arguments of CBMC's trace as canonical UPEL
values and whether the reference interpreter reproduces the failure (a
code-level bug that the interpreter does not show is a backend bug).

Back ends (`default_solvers`): CBMC first bit-blasts to its built-in MiniSat, which
decides almost every harness within a second or two but cannot, within
minutes, decide a 64-bit division by a symbolic divisor (a bit-blasted
64x64 divider). A run that MiniSat does not finish within `SAT_SHARE` of the
timeout is run again, on the same formula and with the same checks, through
CBMC's SMT back end with Z3 (`--z3`), which proves those in seconds, for the
rest of the timeout. Each record names the back end whose answer it is
(`details.solver`, and Z3's version in `prover_version`).

When no back end finishes the whole harness, each obligation runs alone
(`_alone`: its assertions with `--property`, the built-in checks with
`--no-assertions`), through the same back ends and with the same timeout each,
so that one hard assertion leaves only its own record undecided
(`details.alone`). A split run assumes nothing the whole run does not.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from upel.backends.c.emitter import Emitter

from upel.codegen.driver import generate
from upel.interp.eval import Evaluator
from upel.interp.runner import IRResolver, outcome, to_value
from upel.ir.model import IRIndex
from upel.verify.context import RunResult
from upel.verify.evidence import Evidence, sha256_file
from upel.verify.synthetic import ENS_PREFIX, PROP_PREFIX

from . import results
from .harness import PREQ_PREFIX, Harness, HarnessWriter, prepared_ir, unwind_bound

# CBMC's checks of undefined behaviour, all on. Not used, on purpose:
# --unsigned-overflow-check and --conversion-check. Both flag behaviour that
# C defines: the runtime (upel_rt.h) implements two's complement wrapping
# (`+%`, `-%`, `*%`, `<<`, truncating casts) with unsigned modulo-2^64
# arithmetic and narrowing conversions of unsigned values, exactly as the
# language asks, so those checks would report the specified behaviour.
# Signed overflow, out-of-range shifts, division by zero and bad memory
# accesses are undefined and must never happen: those are checked.
CHECK_FLAGS = ["--bounds-check", "--pointer-check", "--div-by-zero-check", "--signed-overflow-check",
               "--undefined-shift-check"]
OUTPUT_FLAGS = ["--json-ui", "--trace"]
TOOL = "cbmc"
# Share of the timeout the first back end gets when another one follows. On
# the examples MiniSat answers in under 2 s of CPU time or not in 300 s
# (docs/verification.md), so a quarter of the default 120 s loses little.
SAT_SHARE = 0.25


@dataclass(frozen=True)
class Solver:
    name: str                  # recorded in details.solver
    flags: tuple[str, ...]     # added to the cbmc command line
    version: str | None        # the external solver's version (None: CBMC's own MiniSat)


MINISAT = Solver("minisat", (), None)


def z3_solver() -> Solver | None:
    """CBMC's SMT back end runs `z3` from PATH; None when there is none (or it does not run)."""
    # through `upel.proofs`: a bare `proofs` package is not importable outside the repository
    from upel.proofs.smt import z3_version

    from upel.codegen.registry import ToolMissing

    path = shutil.which("z3")
    if path is None:
        return None
    try:
        return Solver("z3", ("--z3",), z3_version(path))
    except ToolMissing:
        return None


def default_solvers() -> list[Solver]:
    z3 = z3_solver()
    return [MINISAT] + ([z3] if z3 else [])


@dataclass
class Plan:
    prepared: dict
    src: list[str]            # relative paths of the generated files (sorted)
    harnesses: list[Harness]
    unwind: int
    problems: list[str]       # reasons nothing can be proved (generated code mismatch)
    solvers: list[Solver] = field(default_factory=lambda: [MINISAT])  # tried in order (module docstring)


def prepare(ctx, edit: Callable[[dict[str, str]], None] | None = None) -> Plan:
    """Write `src/` and `harness/` into ctx.workdir. `edit` may alter the generated files first (tests only)."""
    prepared = prepared_ir(ctx.doc)
    files = dict(generate(prepared, "c"))
    problems = _same_production_code(ctx, files)
    if edit is not None:
        edit(files)
    for rel, text in sorted(files.items()):
        p = ctx.workdir / "src" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    harnesses = HarnessWriter(prepared).all(ctx.doc, ctx.packages)
    for h in harnesses:
        p = ctx.workdir / "harness" / f"{h.name}.c"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(h.text, encoding="utf-8")
    src = sorted(f"src/{rel}" for rel in files)
    return Plan(prepared, src, harnesses, unwind_bound(prepared), problems)


# A function definition of the generated code: the extern functions of <pkg>.c and the
# `static inline` implementations that the backend may put in <pkg>.h.
# (A prototype never matches: the parameter list must be followed by a body.)
_FN_DEF = re.compile(r"^(?:static inline )?upel_status [A-Za-z_][A-Za-z0-9_]*\([^;{}]*\)\n\{\n.*?^\}\n",
                     re.MULTILINE | re.DOTALL)


def _same_production_code(ctx, files: dict[str, str]) -> list[str]:
    """The harnesses run the code generated for the IR *plus* the check functions; make sure
    every production function (and the runtime) is byte for byte what the backend generates for
    the IR alone, i.e. what is shipped (and what a caller-supplied tree holds)."""
    prod = ctx.generated("c")
    problems = []
    for p in sorted(prod.rglob("*")):
        rel = p.relative_to(prod).as_posix()
        text = p.read_text(encoding="utf-8")
        mine = files.get(rel)
        if mine is None:
            problems.append(f"{rel}: not in the code generated with the check functions")
        elif rel == "upel_rt.h":
            if mine != text:
                problems.append(f"{rel}: differs from the production runtime")
        else:
            # package headers gain the check functions (prototypes, implementations); every
            # production definition must be among them unchanged; types are checked by the compiler
            for m in _FN_DEF.finditer(text):
                if m.group(0) not in mine:
                    problems.append(f"{rel}: {m.group(0).split('(')[0]} differs from the production code")
    return problems


def command(plan: Plan, h: Harness, solver: Solver = MINISAT, select: tuple[str, ...] = ()) -> list[str]:
    """The cbmc command line of `h`; `select` limits the run to some of its properties (`_alone`)."""
    return ["cbmc", *OUTPUT_FLAGS, *CHECK_FLAGS, "--unwind", str(plan.unwind), "--unwinding-assertions",
            *solver.flags, *select, "-I", "src", f"harness/{h.name}.c", *[s for s in plan.src if s.endswith(".c")]]


def inputs(ctx, plan: Plan, h: Harness) -> dict[str, str]:
    out = {f"harness/{h.name}.c": sha256_file(ctx.workdir / "harness" / f"{h.name}.c"), "ir": ctx.ir_digest}
    for s in plan.src:
        out[s] = sha256_file(ctx.workdir / s)
    return out


@dataclass
class Attempt:
    """One harness (or part of it, `select`) through the back ends: the run whose answer counts, or
    the last one when none finished in time."""
    solver: Solver
    tried: list[str]          # back ends run, in order (the ones before `solver` timed out)
    cmd: list[str]
    res: RunResult
    spent_ms: int             # all runs of the chain

    @property
    def timed_out(self) -> bool:
        return self.res.timed_out


def _chain(ctx, cbmc: str, plan: Plan, h: Harness, select: tuple[str, ...] = ()) -> Attempt:
    """Run the back ends in order: each but the last gets SAT_SHARE of the timeout, the last what is left."""
    tried: list[str] = []
    spent_ms = 0
    for i, solver in enumerate(plan.solvers):
        tried.append(solver.name)
        cmd = command(plan, h, solver, select)
        last = i == len(plan.solvers) - 1
        left = ctx.timeout - spent_ms / 1000
        limit = left if last else min(left, ctx.timeout * SAT_SHARE)
        # CBMC's SMT back end talks to the solver through temporary files that a killed run
        # (timeout) leaves behind: keep them in the work directory, never in /tmp.
        tmp = ctx.workdir / "tmp" / h.name
        tmp.mkdir(parents=True, exist_ok=True)
        try:
            res = ctx.run([cbmc, *cmd[1:]], cwd=ctx.workdir, timeout=limit, env={"TMPDIR": str(tmp)})
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        spent_ms += res.duration_ms
        if not res.timed_out or last:
            return Attempt(solver, list(tried), cmd, res, spent_ms)
    raise AssertionError("no CBMC back end configured")  # Plan.solvers is never empty


def _recorder(ctx, version: str, plan: Plan, h: Harness, at: Attempt, alone: bool):
    prover_version = version if at.solver.version is None else f"{version} ({at.solver.name} {at.solver.version})"

    def record(ob, verdict: str, message: str = "", details: dict | None = None,
               counterexample: dict | None = None, duration_ms: int | None = None) -> Evidence:
        extra: dict[str, Any] = {"unwind": plan.unwind, "solver": at.solver.name}
        if len(at.tried) > 1:
            extra["tried"] = list(at.tried)  # the back ends before this one did not finish in time
        if alone:
            extra["alone"] = True  # decided by a run of this obligation's checks only (_alone)
        return Evidence.for_obligation(ob, tool=TOOL, prover="cbmc", prover_version=prover_version,
                                       verdict=verdict, command=at.cmd, inputs=inputs(ctx, plan, h),
                                       message=message, details=dict(details or {}, **extra),
                                       counterexample=counterexample, duration_ms=duration_ms)
    return record


def _answer(ctx, plan: Plan, h: Harness, at: Attempt, record, obs: list, expect: set[str] | None,
            duration_ms: int, timeout_msg: str) -> list[Evidence]:
    """The records of `obs` from a finished (or timed-out) attempt."""
    if at.timed_out:
        return [record(ob, "timeout", timeout_msg, duration_ms=duration_ms) for ob in obs]
    out = results.parse(at.res.stdout)
    if out is None or out.errors or at.res.rc not in (0, 10):
        why = "; ".join(out.errors) if out and out.errors else (at.res.stderr.strip() or at.res.stdout.strip())[-2000:]
        why = why.replace(str(ctx.workdir), ".")
        return [record(ob, "error", f"cbmc exited with {at.res.rc}: {why}", duration_ms=duration_ms) for ob in obs]
    return _decide(ctx, plan, h, out.checks, record, duration_ms, obs, expect)


def run_harness(ctx, cbmc: str, version: str, plan: Plan, h: Harness) -> list[Evidence]:
    obligations = _obligations(h)
    if plan.problems:
        at = Attempt(plan.solvers[0], [plan.solvers[0].name], command(plan, h, plan.solvers[0]),
                     RunResult(0, "", "", 0, False), 0)
        record = _recorder(ctx, version, plan, h, at, alone=False)
        return [record(ob, "error", "; ".join(plan.problems)) for ob in obligations]
    ctx.progress(f"cbmc: {h.subject}")
    whole = _chain(ctx, cbmc, plan, h)
    if whole.timed_out:
        return _alone(ctx, cbmc, version, plan, h, whole)
    record = _recorder(ctx, version, plan, h, whole, alone=False)
    return _answer(ctx, plan, h, whole, record, obligations, None, whole.spent_ms, "")


def _alone(ctx, cbmc: str, version: str, plan: Plan, h: Harness, whole: Attempt) -> list[Evidence]:
    """The whole harness did not finish: run each obligation's checks alone, through every back end.

    One hard assertion (a rounding fact about a 64-bit division) would otherwise leave the
    harness's easy obligations undecided too. `--property ID` keeps the listed assertions and turns
    every other one into a no-op, so nothing unproved is ever assumed (the `__CPROVER_assume`s of
    the harness stay: the value sets, and ensures 0..i-1 for ensures i, as in the whole run); the
    `rte` run drops the `upel:` assertions with `--no-assertions` and must report exactly the
    built-in checks that `--show-properties` lists. Unwinding assertions are checked in every run.
    """
    obligations = _obligations(h)
    names = " then ".join(whole.tried)
    listing = ctx.run([cbmc, *command(plan, h)[1:], "--show-properties"], cwd=ctx.workdir, timeout=ctx.timeout)
    props = None if listing.timed_out or listing.rc != 0 else results.parse_properties(listing.stdout)
    if props is None:  # cannot split: the whole run's timeout stands
        record = _recorder(ctx, version, plan, h, whole, alone=False)
        return [record(ob, "timeout", f"cbmc ({names}) did not finish within {ctx.timeout:g} s",
                       duration_ms=whole.spent_ms) for ob in obligations]
    ctx.progress(f"cbmc: {h.subject}: one obligation at a time")
    out = []
    for ob in obligations:
        if ob is h.rte:
            select: tuple[str, ...] = ("--no-assertions",)
            expect = {p for p, d in props if not d.startswith("upel:")}
        else:
            ids = [p for p, d in props if h.obligations.get(d) is ob]
            if not ids:  # no `--property` would mean the whole harness again
                record = _recorder(ctx, version, plan, h, whole, alone=True)
                out.append(record(ob, "error", "cbmc lists no assertion of this obligation",
                                  duration_ms=whole.spent_ms))
                continue
            select = tuple(x for p in ids for x in ("--property", p))
            expect = set(ids)
        at = _chain(ctx, cbmc, plan, h, select)
        record = _recorder(ctx, version, plan, h, at, alone=True)
        spent = whole.spent_ms + listing.duration_ms + at.spent_ms
        msg = (f"cbmc did not finish within {ctx.timeout:g} s on the whole harness ({names}) nor on this "
               f"obligation alone ({' then '.join(at.tried)})")
        out += _answer(ctx, plan, h, at, record, [ob], expect, spent, msg)
    return out


def _obligations(h: Harness) -> list:
    """The harness's obligations, each once, in assertion order, then `rte`."""
    seen: dict[str, Any] = {}
    for ob in h.obligations.values():
        seen.setdefault(ob.id, ob)
    return [*seen.values(), h.rte]


def _decide(ctx, plan: Plan, h: Harness, checks: list[results.Check], record, duration_ms: int,
            obs: list, expect: set[str] | None) -> list[Evidence]:
    """Records of `obs` from one run's checks; `expect`: the property ids the run must report for
    them (a run limited to part of the harness, `_alone`), None for the whole harness."""
    unwound = [c for c in checks if c.is_unwinding and c.status != "SUCCESS"]
    by_ob: dict[str, list[results.Check]] = {}
    rte: list[results.Check] = []
    for c in checks:
        if c.is_obligation:
            ob = h.obligations.get(c.description)
            if ob is not None:
                by_ob.setdefault(ob.id, []).append(c)
        elif not c.is_unwinding:
            rte.append(c)
    by_ob[h.rte.id] = rte
    out = []
    for ob in obs:
        cs = by_ob.get(ob.id)
        details = {"checks": len(cs or [])}
        if cs is None or (expect is not None and {c.prop for c in cs} != expect):
            what = "built-in check" if ob is h.rte else "assertion"
            out.append(record(ob, "error", f"cbmc did not report every {what} of this obligation",
                              details, duration_ms=duration_ms))
            continue
        failed = [c for c in cs if c.status == "FAILURE"]
        if failed:
            c = failed[0]
            details["failed"] = sorted(f"{x.prop}: {x.description}" for x in failed)
            cex, shown = _counterexample(ctx, plan, h, ob, c)
            msg = f"{c.description if c.is_obligation else c.prop + ': ' + c.description} fails{shown}"
            out.append(record(ob, "failed", msg, details, cex, duration_ms))
        elif any(c.status != "SUCCESS" for c in cs):
            out.append(record(ob, "unknown", "cbmc could not decide every check", details, duration_ms=duration_ms))
        elif unwound:
            out.append(record(ob, "unknown", f"a loop runs more than {plan.unwind - 1} times: the bounded proof "
                              "is incomplete", dict(details, unwinding=sorted(c.prop for c in unwound)),
                              duration_ms=duration_ms))
        else:
            out.append(record(ob, "proved", "", details, duration_ms=duration_ms))
    return out


# ---- counterexamples -----------------------------------------------------------------
def to_upel(em: Emitter, t: dict, tree: Any) -> Any:
    """A CBMC value tree of C type `t` -> canonical UPEL value (None when incomplete)."""
    if t["k"] == "array":
        inner = tree.get("v") if isinstance(tree, dict) else None
        if not isinstance(inner, dict):
            return None
        vals = [to_upel(em, t["elem"], inner.get(i)) for i in range(t["len"])]
        return None if any(v is None for v in vals) else vals
    sc = em.scalar(t)
    if sc is None:
        d = em.ix.decl(t)
        if not isinstance(tree, dict):
            return None
        rec = {f["name"]: to_upel(em, f["type"], tree.get(em.fields[(d["qname"], f["name"])])) for f in d["fields"]}
        return None if any(v is None for v in rec.values()) else rec
    n = results.leaf_int(tree, sc.signed)
    if n is None:
        return None
    return n != 0 if sc.is_bool else n


def _counterexample(ctx, plan: Plan, h: Harness, ob, check: results.Check) -> tuple[dict | None, str]:
    trees = results.trace_args(check.trace or [], len(h.params))
    if trees is None:
        return None, " (no arguments in the trace)"
    em = Emitter(plan.prepared)
    args = [to_upel(em, p["type"], tr) for p, tr in zip(h.params, trees)]
    if any(a is None for a in args):
        return None, " (arguments not readable from the trace)"
    cex: dict[str, Any] = {"args": args}
    shown = f" at ({', '.join(_show(a) for a in args)})"
    replayed, text = _replay(plan.prepared, h, ob, args)
    if replayed is not None:
        cex["replayed"] = replayed
        cex["interpreter"] = text
        shown += f"; interpreter: {text}"
    return cex, shown


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_show(x)}" for k, x in v.items()) + "}"
    return str(v)


def _show_outcome(o: dict) -> str:
    return f"error {o['error']}" if "error" in o else _show(o["value"])


def _replay(prepared: dict, h: Harness, ob, args: list) -> tuple[bool | None, str]:
    """Does the reference interpreter fail the obligation on these arguments too?"""
    if ob.kind == "rte":
        return None, ""  # undefined behaviour is a property of the C code only
    ix = IRIndex(prepared)
    ev = Evaluator(IRResolver(ix))
    vals = [to_value(a) for a in args]
    pkg, name = ob.subject.rsplit(".", 1)
    try:
        if ob.kind == "raises":
            o = outcome(ev, ob.subject, vals)
            fn = ix.functions[ob.subject]
            bad = "error" in o and o["error"] != 5 and o["error"] not in fn["raises"]
            return bad, f"{name} -> {_show_outcome(o)}"
        if ob.kind == "ensures":
            o = outcome(ev, ob.subject, vals)
            if "error" in o:
                return False, f"{name} -> {_show_outcome(o)}"
            e = outcome(ev, f"{pkg}.{ENS_PREFIX}{name}_{ob.index}", vals + [to_value(o["value"])])
            return e != {"value": True}, f"{name} -> {_show_outcome(o)}; ensures[{ob.index}] -> {_show_outcome(e)}"
        if ob.kind == "property":
            preq = f"{pkg}.{PREQ_PREFIX}{name}"
            if preq in ix.functions:
                q = outcome(ev, preq, vals)
                if q != {"value": True}:
                    return "error" in q, f"requires -> {_show_outcome(q)}"
            p = outcome(ev, f"{pkg}.{PROP_PREFIX}{name}", vals)
            return p != {"value": True}, f"{name} -> {_show_outcome(p)}"
    except Exception as e:  # noqa: BLE001 - a replay problem must not hide CBMC's verdict
        return None, f"replay failed: {type(e).__name__}: {e}"
    return None, ""


def verify(ctx, cbmc: str, version: str, edit: Callable[[dict[str, str]], None] | None = None,
           solvers: list[Solver] | None = None) -> list[Evidence]:
    """All records, in harness (IR) order. `edit` alters the generated C first, `solvers` replaces
    `default_solvers()`: tests of the prover only."""
    from concurrent.futures import ThreadPoolExecutor

    plan = prepare(ctx, edit)
    plan.solvers = list(solvers) if solvers else default_solvers()
    with ThreadPoolExecutor(max_workers=max(1, ctx.jobs)) as pool:
        per = list(pool.map(lambda h: run_harness(ctx, cbmc, version, plan, h), plan.harnesses))
    return [r for rs in per for r in rs]


__all__ = ["MINISAT", "Attempt", "Plan", "Solver", "command", "default_solvers", "prepare", "run_harness", "verify",
           "z3_solver"]
