"""Verification stage: evidence records, their schema, and SARIF 2.1.0.

One `Evidence` per (tool, obligation). Records hold facts only: relative
file names, digests, verdicts, counterexamples. Durations are the one thing
that differs between two runs of the same inputs, so `reproducible=True`
(used by the Bazel actions and release bundles) leaves them out; the schema
makes `duration_ms` optional. See docs/verification.md.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from .obligations import Obligation

SCHEMA_ID = "upel-evidence/1"
VERDICTS = ("proved", "failed", "unknown", "timeout", "assumed", "error")
PASSING = frozenset({"proved", "assumed"})


@dataclass
class Evidence:
    tool: str                      # the UPEL verifier: smt, coq, wp, eva, cbmc, yosys
    prover: str                    # the real program that decided: z3, coqc, frama-c, ...
    prover_version: str
    obligation: str                # Obligation.id
    subject: str
    kind: str
    verdict: str
    command: list[str]             # argv with relative paths only
    inputs: dict[str, str]         # name -> "sha256:<hex>"
    message: str = ""
    loc: dict | None = None
    reqs: list[str] = field(default_factory=list)
    counterexample: dict | None = None
    justification: str | None = None
    details: dict = field(default_factory=dict)
    duration_ms: int | None = None

    @classmethod
    def for_obligation(cls, ob: Obligation, **kw: Any) -> Evidence:
        return cls(obligation=ob.id, subject=ob.subject, kind=ob.local, loc=ob.loc,
                   reqs=list(ob.reqs), **kw)

    @property
    def ok(self) -> bool:
        return self.verdict in PASSING

    def to_json(self, reproducible: bool = False) -> dict:
        d: dict[str, Any] = {
            "schema": SCHEMA_ID,
            "tool": self.tool,
            "prover": self.prover,
            "prover_version": self.prover_version,
            "obligation": self.obligation,
            "subject": self.subject,
            "kind": self.kind,
            "verdict": self.verdict,
            "command": list(self.command),
            "inputs": dict(sorted(self.inputs.items())),
            "message": self.message,
            "reqs": list(self.reqs),
            "details": self.details,
        }
        if self.loc:
            d["loc"] = self.loc
        if self.counterexample is not None:
            d["counterexample"] = self.counterexample
        if self.justification is not None:
            d["justification"] = self.justification
        if self.duration_ms is not None and not reproducible:
            d["duration_ms"] = self.duration_ms
        return d


def sha256_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_bytes(Path(path).read_bytes())


def _schema_path() -> Path:
    here = Path(__file__).resolve().parent
    for c in (here.parent / "schemas" / "evidence.schema.json", here.parents[1] / "schemas" / "evidence.schema.json"):
        if c.is_file():
            return c
    raise FileNotFoundError("schemas/evidence.schema.json not found")


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads(_schema_path().read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate_evidence(doc: dict) -> list[str]:
    """Problems with an evidence file (empty when valid)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '(document)'}: {e.message}"
            for e in _validator().iter_errors(doc)]


def evidence_document(tool: str, ir_digest: str, versions: dict[str, str], records: list[Evidence],
                      reproducible: bool = False) -> dict:
    doc = {
        "schema": "upel-evidence-set/1",
        "tool": tool,
        "ir_digest": ir_digest,
        "tool_versions": dict(sorted(versions.items())),
        "verdict": "passed" if records and all(r.ok for r in records) else "failed",
        "counts": counts(records),
        "records": [r.to_json(reproducible) for r in records],
    }
    problems = validate_evidence(doc)
    if problems:  # a verifier produced something the schema rejects: our bug, say so loudly
        raise AssertionError("evidence does not match schemas/evidence.schema.json:\n" + "\n".join(problems[:10]))
    return doc


def counts(records: list[Evidence]) -> dict[str, int]:
    c = {v: 0 for v in VERDICTS}
    for r in records:
        c[r.verdict] += 1
    c["total"] = len(records)
    return c


# ---- SARIF 2.1.0 -------------------------------------------------------------
_SARIF_LEVEL = {"proved": "none", "assumed": "note", "failed": "error", "unknown": "error",
                "timeout": "error", "error": "error"}


def sarif(tool: str, versions: dict[str, str], records: list[Evidence], spec_root: str = "") -> dict:
    """A SARIF 2.1.0 log with one result per record (passing ones as kind `pass`)."""
    rules: dict[str, dict] = {}
    results = []
    for r in records:
        rule_id = f"upel/{r.tool}/{r.kind.split('[')[0]}"
        rules.setdefault(rule_id, {
            "id": rule_id,
            "shortDescription": {"text": f"{r.tool}: {r.kind.split('[')[0]} obligation"},
        })
        res: dict[str, Any] = {
            "ruleId": rule_id,
            "kind": "pass" if r.ok else "fail",
            "level": _SARIF_LEVEL[r.verdict],
            "message": {"text": f"{r.obligation}: {r.verdict}" + (f" - {r.message}" if r.message else "")},
            "properties": {"verdict": r.verdict, "prover": r.prover, "obligation": r.obligation},
        }
        if r.loc:
            res["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": spec_root + r.loc["file"]},
                "region": {"startLine": r.loc["line"], "startColumn": r.loc["col"]},
            }}]
        results.append(res)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": f"upel-verify-{tool}",
                "version": ", ".join(f"{k} {v}" for k, v in sorted(versions.items())),
                "rules": sorted(rules.values(), key=lambda x: x["id"]),
            }},
            "results": results,
        }],
    }


def interp_evidence(doc: dict, samples: int, seed: int) -> tuple[dict, list[str]]:
    """(evidence document, failure lines) of the reference interpreter on `doc`:
    vectors, contracts and properties on `samples` seeded random inputs. One
    format for the Bazel `verify` action and release bundles."""
    from upel.interp.runner import run_spec
    from upel.ir.encoding import ir_digest

    rep = run_spec(doc, samples=samples, seed=seed)
    ev = {
        "tool": "upel-interp", "ir_digest": ir_digest(doc), "package": rep.root,
        "verdict": "passed" if rep.ok else "failed", "samples": samples, "seed": seed,
        "functions": [vars(f) for f in rep.functions], "properties": [vars(p) for p in rep.properties],
        "failures": [vars(f) for f in rep.failures],
    }
    return ev, [f"[interp] {f.kind} failure: {f.message}" for f in rep.failures]
