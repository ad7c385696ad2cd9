"""Verification stage (Yosys): synthesise and formally check the generated Verilog.

The verifier `yosys` of `upel verify` (registered in upel/verify/registry.py).
It works on the production Verilog of the IR (`ctx.generated("verilog")`,
copied unchanged into the work directory), never on a re-generation of its
own, so what is proved is what ships. Per package, two Yosys runs:

- synthesis: `synth -run :fine` (the coarse, word-level part of `synth`:
  proc, opt, wreduce, alumacc, share, memory) then `check -assert`, and
  `stat -json`, and one `F:synth` record per function with the
  cell counts of the module and everything it instantiates. The gate-level
  rest of `synth` (techmap + ABC) is opt-in with UPEL_YOSYS_SYNTH=gates:
  it takes minutes on the 64-bit dividers the example specs contain.
- formal: one wrapper module per obligation (formal_wrappers.py) around the
  production module and the contract-check modules of
  `upel.verify.synthetic`, flattened and simplified at word level
  (SIMPLIFY), each proved on its own with
  `sat -prove-asserts -set-assumes -show-inputs -timeout T`, so each verdict
  names one obligation. The logs are parsed instead of using `-verify`, so
  one refuted obligation does not stop the others; only Yosys' own
  "SUCCESS!" line about exactly the wrapper's one assertion makes a
  "proved". (yosys-smtbmc with Z3 was measured as a second engine and lost
  on every obligation: hdl/verilog/README.md.)

A refuted obligation carries the SAT model's inputs as canonical UPEL values,
replayed on the reference interpreter: a failure the interpreter does not
reproduce means that the Verilog disagrees with the spec.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from upel.hdl.verilog import generate_modules
from upel.hdl.verilog.emitter import Generator
from upel.hdl.verilog.formal_wrappers import Wrapper, WrapperBuilder, decode

from upel.codegen.registry import ToolMissing
from upel.interp.eval import Evaluator
from upel.interp.intops import Raised
from upel.interp.runner import IRResolver, to_canonical, to_value
from upel.ir.model import IRIndex
from upel.verify.context import VerifyContext
from upel.verify.evidence import Evidence, sha256_file
from upel.verify.obligations import (
    Obligation,
    function_obligations,
    property_obligation,
)
from upel.verify.synthetic import ENS_PREFIX, PROP_PREFIX, with_checks

NAME = "yosys"
PROVER = "yosys"
ENGINE = "yosys sat (MiniSat), combinational, after flatten + opt + wreduce"
# Run on the flattened wrappers before `sat`. opt_merge shares the structurally
# identical dividers and multipliers of the production module and of a check
# module (`n / d` in both the body and an ensures), so the solver no longer has
# to prove two bit-blasted 64-bit dividers equal: fintech.money.div_half_even's
# ensures go from a timeout to about a second. wreduce trims operand widths the
# constants make redundant. Every pass keeps the circuit's function; the
# assertion count in the log is checked before a "proved" (_ASSERTS).
SIMPLIFY = ("opt", "wreduce", "opt_clean")
SYNTH_ENV = "UPEL_YOSYS_SYNTH"  # "coarse" (default) or "gates"
MAX_MESSAGE = 2000
SYNTH_TIMEOUT = 600.0  # seconds, at least, for one package's synthesis

_SUCCESS = "SAT proof finished - no model found: SUCCESS!"
_FAIL = "SAT proof finished - model found: FAIL!"
_TIMEOUT = "Interrupted SAT solver: TIMEOUT!"
_ASSERTS = re.compile(r"^Import proof for assert: ", re.MULTILINE)
_PROBLEM = re.compile(r"Solving problem with (\d+) variables and (\d+) clauses")
_ROW = re.compile(r"^\s*\\([A-Za-z_][A-Za-z0-9_]*)\s+\S+\s+\S+\s+([01]+)\s*$", re.MULTILINE)


def _version() -> str:
    out = subprocess.run(["yosys", "-V"], capture_output=True, text=True, timeout=60, check=False)
    m = re.search(r"Yosys (\S+(?: \([^)]*\))?)", out.stdout + out.stderr)
    return m.group(1) if m else (out.stdout.strip() or "unknown")


def tools() -> dict[str, str]:
    if shutil.which("yosys") is None:
        raise ToolMissing("yosys", "apt-get install yosys")
    return {"yosys": _version()}


def _tail(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_MESSAGE else "..." + text[-MAX_MESSAGE:]


# ---- the plan: which files and wrappers each package's runs need ---------------------------


@dataclass
class FormalItem:
    ob: Obligation
    wrapper: Wrapper
    show: list[str]  # internal wires printed with the model (err / result of the function)


@dataclass
class PackagePlan:
    name: str
    stem: str                   # file stem of the package's Verilog
    sources: list[str]          # production files: the package's imports (transitively), then itself
    functions: list[dict]
    checks_file: str | None
    items: list[FormalItem] = field(default_factory=list)


class Plan:
    """Everything verify() writes before running Yosys; pure function of the IR."""

    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.doc2, self.checks = with_checks(doc)
        gen = Generator(doc)
        gen2 = Generator(self.doc2)
        for q, m in gen.module_names.items():
            # Check modules are appended after every production function, so the
            # backend gives production modules the same names in both documents.
            if gen2.module_names[q] != m:
                raise AssertionError(f"module name of {q} changes with the check functions ({m} -> "
                                     f"{gen2.module_names[q]})")
        self.gen = gen2
        self.file_names = gen.file_names
        self.check_files = generate_modules(self.doc2, set(self.checks))
        self.prefix = "upel_formal_"
        while any(m.startswith(self.prefix) for m in gen2.module_names.values()):
            self.prefix += "x_"
        self.builder = WrapperBuilder(gen2.types, gen2.module_names, self.prefix)
        self.functions2 = {f["qname"]: f for p in self.doc2["packages"] for f in p["functions"]}
        self.next_wrapper = 0  # wrapper numbers are unique in the document: logs share one directory
        self.packages = [self._package(p) for p in doc["packages"]]

    def _package(self, pkg: dict) -> PackagePlan:
        by_name = {p["name"]: p for p in self.doc["packages"]}
        needed: set[str] = set()
        stack = [pkg["name"]]
        while stack:
            n = stack.pop()
            if n not in needed:
                needed.add(n)
                stack.extend(by_name[n]["imports"])
        sources = [self.file_names[p["name"]] for p in self.doc["packages"] if p["name"] in needed]
        stem = self.file_names[pkg["name"]][:-2]
        checks_name = self.file_names[pkg["name"]]
        plan = PackagePlan(pkg["name"], stem, sources, pkg["functions"],
                           f"checks_{checks_name}" if checks_name in self.check_files else None)
        pfx = pkg["name"] + "."
        for fn in pkg["functions"]:
            obs = function_obligations(fn)
            ens = [self.functions2[f"{pfx}{ENS_PREFIX}{fn['name']}_{i}"] for i in range(len(fn["ensures"]))]
            for i in range(len(fn["ensures"])):
                w = self.builder.ensures(self._number(), fn, i, ens[:i + 1], obs[i].id)
                plan.items.append(FormalItem(obs[i], w, ["f_err", "f_result"]))
            w = self.builder.raises(self._number(), fn, obs[-1].id)
            plan.items.append(FormalItem(obs[-1], w, ["f_err"]))
        for prop in pkg["properties"]:
            ob = property_obligation(prop)
            w = self.builder.property(self._number(), self.functions2[f"{pfx}{PROP_PREFIX}{prop['name']}"], ob.id)
            plan.items.append(FormalItem(ob, w, ["p_err", "p_result"]))
        return plan

    def _number(self) -> int:
        self.next_wrapper += 1
        return self.next_wrapper - 1


# ---- running Yosys ---------------------------------------------------------------


class Runner:
    def __init__(self, ctx: VerifyContext, plan: Plan, work: Path, version: str) -> None:
        self.ctx, self.plan, self.work, self.version = ctx, plan, work, version
        self.gates = os.environ.get(SYNTH_ENV, "coarse") == "gates"
        self.replayer = Evaluator(IRResolver(IRIndex(plan.doc2)))

    def _inputs(self, files: list[str]) -> dict[str, str]:
        out = {f: sha256_file(self.work / f) for f in files}
        out["ir"] = self.ctx.ir_digest
        return out

    def _evidence(self, ob: Obligation, verdict: str, script: str, inputs: dict, message: str,
                  details: dict, duration_ms: int, counterexample: dict | None = None) -> Evidence:
        return Evidence.for_obligation(ob, tool=NAME, prover=PROVER, prover_version=self.version,
                                       verdict=verdict, command=["yosys", "-q", "-s", script], inputs=inputs,
                                       message=message, details=details, duration_ms=duration_ms,
                                       counterexample=counterexample)

    # -- synthesis --
    def synth(self, pkg: PackagePlan) -> list[Evidence]:
        modules = [self.plan.gen.module_names[f["qname"]] for f in pkg.functions]
        if not modules:
            return []
        script = f"synth_{pkg.stem}.ys"
        lines = [f"read_verilog {' '.join(pkg.sources)}", "hierarchy -check",
                 "synth" if self.gates else "synth -run :fine", "check -assert"]
        # One `stat -json` for all modules; the hierarchy totals are summed here,
        # because Yosys 0.23 writes the hierarchy of `stat -json -top` as text into the JSON.
        stat = f"stat_{pkg.stem}.json"
        lines.append(f"tee -q -o {stat} stat -json")
        (self.work / script).write_text("\n".join(lines) + "\n", encoding="utf-8")
        (self.work / stat).unlink(missing_ok=True)
        self.ctx.progress(f"yosys: synthesising {pkg.name} ({len(modules)} modules)")
        # Synthesis is not a proof: it gets the larger of the prover timeout and SYNTH_TIMEOUT.
        r = self.ctx.run(["yosys", "-q", "-s", script], cwd=self.work, timeout=max(self.ctx.timeout, SYNTH_TIMEOUT))
        inputs = self._inputs([*pkg.sources, script])
        modules_stat = _read_stat(self.work / stat)
        level = "gates (synth: techmap + abc)" if self.gates else "coarse (synth -run :fine, word-level cells)"
        out = []
        for fn, m in zip(pkg.functions, modules):
            ob = Obligation(fn["qname"], "synth", None, fn.get("loc"), tuple(fn.get("reqs", ())))
            details: dict = {"module": m, "level": level}
            if r.timed_out:
                verdict, msg = "timeout", f"yosys synthesis of {pkg.name} timed out"
            elif r.rc != 0:
                verdict, msg = "failed", "yosys synthesis failed: " + _tail(r.stderr + r.stdout)
            else:
                stats = _hierarchy_total(modules_stat, m) if modules_stat is not None else None
                if stats is None:
                    verdict, msg = "error", f"yosys wrote no readable statistics for {m}: " + _tail(r.stderr + r.stdout)
                else:
                    verdict = "proved"
                    msg = f"synthesised: {stats['num_cells']} cells"
                    details.update({"cells": stats["num_cells"], "cells_by_type": stats["num_cells_by_type"],
                                    "wire_bits": stats["num_wire_bits"]})
            out.append(self._evidence(ob, verdict, script, inputs, msg, details, r.duration_ms))
        return out

    # -- formal --
    def formal(self, pkg: PackagePlan) -> list[Evidence]:
        if not pkg.items:
            return []
        wrappers = f"formal_{pkg.stem}.v"
        script = f"formal_{pkg.stem}.ys"
        (self.work / wrappers).write_text(
            f"// Formal wrappers of package {pkg.name}: one module per proof obligation.\n\n"
            + "\n".join(it.wrapper.text for it in pkg.items), encoding="utf-8")
        t = max(1, int(self.ctx.timeout))
        lines = [f"read_verilog {' '.join(pkg.sources)}"]
        if pkg.checks_file:
            lines.append(f"read_verilog {pkg.checks_file}")
        sel = f"{self.plan.prefix}*"
        lines += [f"read_verilog -formal {wrappers}", "hierarchy -check", "proc", f"flatten {sel}"]
        # Word-level simplification before bit-blasting (see SIMPLIFY): equivalence-preserving.
        lines += [f"{cmd} {sel}" for cmd in SIMPLIFY]
        for it in pkg.items:
            log = f"sat_{it.wrapper.name}.log"
            (self.work / log).unlink(missing_ok=True)
            shows = " ".join(f"-show {s}" for s in it.show)
            lines.append(f"tee -q -o {log} sat -prove-asserts -set-assumes -show-inputs {shows} "
                         f"-timeout {t} {it.wrapper.name}")
        (self.work / script).write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.ctx.progress(f"yosys: proving {len(pkg.items)} obligations of {pkg.name}")
        # A safety net only: each SAT call has its own -timeout, but Yosys
        # checks it between solver steps and encodes wide arithmetic first, so
        # one call can overrun T severalfold.
        r = self.ctx.run(["yosys", "-q", "-s", script], cwd=self.work,
                         timeout=self.ctx.timeout * 5 * len(pkg.items) + 120)
        files = [*pkg.sources, *([pkg.checks_file] if pkg.checks_file else []), wrappers, script]
        inputs = self._inputs(files)
        return [self._verdict(it, r, script, inputs) for it in pkg.items]

    def _verdict(self, it: FormalItem, r, script: str, inputs: dict) -> Evidence:
        log_path = self.work / f"sat_{it.wrapper.name}.log"
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
        details: dict = {"engine": ENGINE, "wrapper": it.wrapper.name, "log": log_path.name}
        m = _PROBLEM.search(log)
        if m:
            details.update({"sat_variables": int(m.group(1)), "sat_clauses": int(m.group(2))})
        cex = None
        asserts = len(_ASSERTS.findall(log))
        if _SUCCESS in log and asserts != 1:
            # Each wrapper has exactly one assert: any other count means the
            # proof was not about this obligation (e.g. a pass removed it).
            verdict = "error"
            msg = f"yosys proved {asserts} assertions instead of the wrapper's one (see {log_path.name})"
        elif _SUCCESS in log:
            verdict, msg = "proved", "SAT: no model violates the assertion"
        elif _FAIL in log:
            verdict = "failed"
            cex, msg = self._counterexample(it, log)
        elif _TIMEOUT in log:
            verdict, msg = "timeout", f"SAT solver interrupted after {max(1, int(self.ctx.timeout))} s"
        elif r.timed_out:
            verdict, msg = "timeout", "yosys was killed: the run of this package exceeded its time limit"
        else:
            verdict = "error"
            msg = "yosys gave no SAT verdict" + (f" (exit code {r.rc})" if r.rc else "") + ": " \
                + _tail(log or r.stderr + r.stdout)
        # Durations are per package run; the SAT time of one obligation is not reported by Yosys.
        return self._evidence(it.ob, verdict, script, inputs, msg, details, r.duration_ms, cex)

    def _counterexample(self, it: FormalItem, log: str) -> tuple[dict | None, str]:
        rows = {name: bits for name, bits in _ROW.findall(log)}
        params = it.wrapper.params
        types = self.plan.gen.types
        if any(f"arg_{i}" not in rows for i in range(len(params))):
            return None, "SAT found a model violating the assertion (its inputs could not be read from the log)"
        args = [decode(types, int(rows[f"arg_{i}"], 2), p["type"]) for i, p in enumerate(params)]
        shown = ", ".join(f"{n} = {int(rows[n], 2)}" for n in it.show if n in rows)
        cex = {"args": args}
        cex.update(self._replay(it.ob, args))
        msg = f"SAT model violates {it.ob.id} at args {json.dumps(args)}" + (f" ({shown})" if shown else "")
        return cex, msg

    def _replay(self, ob: Obligation, args: list) -> dict:
        """Does the reference interpreter fail the obligation at args too?"""
        ix = IRIndex(self.plan.doc2)
        vals = [to_value(a) for a in args]

        def run(q: str, xs: list) -> tuple[str, object]:
            try:
                return "value", self.replayer.call(q, xs)
            except Raised as e:
                return "error", e.code

        pkg, _, name = ob.subject.rpartition(".")
        if ob.kind == "property":
            kind, v = run(f"{pkg}.{PROP_PREFIX}{name}", vals)
            bad = not ((kind == "value" and v is True) or (kind == "error" and v == 5))
        else:
            fn = ix.functions[ob.subject]
            kind, v = run(ob.subject, vals)
            if ob.kind == "raises":
                bad = kind == "error" and v not in (5, *fn["raises"])
            else:
                bad = False
                if kind == "value":
                    ekind, ev = run(f"{pkg}.{ENS_PREFIX}{name}_{ob.index}", [*vals, v])
                    bad = not (ekind == "value" and ev is True)
        shown = f"error {v} ({ix.error_name(v, pkg)})" if kind == "error" else \
            f"value {json.dumps(to_canonical(v))}"
        call = f"{ob.subject}({', '.join(json.dumps(a) for a in args)})"
        return {"replayed": bad, "interpreter": f"{call} -> {shown}"
                + ("" if bad else "; the reference interpreter does not fail here, so the generated "
                   "Verilog disagrees with the spec")}


def _read_stat(path: Path) -> dict | None:
    """{module name: its own statistics} from a `stat -json` file, or None."""
    if not path.is_file():
        return None
    # Yosys 0.23 leaves a trailing comma before `}` when no `design` block follows.
    text = re.sub(r",(\s*})", r"\1", path.read_text(encoding="utf-8"))
    try:
        modules = json.loads(text)["modules"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return None
    return {name.lstrip("\\"): st for name, st in modules.items() if isinstance(st, dict)}


def _hierarchy_total(stats: dict, module: str) -> dict | None:
    """Cells (by type) and wire bits of `module` with every module it instantiates, flattened:
    an instance of a design module counts as that module's total, not as one cell."""
    memo: dict[str, dict] = {}

    def total(m: str) -> dict:
        if m not in memo:
            own = stats[m]
            by_type: dict[str, int] = {}
            bits = own.get("num_wire_bits", 0)
            for t, n in own.get("num_cells_by_type", {}).items():
                if t in stats:
                    sub = total(t)
                    bits += n * sub["num_wire_bits"]
                    for st, sn in sub["num_cells_by_type"].items():
                        by_type[st] = by_type.get(st, 0) + n * sn
                else:
                    by_type[t] = by_type.get(t, 0) + n
            memo[m] = {"num_cells": sum(by_type.values()), "num_cells_by_type": dict(sorted(by_type.items())),
                       "num_wire_bits": bits}
        return memo[m]

    return total(module) if module in stats else None


# ---- entry point ------------------------------------------------------------------


def verify(ctx: VerifyContext) -> list[Evidence]:
    version = tools()["yosys"]
    plan = Plan(ctx.doc)
    src = ctx.generated("verilog")
    work = ctx.workdir / "yosys"
    work.mkdir(parents=True, exist_ok=True)
    for name in plan.file_names.values():
        shutil.copyfile(src / name, work / name)
    for name, text in plan.check_files.items():
        (work / f"checks_{name}").write_text(text, encoding="utf-8")
    runner = Runner(ctx, plan, work, version)
    # The plan covers every package (wrapper numbers stay the same whatever
    # the scope); only the packages this run proves are synthesised and checked.
    todo = [p for p in plan.packages if ctx.packages is None or p.name in ctx.packages]
    with ThreadPoolExecutor(max_workers=max(1, ctx.jobs)) as pool:
        synth = {p.name: pool.submit(runner.synth, p) for p in todo}
        formal = {p.name: pool.submit(runner.formal, p) for p in todo}
        results = {n: (synth[n].result(), formal[n].result()) for n in synth}
    records: list[Evidence] = []
    for pkg in todo:
        synth_recs, formal_recs = results[pkg.name]
        by_subject = {r.subject: r for r in synth_recs}
        for rec in formal_recs:
            records.append(rec)
            if rec.kind == "raises" and rec.subject in by_subject:  # F:synth right after F's spec obligations
                records.append(by_subject[rec.subject])
    return records
