"""Shared helpers for the verification tests: IR of example specs and mutants."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
MUTANTS = Path(__file__).resolve().parent / "mutants"
EXAMPLES = {
    "avionics.arinc429": SPECS / "avionics" / "arinc429.upel",
    "avionics.envelope": SPECS / "avionics" / "envelope.upel",
    "fintech.ledger": SPECS / "fintech" / "ledger.upel",
    "medtech.infusion": SPECS / "medtech" / "infusion.upel",
}


def ir_of(path: Path, root: str | None = None, spec_path=(SPECS,)) -> dict:
    from upel.check.lower import check_program
    from upel.diagnostics import DiagnosticSink
    from upel.loader import load

    sink = DiagnosticSink()
    program = load([str(path)], [str(p) for p in spec_path], sink)
    docs = None if sink.has_errors else check_program(program, sink)
    assert docs is not None, [d.message for d in sink.items]
    return docs[root] if root else next(iter(docs.values()))
