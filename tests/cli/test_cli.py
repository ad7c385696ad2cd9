"""CLI stage: the `upel` command's contract (exit codes, JSON, outputs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from upel.cli.main import main

REPO = Path(__file__).resolve().parents[2]
GOOD = '''package demo version "1.0.0";
error DemoError { bad = 16 }
fn half(x: u8) -> u8 raises DemoError
  requires x < 200
  ensures result <= x
{ if x == 7 { raise DemoError.bad } else { x / 2 } }
property half_small(x: u8) requires x < 200 and x != 7 { half(x) < 100 }
vectors half { (10) -> 5; (7) -> error DemoError.bad; (250) -> error precondition; }
'''


def run(*args, cwd=None):
    r = subprocess.run([sys.executable, "-m", "upel", *args], capture_output=True, text=True, cwd=cwd)
    assert "Traceback" not in r.stderr, r.stderr
    return r


@pytest.fixture
def good(tmp_path):
    p = tmp_path / "demo.upel"
    p.write_text(GOOD)
    return p


def test_check_ok_and_json(good):
    r = run("check", str(good), "--json")
    assert r.returncode == 0
    out = json.loads(r.stdout)
    assert out == {"ok": True, "diagnostics": [], "packages": ["demo"]}


def test_check_reports_several_located_errors_as_json(tmp_path):
    p = tmp_path / "bad.upel"
    p.write_text('package bad version "1.0.0";\nfn f(x: u8) -> u8 { x + true }\nfn g() -> u16 { 70000 }\n')
    r = run("check", str(p), "--json")
    assert r.returncode == 1
    diags = json.loads(r.stdout)["diagnostics"]
    assert [(d["code"], d["line"]) for d in diags] == [("UPEL-E0201", 2), ("UPEL-E0202", 3)]
    assert all(d["file"].endswith("bad.upel") and d["col"] >= 1 for d in diags)


def test_check_human_output_has_caret_and_hint(tmp_path):
    p = tmp_path / "bad.upel"
    p.write_text('package bad version "1.0.0";\nfn f(x: u8) -> u8 { let y = 5; y }\n')
    r = run("check", "bad.upel", cwd=tmp_path)
    assert r.returncode == 1
    assert "bad.upel:2:29: error[UPEL-E0203]" in r.stderr
    assert "^" in r.stderr and "hint:" in r.stderr


def test_missing_file_is_a_clean_error(tmp_path):
    r = run("check", str(tmp_path / "nope.upel"))
    assert r.returncode == 1
    assert "no such file" in r.stderr


def test_usage_error_exits_2():
    r = run("frobnicate")
    assert r.returncode == 2


def test_ir_writes_json_cbor_digest(good, tmp_path):
    out = tmp_path / "out"
    r = run("ir", str(good), "-o", str(out), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)["outputs"]["demo"]
    assert sorted(p.name for p in out.iterdir()) == ["demo.ir.cbor", "demo.ir.digest", "demo.ir.json"]
    assert (out / "demo.ir.digest").read_text().strip() == info["digest"]
    doc = json.loads((out / "demo.ir.json").read_text())
    assert doc["root"] == "demo" and doc["packages"][0]["functions"][0]["name"] == "half"


def test_ir_leaves_nothing_behind_on_errors(tmp_path):
    p = tmp_path / "bad.upel"
    p.write_text('package bad version "1.0.0";\nfn f() -> u8 { 300 }\n')
    out = tmp_path / "out"
    r = run("ir", str(p), "-o", str(out))
    assert r.returncode == 1
    assert not out.exists()


def test_ir_refuses_a_file_as_output_dir(good, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    r = run("ir", str(good), "-o", str(f))
    assert r.returncode == 1 and "not a directory" in r.stderr
    assert f.read_text() == "x"


def test_test_command_passes_and_reports(good):
    r = run("test", str(good), "--samples", "200", "--json")
    assert r.returncode == 0, r.stdout
    rep = json.loads(r.stdout)["reports"][0]
    fn = rep["functions"][0]
    assert (fn["vectors"], fn["vectors_passed"], fn["random_calls"]) == (3, 3, 200)
    assert rep["properties"][0]["held"] > 0


@pytest.mark.parametrize("mutation,kind", [
    ("(10) -> 5;", "vector"),                       # wrong expected value
    ("ensures result <= x", "ensures"),             # false contract
    ("half(x) < 100", "property"),                  # false property
])
def test_test_command_fails_on_each_kind_of_failure(tmp_path, mutation, kind):
    broken = {
        "vector": GOOD.replace("(10) -> 5;", "(10) -> 6;"),
        "ensures": GOOD.replace("ensures result <= x", "ensures result < x"),
        "property": GOOD.replace("half(x) < 100", "half(x) < 50"),
    }[kind]
    assert broken != GOOD
    p = tmp_path / "demo.upel"
    p.write_text(broken)
    r = run("test", str(p), "--samples", "300", "--json")
    assert r.returncode == 1
    failures = json.loads(r.stdout)["reports"][0]["failures"]
    # A false ensures also surfaces in a property that calls the function.
    assert kind in [f["kind"] for f in failures]


def test_spec_path_resolves_imports(tmp_path):
    lib = tmp_path / "lib" / "units"
    lib.mkdir(parents=True)
    (lib / "si.upel").write_text('package units.si version "1.0.0";\ntype Meters = i32;\n')
    app = tmp_path / "app.upel"
    app.write_text('package app version "1.0.0";\nuse units.si;\nfn up(m: si.Meters) -> si.Meters { m + 1 }\n')
    assert run("check", str(app)).returncode == 1  # not found without the search path
    r = run("check", str(app), "--spec-path", str(tmp_path / "lib"))
    assert r.returncode == 0, r.stderr


def test_internal_errors_are_one_line_and_exit_2(monkeypatch, capsys, good):
    import upel.cli.main as cli

    def boom(*a, **k):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(cli.Front, "__init__", boom)
    assert main(["check", str(good)]) == 2
    err = capsys.readouterr().err
    assert "internal error" in err and "simulated bug" in err and "Traceback" not in err


def test_example_specs_pass(tmp_path):
    """`upel test specs/...` passes for every example system."""
    r = run("test", "specs/avionics", "specs/fintech", "specs/medtech", "--samples", "300", cwd=REPO)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS" in r.stdout


def test_action_entry_point_rejects_malformed_ir_cleanly(tmp_path):
    """The Bazel action tool answers a bad IR file with one line, exit 1, no output."""
    bad = tmp_path / "x.ir.json"
    out = tmp_path / "gen"
    for content in ("{not json", '{"format": "upel-ir"}'):
        bad.write_text(content)
        r = subprocess.run([sys.executable, "-m", "upel.actions", "codegen", "--ir", str(bad), "--backend", "c",
                            "--out", str(out)], capture_output=True, text=True)
        assert r.returncode == 1, r.stderr
        assert "IR document" in r.stderr and "Traceback" not in r.stderr and "internal error" not in r.stderr
        assert not out.exists()
