"""Trust layer: the RFC 9162 Merkle tree of the audit ledger.

Pure functions over a list of leaf hashes (never over entries, so the store
hashes each entry exactly once):

    leaf hash  SHA-256(0x00 || entry bytes)                 RFC 9162 2.1.1
    node hash  SHA-256(0x01 || left || right)
    MTH({})    SHA-256("")                                   (EMPTY_ROOT)
    MTH(D[n])  split at k = the largest power of two < n

`inclusion_proof` / `consistency_proof` build PATH(m, D[n]) and
PROOF(m, D[n]) of sections 2.1.3.1 and 2.1.4.1; `verify_inclusion` and
`verify_consistency` are the verification algorithms of 2.1.3.2 and 2.1.4.2
step by step. Those algorithms consume the proof hash by hash and check at
the end that the walk reached the root (sn == 0), so a proof with one hash
too many or too few fails; we add nothing that could accept what they
reject. Verification raises `ProofError`, it never returns False.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from .errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _mth(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    # Index ranges instead of slices: a root over n leaves copies nothing.
    n = hi - lo
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[lo]
    k = _split(n)
    return node_hash(_mth(leaves, lo, lo + k), _mth(leaves, lo + k, hi))


def root(leaves: Sequence[bytes], size: int | None = None) -> bytes:
    """MTH of the first `size` leaf hashes (all of them by default)."""
    size = len(leaves) if size is None else size
    _check_size(leaves, size)
    return _mth(leaves, 0, size)


def _check_size(leaves: Sequence[bytes], size: int) -> None:
    if not 0 <= size <= len(leaves):
        raise ProofError(f"tree size {size} is out of range: the ledger has {len(leaves)} entries")


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 2.1.3.1, leaf-to-root order."""
    size = len(leaves) if size is None else size
    _check_size(leaves, size)
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    path: list[bytes] = []
    lo, hi, m = 0, size, index
    # Walk down from the root; the sibling of each step is prepended so the
    # result reads from the leaf upwards, as the RFC's recursion returns it.
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            path.append(_mth(leaves, lo + k, hi))
            hi = lo + k
        else:
            path.append(_mth(leaves, lo, lo + k))
            lo, m = lo + k, m - k
    path.reverse()
    return path


def consistency_proof(leaves: Sequence[bytes], old_size: int, size: int | None = None) -> list[bytes]:
    """PROOF(old_size, D[size]) of RFC 9162 2.1.4.1.

    For 0 < old_size < size this is the RFC's SUBPROOF(m, D[n], true). The
    RFC leaves m == 0 and m == n undefined; both get the empty proof here and
    `verify_consistency` treats them specially (see there)."""
    size = len(leaves) if size is None else size
    _check_size(leaves, size)
    if not 0 <= old_size <= size:
        raise ProofError(f"cannot prove consistency from size {old_size} to the smaller size {size}")
    if old_size in (0, size):
        return []
    proof: list[bytes] = []
    lo, hi, m, whole = 0, size, old_size, True
    while True:
        n = hi - lo
        if m == n:
            # SUBPROOF(m, D[m], b): empty when the old tree is this subtree
            # from the left edge (its root is known), else that subtree's root.
            if not whole:
                proof.append(_mth(leaves, lo, hi))
            break
        k = _split(n)
        if m <= k:
            proof.append(_mth(leaves, lo + k, hi))
            hi = lo + k
        else:
            proof.append(_mth(leaves, lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    proof.reverse()
    return proof


def _lsb(x: int) -> bool:
    return bool(x & 1)


def _check_hashes(*hashes: bytes) -> None:
    for h in hashes:
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise ProofError(f"a hash must be {HASH_SIZE} bytes")


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes) -> None:
    """RFC 9162 2.1.3.2: raise ProofError unless `proof` shows that `leaf`
    (a leaf hash) is leaf `index` of the tree of `size` with `root_hash`."""
    _check_hashes(leaf, root_hash, *proof)
    if not 0 <= index < size:  # step 1
        raise ProofError(f"inclusion proof: leaf index {index} is not in a tree of size {size}")
    fn, sn = index, size - 1  # step 2
    r = leaf  # step 3
    for p in proof:  # step 4
        if sn == 0:  # 4a: more hashes than the path has levels
            raise ProofError("inclusion proof: too many hashes")
        if _lsb(fn) or fn == sn:  # 4b
            r = node_hash(p, r)
            while not _lsb(fn) and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1  # 4c
    if sn != 0:  # step 5: hashes missing
        raise ProofError("inclusion proof: too few hashes for the tree size")
    if r != root_hash:
        raise ProofError("inclusion proof: the computed root does not match the expected root")


def verify_consistency(old_size: int, size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """RFC 9162 2.1.4.2: raise ProofError unless `proof` shows that the tree
    of `old_size` with `old_root` is a prefix of the tree of `size` with
    `new_root`.

    Outside the RFC's 0 < old_size < size: a shrinking size is a rollback and
    always fails; equal sizes need an empty proof and equal roots; from the
    empty tree the proof is empty and the old root must be EMPTY_ROOT (every
    tree extends the empty one)."""
    _check_hashes(old_root, new_root, *proof)
    if old_size < 0 or size < 0:
        raise ProofError("consistency proof: tree sizes cannot be negative")
    if old_size > size:
        raise ProofError(f"consistency proof: the tree shrank from {old_size} to {size} entries (rollback)")
    if old_size == size or old_size == 0:
        if proof:
            raise ProofError("consistency proof: expected an empty proof")
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise ProofError("consistency proof: the old root is not the empty tree's root")
        if old_size == size and old_root != new_root:
            raise ProofError(f"consistency proof: two different roots for the same size {size}")
        return
    path = list(proof)
    if not path:  # step 1
        raise ProofError("consistency proof: empty proof")
    if old_size & (old_size - 1) == 0:  # step 2: power of two
        path.insert(0, old_root)
    fn, sn = old_size - 1, size - 1  # step 3
    while _lsb(fn):  # step 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            raise ProofError("consistency proof: too many hashes")
        if _lsb(fn) or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not _lsb(fn) and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    # step 7
    if sn != 0:
        raise ProofError("consistency proof: too few hashes for the tree sizes")
    if fr != old_root:
        raise ProofError("consistency proof: the old root does not match (the old tree is not a prefix)")
    if sr != new_root:
        raise ProofError("consistency proof: the new root does not match")
