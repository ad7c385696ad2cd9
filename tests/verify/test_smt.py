"""SMT verifier (proofs/smt): mutants refuted with replayed counterexamples,
examples proved, the lowering equal to the interpreter, evidence and CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from upel.verify.driver import verify
from upel.verify.evidence import evidence_document, sarif, validate_evidence

from ._common import EXAMPLES, MUTANTS, ROOT, examples_gate, ir_of

pytestmark = pytest.mark.skipif(shutil.which("z3") is None, reason="z3 not installed: apt-get install z3")

MUTANT_FAILS = {
    "wrong_ensures": ("mutant.wrong_ensures.inc:ensures[0]", "ensures[0] is false"),
    "overflow": ("mutant.overflow.add:raises", "raised overflow"),
    "false_property": ("mutant.false_property.never_3702:property", "body is false"),
}


def _smt(doc, **kw):
    (rep,) = verify(doc, ["smt"], timeout=kw.pop("timeout", 120), **kw)
    return rep


@pytest.mark.parametrize("name", sorted(MUTANT_FAILS))
def test_mutant_is_refuted_and_the_counterexample_replays(name):
    doc = ir_of(MUTANTS / f"{name}.upel", spec_path=())
    rep = _smt(doc)
    assert not rep.ok
    bad = {r.obligation: r for r in rep.failures()}
    ob, what = MUTANT_FAILS[name]
    assert set(bad) == {ob}, {k: v.verdict for k, v in bad.items()}
    r = bad[ob]
    assert r.verdict == "failed"
    cex = r.counterexample
    assert cex["replayed"] is True and what in cex["interpreter"]
    if name == "overflow":
        a, b = cex["args"]
        assert a < 200 and a + b > 255 and cex["vector"] == f"({a}, {b}) -> error overflow;"
    if name == "false_property":
        assert cex["args"] == [1234]


def test_assume_turns_an_unproved_obligation_into_an_assumed_one(spec_ir):
    text = """package t version "1.0.0";
@assume("smt", "ensures[0]", "deliberately false in this test; reviewed by hand")
fn inc(x: u8) -> u8 requires x < 200 ensures result == x { x + 1 }
"""
    rep = _smt(spec_ir(text))
    (ens,) = [r for r in rep.records if r.kind == "ensures[0]"]
    assert ens.verdict == "assumed" and "reviewed by hand" in ens.justification
    assert ens.counterexample["replayed"] is True  # the refutation stays on record
    assert rep.ok
    doc = evidence_document("smt", "sha256:" + "0" * 64, rep.versions, rep.records)
    assert doc["counts"]["assumed"] == 1 and doc["verdict"] == "passed"


def test_evidence_validates_is_reproducible_and_has_sarif():
    doc = ir_of(MUTANTS / "overflow.upel", spec_path=())
    rep = _smt(doc)
    a = evidence_document("smt", "sha256:" + "1" * 64, rep.versions, rep.records, reproducible=True)
    b = evidence_document("smt", "sha256:" + "1" * 64, rep.versions, _smt(doc).records, reproducible=True)
    assert a == b and "duration_ms" not in json.dumps(a)
    assert a["verdict"] == "failed" and a["counts"]["failed"] == 1
    broken = json.loads(json.dumps(a))
    broken["records"][0]["verdict"] = "probably"
    assert validate_evidence(broken)
    log = sarif("smt", rep.versions, rep.records)
    assert log["version"] == "2.1.0"
    (res,) = log["runs"][0]["results"]
    assert res["level"] == "error" and res["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


def test_scripts_are_identical_from_different_directories(tmp_path):
    from upel.proofs.smt.script import ScriptBuilder
    from upel.verify.obligations import obligations

    texts = []
    for sub in ("one", "two/deeper"):
        dest = tmp_path / sub / "specs"
        shutil.copytree(ROOT / "specs", dest)
        doc = ir_of(dest / "avionics" / "envelope.upel", spec_path=(dest,))
        builder = ScriptBuilder(doc)
        texts.append([builder.script(ob)[0] for ob in obligations(doc)])
    assert texts[0] == texts[1] and len(texts[0]) > 40


def test_missing_z3_names_the_install_command(monkeypatch):
    from upel.diagnostics import UserError

    monkeypatch.setenv("UPEL_Z3", "/nonexistent/z3")
    with pytest.raises(UserError, match="apt-get install z3"):
        verify(ir_of(MUTANTS / "overflow.upel", spec_path=()), ["smt"])


def test_cli_verify_writes_evidence_and_fails(tmp_path):
    ev = tmp_path / "ev"
    p = subprocess.run([sys.executable, "-m", "upel", "verify", "--tool", "smt", "--evidence", str(ev),
                        str(MUTANTS / "overflow.upel")], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 1, p.stderr
    assert "mutant.overflow.add:raises" in p.stdout and "counterexample: (" in p.stdout
    data = json.loads((ev / "mutant.overflow" / "smt.evidence.json").read_text())
    assert not validate_evidence(data) and data["verdict"] == "failed"
    assert json.loads((ev / "mutant.overflow" / "smt.sarif").read_text())["version"] == "2.1.0"


def test_cli_proves_each_package_once(tmp_path):
    """envelope imports units: named in either order, units runs first and
    envelope's run proves only envelope; --reprove-imports proves units again."""
    specs = [str(ROOT / "specs" / "avionics" / f) for f in ("envelope.upel", "units.upel")]

    def run(*extra):
        p = subprocess.run([sys.executable, "-m", "upel", "verify", "--json", "--tool", "smt", *extra, *specs],
                           capture_output=True, text=True, cwd=ROOT)
        assert p.returncode == 0, p.stderr
        return {s["package"]: (s["proved_earlier"], {r["obligation"].split(":")[0].rsplit(".", 1)[0]
                                                     for r in s["tools"][0]["records"]})
                for s in json.loads(p.stdout)["specs"]}, [s["package"] for s in json.loads(p.stdout)["specs"]]

    once, order = run()
    assert order == ["avionics.units", "avionics.envelope"]
    assert once == {"avionics.units": ([], {"avionics.units"}),
                    "avionics.envelope": (["avionics.units"], {"avionics.envelope"})}
    again, _ = run("--reprove-imports")
    assert again["avionics.envelope"] == ([], {"avionics.envelope", "avionics.units"})


# arinc429's checksum properties over [u32; 8] take minutes of bit-blasting.
FAST_EXAMPLES = sorted(r for r in EXAMPLES if r != "avionics.arinc429")


@pytest.mark.slow
@pytest.mark.parametrize("root", FAST_EXAMPLES)
def test_example_spec_is_proved(root):
    _assert_proved(root)


@pytest.mark.slow
@examples_gate()
def test_arinc429_is_proved():
    _assert_proved("avionics.arinc429")


def _assert_proved(root):
    rep = _smt(ir_of(EXAMPLES[root], root), timeout=float(os.environ.get("UPEL_SMT_TIMEOUT", "300")))
    assert rep.ok, [(r.obligation, r.verdict, r.message) for r in rep.failures()]
    assert all(r.verdict == "proved" for r in rep.records)


@pytest.mark.slow
@pytest.mark.parametrize("root", sorted(EXAMPLES))
@pytest.mark.parametrize("ints", [False, True], ids=["bitvector", "integer"])
def test_lowering_agrees_with_the_interpreter_on_every_vector(root, ints):
    """Both encodings evaluate every golden vector of the examples exactly as the interpreter."""
    from upel.interp.eval import Evaluator
    from upel.interp.runner import IRResolver, outcome, to_value
    from upel.ir.model import IRIndex
    from upel.proofs.smt.evaluate import SmtEvaluator
    from upel.proofs.smt.ints import Unsupported

    doc = ir_of(EXAMPLES[root], root)
    ev = Evaluator(IRResolver(IRIndex(doc)))
    smt = SmtEvaluator(doc, ints=ints)
    compared = 0
    for pkg in doc["packages"]:
        for vs in pkg["vectors"]:
            cases = [c["args"] for c in vs["cases"]]
            try:
                got = smt.outcomes(vs["fn"], cases)
            except Unsupported:
                continue
            for args, g in zip(cases, got, strict=True):
                assert g == outcome(ev, vs["fn"], [to_value(a) for a in args]), (vs["fn"], args)
                compared += 1
    assert compared > (0 if ints else 100)
