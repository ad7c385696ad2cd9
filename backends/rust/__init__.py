"""Rust backend: crate-less modules for plain `rustc --edition 2021` (1.63 or newer).

See backends/rust/README.md for the generated layout and docs/backends.md for
the contract.
"""

from __future__ import annotations

from upel.backends.rust.generate import generate
from upel.backends.rust.runner import run, tools

NAME = "rust"

__all__ = ["NAME", "generate", "run", "tools"]
