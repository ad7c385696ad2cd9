"""Trust layer: `upel ledger ...` and `upel verify --ledger` from the command line.

Exit 0 on success, 1 with one line (never a traceback) for a missing or
damaged ledger, a wrong key, a rollback or a bad proof. Most tests call
`upel.cli.main.main` in-process for speed; one runs the real command.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from upel.cli.main import main
from upel.trust import keys
from upel.trust.ledger import load

REPO = Path(__file__).resolve().parents[2]


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, " ".join(err.split())  # rich may wrap long messages


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    keys.generate(str(tmp_path / "k"))
    keys.generate(str(tmp_path / "other"))
    (tmp_path / "p.json").write_text('{"bundle": "sha256:00", "files": 3, "ok": true}')
    return tmp_path


def fill(capsys, n: int, ledger: str = "a.ledger") -> None:
    for i in range(n):
        assert run(capsys, "ledger", "append", ledger, "--kind", "release", "--payload-json", "p.json")[0] == 0


def test_append_prints_index_and_root(work, capsys):
    code, out, _ = run(capsys, "ledger", "append", "a.ledger", "--kind", "release", "--payload-json", "p.json")
    assert code == 0
    led = load("a.ledger")
    assert out.strip() == f"entry 0 appended to a.ledger: size 1, root {led.root().hex()}"
    code, out, _ = run(capsys, "ledger", "append", "a.ledger", "--kind", "verify", "--payload-json", "p.json",
                       "--json")
    assert json.loads(out) == {"ok": True, "index": 1, "size": 2, "root": load("a.ledger").root().hex(),
                               "leaf_hash": load("a.ledger").leaves[1].hex()}


def test_append_from_stdin_and_with_an_origin(work, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO('{"x": [1, 2]}'))
    code, _, _ = run(capsys, "ledger", "append", "o.ledger", "--origin", "example.org/log", "--kind", "verify",
                     "--payload-json", "-")
    assert code == 0 and load("o.ledger").origin == "example.org/log"
    code, _, err = run(capsys, "ledger", "append", "o.ledger", "--origin", "other", "--kind", "verify",
                       "--payload-json", "p.json")
    assert code == 1 and "exists with origin 'example.org/log', not 'other'" in err


@pytest.mark.parametrize("payload, match", [
    ("[1]", "must be a JSON object"), ('{"x": 1.5}', "floats are not allowed"), ("{", "not valid JSON"),
])
def test_append_bad_payload(work, capsys, payload, match):
    (work / "bad.json").write_text(payload)
    code, _, err = run(capsys, "ledger", "append", "a.ledger", "--kind", "verify", "--payload-json", "bad.json")
    assert code == 1 and match in err and err.startswith("error: ")
    assert not (work / "a.ledger").exists()


def test_verify_ok_missing_and_corrupted(work, capsys):
    fill(capsys, 3)
    code, out, _ = run(capsys, "ledger", "verify", "a.ledger")
    assert code == 0 and f"3 entries, root {load('a.ledger').root().hex()}" in out
    code, _, err = run(capsys, "ledger", "verify", "missing.ledger")
    assert code == 1 and err == "error: missing.ledger: no such ledger"
    data = bytearray((work / "a.ledger").read_bytes())
    data[60] ^= 0x40
    (work / "a.ledger").write_bytes(bytes(data))
    code, _, err = run(capsys, "ledger", "verify", "a.ledger")
    assert code == 1 and "entry 0 at byte offset 11" in err and "stored hash" in err
    code, _, err = run(capsys, "ledger", "verify", "a.ledger", "--repair")
    assert code == 1 and "stored hash" in err  # corruption is not a torn tail


def test_torn_tail_verify_append_and_repair(work, capsys):
    fill(capsys, 3)
    led = load("a.ledger")
    data = (work / "a.ledger").read_bytes()
    (work / "a.ledger").write_bytes(data[:-10])
    off = led.offsets[-1]
    code, _, err = run(capsys, "ledger", "verify", "a.ledger")
    assert code == 1 and f"torn tail at byte offset {off}" in err and "entry 2" in err and "--repair" in err
    code, _, err = run(capsys, "ledger", "append", "a.ledger", "--kind", "verify", "--payload-json", "p.json")
    assert code == 1 and "refusing to append" in err
    code, out, err = run(capsys, "ledger", "verify", "a.ledger", "--repair")
    assert code == 0 and f"removed {len(data) - 10 - off} byte(s) at offset {off}" in err and "2 entries" in out
    code, _, err = run(capsys, "ledger", "verify", "a.ledger", "--repair")
    assert code == 0 and "nothing to repair" in err


def test_checkpoint_verify_and_wrong_key(work, capsys):
    fill(capsys, 4)
    code, out, _ = run(capsys, "ledger", "checkpoint", "a.ledger", "--key", "k", "--out", "cp1")
    assert code == 0 and "size 4" in out
    code, out, _ = run(capsys, "ledger", "verify", "a.ledger", "--checkpoint", "cp1", "--key", "k.pub")
    assert code == 0 and "checkpoint cp1 (size 4) is a prefix" in out
    code, _, err = run(capsys, "ledger", "verify", "a.ledger", "--checkpoint", "cp1", "--key", "other.pub")
    assert code == 1 and "not signed by key" in err
    code, _, err = run(capsys, "ledger", "verify", "a.ledger", "--checkpoint", "cp1")
    assert code == 1 and "needs --key" in err
    code, _, err = run(capsys, "ledger", "verify", "a.ledger", "--checkpoint", "cp1", "--key", "nokey.pub")
    assert code == 1 and "cannot read nokey.pub" in err
    text = (work / "cp1").read_text()
    (work / "cp2").write_text(text.replace("\n4\n", "\n3\n", 1))
    code, _, err = run(capsys, "ledger", "verify", "a.ledger", "--checkpoint", "cp2", "--key", "k.pub")
    assert code == 1 and "does not verify" in err


def test_checkpoint_only_grows(work, capsys):
    fill(capsys, 4)
    assert run(capsys, "ledger", "checkpoint", "a.ledger", "--key", "k", "--out", "cp")[0] == 0
    fill(capsys, 2)
    code, out, _ = run(capsys, "ledger", "checkpoint", "a.ledger", "--key", "k", "--out", "cp", "--previous", "cp")
    assert code == 0 and "size 6" in out
    # Roll the ledger back to 3 entries: the next checkpoint is refused, and
    # verification against the last checkpoint reports the rollback.
    led = load("a.ledger")
    (work / "a.ledger").write_bytes((work / "a.ledger").read_bytes()[:led.offsets[3]])
    before = (work / "cp").read_text()
    code, _, err = run(capsys, "ledger", "checkpoint", "a.ledger", "--key", "k", "--out", "cp", "--previous", "cp")
    assert code == 1 and "shrink from 6 to 3" in err
    assert (work / "cp").read_text() == before
    code, _, err = run(capsys, "ledger", "verify", "a.ledger", "--checkpoint", "cp", "--key", "k.pub")
    assert code == 1 and "has 3 entries but a checkpoint covers 6" in err and "rollback" in err
    code, _, err = run(capsys, "ledger", "checkpoint", "a.ledger", "--key", "k", "--out", "cp3", "--previous", "cp",
                       "--previous-key", "other.pub")
    assert code == 1 and "not signed by key" in err


def test_checkpoint_refuses_a_rewritten_history_of_the_same_length(work, capsys):
    fill(capsys, 3)
    assert run(capsys, "ledger", "checkpoint", "a.ledger", "--key", "k", "--out", "cp")[0] == 0
    (work / "a.ledger").unlink()
    (work / "p.json").write_text('{"forged": true}')
    fill(capsys, 4)
    code, _, err = run(capsys, "ledger", "checkpoint", "a.ledger", "--key", "k", "--out", "cp2", "--previous", "cp")
    assert code == 1 and "does not extend the one at size 3" in err


def test_prove_and_verify_proof(work, capsys):
    fill(capsys, 5)
    assert run(capsys, "ledger", "checkpoint", "a.ledger", "--key", "k", "--out", "cp")[0] == 0
    root = load("a.ledger").root().hex()
    code, out, _ = run(capsys, "ledger", "prove", "a.ledger", "--index", "2")
    assert code == 0
    doc = json.loads(out)
    assert (doc["type"], doc["leaf_index"], doc["tree_size"], doc["root"]) == ("inclusion", 2, 5, root)
    (work / "inc.json").write_text(out)
    code, out, err = run(capsys, "ledger", "verify-proof", "inc.json")
    assert code == 0 and "the proof verifies" in out and "root is the proof's own claim" in err
    assert run(capsys, "ledger", "verify-proof", "inc.json", "--root", root)[0] == 0
    assert run(capsys, "ledger", "verify-proof", "inc.json", "--checkpoint", "cp", "--key", "k.pub")[0] == 0
    code, _, err = run(capsys, "ledger", "verify-proof", "inc.json", "--root", "00" * 32)
    assert code == 1 and "trusted root" in err

    assert run(capsys, "ledger", "prove", "a.ledger", "--consistency", "2", "--size", "4", "-o", "con.json")[0] == 0
    code, out, _ = run(capsys, "ledger", "verify-proof", "con.json", "--json")
    assert code == 0 and [t["size"] for t in json.loads(out)["trees"]] == [2, 4]
    code, _, err = run(capsys, "ledger", "verify-proof", "con.json", "--checkpoint", "cp", "--key", "k.pub")
    assert code == 1 and "matches neither" in err  # cp is at size 5

    bad = json.loads((work / "con.json").read_text())
    bad["hashes"].append("11" * 32)
    (work / "bad.json").write_text(json.dumps(bad))
    code, _, err = run(capsys, "ledger", "verify-proof", "bad.json")
    assert code == 1 and "too many hashes" in err
    code, _, err = run(capsys, "ledger", "prove", "a.ledger", "--index", "5")
    assert code == 1 and "not in a tree of size 5" in err
    code, _, err = run(capsys, "ledger", "prove", "a.ledger", "--consistency", "4", "--size", "3")
    assert code == 1 and "smaller size" in err
    code, _, err = run(capsys, "ledger", "prove", "a.ledger", "--index", "1", "--size", "9")
    assert code == 1 and "out of range" in err


def test_real_command_exit_codes(tmp_path):
    def upel(*args):
        r = subprocess.run([sys.executable, "-m", "upel", *args], capture_output=True, text=True, cwd=tmp_path, check=False)
        assert "Traceback" not in r.stderr, r.stderr
        return r

    r = upel("ledger", "verify", "nothing.ledger")
    assert r.returncode == 1 and "no such ledger" in r.stderr
    (tmp_path / "junk.ledger").write_bytes(b"\x00" * 40)
    r = upel("ledger", "verify", "junk.ledger")
    assert r.returncode == 1 and "not a UPEL ledger" in r.stderr
    r = upel("ledger", "prove", "junk.ledger")
    assert r.returncode == 2  # usage: --index or --consistency is required


DEMO = '''package demo version "1.0.0";
fn half(x: u8) -> u8
  ensures result <= x
{ x / 2 }
'''


@pytest.mark.skipif(shutil.which("z3") is None, reason="needs the z3 binary for `upel verify --tool smt`")
def test_upel_verify_appends_one_entry_per_run(work, capsys):
    from upel.cli.main import Front
    from upel.ir.encoding import ir_digest

    spec = work / "demo.upel"
    spec.write_text(DEMO)
    for _ in range(2):
        code, _, err = run(capsys, "verify", spec, "--tool", "smt", "--ledger", "v.ledger")
        assert code == 0 and "ledger v.ledger: entry" in err
    led = load("v.ledger")
    assert led.size == 2
    e0, e1 = led.entry(0), led.entry(1)
    assert e0["kind"] == "verify" and e0["payload"] == e1["payload"]  # no durations: runs repeat exactly
    spec_entry = e0["payload"]["specs"][0]
    assert spec_entry["package"] == "demo"
    assert spec_entry["ir_digest"] == ir_digest(Front([str(spec)], []).docs["demo"])
    (tool,) = spec_entry["tools"]
    assert tool["tool"] == "smt" and "z3" in tool["versions"] and tool["ok"] is True
    assert tool["counts"]["proved"] >= 1 and tool["counts"]["failed"] == 0 and "assumed" in tool["counts"]
