"""Trust layer: Ed25519 keys for DSSE envelopes and ledger checkpoints.

`upel keygen --out PREFIX` writes PREFIX (PKCS#8 PEM private key, mode 0600)
and PREFIX.pub (SubjectPublicKeyInfo PEM). A key is named by the user as a
path or as `env:NAME` (the PEM text in environment variable NAME), never
looked up in the repository. The key id is the hex SHA-256 of the raw 32
public key bytes; it is a hint for choosing a key, never trusted on its own.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from upel.diagnostics import UserError


class SignatureError(Exception):
    """A signature, key id or signed payload did not verify."""


def _read(ref: str, what: str) -> bytes:
    if ref.startswith("env:"):
        name = ref[4:]
        value = os.environ.get(name)
        if not value:
            raise UserError(f"{what}: environment variable {name} is not set or empty")
        return value.encode()
    try:
        return Path(ref).read_bytes()
    except OSError as e:
        raise UserError(f"{what}: cannot read {ref}: {e.strerror}") from None


def load_private_key(ref: str) -> Ed25519PrivateKey:
    data = _read(ref, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as e:
        raise UserError(f"private key {ref}: not an unencrypted PEM private key ({e})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UserError(f"private key {ref}: not an Ed25519 key")
    return key


def load_public_key(ref: str) -> Ed25519PublicKey:
    data = _read(ref, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as e:
        raise UserError(f"public key {ref}: not a PEM public key ({e})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise UserError(f"public key {ref}: not an Ed25519 key")
    return key


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def keyid(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(key)).hexdigest()


def verify(key: Ed25519PublicKey, signature: bytes, message: bytes) -> None:
    """Raise SignatureError unless `signature` is `key`'s signature of `message`."""
    try:
        key.verify(signature, message)
    except InvalidSignature:
        raise SignatureError("signature does not verify with the given public key") from None


def generate(prefix: str) -> tuple[Path, Path]:
    """Write a new key pair; refuse to overwrite (losing a signing key is not undoable)."""
    priv_path, pub_path = Path(prefix), Path(prefix + ".pub")
    for p in (priv_path, pub_path):
        if p.exists():
            raise UserError(f"{p} already exists; refusing to overwrite a key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    priv_path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL + 0600 at creation: the private key is never world-readable, not even briefly.
    fd = os.open(priv_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    pub_path.write_bytes(pub)
    return priv_path, pub_path
