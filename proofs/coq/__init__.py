"""Verification stage (Coq): the `coq` verifier.

Writes a Coq model of the IR document (`emit`), one lemma file per
obligation (`lemmas`), compiles the model once with `coqc -Q . Upel`, then
each lemma file on its own, so a failing or slow proof never hides the
others. A lemma is reported `proved` only when coqc accepted its proof and
`Print Assumptions` says it is closed under the global context (no axiom,
nothing admitted). A reflection proof that evaluates to `false` refutes the
obligation (`failed`, with a counterexample); any other rejected proof is
`unknown`, with coqc's message.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from upel.codegen.registry import ToolMissing
from upel.verify.context import VerifyContext
from upel.verify.evidence import Evidence, sha256_file

from .emit import Model, emit_document
from .lemmas import LemmaSpec, lemma_file, lemma_specs, unfold_names
from .refute import counterexample

NAME = "coq"
LIBRARY = "Upel"
CLOSED = "Closed under the global context"
REFUTED = ('Unable to unify "true" with "false"', 'Unable to unify "false" with "true"')


def tools() -> dict[str, str]:
    if shutil.which("coqc") is None:
        raise ToolMissing("coqc", "apt-get install coq")
    out = subprocess.run(["coqc", "--version"], capture_output=True, text=True, check=False).stdout
    m = re.search(r"version (\S+)", out)
    return {"coqc": m.group(1) if m else out.strip() or "unknown"}


def module_name(root: str) -> str:
    """`avionics.arinc429` -> `Avionics_arinc429` (a valid Coq module name)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", root)
    return name[:1].upper() + name[1:]


def write_model(doc: dict, dest: Path, packages: frozenset[str] | None = None
                ) -> tuple[str, list[LemmaSpec], dict[str, str]]:
    """Write the definitions file and the lemma files of `packages` (all if None);
    (module, specs, {file: text})."""
    m = Model(doc)
    specs = lemma_specs(doc, m, packages)
    module = module_name(doc["root"])
    defs = emit_document(doc) + "\n(* ==== obligations as checks ==== *)\n" + \
        "\n".join(s.check_def for s in specs) + "\n"
    files = {f"{module}.v": defs}
    unfold = unfold_names(doc)
    for s in specs:
        if s.method != "none":
            files[f"{s.name}.v"] = lemma_file(s, module, unfold)
    dest.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (dest / rel).write_text(text, encoding="utf-8")
    return module, specs, files


def _message(text: str, limit: int = 1200) -> str:
    text = re.sub(r"\s+\n", "\n", text.strip())
    return text if len(text) <= limit else text[:limit] + " ..."


def verify(ctx: VerifyContext) -> list[Evidence]:
    version = tools()["coqc"]
    wd = ctx.workdir / "coq"
    module, specs, _files = write_model(ctx.doc, wd, ctx.packages)
    defs = f"{module}.v"
    base_inputs = {defs: sha256_file(wd / defs), "ir": ctx.ir_digest}
    ctx.progress(f"coq: compiling the model {defs} ({len(specs)} obligations)")
    build = ctx.run(["coqc", "-Q", ".", LIBRARY, defs], cwd=wd, timeout=max(ctx.timeout, 300))
    if build.timed_out or build.rc != 0:
        why = "timed out" if build.timed_out else _message(build.stdout + build.stderr)
        return [Evidence.for_obligation(
            s.ob, tool=NAME, prover="coqc", prover_version=version, verdict="error",
            command=["coqc", "-Q", ".", LIBRARY, defs], inputs=base_inputs,
            message=f"the Coq model does not compile: {why}", details={"file": defs},
            duration_ms=build.duration_ms) for s in specs]

    def one(s: LemmaSpec) -> Evidence:
        ev = _prove(ctx, wd, s, version, defs, base_inputs)
        ctx.progress(f"coq: {s.ob.id}: {ev.verdict} ({ev.duration_ms} ms, {s.method})")
        return ev

    with ThreadPoolExecutor(max_workers=max(1, ctx.jobs)) as pool:
        return list(pool.map(one, specs))  # map keeps obligation order: deterministic output


def _prove(ctx: VerifyContext, wd: Path, s: LemmaSpec, version: str, defs: str,
           base_inputs: dict[str, str]) -> Evidence:
    fname = f"{s.name}.v"
    cmd = ["coqc", "-Q", ".", LIBRARY, fname]
    details = {"lemma": s.name, "file": fname, "method": s.method, "inputs_domain": s.domain,
               "scalar_inputs": len(s.leaves)}
    common = dict(tool=NAME, prover="coqc", prover_version=version, details=details)
    if s.method == "none":
        return Evidence.for_obligation(s.ob, verdict="unknown", command=["coqc"], inputs=dict(base_inputs),
                                       message=f"not attempted: {s.why_none}", duration_ms=0, **common)
    inputs = dict(base_inputs, **{fname: sha256_file(wd / fname)})
    r = ctx.run(cmd, cwd=wd)
    out = r.stdout + r.stderr
    if r.timed_out:
        verdict, msg = "timeout", f"coqc did not finish within {ctx.timeout:g} s"
    elif r.rc == 0 and CLOSED in r.stdout:
        how = (f"by reflection over all {s.domain} inputs" if s.method == "reflection"
               else "by case analysis and lia/nia")
        verdict, msg = "proved", f"{s.name} proved {how}; closed under the global context"
    elif r.rc == 0:
        verdict, msg = "unknown", f"{s.name} depends on axioms: {_message(r.stdout)}"
    elif s.method == "reflection" and any(x in out for x in REFUTED):
        verdict, msg = "failed", f"{s.name} is false: exhaustive evaluation found an input that violates it"
    else:
        verdict, msg = "unknown", f"{s.name} not proved by the automatic script: {_message(out)}"
    ev = Evidence.for_obligation(s.ob, verdict=verdict, command=cmd, inputs=inputs, message=msg,
                                 duration_ms=r.duration_ms, **common)
    if verdict == "failed":
        cex = counterexample(ctx, wd, s, defs)
        if cex is not None:
            ev.counterexample = cex
    return ev
