"""Verification stage (Frama-C WP): prove the ACSL contracts of the generated C.

Runs `frama-c -wp -wp-rte` with Z3 (through Why3) on the C that backends/c
generates for every package of the IR, limited to the package functions and
the upel_rt.h helpers they use, and reads the per-goal results from
`-wp-report-json`. Goals map to obligations through the names the C backend
gives its ACSL clauses (backends/c/emitter.py, `ACSL_*`):

- `upel_ensures_<i>`  -> `F:ensures[i]` (a UPEL ensures that has no faithful
  ACSL rendering is not stated, so WP decides nothing about it: no record);
- `upel_raises`       -> `F:raises` (F returns only UPEL_OK, precondition or
  a declared code);
- every other goal of F (requires checks, RTE guards, assigns, loop
  unrolling, callee preconditions, `upel_value`: the result a bit-level
  function states for its callers) and every goal of the helpers F uses ->
  one `F:rte` record, with the goal counts in `details`.

F's goals are those of its body, the `static inline` implementation
(`<F>_impl`, `upel.backends.c.emitter.Emitter.impl`), plus those of the
extern function F that forwards to it (named `<F>:<goal>`).

Each package function is one frama-c run (its extern function, its
implementation and the helpers it uses), `ctx.jobs` runs at a time: WP's own
simplifier Qed works inside frama-c's single process and takes most of the
time of unrolled folds (fintech.ledger), so one run of everything kept one
core busy and the other waiting. A record's duration and command are those of
its function's run. Z3 proves; CVC4 gets only the goals Z3 does not prove
(`-wp-prover z3,cvc4`; `PROVERS`).

WP answers "Valid" only for goals a prover (or WP's own simplifier Qed)
proved. A goal the prover did not prove within its limits is `failed` (WP
reports Z3's "sat", "unknown" and give-ups alike, so it cannot tell a false
goal from a hard one: the message says which goals), a prover timeout is
`timeout`, and a Frama-C run that breaks is `error` for every obligation.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from upel.verify.context import VerifyContext
from upel.verify.evidence import Evidence
from upel.verify.obligations import Obligation, function_obligations

from . import common

NAME = "wp"


def tools() -> dict[str, str]:
    return common.tools(need_z3=True)


def goal_verdict(entry: dict) -> str:
    main = entry.get("wp:main", {})
    total, valid = main.get("total", 0), main.get("valid", 0)
    if total and valid == total:
        return "proved"
    if main.get("timeout"):
        return "timeout"
    # Z3 answering "sat" or "unknown", or giving up, all come back as WP's Failed or
    # Unknown: the goal was not proved, and that is all WP can tell.
    return "failed"


def combine(verdicts: list[str]) -> str:
    for v in ("error", "failed", "timeout", "unknown"):
        if v in verdicts:
            return v
    return "proved" if verdicts else "unknown"


# WP tries the provers in order and stops at the first that proves a goal, so CVC4
# gets only what Z3 leaves: in fintech.ledger, is_valid_posting's `raises`
# (side_total cannot overflow on legs that leg_ok accepted), which Z3 did not prove
# in 150 s and CVC4 proves in 0.1 s.
PROVERS = "z3,cvc4"


def command(ctx: VerifyContext, selected: list[str], sources: list[str], report: str) -> list[str]:
    """One function's run: its provers one at a time (`-wp-par 1`), since ctx.jobs
    runs go side by side."""
    return ["frama-c", "-machdep", "x86_64", "-wp", "-wp-rte", "-wp-prover", PROVERS,
            "-wp-timeout", str(max(1, int(ctx.timeout))), "-wp-par", "1",
            "-wp-fct", ",".join(selected), "-wp-report-json", report, *sources]


@dataclass
class _Run:
    """One frama-c run: a package function, its implementation and the helpers it uses."""
    cmd: list[str]
    report: dict
    duration_ms: int
    error: tuple[str, str] | None


def _run_one(ctx: VerifyContext, selected: list[str], sources: list[str], report_name: str) -> _Run:
    cmd = command(ctx, selected, sources, report_name)
    report_path = ctx.workdir / report_name
    report_path.unlink(missing_ok=True)
    # The run's own limit: every goal may take the per-goal timeout, a few at a time.
    res = common.run(ctx, cmd, timeout=ctx.timeout * max(60, 4 * len(selected)) + 120)
    error = None
    report = {}
    if res.timed_out:
        error = ("timeout", f"frama-c did not finish within {res.duration_ms // 1000} s")
    elif res.rc != 0 or not report_path.is_file():
        error = ("error", common.trim(f"frama-c exited with {res.rc}: {res.stderr}\n{res.stdout}"))
    else:
        try:
            report = json.loads(report_path.read_text(encoding="utf-8")).get("wp:functions", {})
        except ValueError as e:
            error = ("error", f"cannot parse {report_name}: {e}")
    return _Run(cmd, report, res.duration_ms, error)


def verify(ctx: VerifyContext) -> list[Evidence]:
    versions = tools()
    gen = ctx.generated("c")
    files = sorted(p for p in gen.iterdir() if p.suffix in (".c", ".h"))
    sources = [p.relative_to(ctx.workdir).as_posix() for p in files if p.suffix == ".c"]
    graph, _ = common.call_graph(files)
    cnames = common.c_name_map(ctx)
    impls = common.c_impl_map(ctx)
    every = [f for p in ctx.doc["packages"] for f in p["functions"]]
    fns = [f for f in every if ctx.proves(f["qname"])]
    # F's goals are those of its extern function (which forwards) and of its
    # implementation (the body); helpers are charged from the body on, not
    # entering other package functions (they have their own records, also
    # those of packages this run leaves to another: WP uses their contracts).
    all_fns = {cnames[f["qname"]] for f in every} | {impls[f["qname"]] for f in every}
    impl_of = {cnames[f["qname"]]: impls[f["qname"]] for f in fns}
    package_fns = set(impl_of) | set(impl_of.values())
    uses = {c: common.reachable(graph, impl_of[c], stop=all_fns) - all_fns for c in impl_of}
    selected = sorted(package_fns | set().union(*uses.values()))

    ctx.progress(f"wp: {len(impl_of)} functions, {len(selected) - len(package_fns)} runtime helpers, "
                 f"{min(len(impl_of), max(1, ctx.jobs))} frama-c runs at a time")
    # One frama-c run per function (its goals, its implementation's and those of the
    # helpers it uses), ctx.jobs at a time, the longest bodies first. WP's own
    # simplifier (Qed) works in frama-c's one process and takes most of the time of
    # unrolled folds (fintech.ledger), so one run of everything used one core.
    common.why3_env(ctx.workdir)  # detected once, before the runs share it
    bodies = common.c_functions("".join(f.read_text(encoding="utf-8") for f in files))
    order = sorted(impl_of, key=lambda c: (-len(bodies.get(impl_of[c], "")), c))
    names = {c: f"wp-report-{i}.json" for i, c in enumerate(sorted(impl_of))}
    with ThreadPoolExecutor(max_workers=max(1, ctx.jobs)) as pool:
        futures = {c: pool.submit(_run_one, ctx, sorted({c, impl_of[c], *uses[c]}), sources, names[c])
                   for c in order}
        runs = {c: f.result() for c, f in futures.items()}
    versions_base = {"tool": NAME, "prover": "frama-c", "prover_version": versions["frama-c"],
                     "inputs": common.inputs(files, ctx.workdir, ctx.ir_digest)}

    out: list[Evidence] = []
    for fn in fns:
        c = cnames[fn["qname"]]
        obs = function_obligations(fn)
        rte_ob = Obligation(fn["qname"], "rte", None, fn.get("loc"), tuple(fn.get("reqs", ())))
        run = runs[c]
        report, base = run.report, {**versions_base, "command": run.cmd}
        if run.error is not None:
            for ob in [*obs, rte_ob]:
                out.append(Evidence.for_obligation(ob, verdict=run.error[0], message=run.error[1],
                                                   duration_ms=run.duration_ms, **base))
            continue
        impl = impl_of[c]
        own = {**_goals(report.get(impl, {}), impl),
               **{f"{c}:{g}": e for g, e in _goals(report.get(c, {}), c).items()}}
        helpers = {f"{h}:{g}": e for h in sorted(uses[c]) for g, e in _goals(report.get(h, {}), h).items()}
        for ob in obs:
            label = "upel_raises" if ob.kind == "raises" else f"upel_ensures_{ob.index}"
            mine = {g: e for g, e in own.items() if _clause(g.rsplit(":", 1)[-1]) == label}
            if not mine:
                continue  # not stated in ACSL: WP decided nothing about it
            for g in mine:
                del own[g]
            out.append(_record(ob, mine, base, versions, run.duration_ms))
        out.append(_record(rte_ob, {**own, **helpers}, base, versions, run.duration_ms,
                           helpers=sorted(uses[c])))
    return out


def _goals(fn_report: dict, cname: str) -> dict[str, dict]:
    """goal name without the function prefix -> its report entry."""
    out = {}
    for g, entry in sorted(fn_report.items()):
        if g.startswith("wp:"):  # "wp:section": the function's own summary, not a goal
            continue
        if isinstance(entry, dict) and "wp:main" in entry:
            out[g[len(cname) + 1:] if g.startswith(cname + "_") else g] = entry
    return out


_CLAUSE = re.compile(r"^ensures_(upel_\w+?)(?:_part\d+)?$")


def _clause(goal: str) -> str | None:
    m = _CLAUSE.match(goal)
    return m.group(1) if m else None


def _record(ob: Obligation, goals: dict[str, dict], base: dict, versions: dict, duration: int,
            helpers: list[str] | None = None) -> Evidence:
    verdicts = {g: goal_verdict(e) for g, e in goals.items()}
    verdict = combine(list(verdicts.values()))
    bad = sorted(g for g, v in verdicts.items() if v != "proved")
    counts = {v: sum(1 for x in verdicts.values() if x == v) for v in sorted(set(verdicts.values()))}
    subgoals = sum(e["wp:main"].get("total", 0) for e in goals.values())
    details = {"goals": len(goals), "subgoals": subgoals, "by_verdict": counts,
               "solver": f"z3 {versions['z3']}, then cvc4 {versions['cvc4']} via why3 {versions['why3']}"}
    if helpers is not None:
        details["helpers"] = helpers
    if verdict == "proved":
        msg = f"{len(goals)} WP goal(s) proved"
    elif not goals:
        msg = "WP produced no goal for this obligation"
    else:
        msg = f"{len(bad)} of {len(goals)} WP goal(s) not proved: " + ", ".join(f"{g} ({verdicts[g]})" for g in bad)
    return Evidence.for_obligation(ob, verdict=verdict, message=common.trim(msg), details=details,
                                   duration_ms=duration, **base)
