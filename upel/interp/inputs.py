"""Interpreter stage: random and boundary inputs for any IR type.

Used by `upel test` (properties, ensures on random calls) and by the
differential harness of the backends. Generation is seeded and depends only
on the IR and the seed, so every run and every machine sees the same inputs.
Boundary values (MIN, MAX, 0, +-1, range ends, powers of two around them)
are mixed in with a fixed share, because that is where semantics differ.
"""

from __future__ import annotations

import random
from typing import Any

from upel.ir.model import IRIndex

BOUNDARY_SHARE = 0.35


def boundary_values(lo: int, hi: int, width: int) -> list[int]:
    cands = {lo, hi, lo + 1, hi - 1, 0, 1, -1, 2, -2}
    for k in range(0, width + 1):
        for v in (1 << k, (1 << k) - 1, -(1 << k), -(1 << k) + 1):
            cands.add(v)
    return sorted(v for v in cands if lo <= v <= hi)


class InputGen:
    def __init__(self, index: IRIndex, seed: int) -> None:
        self.ix = index
        self.rng = random.Random(seed)
        self._bounds: dict[tuple, list[int]] = {}

    def value(self, t: dict) -> Any:
        k = t["k"]
        if k == "bool":
            return self.rng.random() < 0.5
        if k == "array":
            return tuple(self.value(t["elem"]) for _ in range(t["len"]))
        info = self.ix.int_info(t)
        if info is not None:
            return self._int(info.lo, info.hi, info.width)
        d = self.ix.decl(t)
        if d["kind"] == "enum":
            # Mostly valid members; enum inputs are always members (the type
            # cannot hold anything else), so no invalid discriminants here.
            return self.rng.choice(d["members"])["value"]
        return {f["name"]: self.value(f["type"]) for f in d["fields"]}

    def _int(self, lo: int, hi: int, width: int) -> int:
        if self.rng.random() < BOUNDARY_SHARE:
            key = (lo, hi, width)
            b = self._bounds.get(key)
            if b is None:
                b = self._bounds[key] = boundary_values(lo, hi, width)
            return self.rng.choice(b)
        if self.rng.random() < 0.3:
            # Small magnitudes: where most real data lives and many requires hold.
            span = min(hi - lo, 1000)
            base = max(lo, min(0, hi - span))
            return self.rng.randint(base, base + span)
        return self.rng.randint(lo, hi)

    def args(self, params: list[dict]) -> list[Any]:
        return [self.value(p["type"]) for p in params]
