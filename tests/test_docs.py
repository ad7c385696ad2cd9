"""Documentation that is generated from code stays in step with it."""

from pathlib import Path

from conftest import assert_golden
from upel.diagnostics import codes_markdown

REPO = Path(__file__).resolve().parents[1]


def test_diagnostics_reference_matches_codes():
    assert_golden(REPO / "docs" / "diagnostics.md", codes_markdown(), "tools/test.sh tests/test_docs.py")


def test_readme_opens_with_the_two_commands():
    text = (REPO / "README.md").read_text()
    blocks = text.split("```")
    first_block = blocks[1]
    assert "tools/setup.sh && tools/demo.sh" in first_block
    assert "tools/setup.sh && tools/test.sh" in first_block
    ci = (REPO / ".ci" / "run").read_text()
    assert "tools/setup.sh && tools/test.sh" in ci
