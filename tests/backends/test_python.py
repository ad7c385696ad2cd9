"""Python backend: goldens, determinism, conformance, lint, injection."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from conftest import assert_golden, front
from upel.codegen.conform import run_conformance
from upel.codegen.driver import generate

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "backends" / "python" / "testdata"
UPDATE = "tools/test.sh tests/backends/test_python.py"
SPECS = sorted((REPO / "specs").rglob("*.upel"))


def _doc(path: Path) -> dict:
    sink, program, docs = front([path])
    assert docs, [d.message for d in sink.items]
    return docs[program.roots[0]]


def _tools_or_skip():
    for mod in ("ruff", "bandit"):
        r = subprocess.run([sys.executable, "-m", mod, "--version"], capture_output=True)
        if r.returncode != 0:
            pytest.skip(f"{mod} not installed: run tools/setup.sh (it is pinned in requirements.lock)")


@pytest.mark.parametrize("name", ["arith", "data"])
def test_golden(name):
    files = generate(_doc(REPO / "tests" / "check" / "ir" / f"{name}.upel"), "python", harness=True)
    for rel, text in files.items():
        assert_golden(GOLDEN / name / rel, text, UPDATE)


def test_deterministic_across_directories(tmp_path):
    outs = []
    for where in ("a", "b/c"):
        d = tmp_path / where
        shutil.copytree(REPO / "specs", d / "specs")
        files = generate(_doc(d / "specs" / "fintech" / "ledger.upel"), "python", harness=True)
        outs.append(files)
    assert outs[0] == outs[1]


def test_semantics_traps_conform():
    _tools_or_skip()
    (rep,) = run_conformance(_doc(REPO / "tests" / "backends" / "traps.upel"), ["python"], 500, 0)
    assert rep.ok, (rep.error, [f.first_mismatch for f in rep.functions if f.first_mismatch])
    assert sum(f.vectors for f in rep.functions) >= 80


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_examples_conform(spec):
    _tools_or_skip()
    (rep,) = run_conformance(_doc(spec), ["python"], 1000, 0)
    assert rep.ok, (rep.error, [f.first_mismatch for f in rep.functions if f.first_mismatch])
    assert all(f.random == 1000 for f in rep.functions)


NASTY = st.lists(st.sampled_from(list('ab */"\\`\n\r\t\'#{}é€\u2028') + ['"""', "*/", "\\n", "\\u{", "*/ */"]),
                 max_size=20).map("".join)
NAMES = st.sampled_from(["lambda", "from", "class", "pass", "None", "self", "rt", "l", "_u1", "sys", "int",
                         "name", "value", "import", "async", "case", "print", "mro", "x"])  # none is an UPEL keyword


# Each example lints and runs real code (about a second), so few examples,
# but every one combines all the hazards at once.
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=NASTY, req=NASTY, name=NAMES, member=NAMES)
def test_injection_compiles_and_conforms(tmp_path_factory, doc, req, name, member):
    _tools_or_skip()
    assume(name != member)  # a parameter may not shadow its function (UPEL-E0111)
    esc = req.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    esc = esc.replace("\u2028", "\\u{2028}")
    docline = doc.replace("\n", " ").replace("\r", " ").replace("\u2028", " ")
    src = f'''package inj version "1.0.0";
/// {docline}
@doc("D{esc}")
enum Kind: u8 {{ {member} = 1, other = 2 }}
/// {docline}
@req("R{esc}")
@doc("D{esc}")
fn {name}({member}: u8, k: Kind) -> u8 {{ let {member}2 = {member} +% 1; if k == Kind.{member} {{ {member}2 }} else {{ {member} }} }}
vectors {name} {{ (1, Kind.{member}) -> 2; (255, Kind.{member}) -> 0; (7, Kind.other) -> 7; }}
'''
    d = tmp_path_factory.mktemp("inj")
    (d / "inj.upel").write_text(src, encoding="utf-8")
    sink, program, docs = front([d / "inj.upel"])
    assert docs, (src, [x.message for x in sink.items])
    (rep,) = run_conformance(docs["inj"], ["python"], 20, 0)
    assert rep.ok, (src, rep.error)
