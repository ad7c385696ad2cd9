"""IR stage: canonical CBOR encoding and the IR digest.

RFC 8949 section 4.2.1 deterministic encoding: shortest integer heads,
definite lengths, map keys sorted by their encoded bytes. Every map key in
UPEL data is a text string, and for text keys cbor2's `canonical=True`
ordering (shorter first, then bytewise) is exactly the RFC 8949 order; we
refuse non-text keys and floats rather than rely on anything else.
"""

from __future__ import annotations

import hashlib
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


def canonical_cbor(value: Any, allow_bytes: bool = False) -> bytes:
    """RFC 8949 deterministic CBOR of UPEL data. The IR has no byte strings;
    the audit ledger's entries do (hashes), hence `allow_bytes`."""
    _check(value, allow_bytes=allow_bytes)
    return cbor2.dumps(value, canonical=True)


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


def ir_digest(doc: dict) -> str:
    """`sha256:<hex>` over the canonical CBOR of the IR's semantic view."""
    return "sha256:" + hashlib.sha256(canonical_cbor(strip_locs(doc))).hexdigest()


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
