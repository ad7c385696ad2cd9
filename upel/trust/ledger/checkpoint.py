"""Trust layer: signed checkpoints of the audit ledger.

A checkpoint is the C2SP transparency-log checkpoint body signed as a C2SP
signed note (docs/ledger.md has an example):

    <origin>\\n<tree size, decimal>\\n<root hash, base64>\\n
    \\n
    \\u2014 <origin> <base64(4-byte key hash || 64-byte Ed25519 signature)>\\n

The signature is over the body bytes (the three lines). The key hash is the
first 4 bytes of SHA-256(name || 0x0A || 0x01 || raw public key), as in
signed notes, so the checkpoint can be checked by any signed-note verifier
that is given the key; the key's UPEL id (keys.keyid) appears only in
messages. Why a text note and not a CBOR map: a checkpoint is the thing a
human pastes into a ticket or a release page, and the format is a standard.

Checking a new checkpoint against an older one needs the signatures, the
same origin, a size that did not shrink, and an RFC 9162 consistency proof
between the two roots: a rollback or a rewritten history fails there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from upel.trust import keys

from . import merkle
from .errors import LedgerError
from .store import Ledger, check_origin

SIG_PREFIX = "\u2014 "  # em dash and a space, as signed notes spell it
ALG_ED25519 = b"\x01"
MAX_CHECKPOINT = 64 << 10
_SIZE_RE = re.compile(r"0|[1-9][0-9]{0,19}")


class CheckpointError(LedgerError):
    """A checkpoint is malformed, does not match, or would go backwards."""


class CheckpointSignatureError(CheckpointError, keys.SignatureError):
    """No valid signature by the given key (also a keys.SignatureError)."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> bytes:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n".encode()

    def describe(self) -> str:
        return f"{self.origin} size {self.size} root {self.root.hex()}"


def key_hash(name: str, public: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALG_ED25519 + keys.raw_public(public)).digest()[:4]


def sign(cp: Checkpoint, private: Ed25519PrivateKey) -> str:
    """The signed checkpoint text."""
    sig = key_hash(cp.origin, private.public_key()) + private.sign(cp.body())
    return cp.body().decode() + "\n" + f"{SIG_PREFIX}{cp.origin} {base64.b64encode(sig).decode()}\n"


def parse_body(body: str, where: str) -> Checkpoint:
    lines = body.split("\n")
    if len(lines) != 4 or lines[3] != "":
        raise CheckpointError(f"{where}: the checkpoint body must be exactly three lines "
                              "(origin, size, root); extension lines are not used by UPEL")
    origin, size, root = lines[:3]
    try:
        check_origin(origin)
    except LedgerError as e:
        raise CheckpointError(f"{where}: {e}") from None
    if not _SIZE_RE.fullmatch(size):
        raise CheckpointError(f"{where}: tree size {size!r} is not a decimal number without leading zeros")
    try:
        raw = base64.b64decode(root, validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != merkle.HASH_SIZE or base64.b64encode(raw).decode() != root:
        raise CheckpointError(f"{where}: the root hash is not 32 bytes in standard base64")
    return Checkpoint(origin, int(size), raw)


def open_signed(text: str | bytes, public: Ed25519PublicKey, where: str = "checkpoint") -> Checkpoint:
    """Parse a signed checkpoint and verify its signature by `public`.
    Raises CheckpointError (CheckpointSignatureError for signatures)."""
    if isinstance(text, bytes):
        if len(text) > MAX_CHECKPOINT:
            raise CheckpointError(f"{where}: too large to be a checkpoint")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError(f"{where}: not UTF-8 text") from None
    body, sep, sigs = text.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise CheckpointError(f"{where}: not a signed checkpoint (no blank line before the signatures)")
    cp = parse_body(body + "\n", where)
    want = key_hash(cp.origin, public)
    kid = keys.keyid(public)
    matching = []
    for line in sigs[:-1].split("\n"):
        if not line.startswith(SIG_PREFIX):
            raise CheckpointError(f"{where}: malformed signature line {line[:40]!r}")
        name, _, b64 = line[len(SIG_PREFIX):].partition(" ")
        try:
            raw = base64.b64decode(b64, validate=True)
        except binascii.Error:
            raise CheckpointError(f"{where}: a signature is not base64") from None
        if len(raw) != 4 + 64:
            continue  # another algorithm's signature: not ours to judge
        if name == cp.origin and raw[:4] == want:
            matching.append(raw[4:])
    if not matching:
        raise CheckpointSignatureError(f"{where}: not signed by key {kid} for origin {cp.origin}")
    for sig in matching:
        try:
            keys.verify(public, sig, cp.body())
        except keys.SignatureError:
            raise CheckpointSignatureError(f"{where}: the signature by key {kid} does not verify "
                                           "(the checkpoint was altered or signed by another key)") from None
    return cp


def read_signed(path: str, public: Ed25519PublicKey) -> Checkpoint:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_CHECKPOINT + 1)
    except OSError as e:
        raise CheckpointError(f"checkpoint {path}: cannot read: {e.strerror}") from None
    return open_signed(data, public, f"checkpoint {path}")


def write_atomic(path: str, text: str, what: str = "checkpoint") -> None:
    """Temp file, fsync, rename, fsync the directory: never a half checkpoint."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.{threading.get_ident()}.new")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
        fd = os.open(p.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        raise CheckpointError(f"cannot write {what} {path}: {e.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)


def of_ledger(led: Ledger, size: int | None = None) -> Checkpoint:
    size = led.size if size is None else size
    if not 0 <= size <= led.size:
        raise CheckpointError(f"{led.path}: size {size} is out of range; the ledger has {led.size} entries")
    return Checkpoint(led.origin, size, led.root(size))


def check_against_ledger(cp: Checkpoint, led: Ledger) -> None:
    """The ledger (already verified) must extend the checkpointed tree."""
    if cp.origin != led.origin:
        raise CheckpointError(f"checkpoint is for ledger {cp.origin!r}, but {led.path} is {led.origin!r}")
    if cp.size > led.size:
        raise CheckpointError(f"{led.path} has {led.size} entries but a checkpoint covers {cp.size}: "
                              "entries were removed (rollback)")
    if led.root(cp.size) != cp.root:
        raise CheckpointError(f"{led.path}: the first {cp.size} entries do not hash to the checkpoint's root "
                              "(history was rewritten)")


def check_growth(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> None:
    """`new` must extend `old`: same origin, size not smaller, and `proof`
    an RFC 9162 consistency proof from old to new."""
    if old.origin != new.origin:
        raise CheckpointError(f"checkpoints of different ledgers: {old.origin!r} and {new.origin!r}")
    if new.size < old.size:
        raise CheckpointError(f"checkpoint size would shrink from {old.size} to {new.size} (rollback)")
    try:
        merkle.verify_consistency(old.size, new.size, old.root, new.root, proof)
    except merkle.ProofError as e:
        raise CheckpointError(f"checkpoint at size {new.size} does not extend the one at size {old.size}: {e}") \
            from None
