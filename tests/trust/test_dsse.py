"""Trust layer: DSSE v1 envelopes (PAE, Ed25519 signing, strict verification)."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from upel.diagnostics import UserError
from upel.trust import keys
from upel.trust.dsse import (
    PAYLOAD_TYPE,
    ProvenanceError,
    pae,
    render_envelope,
    sign_envelope,
    verify_envelope,
)

BODY = b'{"_type":"https://in-toto.io/Statement/v1"}'


@pytest.fixture(scope="module")
def key():
    return Ed25519PrivateKey.generate()


def test_pae_golden_vector():
    # The example of the DSSE v1 protocol description.
    expected = b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    assert pae("http://example.com/HelloWorld", b"hello world") == expected


def test_pae_lengths_are_bytes_not_characters():
    assert pae("t\u00e9", "\u00e9".encode()) == b"DSSEv1 3 t\xc3\xa9 2 \xc3\xa9"
    assert pae("", b"") == b"DSSEv1 0  0 "


def test_round_trip_and_determinism(key):
    env = sign_envelope(BODY, key)
    assert env["payloadType"] == PAYLOAD_TYPE
    assert env["signatures"][0]["keyid"] == keys.keyid(key.public_key())
    data = render_envelope(env)
    assert verify_envelope(data, key.public_key()) == BODY
    # Ed25519 is deterministic: same key and payload, same envelope bytes.
    assert render_envelope(sign_envelope(BODY, key)) == data
    assert issubclass(ProvenanceError, UserError)


def _edit(key, change) -> bytes:
    env = sign_envelope(BODY, key)
    change(env)
    return render_envelope(env)


@pytest.mark.parametrize("change, message", [
    (lambda e: e.update(payloadType="application/json"), "payloadType"),
    (lambda e: e.update(payload=base64.b64encode(BODY.replace(b"v1", b"v2")).decode()), "does not verify"),
    (lambda e: e.update(signatures=[]), "no signature"),
    (lambda e: e["signatures"][0].update(keyid="00" * 32), "keyid"),
    (lambda e: e["signatures"][0].update(sig=base64.b64encode(b"\0" * 64).decode()), "does not verify"),
    (lambda e: e["signatures"].append(dict(e["signatures"][0])), "exactly one"),
    (lambda e: e.update(extra=1), "exactly the fields"),
    (lambda e: e.update(payload="not base64!"), "base64"),
])
def test_tampered_envelopes_raise(key, change, message):
    with pytest.raises(ProvenanceError, match=message):
        verify_envelope(_edit(key, change), key.public_key())


def test_signature_from_another_envelope_is_rejected(key):
    other = sign_envelope(b'{"other":1}', key)
    with pytest.raises(ProvenanceError, match="does not verify"):
        verify_envelope(_edit(key, lambda e: e.update(signatures=other["signatures"])), key.public_key())


def test_wrong_key(key):
    other = Ed25519PrivateKey.generate().public_key()
    data = render_envelope(sign_envelope(BODY, key))
    with pytest.raises(ProvenanceError, match="keyid"):
        verify_envelope(data, other)
    # Without the hint the signature itself is what fails.
    no_hint = _edit(key, lambda e: e["signatures"][0].pop("keyid"))
    assert verify_envelope(no_hint, key.public_key()) == BODY
    with pytest.raises(ProvenanceError, match="does not verify"):
        verify_envelope(no_hint, other)


def test_non_canonical_forms_are_rejected(key):
    env = sign_envelope(b"a", key)  # payload "YQ==": the last char carries 4 unused bits
    assert env["payload"] == "YQ=="
    with pytest.raises(ProvenanceError, match="canonical base64"):
        verify_envelope(render_envelope({**env, "payload": "YR=="}), key.public_key(), what="e")
    pretty = (json.dumps(env, indent=1, sort_keys=True) + "\n").encode()
    with pytest.raises(ProvenanceError, match="canonical form"):
        verify_envelope(pretty, key.public_key())
    with pytest.raises(ProvenanceError, match="not valid JSON"):
        verify_envelope(b"\xff", key.public_key())
