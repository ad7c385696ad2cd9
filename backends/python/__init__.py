"""Python backend: typed modules with frozen dataclasses and IntEnums.

Entry points per docs/backends.md: `generate(ir, options) -> {path: text}`,
`tools()`, `run(workdir, cases_path, timeout)`.
"""

from upel.backends.python.generate import generate
from upel.backends.python.runner import run, tools

NAME = "python"

__all__ = ["NAME", "generate", "run", "tools"]
