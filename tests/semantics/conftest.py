"""Fixtures for the semantics suite: compile a spec string through the whole
pipeline (parse -> check -> IR -> reference interpreter) and call it.

    def test_x(compile_spec):
        call = compile_spec("fn f(a: u8) -> u8 { a + 1 }")
        assert call("f", 255) == {"error": OVERFLOW}

`compile_spec(src)` prepends `package t version "1.0.0";` (unless `src`
already starts with a package header), compiles once per distinct text (the
cache lives for the whole test process) and returns a `Spec`: calling it with
a function name (without the `t.` prefix) and Python values gives the
interpreter's outcome `{"value": v}` or `{"error": code}`; arrays come back as
lists, records as dicts, enums as their integer.

`rejects(src, code)` asserts that the checker refuses `src` with that
diagnostic code (`"E0202"`; several codes may be given when any of them is
acceptable) and returns the diagnostics.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pytest

from upel.check.lower import check_program
from upel.diagnostics import DiagnosticSink
from upel.interp.eval import Evaluator
from upel.interp.runner import IRResolver, outcome
from upel.ir.model import IRIndex
from upel.loader import load

HEADER = 'package t version "1.0.0";\n'
# With UPEL_SEMANTICS_SMT=1 every call is also evaluated through the SMT
# lowering (proofs/smt) by the real z3 and must agree with the interpreter:
# the whole suite then tests the prover's model of the language.
SMT_CROSS_CHECK = bool(os.environ.get("UPEL_SEMANTICS_SMT"))

_dir: Path | None = None
_compiled: dict[str, tuple[dict | None, list]] = {}


def _workdir() -> Path:
    global _dir
    if _dir is None:
        _dir = Path(tempfile.mkdtemp(prefix="upel-semantics-"))
    return _dir


def _full(src: str) -> str:
    return src if src.lstrip().startswith("package ") else HEADER + src


def compile_text(src: str) -> tuple[dict | None, list]:
    """(IR document of package t or None, diagnostics); cached per text."""
    text = _full(src)
    if text not in _compiled:
        d = _workdir() / hashlib.sha256(text.encode()).hexdigest()[:20]
        d.mkdir(exist_ok=True)
        path = d / "t.upel"
        path.write_text(text, encoding="utf-8")
        sink = DiagnosticSink()
        prog = load([str(path)], [], sink)
        docs = None if sink.has_errors else check_program(prog, sink)
        _compiled[text] = (None if docs is None else docs["t"], list(sink.items))
    return _compiled[text]


def _to_input(v):
    """Test value -> interpreter value (arrays are tuples)."""
    if isinstance(v, (list, tuple)):
        return tuple(_to_input(x) for x in v)
    if isinstance(v, dict):
        return {k: _to_input(x) for k, x in v.items()}
    return v


class Spec:
    def __init__(self, doc: dict, src: str) -> None:
        self.doc = doc
        self.src = src
        self.ev = Evaluator(IRResolver(IRIndex(doc)), check_ensures=True)

    def __call__(self, fn: str, *args) -> dict:
        got = outcome(self.ev, "t." + fn, [_to_input(a) for a in args])
        if SMT_CROSS_CHECK:
            _smt_cross_check(self, "t." + fn, list(args))
        return got

    def value(self, fn: str, *args):
        """The value of a call that must not raise."""
        got = self(fn, *args)
        assert "value" in got, f"{fn}{args} raised {got}"
        return got["value"]


def _smt_cross_check(spec: Spec, fn: str, args: list) -> None:
    from upel.interp.eval import ContractViolation
    from upel.proofs.smt.evaluate import SmtEvaluator

    plain = Evaluator(IRResolver(IRIndex(spec.doc)))  # the lowering has no ensures checks
    try:
        want = outcome(plain, fn, [_to_input(a) for a in args])
    except ContractViolation:  # pragma: no cover - plain evaluators do not check ensures
        return
    from upel.proofs.smt.ints import Unsupported
    from upel.proofs.smt.sorts import TooLarge

    canon = [_canon(a) for a in args]
    for ints in (False, True):  # both encodings of the lowering
        try:
            got = SmtEvaluator(spec.doc, ints=ints).outcomes(fn, [canon])[0]
        except (Unsupported, TooLarge):
            continue
        enc = "integer" if ints else "bit-vector"
        assert got == want, (f"SMT {enc} lowering disagrees with the interpreter on {fn}{tuple(args)}: "
                             f"smt {got}, interp {want}")


def _canon(v):
    if isinstance(v, (list, tuple)):
        return [_canon(x) for x in v]
    if isinstance(v, dict):
        return {k: _canon(x) for k, x in v.items()}
    return v


def _show(diags) -> str:
    return "\n".join(f"  {d.severity} {d.code}: {d.message}" for d in diags) or "  (none)"


def build(src: str) -> Spec:
    doc, diags = compile_text(src)
    errors = [d for d in diags if d.severity == "error"]
    assert doc is not None and not errors, f"spec was rejected:\n{_show(diags)}\n--- spec ---\n{_full(src)}"
    return Spec(doc, src)


def assert_rejected(src: str, *codes: str) -> list:
    assert codes, "give at least one expected code"
    doc, diags = compile_text(src)
    errors = [d for d in diags if d.severity == "error"]
    assert doc is None and errors, f"spec was accepted, expected {codes}:\n{_full(src)}"
    assert any(d.code in codes for d in errors), (
        f"expected a diagnostic {' or '.join(codes)}, got:\n{_show(diags)}\n--- spec ---\n{_full(src)}")
    return errors


@pytest.fixture(scope="session")
def compile_spec():
    return build


@pytest.fixture(scope="session")
def rejects():
    return assert_rejected
