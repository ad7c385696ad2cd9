"""Trust layer: inclusion and consistency proofs as JSON, verified offline.

`upel ledger prove` writes one of these; `upel ledger verify-proof` checks
it with nothing but the file (and, to anchor the root, a trusted root hash
or a signed checkpoint). Hashes are lower-case hex; docs/ledger.md shows both.

    {"schema": "upel-ledger-proof/1", "type": "inclusion", "origin": ...,
     "leaf_index": i, "tree_size": n, "entry": <hex CBOR>, "leaf_hash": <hex>,
     "hashes": [<hex>, ...], "root": <hex>}
    {"schema": "upel-ledger-proof/1", "type": "consistency", "origin": ...,
     "old_size": m, "old_root": <hex>, "tree_size": n, "root": <hex>,
     "hashes": [<hex>, ...]}

The inclusion proof carries the entry itself, so the verifier recomputes
the leaf hash from it and checks that the entry's own `index` is the leaf
index: a proof cannot be moved to another entry. Parsing is strict (unknown
or missing members are errors) because a lenient proof parser is how extra
fields end up trusted.
"""

from __future__ import annotations

from typing import Any

from . import merkle
from .errors import ProofError
from .store import Ledger, decode

PROOF_SCHEMA = "upel-ledger-proof/1"
_FIELDS = {
    "inclusion": {"schema", "type", "origin", "leaf_index", "tree_size", "entry", "leaf_hash", "hashes", "root"},
    "consistency": {"schema", "type", "origin", "old_size", "old_root", "tree_size", "root", "hashes"},
}


def inclusion(led: Ledger, index: int, size: int | None = None) -> dict:
    size = led.size if size is None else size
    path = merkle.inclusion_proof(led.leaves, index, size)
    return {"schema": PROOF_SCHEMA, "type": "inclusion", "origin": led.origin, "leaf_index": index,
            "tree_size": size, "entry": led.entries[index].hex(), "leaf_hash": led.leaves[index].hex(),
            "hashes": [h.hex() for h in path], "root": led.root(size).hex()}


def consistency(led: Ledger, old_size: int, size: int | None = None) -> dict:
    size = led.size if size is None else size
    path = merkle.consistency_proof(led.leaves, old_size, size)
    return {"schema": PROOF_SCHEMA, "type": "consistency", "origin": led.origin, "old_size": old_size,
            "old_root": led.root(old_size).hex(), "tree_size": size, "root": led.root(size).hex(),
            "hashes": [h.hex() for h in path]}


def _hash(doc: dict, key: str) -> bytes:
    v = doc[key]
    try:
        raw = bytes.fromhex(v) if isinstance(v, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != merkle.HASH_SIZE or raw.hex() != v:
        raise ProofError(f"proof: {key} must be 64 lower-case hex digits")
    return raw


def _size(doc: dict, key: str) -> int:
    v = doc[key]
    if type(v) is not int or v < 0:
        raise ProofError(f"proof: {key} must be a non-negative integer")
    return v


def verify(doc: Any) -> tuple[str, list[tuple[int, bytes]]]:
    """Check a proof document on its own. Returns its origin and the (tree
    size, root) pairs it proves something about, for the caller to anchor
    (a proof is only as good as the root it ends in); raises."""
    if not isinstance(doc, dict) or doc.get("schema") != PROOF_SCHEMA or doc.get("type") not in _FIELDS:
        raise ProofError(f"not a {PROOF_SCHEMA} document of type inclusion or consistency")
    want = _FIELDS[doc["type"]]
    if set(doc) != want:
        extra, missing = sorted(set(doc) - want), sorted(want - set(doc))
        raise ProofError(f"proof: unexpected members {extra}, missing members {missing}")
    if not isinstance(doc["hashes"], list):
        raise ProofError("proof: hashes must be a list")
    hashes = [_hash({"hash": h}, "hash") for h in doc["hashes"]]
    origin = doc["origin"]
    if not isinstance(origin, str):
        raise ProofError("proof: origin must be a string")
    size, root = _size(doc, "tree_size"), _hash(doc, "root")
    if doc["type"] == "inclusion":
        index, leaf = _size(doc, "leaf_index"), _hash(doc, "leaf_hash")
        try:
            entry = bytes.fromhex(doc["entry"]) if isinstance(doc["entry"], str) else None
        except ValueError:
            entry = None
        if entry is None or merkle.leaf_hash(entry) != leaf:
            raise ProofError("proof: the entry does not hash to leaf_hash")
        try:
            value = decode(entry)
        except Exception:  # noqa: BLE001 - any decoding failure means a bad proof
            raise ProofError("proof: the entry is not canonical CBOR") from None
        if not isinstance(value, dict) or value.get("index") != index:
            raise ProofError(f"proof: the entry's own index is not leaf_index {index}")
        merkle.verify_inclusion(index, size, leaf, hashes, root)
        return origin, [(size, root)]
    old_size, old_root = _size(doc, "old_size"), _hash(doc, "old_root")
    merkle.verify_consistency(old_size, size, old_root, root, hashes)
    return origin, [(old_size, old_root), (size, root)]
