"""An independent model of the integer rules of docs/language.md.

Written from the language text only (it never imports upel.interp): every
expected value in this suite is either written by hand or computed here.
Functions return an *outcome* like the interpreter's: {"value": v} or
{"error": code}. The formulations are deliberately different from the
interpreter's (modular arithmetic, Fraction truncation, floor division).
"""

from __future__ import annotations

import math
from fractions import Fraction

OVERFLOW, DIV_BY_ZERO, RANGE, INDEX, PRECONDITION, CONVERT = 1, 2, 3, 4, 5, 6


def V(v) -> dict:
    return {"value": v}


def E(code: int) -> dict:
    return {"error": code}


class Ty:
    """A primitive integer type `u<w>` / `i<w>`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.signed = name[0] == "i"
        self.width = int(name[1:])
        self.modulus = 2**self.width
        if self.signed:
            self.min, self.max = -(2 ** (self.width - 1)), 2 ** (self.width - 1) - 1
        else:
            self.min, self.max = 0, 2**self.width - 1

    def __repr__(self) -> str:
        return self.name

    def fits(self, v: int) -> bool:
        return self.min <= v <= self.max

    # two's complement
    def bits_of(self, v: int) -> int:
        """The width-bit pattern (as a non-negative int) of the value v."""
        assert self.fits(v), (v, self)
        return v % self.modulus

    def from_bits(self, b: int) -> int:
        """Interpret any integer's low `width` bits as a value of this type."""
        b %= self.modulus
        if self.signed and b >= self.modulus // 2:
            return b - self.modulus
        return b

    def boundary(self) -> list[int]:
        """MIN, MIN+1, -1, 0, 1, 2, MAX-1, MAX (and 2^63 +- 1 for 64-bit), those in range."""
        cands = [self.min, self.min + 1, -1, 0, 1, 2, self.max - 1, self.max]
        if self.width == 64 and not self.signed:
            cands += [2**63 - 1, 2**63, 2**63 + 1]
        if self.width == 64 and self.signed:
            cands += [2**32, -(2**32)]
        out = []
        for c in cands:
            if self.fits(c) and c not in out:
                out.append(c)
        return out

    def all_values(self) -> list[int]:
        return list(range(self.min, self.max + 1))


def checked(v: int, lo: int, hi: int) -> dict:
    return V(v) if lo <= v <= hi else E(OVERFLOW)


def saturate(v: int, lo: int, hi: int) -> dict:
    return V(max(lo, min(hi, v)))


def trunc_div(a: int, b: int) -> int:
    """The mathematical quotient rounded toward zero."""
    return math.trunc(Fraction(a, b))


def arith(op: str, t: Ty, a: int, b: int, lo: int | None = None, hi: int | None = None) -> dict:
    """Binary arithmetic on a type whose value set is [lo, hi] (default: the
    type's); wrapping operators wrap modulo 2^width of the storage type."""
    lo = t.min if lo is None else lo
    hi = t.max if hi is None else hi
    if op in ("+", "-", "*"):
        m = {"+": a + b, "-": a - b, "*": a * b}[op]
        return checked(m, lo, hi)
    if op in ("+%", "-%", "*%"):
        m = {"+%": a + b, "-%": a - b, "*%": a * b}[op]
        return V(t.from_bits(m))
    if op in ("+|", "-|", "*|"):
        m = {"+|": a + b, "-|": a - b, "*|": a * b}[op]
        return saturate(m, lo, hi)
    if op == "/":
        if b == 0:
            return E(DIV_BY_ZERO)
        return checked(trunc_div(a, b), lo, hi)
    if op == "%":
        if b == 0:
            return E(DIV_BY_ZERO)
        r = a - b * trunc_div(a, b)
        return checked(r, lo, hi)
    if op in ("&", "|", "^"):
        x, y = t.bits_of(a), t.bits_of(b)
        r = {"&": x & y, "|": x | y, "^": x ^ y}[op]
        return V(t.from_bits(r))
    raise AssertionError(op)


def neg(t: Ty, a: int, lo: int | None = None, hi: int | None = None) -> dict:
    return checked(-a, t.min if lo is None else lo, t.max if hi is None else hi)


def bnot(t: Ty, a: int) -> int:
    return t.from_bits((t.modulus - 1) - t.bits_of(a))


def shl(t: Ty, a: int, n: int) -> int:
    """Bits move up by n; bits above the width fall out."""
    if n >= t.width:
        return 0
    return t.from_bits(t.bits_of(a) * 2**n)


def shr(t: Ty, a: int, n: int) -> int:
    """Logical on unsigned (zeros come in), arithmetic on signed (copies of
    the sign bit come in) = floor division by 2^n of the value."""
    n = min(n, t.width)  # beyond the width every bit is shifted out
    return math.floor(Fraction(a, 2**n))


def cast(dst: Ty, v: int) -> int:
    """`v as dst` for a mathematical value v of any integer type: the two's
    complement bits, truncated or sign-extended to dst."""
    return dst.from_bits(v)


def popcount(t: Ty, a: int) -> int:
    return bin(t.bits_of(a)).count("1")  # noqa: FURB161 (deliberately not int.bit_count, which intops uses)


def bit(t: Ty, a: int, i: int) -> bool:
    if i >= t.width:
        return False
    return (t.bits_of(a) // 2**i) % 2 == 1


def bits(t: Ty, a: int, hi: int, lo: int) -> int:
    return (t.bits_of(a) // 2**lo) % 2 ** (hi - lo + 1)
