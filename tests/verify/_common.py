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


# Whole example specs through the slowest provers take longer than the CI
# budget allows today (docs/verification.md lists the numbers and the open
# timeouts). These tests run with UPEL_VERIFY_EXAMPLES=1 and say so loudly
# when skipped; the fast example proofs (SMT on most specs, Coq on the
# units package) and every mutant test run in CI.
def examples_gate():
    import os

    import pytest

    return pytest.mark.skipif(not os.environ.get("UPEL_VERIFY_EXAMPLES"),
                              reason="full example proofs with this prover exceed the CI budget "
                                     "(docs/verification.md); run with UPEL_VERIFY_EXAMPLES=1")
