"""The fast encoding pass and the digest memo of upel.ir.encoding give exactly
what the general path (check, strip, cbor2's canonical sort) gives."""

from __future__ import annotations

import hashlib
import random

import cbor2
import pytest

from upel.ir import encoding
from upel.ir.encoding import EncodingError, canonical_cbor, ir_digest, strip_locs

KEYS = ["a", "b", "ab", "ba", "aa", "loc", "k", "\u00fc", "\u00e9", "\U0001f600", "x" * 23, "y" * 24, "z" * 30]
SCALARS = [0, 1, -1, 23, 24, 255, 256, 65535, 65536, 2**32, 2**64 - 1, -(2**64), True, False, None, "", "a", "\u00fc"]


def _random_value(rnd: random.Random, depth: int = 0):
    r = rnd.random()
    if depth > 4 or r < 0.4:
        return rnd.choice(SCALARS)
    if r < 0.7:
        return [_random_value(rnd, depth + 1) for _ in range(rnd.randrange(4))]
    return {rnd.choice(KEYS): _random_value(rnd, depth + 1) for _ in range(rnd.randrange(5))}


def _reference(value, strip: bool) -> bytes:
    if strip:
        value = strip_locs(value)
    encoding._check(value)
    return cbor2.dumps(value, canonical=True)


def test_fast_pass_matches_cbor2_canonical_on_random_data():
    rnd = random.Random(7)
    for _ in range(3000):
        v = _random_value(rnd)
        assert canonical_cbor(v) == _reference(v, False), v
        if isinstance(v, dict):
            expected = "sha256:" + hashlib.sha256(_reference(v, True)).hexdigest()
            assert ir_digest(v, remember=False) == expected, v
            assert ir_digest(v) == expected, v


@pytest.mark.parametrize("bad,message", [
    ({"a": [1, {"b": 1.5}]}, "$.a[1].b: floats are not allowed"),
    ({"a": [2**64]}, "$.a[0]: integer"),
    ({"a": {1: "x"}}, "$.a: map key 1 is not a text string"),
    ({"a": {"b": b"x"}}, "$.a.b: cannot encode bytes"),
])
def test_errors_still_name_the_place(bad, message):
    with pytest.raises(EncodingError, match=message.replace("$", r"\$").replace("[", r"\[").replace("]", r"\]")):
        canonical_cbor(bad)
    with pytest.raises(EncodingError):
        ir_digest(bad)


def test_tuples_and_str_subclasses_take_the_general_path():
    class Name(str):
        pass

    v = {"a": (1, 2), "b": Name("x")}
    assert canonical_cbor(v) == cbor2.dumps({"a": [1, 2], "b": "x"}, canonical=True)
    assert ir_digest(v) == ir_digest({"a": [1, 2], "b": "x"})


def test_digest_is_computed_once_per_content(monkeypatch):
    # Counted at hashlib.sha256, which the compiled module (tools/build_native.py)
    # calls through the hashlib module too; its call to _encode is direct, where
    # patching the module attribute cannot see it. One hash for the content key,
    # one for the digest itself.
    calls = []
    real = hashlib.sha256
    monkeypatch.setattr(hashlib, "sha256", lambda *a: calls.append(1) or real(*a))
    doc = {"format": "upel-ir", "packages": [{"name": "p", "loc": {"line": 1}, "n": 3}]}
    first = ir_digest(doc)
    assert len(calls) == 2
    same_content = {"format": "upel-ir", "packages": [{"name": "p", "loc": {"line": 1}, "n": 3}]}
    assert ir_digest(same_content) == first
    assert len(calls) == 3  # the key only: the digest was remembered
    assert ir_digest(doc, remember=False) == first
    assert len(calls) == 4  # the digest only


def test_memo_cannot_go_stale_when_a_document_is_mutated():
    doc = {"packages": [{"name": "p", "n": 3}]}
    before = ir_digest(doc)
    doc["packages"][0]["n"] = 4  # mutated in place, deep inside
    after = ir_digest(doc)
    assert after != before
    assert after == ir_digest({"packages": [{"name": "p", "n": 4}]}, remember=False)
    doc["packages"][0]["n"] = True  # equal to 1 in Python, different in CBOR
    assert ir_digest(doc) == ir_digest({"packages": [{"name": "p", "n": True}]}, remember=False)
    doc["packages"][0]["n"] = 1
    assert ir_digest(doc) != ir_digest({"packages": [{"name": "p", "n": True}]}, remember=False)


def test_shared_maps_match_the_reference_and_are_not_remembered_across_calls():
    # The lowering shares one dict per type; the fast pass remembers a
    # scalar-only map's encoding by identity, within one call only.
    t = {"k": "int", "signed": False, "width": 32}
    doc = {"a": [t, {"t": t, "loc": {"line": 1}}, t], "b": {"t": t}}
    assert canonical_cbor(doc) == _reference(doc, False)
    assert ir_digest(doc, remember=False) == "sha256:" + hashlib.sha256(_reference(doc, True)).hexdigest()
    t["width"] = 8
    assert canonical_cbor(doc) == _reference(doc, False)
    assert ir_digest(doc, remember=False) == "sha256:" + hashlib.sha256(_reference(doc, True)).hexdigest()
