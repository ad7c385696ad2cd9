"""Fixtures for the verification tests."""

from __future__ import annotations

import pytest

from ._common import ir_of


@pytest.fixture
def spec_ir(tmp_path):
    """IR of a one-file spec given as text (package line included)."""

    def make(text: str) -> dict:
        p = tmp_path / "spec.upel"
        p.write_text(text, encoding="utf-8")
        return ir_of(p, spec_path=())

    return make
