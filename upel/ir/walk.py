"""IR stage: traversal of IR trees, shared by the back ends and the provers.

An IR document is JSON-shaped (docs/ir.md): dicts and lists all the way down.
Passes that only look for nodes of some kind (the locals an expression reads,
the longest fold, whether a package uses an operator) walk it with `nodes`
instead of each writing its own recursion. The walk is iterative, so deep
expressions cannot hit Python's recursion limit.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator


def _all_values(node: dict) -> Iterable[Any]:
    return node.values()


def nodes(tree: Any, children: Callable[[dict], Iterable[Any]] = _all_values) -> Iterator[dict]:
    """Every dict of `tree` (an expression, a function, a package, or lists of
    them), parents before children, in document order. `children(node)` says
    where to descend below a node (default: all its values), so that a pass can
    leave out, say, fold bodies."""
    stack: list[Any] = [tree]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            yield x
            stack.extend(reversed(list(children(x))))
        elif isinstance(x, list):
            stack.extend(reversed(x))
