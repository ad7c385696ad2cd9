"""Trust layer: the RFC 9162 Merkle tree and the RFC 8949 encoding of ledger entries.

Every inclusion proof (index, size) and every consistency proof (m, n) of
trees of 1..64 leaves is checked three ways: it verifies with the RFC
9162 2.1.3.2 / 2.1.4.2 algorithms, it equals what a naive transcription of
the RFC's recursive definitions (written here, independently) gives, and
mutated copies (a bit flipped, a hash added or dropped, the wrong index or
size) are rejected. Fixed roots pin the hashing itself.
"""

from __future__ import annotations

import hashlib

import pytest

from upel.ir.encoding import canonical_cbor
from upel.trust.ledger import merkle
from upel.trust.ledger.errors import LedgerError, ProofError
from upel.trust.ledger.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from upel.trust.ledger.store import encode

# ---- the naive reference: RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1 word for word, on lists of entries


def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return H(b"")
    if len(d) == 1:
        return H(b"\x00" + d[0])
    k = ref_k(len(d))
    return H(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = ref_k(len(d))
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = ref_k(n)
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


DATA = [bytes([i]) * (i % 5) for i in range(64)]  # includes b"" and repeated bytes
LEAVES = [leaf_hash(x) for x in DATA]
ROOTS = [root(LEAVES, n) for n in range(65)]


def test_roots_match_the_reference_for_every_size():
    for n in range(65):
        assert ROOTS[n] == ref_mth(DATA[:n]), n


def test_every_inclusion_proof_verifies_and_equals_the_reference():
    for n in range(1, 65):
        for i in range(n):
            proof = inclusion_proof(LEAVES, i, n)
            assert proof == ref_path(i, DATA[:n]), (i, n)
            verify_inclusion(i, n, LEAVES[i], proof, ROOTS[n])


def test_every_consistency_proof_verifies_and_equals_the_reference():
    for n in range(1, 65):
        for m in range(1, n):
            proof = consistency_proof(LEAVES, m, n)
            assert proof == ref_proof(m, DATA[:n]), (m, n)
            verify_consistency(m, n, ROOTS[m], ROOTS[n], proof)
        verify_consistency(n, n, ROOTS[n], ROOTS[n], consistency_proof(LEAVES, n, n))
        verify_consistency(0, n, EMPTY_ROOT, ROOTS[n], consistency_proof(LEAVES, 0, n))


def _flip(h: bytes, bit: int) -> bytes:
    return h[:bit // 8] + bytes([h[bit // 8] ^ (1 << bit % 8)]) + h[bit // 8 + 1:]


def test_every_mutated_inclusion_proof_is_rejected():
    junk = H(b"junk")
    for n in range(1, 65):
        for i in range(n):
            proof = inclusion_proof(LEAVES, i, n)
            bad = [proof + [junk], proof[:-1], [junk] + proof]
            bad += [proof[:j] + [_flip(proof[j], (i + j) % 256)] + proof[j + 1:] for j in range(len(proof))]
            for p in bad:
                if p != proof:
                    with pytest.raises(ProofError):
                        verify_inclusion(i, n, LEAVES[i], p, ROOTS[n])
            with pytest.raises(ProofError):
                verify_inclusion(i, n, _flip(LEAVES[i], 3), proof, ROOTS[n])
            with pytest.raises(ProofError):
                verify_inclusion(i, n, LEAVES[i], proof, _flip(ROOTS[n], 200))
            for j in (i - 1, i + 1):  # the right proof at the wrong index
                if 0 <= j and LEAVES[j % n] != LEAVES[i]:
                    with pytest.raises(ProofError):
                        verify_inclusion(j, n, LEAVES[i], proof, ROOTS[n])
            # Or the wrong size, with that size's honest root. (With the same
            # root a size can be mislabelled without harm: the RFC algorithm
            # only reads the size's bit pattern, and a root names one tree;
            # signed checkpoints bind size and root together.)
            for size in (n - 1, n + 1, 2 * n):
                if i < size <= 64:
                    with pytest.raises(ProofError):
                        verify_inclusion(i, size, LEAVES[i], proof, ROOTS[size])


def test_every_mutated_consistency_proof_is_rejected():
    junk = H(b"junk")
    for n in range(2, 65):
        for m in range(1, n):
            proof = consistency_proof(LEAVES, m, n)
            bad = [proof + [junk], proof[:-1], [junk] + proof, proof[1:]]
            bad += [proof[:j] + [_flip(proof[j], j * 7 % 256)] + proof[j + 1:] for j in range(len(proof))]
            for p in bad:
                with pytest.raises(ProofError):
                    verify_consistency(m, n, ROOTS[m], ROOTS[n], p)
            with pytest.raises(ProofError):  # a rollback: the sizes swapped
                verify_consistency(n, m, ROOTS[n], ROOTS[m], proof)
            with pytest.raises(ProofError):  # an old tree that is not a prefix
                verify_consistency(m, n, _flip(ROOTS[m], 9), ROOTS[n], proof)
            with pytest.raises(ProofError):
                verify_consistency(m, n, ROOTS[m], _flip(ROOTS[n], 9), proof)
            for mm, nn in ((m + 1, n), (m, n + 1), (m - 1, n), (m, n - 1)):
                if 0 < mm < nn <= 64:  # the wrong sizes, with their honest roots
                    with pytest.raises(ProofError):
                        verify_consistency(mm, nn, ROOTS[mm], ROOTS[nn], proof)


def test_edge_cases_outside_the_rfc_range():
    with pytest.raises(ProofError, match="empty proof"):
        verify_consistency(3, 3, ROOTS[3], ROOTS[3], [ROOTS[3]])
    with pytest.raises(ProofError, match="two different roots"):
        verify_consistency(3, 3, ROOTS[3], ROOTS[4], [])
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 3, ROOTS[1], ROOTS[3], [])
    with pytest.raises(ProofError, match="rollback"):
        verify_consistency(4, 3, ROOTS[4], ROOTS[3], [])
    with pytest.raises(ProofError):
        verify_inclusion(0, 0, LEAVES[0], [], EMPTY_ROOT)
    with pytest.raises(ProofError):
        verify_inclusion(0, 1, LEAVES[0], [], b"short")
    with pytest.raises(ProofError):
        inclusion_proof(LEAVES, 5, 5)
    with pytest.raises(ProofError):
        consistency_proof(LEAVES, 6, 5)
    assert issubclass(ProofError, LedgerError)


# ---- pinned values


def test_empty_tree_root_is_sha256_of_nothing():
    assert root([]) == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


# The leaves of the RFC 6962 reference tests (certificate-transparency);
# these roots are the published values for sizes 1..8.
CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_pinned_roots_and_proofs():
    leaves = [leaf_hash(bytes.fromhex(x)) for x in CT_LEAVES]
    assert [root(leaves, n).hex() for n in range(1, 9)] == CT_ROOTS
    assert [h.hex() for h in inclusion_proof(leaves, 0, 8)] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]
    assert [h.hex() for h in consistency_proof(leaves, 6, 8)] == [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]
    assert [h.hex() for h in consistency_proof(leaves, 2, 5)] == [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]
    # Our own pin: the 64-leaf tree of DATA above.
    assert ROOTS[64].hex() == PINNED_64


PINNED_64 = "fbe38986166c51e6ecb8971c18f77adda46a18ff2a9272705482303c4e1c43b0"


def test_leaf_and_node_hashes_are_domain_separated():
    assert leaf_hash(b"") == H(b"\x00")
    assert merkle.node_hash(b"a" * 32, b"b" * 32) == H(b"\x01" + b"a" * 32 + b"b" * 32)
    # A leaf whose data looks like two child hashes is not the node over them.
    two = LEAVES[0] + LEAVES[1]
    assert leaf_hash(two) != merkle.node_hash(LEAVES[0], LEAVES[1])


# ---- RFC 8949 deterministic encoding (Appendix A examples, section 4.2.1 key order)


@pytest.mark.parametrize("value, hex_", [
    (0, "00"), (1, "01"), (10, "0a"), (23, "17"), (24, "1818"), (25, "1819"), (100, "1864"),
    (1000, "1903e8"), (1000000, "1a000f4240"), (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"), (-1, "20"), (-10, "29"), (-100, "3863"),
    (-1000, "3903e7"), (False, "f4"), (True, "f5"), (None, "f6"), ("", "60"), ("a", "6161"),
    ("IETF", "6449455446"), ("\u00fc", "62c3bc"), ("\u6c34", "63e6b0b4"), ([], "80"),
    ([1, 2, 3], "83010203"), ([1, [2, 3], [4, 5]], "8301820203820405"), ({}, "a0"),
    ({"a": 1, "b": [2, 3]}, "a26161016162820203"), (["a", {"b": "c"}], "826161a161626163"),
    ({"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"}, "a56161614161626142616361436164614461656145"),
])
def test_rfc8949_appendix_a(value, hex_):
    assert canonical_cbor(value).hex() == hex_
    assert encode(value).hex() == hex_


def test_rfc8949_byte_strings_in_entries():
    assert encode(b"").hex() == "40"
    assert encode(bytes.fromhex("01020304")).hex() == "4401020304"
    assert encode({"prev": bytes(2)}).hex() == "a1647072657642" + "0000"


def test_map_keys_sort_by_encoded_bytes_shorter_first():
    # RFC 8949 4.2.1: keys sorted by their encoded bytes; for text keys that
    # is length first ("b" < "aa" < "ab" < "index" < "payload"), then bytewise.
    value = {"payload": 1, "aa": 2, "b": 3, "ab": 4, "index": 5, "z": 6}
    data = encode(value)
    assert data.hex() == ("a6" "6162" "03" "617a" "06" "626161" "02" "626162" "04"
                          "65696e646578" "05" "677061796c6f6164" "01")
    assert data == canonical_cbor(value)


def test_entry_encoding_refuses_floats_and_non_text_keys():
    from upel.ir.encoding import EncodingError

    with pytest.raises(EncodingError):
        encode({"x": 1.5})
    with pytest.raises(EncodingError):
        encode({1: "x"})
    with pytest.raises(EncodingError):
        encode({"x": 1 << 70})
