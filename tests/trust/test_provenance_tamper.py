"""Trust layer: every way of tampering with a signed bundle is detected and named.

One small bundle is built once; each case edits a fresh copy and expects
`verify_bundle` to raise `ProvenanceError` naming what failed (and the CLI
to exit 1 with the same message).
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from upel.cli.main import Front, main
from upel.trust import keys
from upel.trust.bundle import Options, release
from upel.trust.dsse import ProvenanceError, render_envelope, sign_envelope
from upel.trust.statement import ENVELOPE, MANIFEST, verify_bundle

from .test_bundle import write_spec

ENV = ENVELOPE


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    base = tmp_path_factory.mktemp("tamper")
    priv, pub = keys.generate(str(base / "keys" / "k"))
    front = Front([str(write_spec(base / "specs"))], [])
    assert front.ok
    out = base / "bundle"
    release(front, Options(backends=["c", "python"], tools=["interp"], samples=20), keys.load_private_key(str(priv)),
            out)
    return out, keys.load_public_key(str(pub)), keys.load_private_key(str(priv))


@pytest.fixture
def copy(signed, tmp_path):
    src, pub, priv = signed
    dst = tmp_path / "b"
    shutil.copytree(src, dst)
    return dst, pub, priv


def files_of(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def expect(root: Path, pub, needle: str) -> None:
    with pytest.raises(ProvenanceError) as e:
        verify_bundle(root, pub)
    assert needle in str(e.value), str(e.value)


def edit_envelope(root: Path, change) -> None:
    env = json.loads((root / ENV).read_bytes())
    change(env)
    (root / ENV).write_bytes(render_envelope(env))


def test_untouched_bundle_verifies(signed, capsys):
    root, pub, _ = signed
    st = verify_bundle(root, pub)
    assert st["predicate"]["buildDefinition"]["externalParameters"]["specs"] == ["demo.upel"]
    assert len(files_of(root)) == len(st["subject"]) + 1  # every file but the envelope is a subject


def test_a_flipped_byte_in_any_file_is_detected(signed, tmp_path):
    """Every file, including the manifest and the envelope, at its start, middle and end."""
    src, pub, _ = signed
    names = files_of(src)
    assert len(names) >= 12
    for name in names:
        size = (src / name).stat().st_size
        for offset in sorted({0, size // 2, size - 1}):
            root = tmp_path / f"{name.replace('/', '_')}_{offset}"
            shutil.copytree(src, root)
            data = bytearray((root / name).read_bytes())
            data[offset] ^= 0x01
            (root / name).write_bytes(bytes(data))
            expect(root, pub, ENV if name == ENV else name)


def test_flipped_payload_byte(copy):
    root, pub, _ = copy

    def flip(env):
        payload = bytearray(base64.b64decode(env["payload"]))
        payload[len(payload) // 2] ^= 0x01
        env["payload"] = base64.b64encode(bytes(payload)).decode()

    edit_envelope(root, flip)
    expect(root, pub, "signature does not verify")


def test_changed_payload_type(copy):
    root, pub, _ = copy
    edit_envelope(root, lambda env: env.update(payloadType="application/json"))
    expect(root, pub, "payloadType")


def test_signature_swapped_from_another_envelope(copy):
    root, pub, priv = copy
    other = sign_envelope(b'{"_type":"https://in-toto.io/Statement/v1","subject":[]}', priv)
    edit_envelope(root, lambda env: env.update(signatures=other["signatures"]))
    expect(root, pub, "signature does not verify")


def test_missing_signature(copy):
    root, pub, _ = copy
    edit_envelope(root, lambda env: env.update(signatures=[]))
    expect(root, pub, "no signature")


def test_wrong_key(copy, tmp_path):
    root, _, _ = copy
    _, other = keys.generate(str(tmp_path / "other"))
    expect(root, keys.load_public_key(str(other)), "keyid")
    assert main(["provenance", "verify", str(root), "--key", str(other)]) == 1


def test_edited_keyid(copy):
    root, pub, _ = copy
    edit_envelope(root, lambda env: env["signatures"][0].update(keyid="ab" * 32))
    expect(root, pub, "keyid")


def test_missing_envelope(copy):
    root, pub, _ = copy
    (root / ENV).unlink()
    expect(root, pub, f"{ENV}: missing")


@pytest.mark.parametrize("name", ["extra.txt", "src/c/extra.c", ".hidden", "evidence/new/x.json"])
def test_extra_unlisted_file(copy, name, capsys):
    root, pub, _ = copy
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text("x")
    expect(root, pub, f"{name}: not listed in {MANIFEST}")


def test_deleted_file_is_named(copy, signed, capsys, tmp_path):
    src, pub, _ = signed
    for name in files_of(src):
        if name == ENV:
            continue
        root = tmp_path / name.replace("/", "_")
        shutil.copytree(src, root)
        (root / name).unlink()
        expect(root, pub, f"{name}:")
    # The CLI reports the same thing, exit 1.
    root, pub, _ = copy
    (root / "registry.json").unlink()
    assert main(["provenance", "verify", str(root), "--key", "env:UPEL_TEST_NO_SUCH_KEY"]) == 1
    assert "UPEL_TEST_NO_SUCH_KEY" in capsys.readouterr().err


def test_symlink_instead_of_file(copy):
    root, pub, _ = copy
    target = root / "registry.json"
    data = target.read_bytes()
    (root.parent / "outside").write_bytes(data)
    target.unlink()
    target.symlink_to(root.parent / "outside")
    expect(root, pub, "symbolic link")


def test_cli_names_the_changed_file(copy, capsys, tmp_path):
    root, _, _ = copy
    pub_path = tmp_path / "pub.pem"
    from cryptography.hazmat.primitives import serialization

    pub_path.write_bytes(copy[1].public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    (root / "src" / "python" / "demo.py").write_text("print('pwned')\n")
    assert main(["provenance", "verify", str(root), "--key", str(pub_path)]) == 1
    assert "src/python/demo.py" in capsys.readouterr().err
    assert main(["provenance", "verify", str(root), "--key", str(pub_path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and "src/python/demo.py" in out["error"]
