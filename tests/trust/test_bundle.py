"""Trust layer: `upel bundle`, `keygen`, `provenance verify`, `rebuild-check` end to end.

Small on purpose: a one-operator spec, backends c and python, the reference
interpreter with few samples (plus Z3 once, for the reproducibility test).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from upel.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SPEC = '''package demo version "1.0.0";
error DemoError { bad = 16 }
/// Half of x, rejecting 7.
@req("DEMO-1")
fn half(x: u8) -> u8 raises DemoError
  requires x < 200
  ensures result <= x
{ if x == 7 { raise DemoError.bad } else { x / 2 } }
vectors half { (10) -> 5; (7) -> error DemoError.bad; (250) -> error precondition; }
'''
FAST = ["--backend", "c,python", "--tool", "interp", "--samples", "50"]


def write_spec(d: Path, text: str = SPEC) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    p = d / "demo.upel"
    p.write_text(text)
    return p


def cli(*args, cwd=None, env=None):
    r = subprocess.run([sys.executable, "-m", "upel", *map(str, args)], capture_output=True, text=True,
                       cwd=cwd, env=env, check=False)
    assert "Traceback" not in r.stderr, r.stderr
    return r


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> Path:
    prefix = tmp_path_factory.mktemp("keys") / "release"
    assert main(["keygen", "--out", str(prefix)]) == 0
    return prefix


def test_keygen_mode_and_refuses_overwrite(tmp_path, capsys):
    prefix = tmp_path / "k"
    assert main(["keygen", "--out", str(prefix)]) == 0
    assert stat.S_IMODE(prefix.stat().st_mode) == 0o600
    assert (tmp_path / "k.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    before = prefix.read_bytes()
    assert main(["keygen", "--out", str(prefix)]) == 1
    assert "refusing to overwrite" in capsys.readouterr().err
    assert prefix.read_bytes() == before


def test_keys_inside_a_git_work_tree_are_refused(tmp_path, capsys, key):
    (tmp_path / ".git").mkdir()
    assert main(["keygen", "--out", str(tmp_path / "sub" / "k")]) == 1
    assert "git work tree" in capsys.readouterr().err
    assert not (tmp_path / "sub").exists()


def test_bundle_verify_and_layout(tmp_path, key, capsys, monkeypatch):
    from upel.trust import bundle

    spec = write_spec(tmp_path / "specs")
    out = tmp_path / "rel"
    ledger = tmp_path / "audit.ledger"
    appended = []
    # The ledger format is tested with the ledger; here: what a release records.
    monkeypatch.setattr(bundle, "append_ledger", lambda path, payload: appended.append((path, payload)) or 0)
    assert main(["bundle", str(spec), "--out", str(out), "--key", str(key), *FAST, "--ledger", str(ledger)]) == 0
    err = capsys.readouterr().err
    for step in ("generate:", "build:", "verify:", "sign:"):
        assert step in err
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == ["build/c/libupel_bundle.a", "evidence/demo/interp.evidence.json", "ir/demo.ir.cbor",
                     "ir/demo.ir.digest", "ir/demo.ir.json", "manifest.json", "provenance.intoto.dsse.json",
                     "registry.json", "src/c/demo.c", "src/c/demo.h", "src/c/upel_rt.h", "src/python/demo.py",
                     "src/python/upel_rt.py"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert [f["path"] for f in manifest["files"]] == [f for f in files if not f.startswith(("manifest", "prov"))]
    assert str(tmp_path) not in (out / "provenance.intoto.dsse.json").read_text()
    ((path, payload),) = appended
    assert path == str(ledger)
    assert payload["manifest_sha256"] == hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    assert payload["envelope_sha256"] == hashlib.sha256((out / "provenance.intoto.dsse.json").read_bytes()).hexdigest()
    assert payload["specs"] == ["demo.upel"] and payload["backends"] == ["c", "python"]
    assert main(["provenance", "verify", str(out), "--key", f"{key}.pub"]) == 0
    # Nothing but the bundle is left next to it (no temporary directories).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel", "specs"]
    # A non-empty destination is refused, and replaced only with --force.
    assert main(["bundle", str(spec), "--out", str(out), "--key", str(key), *FAST]) == 1
    assert "not empty" in capsys.readouterr().err
    assert main(["bundle", str(spec), "--out", str(out), "--key", str(key), *FAST, "--force"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel", "specs"]


def test_manifest_schema_header():
    schema = json.loads((REPO / "schemas" / "manifest.schema.json").read_text())
    assert schema["$id"] == "https://upel.dev/schemas/manifest.schema.json"
    assert schema["x-upel-version"] == "1.0.0" and schema["title"] and schema["description"]


def test_two_builds_in_different_places_are_byte_identical(tmp_path, key):
    """Different spec directories, working directories, TZ and output paths:
    same bytes, envelope included (Ed25519 is deterministic)."""
    outs = []
    for i, tz in enumerate(("UTC", "Asia/Kolkata")):
        spec = write_spec(tmp_path / f"tree{i}" / "specs")
        cwd = tmp_path / f"cwd{i}"
        cwd.mkdir()
        out = tmp_path / f"out{i}" / "bundle"
        env = {**os.environ, "TZ": tz}
        r = cli("bundle", os.path.relpath(spec, cwd), "--out", out, "--key", key,
                "--backend", "c,python", "--tool", "interp,smt", "--samples", "50", cwd=cwd, env=env)
        assert r.returncode == 0, r.stderr
        outs.append(out)
    r = cli("rebuild-check", *outs)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "IDENTICAL" in r.stderr
    # One changed byte, one extra and one missing file: each reported, exit 1.
    lib = outs[1] / "build" / "c" / "libupel_bundle.a"
    data = bytearray(lib.read_bytes())
    data[100] ^= 1
    lib.write_bytes(bytes(data))
    (outs[1] / "extra.txt").write_text("x")
    (outs[1] / "registry.json").unlink()
    r = cli("rebuild-check", *outs, "--json")
    assert r.returncode == 1
    diffs = {d["path"]: d for d in json.loads(r.stdout)["differences"]}
    assert diffs["build/c/libupel_bundle.a"]["kind"] == "content"
    assert "offset 100" in diffs["build/c/libupel_bundle.a"]["detail"]
    assert diffs["extra.txt"]["kind"] == "extra" and diffs["registry.json"]["kind"] == "missing"


def test_bundle_refuses_bad_input(tmp_path, key, capsys):
    out = tmp_path / "rel"
    assert main(["bundle", str(tmp_path / "nope.upel"), "--out", str(out), "--key", str(key), *FAST]) == 1
    assert "no such file" in capsys.readouterr().err
    bad = write_spec(tmp_path / "bad", 'package demo version "1.0.0";\nfn f(x: u8) -> u8 { x + true }\n')
    assert main(["bundle", str(bad), "--out", str(out), "--key", str(key), *FAST]) == 1
    assert "error[UPEL-E" in capsys.readouterr().err
    assert main(["bundle", str(bad), "--out", str(out), "--key", str(tmp_path / "nokey"), *FAST]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main(["bundle", str(bad), "--out", str(out), "--key", str(key), "--backend", "cobol"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad"]


def test_failed_verification_leaves_no_bundle(tmp_path, key, capsys):
    spec = write_spec(tmp_path / "specs", SPEC.replace("(10) -> 5", "(10) -> 6"))
    out = tmp_path / "rel"
    assert main(["bundle", str(spec), "--out", str(out), "--key", str(key), *FAST]) == 1
    err = capsys.readouterr().err
    assert "verification failed; no bundle was written" in err and "vector" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["specs"]


def test_unsigned_bundle_verifies_only_with_unsigned(tmp_path):
    from upel.trust.dsse import ProvenanceError
    from upel.trust.statement import assemble, verify_bundle

    files = assemble({"a.txt": b"a"}, {"specs": []}, {}, {}, key=None)
    for rel, data in files.items():
        (tmp_path / rel).write_bytes(data)
    st = verify_bundle(tmp_path, None)
    assert [s["name"] for s in st["subject"]] == ["a.txt", "manifest.json"]
    assert main(["provenance", "verify", str(tmp_path), "--unsigned"]) == 0
    (tmp_path / "a.txt").write_bytes(b"b")
    with pytest.raises(ProvenanceError, match="a.txt"):
        verify_bundle(tmp_path, None)


def test_release_is_appended_to_the_real_ledger(tmp_path, key):
    ledger = pytest.importorskip("upel.trust.ledger")
    spec = write_spec(tmp_path / "specs")
    path = tmp_path / "audit.ledger"
    for i in range(2):
        out = tmp_path / f"rel{i}"
        assert main(["bundle", str(spec), "--out", str(out), "--key", str(key), *FAST, "--ledger", str(path)]) == 0
    assert path.stat().st_size > 0
    assert ledger.append(str(path), "note", {"n": 1}) == 2  # the two releases came first


def test_a_failing_ledger_leaves_no_bundle(tmp_path, key, capsys, monkeypatch):
    from upel.diagnostics import UserError
    from upel.trust import bundle

    def fail(path, payload):
        raise UserError(f"{path}: ledger does not verify")

    monkeypatch.setattr(bundle, "append_ledger", fail)
    spec = write_spec(tmp_path / "specs")
    args = ["bundle", str(spec), "--out", str(tmp_path / "rel"), "--key", str(key), *FAST]
    assert main([*args, "--ledger", str(tmp_path / "l")]) == 1
    assert "ledger does not verify" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["specs"]


def test_key_from_environment_variable(tmp_path, key, monkeypatch, capsys):
    monkeypatch.setenv("UPEL_TEST_RELEASE_KEY", key.read_text())
    spec = write_spec(tmp_path / "specs")
    out = tmp_path / "rel"
    assert main(["bundle", str(spec), "--out", str(out), "--key", "env:UPEL_TEST_RELEASE_KEY", *FAST]) == 0
    assert main(["provenance", "verify", str(out), "--key", f"{key}.pub"]) == 0
    monkeypatch.delenv("UPEL_TEST_RELEASE_KEY")
    assert main(["bundle", str(spec), "--out", str(tmp_path / "r2"), "--key", "env:UPEL_TEST_RELEASE_KEY", *FAST]) == 1
    assert "UPEL_TEST_RELEASE_KEY is not set" in capsys.readouterr().err
