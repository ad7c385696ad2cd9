"""Golden tests of the checker's diagnostics.

Each case under diagnostics/ is a spec file NAME.upel (or a directory NAME/
holding several files) with the exact rendered diagnostics in NAME.stderr.
Every diagnostic code in upel.diagnostics.CODES has at least one case.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import assert_golden, front
from upel.diagnostics import CODES, render

HERE = Path(__file__).parent / "diagnostics"
CASES = sorted(p for p in HERE.iterdir() if p.suffix == ".upel" or p.is_dir())
UPDATE = "tools/test.sh tests/check/test_diagnostics_golden.py"
# Codes that cannot be produced from a spec file's text alone.
NOT_FROM_TEXT = {"E9999"}


def _render_case(case: Path, monkeypatch) -> str:
    monkeypatch.chdir(HERE)
    sink, program, _ = front([case.name])
    return "".join(render(d, program.sources) + "\n" for d in sink.sorted())


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_diagnostics(case: Path, monkeypatch):
    out = _render_case(case, monkeypatch)
    assert out, f"{case.name}: expected at least one diagnostic"
    assert_golden(case.with_suffix(".stderr") if case.suffix else case.parent / (case.name + ".stderr"), out, UPDATE)


def test_every_code_has_a_case():
    seen = set()
    for f in HERE.glob("*.stderr"):
        seen.update(re.findall(r"\[UPEL-(E\d{4})\]", f.read_text()))
    missing = sorted(set(CODES) - seen - NOT_FROM_TEXT)
    assert not missing, f"no golden diagnostics case produces: {missing}"
