"""Trust layer: the audit ledger's file, tamper detection, checkpoints and proofs.

The tamper suite edits ledger files byte by byte the way an attacker or a
broken disk would (edit, delete, reorder, insert, break `prev`, skip an
index) and expects each to raise; where an attacker also recomputes the
stored hashes, the chain or a signed checkpoint must catch it instead.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from upel.trust import keys
from upel.trust.ledger import GENESIS_PREV, LedgerError, ProofError, TornTailError, append, load, merkle, proofs, store
from upel.trust.ledger import checkpoint as ckpt
from upel.trust.ledger.checkpoint import Checkpoint, CheckpointError, CheckpointSignatureError

REPO = Path(__file__).resolve().parents[2]


def payload(i: int) -> dict:
    return {"n": i, "digest": bytes([i]) * 4, "tools": ["smt", "coq"], "ok": i % 2 == 0,
            "nested": {"name": f"pkg{i}", "counts": {"proved": i, "failed": 0}}}


def make(path: Path, n: int) -> Path:
    for i in range(n):
        assert append(path, "release" if i % 2 else "verify", payload(i)) == i
    return path


def split(path: Path) -> tuple[bytes, list[bytes]]:
    """The header and each record's raw bytes."""
    data = path.read_bytes()
    led = store.parse(data, str(path))
    ends = led.offsets[1:] + [led.end]
    return data[:led.offsets[0]], [data[a:b] for a, b in zip(led.offsets, ends)]


def entry_of(record: bytes) -> dict:
    return store.decode(record[4:-32])


def record_for(entry: dict) -> bytes:
    return store.frame(store.encode(entry))


@pytest.fixture
def led5(tmp_path) -> Path:
    return make(tmp_path / "audit.ledger", 5)


# ---- the happy path


def test_append_builds_a_hash_chain_and_a_merkle_tree(led5):
    led = load(led5)
    assert led.origin == "audit" and led.size == 5
    prev = GENESIS_PREV
    for i in range(5):
        e = led.entry(i)
        assert e == {"schema": "upel-ledger-entry/1", "index": i, "prev": prev,
                     "kind": "release" if i % 2 else "verify", "payload": payload(i)}
        assert store.encode(e) == led.entries[i]
        prev = merkle.leaf_hash(led.entries[i])
    assert led.root() == merkle.root([merkle.leaf_hash(x) for x in led.entries])
    assert GENESIS_PREV == bytes(32)


def test_appends_are_reproducible(tmp_path):
    a, b = make(tmp_path / "a" / "x.ledger", 4), make(tmp_path / "b" / "x.ledger", 4)
    assert a.read_bytes() == b.read_bytes()


def test_append_entry_reports_index_size_and_root(tmp_path):
    p = make(tmp_path / "l.ledger", 3)
    res = store.append_entry(p, "verify", {"x": 1})
    assert (res.index, res.size, res.root) == (3, 4, load(p).root())


@pytest.mark.parametrize("kind, body, match", [
    ("", {}, "kind"), ("Release", {}, "kind"), ("verify", [], "must be a map"),
    ("verify", {"x": 1.5}, "float"), ("verify", {"x": {2: 3}}, "not a text string"),
    ("verify", {"x": 1 << 70}, "bignum"), ("verify", {"x": object()}, "cannot encode"),
])
def test_bad_input_is_refused_before_any_file_is_touched(tmp_path, kind, body, match):
    p = tmp_path / "new.ledger"
    with pytest.raises(LedgerError, match=match):
        append(p, kind, body)
    assert not p.exists()


def test_create_and_origin(tmp_path):
    p = tmp_path / "weird name!.ledger"
    assert store.create(p, "example.org/audit")
    assert not store.create(p, "other")  # exists: no change
    assert load(p).origin == "example.org/audit" and load(p).size == 0
    assert store.default_origin(p) == "weird-name-"
    with pytest.raises(LedgerError, match="origin"):
        store.create(tmp_path / "x", "has space")


def test_missing_and_foreign_files(tmp_path):
    with pytest.raises(LedgerError, match="no such ledger"):
        load(tmp_path / "nope")
    (tmp_path / "f").write_bytes(b"hello world")
    with pytest.raises(LedgerError, match="not a UPEL ledger"):
        load(tmp_path / "f")
    with pytest.raises(LedgerError, match="not a UPEL ledger"):
        append(tmp_path / "f", "verify", {})
    (tmp_path / "h").write_bytes(store.MAGIC + struct.pack(">H", 9) + b"abc")
    with pytest.raises(LedgerError, match="header is damaged"):
        load(tmp_path / "h")


# ---- tamper suite: the file


def _tampered(path: Path, header: bytes, records: list[bytes]) -> Path:
    path.write_bytes(header + b"".join(records))
    return path


def _edited(rec: bytes, **changes) -> bytes:
    return record_for({**entry_of(rec), **changes})


def test_tamper_edited_entry_bytes(led5):
    h, r = split(led5)
    r[2] = r[2].replace(b"pkg2", b"pkgX")
    with pytest.raises(LedgerError, match=r"entry 2 at byte offset \d+: its bytes do not match its stored hash"):
        load(_tampered(led5, h, r))


def test_tamper_edited_entry_with_recomputed_hash_breaks_the_chain(led5):
    h, r = split(led5)
    r[2] = _edited(r[2], payload={"forged": True})
    with pytest.raises(LedgerError, match="entry 3 .*prev hash does not match"):
        load(_tampered(led5, h, r))


def test_tamper_edited_last_entry_with_recomputed_hash_is_caught_by_a_checkpoint(led5):
    cp = ckpt.of_ledger(load(led5))
    h, r = split(led5)
    r[4] = _edited(r[4], payload={"forged": True})
    led = load(_tampered(led5, h, r))  # the file alone is self-consistent now
    with pytest.raises(CheckpointError, match="history was rewritten"):
        ckpt.check_against_ledger(cp, led)


@pytest.mark.parametrize("how", ["delete", "reorder", "insert", "duplicate-last"])
def test_tamper_deleted_reordered_inserted(led5, how):
    h, r = split(led5)
    if how == "delete":
        del r[1]
    elif how == "reorder":
        r[1], r[2] = r[2], r[1]
    elif how == "insert":
        r.insert(3, record_for({**entry_of(r[2]), "payload": {"inserted": 1}}))
    else:
        r.append(r[4])
    with pytest.raises(LedgerError, match="where index .* belongs"):
        load(_tampered(led5, h, r))


def test_tamper_deleting_the_last_entry_is_a_rollback_a_checkpoint_catches(led5):
    cp = ckpt.of_ledger(load(led5))
    h, r = split(led5)
    led = load(_tampered(led5, h, r[:-1]))
    with pytest.raises(CheckpointError, match="has 4 entries but a checkpoint covers 5.*rollback"):
        ckpt.check_against_ledger(cp, led)


def test_tamper_broken_prev(led5):
    h, r = split(led5)
    r[3] = _edited(r[3], prev=b"\x01" * 32)
    with pytest.raises(LedgerError, match="entry 3 .*prev hash does not match"):
        load(_tampered(led5, h, r))
    r[0] = _edited(r[0], prev=b"\xff" * 32)  # even the genesis link is checked
    with pytest.raises(LedgerError, match="entry 0 .*prev hash"):
        load(_tampered(led5, h, r))


def test_tamper_index_gap(led5):
    h, r = split(led5)
    r[3] = _edited(r[3], index=4)
    with pytest.raises(LedgerError, match="has index 4 where index 3 belongs"):
        load(_tampered(led5, h, r))


@pytest.mark.parametrize("entry", [
    {"schema": "upel-ledger-entry/1", "index": 2, "prev": b"", "kind": "verify"},  # a key missing
    {"schema": "other/1", "index": 2, "prev": b"", "kind": "verify", "payload": {}},
    {"schema": "upel-ledger-entry/1", "index": True, "prev": b"", "kind": "verify", "payload": {}},
    {"schema": "upel-ledger-entry/1", "index": 2, "prev": b"", "kind": "verify", "payload": [], },
    {"schema": "upel-ledger-entry/1", "index": 2, "prev": b"", "kind": "verify", "payload": {}, "time": 1},
])
def test_tamper_malformed_entries(led5, entry):
    h, r = split(led5)
    prev = merkle.leaf_hash(r[1][4:-32])
    r[2] = record_for({**entry, "prev": prev} if entry.get("prev") == b"" else entry)
    with pytest.raises(LedgerError, match="entry 2"):
        load(_tampered(led5, h, r))


def test_tamper_non_canonical_cbor_with_valid_hash(led5):
    import cbor2

    h, r = split(led5)
    e = entry_of(r[2])
    raw = cbor2.dumps(dict(reversed(list(e.items()))))  # same map, keys out of canonical order
    assert raw != store.encode(e)
    r[2] = store.frame(raw)
    with pytest.raises(LedgerError, match="entry 2 .*canonical"):
        load(_tampered(led5, h, r))


def test_tamper_garbage_record_length_is_corruption_not_a_torn_tail(led5):
    h, r = split(led5)
    r[1] = struct.pack(">I", 0xFFFFFFF0) + r[1][4:]
    with pytest.raises(LedgerError, match="entry 1 at byte offset .*invalid record length") as e:
        load(_tampered(led5, h, r))
    assert not isinstance(e.value, TornTailError)
    with pytest.raises(LedgerError, match="invalid record length"):
        store.repair(led5)  # repair only ever removes torn tails


def test_corruption_in_the_middle_is_never_repaired(led5):
    h, r = split(led5)
    r[1] = r[1].replace(b"pkg1", b"pkgY")
    _tampered(led5, h, r)
    before = led5.read_bytes()
    with pytest.raises(LedgerError, match="stored hash"):
        store.repair(led5)
    with pytest.raises(LedgerError, match="stored hash"):
        append(led5, "verify", {})
    assert led5.read_bytes() == before


# ---- checkpoints


@pytest.fixture(scope="module")
def key():
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def other_key():
    return Ed25519PrivateKey.generate()


def test_checkpoint_round_trip_and_format(led5, key):
    led = load(led5)
    cp = ckpt.of_ledger(led)
    text = ckpt.sign(cp, key)
    body, sig = text.split("\n\n")
    assert body.split("\n") == ["audit", "5", __import__("base64").b64encode(led.root()).decode()]
    assert sig.startswith("\u2014 audit ") and sig.endswith("\n")
    assert ckpt.open_signed(text, key.public_key()) == cp
    assert ckpt.open_signed(text.encode(), key.public_key()) == cp
    ckpt.check_against_ledger(cp, led)
    make(led5, 0)
    append(led5, "verify", {"more": 1})
    ckpt.check_against_ledger(cp, load(led5))  # a grown ledger still extends it


def test_checkpoint_signed_note_key_hash(key):
    # C2SP signed-note key hash: SHA-256(name || "\n" || 0x01 || raw key)[:4].
    import hashlib

    raw = keys.raw_public(key.public_key())
    assert ckpt.key_hash("audit", key.public_key()) == hashlib.sha256(b"audit\n\x01" + raw).digest()[:4]


@pytest.mark.parametrize("edit", ["size", "root", "origin", "signature"])
def test_checkpoint_with_edited_fields_fails_its_signature(led5, key, edit):
    text = ckpt.sign(ckpt.of_ledger(load(led5)), key)
    lines = text.split("\n")
    if edit == "size":
        lines[1] = "4"
    elif edit == "root":
        lines[2] = __import__("base64").b64encode(bytes(32)).decode()
    elif edit == "origin":
        lines[0] = "other"
    else:
        sig = bytearray(__import__("base64").b64decode(lines[4].split(" ")[2]))
        sig[10] ^= 1
        lines[4] = lines[4].rsplit(" ", 1)[0] + " " + __import__("base64").b64encode(bytes(sig)).decode()
    with pytest.raises(CheckpointSignatureError):
        ckpt.open_signed("\n".join(lines), key.public_key())


def test_checkpoint_signed_by_the_wrong_key(led5, key, other_key):
    text = ckpt.sign(ckpt.of_ledger(load(led5)), other_key)
    with pytest.raises(CheckpointSignatureError, match=f"not signed by key {keys.keyid(key.public_key())}") as e:
        ckpt.open_signed(text, key.public_key())
    assert isinstance(e.value, keys.SignatureError) and isinstance(e.value, LedgerError)


@pytest.mark.parametrize("text, match", [
    ("", "not a signed checkpoint"),
    ("audit\n5\nAAAA\n\n\u2014 audit AAAA\n", "root hash"),
    ("audit\n05\n" + "A" * 43 + "=\n\n\u2014 audit AAAA\n", "leading zeros"),
    ("audit\n5\n" + "A" * 43 + "=\next\n\n\u2014 audit AAAA\n", "three lines"),
    ("audit\n5\n" + "A" * 43 + "=\n\n- audit AAAA\n", "malformed signature line"),
    ("audit\n5\n" + "A" * 43 + "=\n\n\u2014 audit AAAA\n", "not signed by key"),
])
def test_malformed_checkpoints(key, text, match):
    with pytest.raises(CheckpointError, match=match):
        ckpt.open_signed(text, key.public_key())


def test_checkpoint_growth_needs_a_consistency_proof(tmp_path):
    p = make(tmp_path / "g.ledger", 3)
    old = ckpt.of_ledger(load(p))
    make(p, 0)
    for i in range(4):
        append(p, "verify", {"i": i})
    led = load(p)
    new = ckpt.of_ledger(led)
    ckpt.check_growth(old, new, merkle.consistency_proof(led.leaves, 3))
    ckpt.check_growth(old, old, [])
    with pytest.raises(CheckpointError, match="shrink from 7 to 3"):
        ckpt.check_growth(new, old, [])
    with pytest.raises(CheckpointError, match="does not extend"):
        ckpt.check_growth(old, new, merkle.consistency_proof(led.leaves, 3)[1:])
    forged = Checkpoint(old.origin, old.size, bytes(32))  # a rewritten history at the old size
    with pytest.raises(CheckpointError, match="does not extend"):
        ckpt.check_growth(forged, new, merkle.consistency_proof(led.leaves, 3))
    with pytest.raises(CheckpointError, match="different ledgers"):
        ckpt.check_growth(Checkpoint("other", 3, old.root), new, [])


# ---- proof documents


def test_proof_documents_verify_offline(led5):
    led = load(led5)
    for i in range(5):
        for n in range(i + 1, 6):
            doc = json.loads(json.dumps(proofs.inclusion(led, i, n)))
            assert proofs.verify(doc) == ("audit", [(n, led.root(n))])
    for m in range(6):
        doc = json.loads(json.dumps(proofs.consistency(led, m, 5)))
        assert proofs.verify(doc) == ("audit", [(m, led.root(m)), (5, led.root())])


def _flip_hex(h: str) -> str:
    return ("0" if h[0] != "0" else "1") + h[1:]


@pytest.mark.parametrize("mutate, match", [
    (lambda d: d.update(hashes=[_flip_hex(d["hashes"][0])] + d["hashes"][1:]), "root does not match"),
    (lambda d: d.update(hashes=d["hashes"] + ["00" * 32]), "too many hashes"),
    (lambda d: d.update(hashes=d["hashes"][:-1]), "too few hashes"),
    (lambda d: d.update(leaf_index=1), "own index"),
    (lambda d: d.update(tree_size=4), "root does not match|too (few|many) hashes"),
    (lambda d: d.update(root=_flip_hex(d["root"])), "root does not match"),
    (lambda d: d.update(entry=d["entry"].replace("706b6732", "706b6758")), "does not hash to leaf_hash"),
    (lambda d: d.update(extra=1), "unexpected members"),
    (lambda d: d.pop("root"), "missing members"),
    (lambda d: d.update(root=d["root"].upper()), "lower-case hex"),
    (lambda d: d.update(schema="x"), "not a upel-ledger-proof/1"),
])
def test_tampered_inclusion_proof_documents(led5, mutate, match):
    doc = proofs.inclusion(load(led5), 2)
    mutate(doc)
    with pytest.raises(ProofError, match=match):
        proofs.verify(doc)


def test_tampered_consistency_proof_documents(led5):
    led = load(led5)
    good = proofs.consistency(led, 3, 5)
    for mutate in (lambda d: d.update(old_size=2), lambda d: d.update(old_root=_flip_hex(d["old_root"])),
                   lambda d: d.update(hashes=d["hashes"][1:]), lambda d: d.update(hashes=d["hashes"] + ["00" * 32]),
                   lambda d: d.update(old_size=5, tree_size=3, old_root=d["root"], root=d["old_root"])):
        doc = json.loads(json.dumps(good))
        mutate(doc)
        with pytest.raises(ProofError):
            proofs.verify(doc)


# ---- the JSON Schema of an entry


def test_entry_schema_accepts_entries_as_json():
    from jsonschema import Draft202012Validator

    schema = json.loads((REPO / "schemas" / "ledger-entry.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://upel.dev/schemas/ledger-entry.schema.json"
    assert schema["x-upel-version"] == "1.0.0"
    v = Draft202012Validator(schema)

    def as_json(x):
        if isinstance(x, bytes):
            return x.hex()
        if isinstance(x, dict):
            return {k: as_json(y) for k, y in x.items()}
        if isinstance(x, list):
            return [as_json(y) for y in x]
        return x

    good = as_json({"schema": "upel-ledger-entry/1", "index": 3, "prev": bytes(32), "kind": "verify",
                    "payload": payload(3)})
    v.validate(good)
    for bad in ({**good, "index": -1}, {**good, "prev": "00"}, {**good, "kind": "Bad"},
                {**good, "time": 5}, {k: x for k, x in good.items() if k != "payload"}):
        assert list(v.iter_errors(bad)), bad
