"""IR stage: canonical CBOR, the semantic digest, and determinism of IR output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import front
from upel.ir.encoding import EncodingError, canonical_cbor, decode_cbor, ir_digest, strip_locs

REPO = Path(__file__).resolve().parents[2]

# RFC 8949 Appendix A (integers, simple values, strings, arrays, maps with text keys).
RFC8949 = [
    (0, "00"), (1, "01"), (10, "0a"), (23, "17"), (24, "1818"), (25, "1819"), (100, "1864"),
    (1000, "1903e8"), (1000000, "1a000f4240"), (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"), (-18446744073709551616, "3bffffffffffffffff"),
    (-1, "20"), (-10, "29"), (-100, "3863"), (-1000, "3903e7"),
    (False, "f4"), (True, "f5"), ("", "60"), ("a", "6161"), ("IETF", "6449455446"),
    ("\u00fc", "62c3bc"), ([], "80"), ([1, 2, 3], "83010203"), ({}, "a0"),
    ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
]


@pytest.mark.parametrize("value,hexbytes", RFC8949)
def test_rfc8949_examples(value, hexbytes):
    assert canonical_cbor(value).hex() == hexbytes
    assert decode_cbor(bytes.fromhex(hexbytes)) == value


def test_map_keys_sort_length_first_then_bytewise():
    # RFC 8949 4.2.1: sorted by encoded key bytes, so shorter text keys first.
    assert canonical_cbor({"bb": 1, "a": 2, "ab": 3}).hex() == "a36161026261620362626201"
    enc = canonical_cbor({"bb": 1, "a": 2, "ab": 3})
    assert decode_cbor(enc) == {"a": 2, "ab": 3, "bb": 1}
    assert list(decode_cbor(enc)) == ["a", "ab", "bb"]


def test_rejects_non_canonical_and_non_upel_data():
    with pytest.raises(EncodingError):
        canonical_cbor({"x": 1.5})
    with pytest.raises(EncodingError):
        canonical_cbor({1: "int key"})
    with pytest.raises(EncodingError):
        decode_cbor(bytes.fromhex("1817"))  # 23 encoded in two bytes: not shortest form


SPEC = """package d version "1.0.0";
/// Adds.
@req("D-1")
fn add(a: u8, b: u8) -> u8 { a + b }
vectors add { (1, 2) -> 3; }
"""


def _digest(tmp_path: Path, text: str, name: str = "d.upel") -> str:
    d = tmp_path / name.replace(".upel", "")
    d.mkdir(exist_ok=True)
    (d / "d.upel").write_text(text)
    sink, _, docs = front([d / "d.upel"])
    assert docs, [x.message for x in sink.items]
    return ir_digest(docs["d"])


def test_digest_ignores_formatting_and_plain_comments(tmp_path):
    base = _digest(tmp_path, SPEC, "a.upel")
    reformatted = SPEC.replace("fn add(a: u8, b: u8) -> u8 { a + b }",
                               "// plain comment\nfn add(\n  a: u8,   /* block */\n  b: u8,\n) -> u8 {\n  a + b\n}\n")
    assert _digest(tmp_path, "\n\n" + reformatted, "b.upel") == base


@pytest.mark.parametrize("change", [
    ("a + b", "b + a"),                 # operand order is semantics (evaluation order)
    ("a + b", "a +% b"),                # operator
    ("/// Adds.", "/// Adds two."),     # doc comments reach generated code
    ('"D-1"', '"D-2"'),                 # requirement ids are traceability
    ("(1, 2) -> 3", "(2, 1) -> 3"),     # vectors
    ('version "1.0.0"', 'version "1.0.1"'),
])
def test_digest_changes_with_semantics(tmp_path, change):
    old, new = change
    assert old in SPEC
    assert _digest(tmp_path, SPEC, "a.upel") != _digest(tmp_path, SPEC.replace(old, new), "b.upel")


def test_strip_locs_removes_every_loc():
    doc = {"a": {"loc": 1, "b": [{"loc": 2, "c": 3}]}}
    assert strip_locs(doc) == {"a": {"b": [{"c": 3}]}}


def _upel(*args, cwd):
    return subprocess.run([sys.executable, "-m", "upel", *args], cwd=cwd, capture_output=True, text=True)


def test_ir_output_is_byte_identical_across_directories(tmp_path):
    """Same specs, copied to two different places, give the same bytes."""
    import shutil

    outs = []
    for where in ("one/deep/place", "two"):
        root = tmp_path / where
        shutil.copytree(REPO / "specs", root / "specs")
        r = _upel("ir", "specs/avionics", "specs/fintech", "-o", str(root / "out"), cwd=root)
        assert r.returncode == 0, r.stderr
        outs.append({p.name: p.read_bytes() for p in sorted((root / "out").iterdir())})
    assert outs[0] == outs[1]
    assert any(name.endswith(".ir.cbor") for name in outs[0])
    for name, data in outs[0].items():
        if name.endswith(".ir.cbor"):
            assert canonical_cbor(decode_cbor(data)) == data
        if name.endswith(".ir.json"):
            assert str(tmp_path).encode() not in data  # no absolute paths
