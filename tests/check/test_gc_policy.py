"""The front end leaves no reference cycles behind, which is what lets the
commands run it with the collector paused and freeze its result
(upel/gcpolicy.py): cyclic garbage made while paused would never be found."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from tools.synth import synth_spec
from upel import gcpolicy
from upel.check.lower import check_program
from upel.diagnostics import DiagnosticSink
from upel.loader import load

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(str(p.relative_to(REPO)) for p in (REPO / "specs").rglob("*.upel"))


def _cyclic_garbage(run) -> list[str]:
    """Type names of the objects that only the cycle collector would free after `run()`."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run()
        gc.collect()
        found = sorted({type(o).__name__ for o in gc.garbage})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()
    return found


def _front(paths: list[str]) -> None:
    sink = DiagnosticSink()
    docs = check_program(load(paths, [str(REPO / "specs")], sink), sink)
    assert docs is not None, [d.message for d in sink.items]


@pytest.mark.parametrize("spec", EXAMPLES)
def test_example_front_end_makes_no_cycles(spec):
    assert _cyclic_garbage(lambda: _front([str(REPO / spec)])) == []


def test_synthetic_front_end_makes_no_cycles(tmp_path):
    path = tmp_path / "bench" / "synth" / "synth.upel"
    path.parent.mkdir(parents=True)
    path.write_text(synth_spec(50), encoding="utf-8")
    assert _cyclic_garbage(lambda: _front([str(path)])) == []


def test_recursive_closure_is_seen(tmp_path):
    # The check above can fail: a recursive closure (what the walks used to be) is found.
    def leak() -> None:
        def visit(n: int) -> int:
            return 0 if n == 0 else visit(n - 1)

        visit(3)

    assert "function" in _cyclic_garbage(leak)


def test_front_end_pauses_then_freezes_and_release_unfreezes(monkeypatch):
    monkeypatch.setattr(gcpolicy, "_tuned", True)
    assert gc.isenabled()
    before = gc.get_freeze_count()
    try:
        with gcpolicy.front_end():
            assert not gc.isenabled()
            kept = [[i] for i in range(1000)]  # tracked objects made while paused
        assert gc.isenabled()
        assert gc.get_freeze_count() >= before + len(kept)
    finally:
        gcpolicy.release()
    assert gc.get_freeze_count() == 0


def test_front_end_is_a_no_op_without_tune_gc(monkeypatch):
    monkeypatch.setattr(gcpolicy, "_tuned", False)
    with gcpolicy.front_end():
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_cli_releases_what_it_froze(tmp_path):
    from upel.cli.main import main

    assert main(["check", "--spec-path", str(REPO / "specs"), str(REPO / "specs/avionics/units.upel")]) == 0
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
