"""SMT proof target: case splits on an input with few values.

Z3 proves some goals at once when one small input is fixed and not at all
when it is symbolic. arinc429's `checksum_tracks_word_change` changes word
`i` (a u3) of an 8-word block: with `i` symbolic, the two sums are adder
chains of different shapes that the bit-blaster cannot match (no answer in
120 s); with `i` fixed, Z3's rewriter reduces both to the same sum (0.02 s
per value). So when the whole goal gets no answer, the obligation is split
on the first integer input with at most MAX_CASES values, one script per
value (`<script>.case<k>.smt2`, the value asserted before `(check-sat)`):
proved when every case is, refuted by the first case that is (its model is
replayed on the interpreter like any other), otherwise timed out, naming the
case. The cases cover the input's whole type, so the split is complete.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_CASES = 16


@dataclass(frozen=True)
class Split:
    symbol: str  # the input's SMT constant, `|in:NAME|`
    values: list[int]
    literals: list[str]

    @property
    def name(self) -> str:
        """The input's name in the spec."""
        return self.symbol.strip("|").removeprefix("in:")

    def case(self, text: str, k: int) -> str:
        """The script with input `symbol` fixed to its k-th value."""
        marker = "\n(check-sat)\n"
        assert marker in text, "an obligation script ends with (check-sat)"
        return text.replace(marker, f"\n(assert (= {self.symbol} {self.literals[k]}))" + marker, 1)


def split_input(builder, inputs: list[tuple[str, dict]]) -> Split | None:
    """The first integer input (int, newtype, enum) whose type has at most MAX_CASES
    values, or None."""
    sorts = builder.new_sorts()
    for sym, t in inputs:
        if sorts.is_bool(t) or sorts.scalar(t) is None:
            continue
        lo, hi = sorts.bounds(t)
        if hi - lo + 1 <= MAX_CASES:
            values = list(range(lo, hi + 1))
            return Split(sym, values, [sorts.literal(t, v) for v in values])
    return None


def case_name(name: str, k: int) -> str:
    return name.removesuffix(".smt2") + f".case{k}.smt2"
