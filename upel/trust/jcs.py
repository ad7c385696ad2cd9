"""Trust layer: RFC 8785 JSON Canonicalization Scheme (JCS).

Schema digests, registry digests and the schema lock hash JSON through
`canonicalize`, so anyone with any RFC 8785 implementation (JavaScript's
`JSON.stringify` over sorted keys, Go's `jcs`, ...) recomputes the same
SHA-256 from the same file. The implementation covers exactly what JSON
text decodes to in Python: dict (text keys), list, str, int, float, bool,
None.

- Object members are sorted by the UTF-16 code units of their names
  (RFC 8785 section 3.2.3), not by code points: U+FB33 sorts before
  U+1F600 because the latter's first code unit is the surrogate 0xD83D.
- Strings use the escaping of section 3.2.2.2: the two-character escapes
  for \\b \\t \\n \\f \\r \\" \\\\, `\\u00xx` (lower-case hex) for the other
  controls below U+0020, and every other character as itself in UTF-8.
- Numbers are serialized like ECMAScript's Number.prototype.toString
  (section 3.2.2.3). JSON numbers are IEEE 754 doubles in JCS, so an integer
  beyond 2^53 is first rounded to the nearest double exactly as a JavaScript
  verifier would (18446744073709551615 becomes "18446744073709552000"):
  that is what keeps the digest interoperable. NaN and infinities are
  rejected, as are lone surrogates (not representable in UTF-8).
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

_SAFE_INT = 2**53

_ESCAPES = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}


class JCSError(ValueError):
    """A value has no RFC 8785 form (NaN, infinity, lone surrogate, non-text key, other type)."""


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of `value`."""
    parts: list[str] = []
    _emit(value, parts, "$")
    text = "".join(parts)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise JCSError(f"lone surrogate U+{ord(text[e.start]):04X} cannot be encoded as UTF-8") from None


def digest(value: Any) -> str:
    """`sha256:<hex>` of the canonical bytes (the form every UPEL digest takes)."""
    return "sha256:" + hashlib.sha256(canonicalize(value)).hexdigest()


def _emit(value: Any, out: list[str], path: str) -> None:
    # bool before int: True is an int in Python but `true` in JSON.
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(_int(value))
    elif isinstance(value, float):
        out.append(number(value))
    elif isinstance(value, str):
        out.append(string(value))
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _emit(item, out, f"{path}[{i}]")
        out.append("]")
    elif isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise JCSError(f"{path}: object key {key!r} is not a string")
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_key)):
            if i:
                out.append(",")
            out.append(string(key))
            out.append(":")
            _emit(value[key], out, f"{path}.{key}")
        out.append("}")
    else:
        raise JCSError(f"{path}: {type(value).__name__} is not a JSON value")


def _utf16_key(key: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly like sequences of code units.
    return key.encode("utf-16-be", "surrogatepass")


def string(s: str) -> str:
    """A JSON string literal with RFC 8785 escaping."""
    out = ['"']
    for ch in s:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _int(n: int) -> str:
    if -_SAFE_INT <= n <= _SAFE_INT:
        return str(n)  # exactly representable: ES prints the plain integer
    try:
        return number(float(n))
    except OverflowError:
        raise JCSError(f"integer {n} is outside the range of an IEEE 754 double") from None


def number(x: float) -> str:
    """ECMAScript Number::toString(x) (ECMA-262, 7.1.12.1) for a finite double."""
    if not math.isfinite(x):
        raise JCSError(f"{x} is not a finite number; RFC 8785 has no form for it")
    if x == 0:
        return "0"  # also -0
    if x < 0:
        return "-" + number(-x)
    # repr() gives the shortest digit string that round-trips, choosing the
    # candidate closest to x: the (s, k, n) that ECMA-262 asks for.
    mantissa, _, exp = repr(x).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    digits = (int_part + frac_part).lstrip("0")
    # n: position of the decimal point relative to the first significant digit.
    n = len(int_part.lstrip("0")) if int_part.strip("0") else -(len(frac_part) - len(frac_part.lstrip("0")))
    n += int(exp or 0)
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    if k == 1:
        return f"{digits}e{sign}{abs(e)}"
    return f"{digits[0]}.{digits[1:]}e{sign}{abs(e)}"
