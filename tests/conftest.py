"""Shared test helpers: golden files and running the front end on text."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

UPDATE_ENV = "UPEL_UPDATE_GOLDEN"


def assert_golden(path: Path, actual: str, update_hint: str) -> None:
    """Compare `actual` with the golden file at `path`.

    With UPEL_UPDATE_GOLDEN=1 the file is (re)written instead; the failure
    message names that command so a reviewer can regenerate and diff.
    """
    if os.environ.get(UPDATE_ENV):
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; create it with:\n  {UPDATE_ENV}=1 {update_hint}")
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            str(path), "actual"))
        pytest.fail(f"output differs from {path}:\n{diff}\nIf the change is intended, update with:\n"
                    f"  {UPDATE_ENV}=1 {update_hint}")


@pytest.fixture
def golden():
    return assert_golden


def front(paths, spec_path=()):
    """Load + check; returns (sink, program, docs or None)."""
    from upel.check.lower import check_program
    from upel.diagnostics import DiagnosticSink
    from upel.loader import load

    sink = DiagnosticSink()
    program = load([str(p) for p in paths], [str(p) for p in spec_path], sink)
    docs = None if sink.has_errors else check_program(program, sink)
    return sink, program, docs


@pytest.fixture
def compile_text(tmp_path):
    """Write a single-file spec (package t) and check it."""

    def run(text: str, name: str = "t.upel"):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return front([p])

    return run
