"""The Starlark rules accept exactly the backends the registry knows."""

import re
from pathlib import Path

from upel.codegen.registry import names

REPO = Path(__file__).resolve().parents[2]


def test_backends_bzl_matches_registry():
    text = (REPO / "bazel" / "private" / "backends.bzl").read_text()
    listed = re.search(r"^BACKENDS = \[(.*?)\]", text, re.M).group(1)
    assert re.findall(r'"(\w+)"', listed) == names()
