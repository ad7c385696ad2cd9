"""Trust layer: DSSE v1 envelopes signed with Ed25519.

A DSSE envelope (https://github.com/secure-systems-lab/dsse, protocol v1)
carries a payload, its type and signatures over the pre-authentication
encoding

    PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body

where LEN is the ASCII decimal byte length. Signing over PAE rather than
over the raw payload binds the payload type into the signature, so a
payload cannot be re-interpreted as another type.

UPEL envelopes have exactly one signature, and the envelope file is
RFC 8785 canonical JSON plus a newline (standard base64 with padding):
`verify_envelope` rejects any other byte sequence, so every byte of the
file is accounted for (a flipped padding bit or an added space is an error,
not a silently accepted variant). Verification raises `ProvenanceError`;
it never returns False.
"""

from __future__ import annotations

import base64
import binascii
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from upel.diagnostics import UserError
from upel.trust import keys

PAYLOAD_TYPE = "application/vnd.in-toto+json"


class ProvenanceError(UserError):
    """A bundle, envelope, statement or manifest did not verify; the message names what."""


def pae(payload_type: str, body: bytes) -> bytes:
    """The DSSE v1 pre-authentication encoding (the bytes that are signed)."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)


def canonical_json(obj: object) -> bytes:
    """RFC 8785 (JCS) bytes: the same object always gives the same bytes, which
    is what makes envelopes and statements byte-identical across rebuilds and
    lets `parse_envelope` insist on one valid form of the file."""
    from upel.trust.jcs import canonicalize

    return canonicalize(obj)


def _b64(data: bytes) -> str:
    return base64.standard_b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise ProvenanceError(f"envelope: {what} is not a string")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ProvenanceError(f"envelope: {what} is not valid base64") from None
    # Unused trailing bits make several strings decode to the same bytes;
    # only the canonical one is accepted, so the file has one valid form.
    if _b64(data) != text:
        raise ProvenanceError(f"envelope: {what} is not canonical base64")
    return data


def sign_envelope(payload: bytes, key: Ed25519PrivateKey, payload_type: str = PAYLOAD_TYPE) -> dict:
    """An envelope with one Ed25519 signature (deterministic: same key and payload, same bytes)."""
    sig = key.sign(pae(payload_type, payload))
    return {
        "payload": _b64(payload),
        "payloadType": payload_type,
        "signatures": [{"keyid": keys.keyid(key.public_key()), "sig": _b64(sig)}],
    }


def render_envelope(envelope: dict) -> bytes:
    return canonical_json(envelope) + b"\n"


def parse_envelope(data: bytes, what: str = "envelope") -> dict:
    """Parse and check the shape of an envelope file (no signature check)."""
    try:
        env = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ProvenanceError(f"{what}: not valid JSON ({e})") from None
    if not isinstance(env, dict) or set(env) != {"payload", "payloadType", "signatures"}:
        got = sorted(env) if isinstance(env, dict) else type(env).__name__
        raise ProvenanceError(f"{what}: expected exactly the fields payload, payloadType, signatures; got {got}")
    if render_envelope(env) != data:
        raise ProvenanceError(f"{what}: not in canonical form (the file was edited)")
    return env


def verify_envelope(data: bytes, key: Ed25519PublicKey, payload_type: str = PAYLOAD_TYPE,
                    what: str = "envelope") -> bytes:
    """Check an envelope file against `key`; return the verified payload bytes.

    Order matters for the messages: the type and key id are checked before the
    signature so that the error names the field that was changed.
    """
    env = parse_envelope(data, what)
    if env["payloadType"] != payload_type:
        raise ProvenanceError(f"{what}: payloadType is {env['payloadType']!r}, expected {payload_type!r}")
    payload = _unb64(env["payload"], "payload")
    sigs = env["signatures"]
    if not isinstance(sigs, list) or not sigs:
        raise ProvenanceError(f"{what}: no signature (the bundle is not signed)")
    if len(sigs) != 1:
        raise ProvenanceError(f"{what}: {len(sigs)} signatures; UPEL envelopes carry exactly one")
    sig = sigs[0]
    if not isinstance(sig, dict) or set(sig) - {"keyid", "sig"} or "sig" not in sig:
        raise ProvenanceError(f"{what}: a signature must have the fields keyid (optional) and sig")
    # The key id is a hint for choosing a key, never a reason to trust one;
    # but a hint that names another key means the envelope was not made with
    # this key or was edited, and either way it must not pass silently.
    want = keys.keyid(key)
    if sig.get("keyid", "") not in ("", want):
        raise ProvenanceError(f"{what}: signature keyid {str(sig['keyid'])[:16]}... does not match "
                              f"the given public key ({want[:16]}...)")
    raw = _unb64(sig["sig"], "signature")
    try:
        keys.verify(key, raw, pae(payload_type, payload))
    except keys.SignatureError:
        raise ProvenanceError(f"{what}: the signature does not verify with the given public key "
                              "(payload, payloadType or signature changed, or another key signed it)") from None
    return payload
