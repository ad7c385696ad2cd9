"""IR stage: canonical CBOR encoding and the IR digest.

RFC 8949 section 4.2.1 deterministic encoding: shortest integer heads,
definite lengths, map keys sorted by their encoded bytes. Every map key in
UPEL data is a text string, and for text keys that order is shorter first,
then bytewise (the length is in the key's head); we refuse non-text keys and
floats rather than rely on anything else.

Speed (the digest is taken by `upel ir` and by every backend): one pass
writes the bytes directly into one bytearray (`_fast`), with each map
shape's canonical key order and encoded keys computed once, strings and
integers encoded once, and the bytes of a scalar-only map met a second time
(the lowering shares one dict per type) reused by identity within the call;
it checks every value on the way.
Anything the pass does not expect (tuples, str subclasses, bad values) goes
the slow, general way (cbor2 with `canonical=True`), which also words the
errors. `ir_digest` remembers the last few digests by content (see
`content_key`), so the backends of one `upel gen` share one computation.
"""

from __future__ import annotations

import hashlib
import marshal
from typing import Any

import cbor2


class EncodingError(ValueError):
    pass


def _check(v: Any, path: str = "$", allow_bytes: bool = False) -> None:
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return
    if isinstance(v, bytes) and allow_bytes:
        return
    if isinstance(v, int):
        if not -(1 << 64) <= v < (1 << 64):
            raise EncodingError(f"{path}: integer {v} needs a bignum; UPEL values fit 64 bits")
        return
    if isinstance(v, float):
        raise EncodingError(f"{path}: floats are not allowed in canonical UPEL data")
    if isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            _check(x, f"{path}[{i}]", allow_bytes)
        return
    if isinstance(v, dict):
        for k, x in v.items():
            if not isinstance(k, str):
                raise EncodingError(f"{path}: map key {k!r} is not a text string")
            _check(x, f"{path}.{k}", allow_bytes)
        return
    raise EncodingError(f"{path}: cannot encode {type(v).__name__}")


class _Slow(Exception):
    """The fast pass met something it leaves to the general path."""


_LO, _HI = -(1 << 64), 1 << 64
# (map's keys in their order, drop `loc`) -> (the map's head, ((key, encoded key), ...) in
# canonical order). IR maps come in few shapes, so each is sorted once; bounded for long processes.
_PLANS: dict[tuple, tuple] = {}
# Encoded text strings and integers: names, kinds and small numbers repeat all over an IR.
_TEXT: dict[str, bytes] = {}
_INTS: dict[int, bytes] = {}
_CACHE_LIMIT = 1 << 16


def _head(major: int, n: int) -> bytes:
    """The shortest head of major type `major` with argument `n` (0 <= n < 2**64)."""
    if n < 24:
        return bytes((major << 5 | n,))
    if n < 0x100:
        return bytes((major << 5 | 24, n))
    if n < 0x10000:
        return bytes((major << 5 | 25,)) + n.to_bytes(2, "big")
    if n < 0x1_0000_0000:
        return bytes((major << 5 | 26,)) + n.to_bytes(4, "big")
    return bytes((major << 5 | 27,)) + n.to_bytes(8, "big")


def _text(x: str) -> bytes:
    b = x.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError, as cbor2 does
    out = _head(3, len(b)) + b
    if len(_TEXT) > _CACHE_LIMIT:
        _TEXT.clear()
    _TEXT[x] = out
    return out


def _int(x: int) -> bytes:
    if not _LO <= x < _HI:
        raise _Slow
    out = _head(0, x) if x >= 0 else _head(1, -1 - x)
    if len(_INTS) > _CACHE_LIMIT:
        _INTS.clear()
    _INTS[x] = out
    return out


def _plan(keys: tuple, strip: bool) -> tuple:
    for k in keys:
        if type(k) is not str:
            raise _Slow
    if len(_PLANS) > 4096:
        _PLANS.clear()
    enc = sorted((len(b), b, k) for k in keys if not (strip and k == "loc") for b in (k.encode("utf-8"),))
    out = _PLANS[(keys, strip)] = (_head(5, len(enc)), tuple((k, _text(k)) for _, _, k in enc))
    return out


_SIMPLE = {True: b"\xf5", False: b"\xf4"}
_ARRAYS = [_head(4, n) for n in range(24)]


def _fast(value, strip: bool, allow_bytes: bool) -> bytes:
    """Canonical CBOR of `value` (a dict or list) written directly, or _Slow.

    One recursive pass appends encoded pieces to one bytearray: each map
    shape's canonical key order and encoded keys come from `_PLANS`, strings
    and integers from their caches. A map whose values are all scalars
    (types, locations) and that is met a second time is kept encoded, by
    identity, for the rest of this call: the lowering shares one dict per
    type among all nodes of that type, so each is encoded about once, while
    the many maps met once (locations) cost no copy. Identity is safe here,
    as every object stays alive in `value` until the call returns.
    """
    out = bytearray()
    extend = out.extend
    plans, text, ints = _PLANS, _TEXT, _INTS
    seen: set[int] = set()
    done: dict[int, bytes] = {}

    def scalar(x, t) -> bytes:
        if t is str:
            return text.get(x) or _text(x)
        if t is int:
            return ints.get(x) or _int(x)
        if t is bool:
            return _SIMPLE[x]
        if x is None:
            return b"\xf6"
        if t is bytes and allow_bytes:
            return _head(2, len(x)) + x
        raise _Slow

    def walk(v) -> None:
        if type(v) is dict:
            i = id(v)
            b = done.get(i)
            if b is not None:
                extend(b)
                return
            keys = tuple(v)
            plan = plans.get((keys, strip)) or _plan(keys, strip)
            start = len(out)
            extend(plan[0])
            leaf = True
            for k, kb in plan[1]:
                extend(kb)
                x = v[k]
                t = type(x)
                if t is str:
                    extend(text.get(x) or _text(x))
                elif t is dict or t is list:
                    leaf = False
                    walk(x)
                elif t is int:
                    extend(ints.get(x) or _int(x))
                else:
                    extend(scalar(x, t))
            if leaf:
                if i in seen:
                    done[i] = bytes(out[start:])
                else:
                    seen.add(i)
            return
        n = len(v)
        extend(_ARRAYS[n] if n < 24 else _head(4, n))
        for x in v:
            t = type(x)
            if t is dict or t is list:
                walk(x)
            elif t is str:
                extend(text.get(x) or _text(x))
            elif t is int:
                extend(ints.get(x) or _int(x))
            else:
                extend(scalar(x, t))

    walk(value)
    return bytes(out)


def _encode(value: Any, strip: bool, allow_bytes: bool) -> bytes:
    if type(value) is dict or type(value) is list:
        try:
            return _fast(value, strip, allow_bytes)
        except (_Slow, RecursionError, UnicodeEncodeError):
            pass
    if strip:
        value = strip_locs(value)
    _check(value, allow_bytes=allow_bytes)
    return cbor2.dumps(value, canonical=True)


def canonical_cbor(value: Any, allow_bytes: bool = False) -> bytes:
    """RFC 8949 deterministic CBOR of UPEL data. The IR has no byte strings;
    the audit ledger's entries do (hashes), hence `allow_bytes`."""
    return _encode(value, False, allow_bytes)


def decode_cbor(data: bytes, allow_bytes: bool = False) -> Any:
    """Decode and insist that the bytes were canonical (re-encode and compare)."""
    value = cbor2.loads(data)
    if canonical_cbor(value, allow_bytes) != data:
        raise EncodingError("CBOR data is not in canonical (RFC 8949 deterministic) form")
    return value


def strip_locs(value: Any) -> Any:
    """The semantic view: the same data with every `loc` member removed."""
    if isinstance(value, dict):
        return {k: strip_locs(v) for k, v in value.items() if k != "loc"}
    if isinstance(value, list):
        return [strip_locs(v) for v in value]
    return value


def content_key(doc: Any) -> bytes | None:
    """A hash of `doc`'s exact content, or None if it cannot be taken.

    marshal writes exact types (bool apart from int, no subclasses: those
    are refused) and every value, so equal bytes mean equal content and the
    same digest; equal content may give different bytes (key order, interned
    strings), which only costs a recomputation. Version 2 writes no
    back-references, which would depend on reference counts. Keyed by
    content, a cached digest cannot go stale when a caller mutates a
    document after hashing it.
    """
    try:
        return hashlib.sha256(marshal.dumps(doc, 2)).digest()
    except (ValueError, RecursionError):
        return None


_DIGESTS: dict[bytes, str] = {}


def ir_digest(doc: dict, remember: bool = True) -> str:
    """`sha256:<hex>` over the canonical CBOR of the IR's semantic view.

    `remember=False` for a digest taken once (`upel ir`): recognising the
    document again costs about a fifth of computing its digest."""
    key = content_key(doc) if remember else None
    if key is not None and key in _DIGESTS:
        return _DIGESTS[key]
    digest = "sha256:" + hashlib.sha256(_encode(doc, True, False)).hexdigest()
    if key is not None:
        if len(_DIGESTS) >= 8:
            _DIGESTS.pop(next(iter(_DIGESTS)))  # the oldest (there are 8)
        _DIGESTS[key] = digest
    return digest


def package_digest(doc: dict, name: str) -> str:
    """The IR digest of package `name` with its imports: the digest of the
    document `upel ir` writes with `name` as its root. Backends put it in each
    package's files, so those files are the same whichever root they are
    generated for, and several roots can share one output folder."""
    by_name = {p["name"]: p for p in doc["packages"]}
    order: list[str] = []
    seen: set[str] = set()

    def visit(n: str) -> None:  # the loader's dependency_order, on the IR
        if n in seen or n not in by_name:
            return
        seen.add(n)
        for dep in by_name[n]["imports"]:
            visit(dep)
        order.append(n)

    visit(name)
    return ir_digest({**doc, "root": name, "packages": [by_name[n] for n in order]})
