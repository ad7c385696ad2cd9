"""Interpreter stage: the integer semantics of language.md, one function each.

Values are Python ints holding the *mathematical* value, always inside the
value set of their type. Every function here is the definition that each
backend must reproduce bit for bit; tests/semantics pins them at the
boundaries (MIN, MAX, -1, 0, widths 1/2/64).
"""

from __future__ import annotations

OVERFLOW, DIV_BY_ZERO, RANGE, INDEX, PRECONDITION, CONVERT = 1, 2, 3, 4, 5, 6

BUILTIN_ERRORS: dict[str, int] = {
    "overflow": OVERFLOW,
    "div_by_zero": DIV_BY_ZERO,
    "range": RANGE,
    "index": INDEX,
    "precondition": PRECONDITION,
    "convert": CONVERT,
}
BUILTIN_ERROR_NAMES = {v: k for k, v in BUILTIN_ERRORS.items()}


class Raised(Exception):
    """An UPEL error outcome (not a Python bug): carries the error code."""

    __slots__ = ("code",)

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def wrap(v: int, signed: bool, width: int) -> int:
    """Two's complement truncation of `v` to `width` bits."""
    v &= (1 << width) - 1
    if signed and v >> (width - 1):
        v -= 1 << width
    return v


def checked(v: int, lo: int, hi: int) -> int:
    if v < lo or v > hi:
        raise Raised(OVERFLOW)
    return v


def clamp(v: int, lo: int, hi: int) -> int:
    return lo if v < lo else hi if v > hi else v


def trunc_div(a: int, b: int) -> int:
    """Division truncating toward zero (Python's // floors)."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def div(a: int, b: int, lo: int, hi: int) -> int:
    if b == 0:
        raise Raised(DIV_BY_ZERO)
    return checked(trunc_div(a, b), lo, hi)


def rem(a: int, b: int, lo: int, hi: int) -> int:
    """Remainder with the sign of the dividend; MIN % -1 == 0."""
    if b == 0:
        raise Raised(DIV_BY_ZERO)
    return checked(a - b * trunc_div(a, b), lo, hi)


def shl(a: int, n: int, signed: bool, width: int) -> int:
    if n >= width:
        return 0
    return wrap(a << n, signed, width)


def shr(a: int, n: int, signed: bool, width: int) -> int:
    """Logical on unsigned, arithmetic on signed; Python's >> on the
    mathematical value is exactly that, including amounts >= width."""
    if n >= width:
        return -1 if (signed and a < 0) else 0
    return a >> n


def bnot(a: int, signed: bool, width: int) -> int:
    return ~a if signed else a ^ ((1 << width) - 1)


def popcount(a: int, width: int) -> int:
    return (a & ((1 << width) - 1)).bit_count()


def bit(a: int, i: int, width: int) -> bool:
    return i < width and bool(((a & ((1 << width) - 1)) >> i) & 1)


def bits(a: int, hi: int, lo: int, width: int) -> int:
    return ((a & ((1 << width) - 1)) >> lo) & ((1 << (hi - lo + 1)) - 1)


def neg(a: int, lo: int, hi: int) -> int:
    return checked(-a, lo, hi)


def abs_(a: int, lo: int, hi: int) -> int:
    return checked(abs(a), lo, hi)
