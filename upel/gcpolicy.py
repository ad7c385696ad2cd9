"""Process-wide garbage-collector policy of the command entry points (`upel`,
the Bazel actions, the benchmarks); library callers keep Python's defaults.

The front end builds large trees (AST, symbol tables, IR: about 1.5 million
objects at 10,000 operators) that contain no reference cycles: the loader's
and checker's walks are module functions, not recursive closures (a tree
test holds them to that), so everything they drop is freed by reference
counting. The cycle collector can only waste time on them:

- `tune_gc` makes young collections rarer (`upel` at the default thresholds
  cost 14x per 10x of spec size instead of 10x);
- `front_end` pauses the collector while specs are read and checked, then
  `gc.freeze()`s what exists, so no later collection walks the AST and IR
  again (they live until the command ends). At 10,000 operators that was
  0.26-0.32 s of young collections in a 2.1-2.3 s front end
  (docs/performance.md);
- `release` (end of a command) unfreezes, so a process that runs commands
  in turn (the test suite) has every object back under the collector.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_tuned = False


def tune_gc() -> None:
    """Collect young objects every 100,000 allocations instead of 700, and opt
    this process in to `front_end`'s pause and freeze."""
    global _tuned
    gc.set_threshold(100_000, 50, 1000)
    _tuned = True


@contextmanager
def front_end() -> Iterator[None]:
    """Read and check specs with the collector paused, then freeze the result
    (only in a process that called `tune_gc`)."""
    if not _tuned:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def release() -> None:
    """End of a command: what `front_end` froze is collectable again."""
    gc.unfreeze()
