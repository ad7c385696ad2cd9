"""Golden tests of the checker's output, in the IR's readable form.

Each ir/NAME.upel has its checked IR rendered by `upel.ir.pretty` in
ir/NAME.ir.txt: literal types, casts, evaluation order and constant values
are all visible there, so a change in what the checker decides shows up as
a reviewable diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_golden, front
from upel.ir.pretty import pretty

HERE = Path(__file__).parent / "ir"
CASES = sorted(HERE.glob("*.upel"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_ir_pretty(case: Path):
    sink, program, docs = front([case])
    assert not sink.has_errors, [d.message for d in sink.items]
    (root,) = program.roots
    assert_golden(case.with_suffix(".ir.txt"), pretty(docs[root]), "tools/test.sh tests/check/test_ir_golden.py")
