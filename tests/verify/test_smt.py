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

from ._common import EXAMPLES, MUTANTS, ROOT, ir_of

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


# Every example: arinc429's checksum_tracks_word_change only through the case split
# on its u3 index (proofs/smt/split.py; 30 s for the whole goal, then 8 x 0.02 s).
@pytest.mark.slow
@pytest.mark.parametrize("root", sorted(EXAMPLES))
def test_example_spec_is_proved(root):
    rep = _smt(ir_of(EXAMPLES[root], root), timeout=float(os.environ.get("UPEL_SMT_TIMEOUT", "120")))
    assert rep.ok, [(r.obligation, r.verdict, r.message) for r in rep.failures()]
    assert all(r.verdict == "proved" for r in rep.records)


CHECKSUM = """package t version "1.0.0";
fn sum(b: [u32; 8]) -> u32 { fold i in 0..8 with acc: u32 = 0 { acc +% b[i] } }
property tracks(b: [u32; 8], i: u3, d: u32) { sum(b with [i] = b[i] +% d) == sum(b) +% d }
property not_six(i: u3, x: u8) { x == x and i != 6 }
"""


def test_a_goal_the_whole_script_does_not_decide_is_proved_case_by_case(spec_ir):
    rep = _smt(spec_ir(CHECKSUM), timeout=8)  # 5 s for the whole goal, then the cases
    r = {x.obligation: x for x in rep.records}["t.tracks:property"]
    assert r.verdict == "proved", r.message
    assert r.details["split"]["on"] == "i" and r.details["split"]["cases"] == 8
    assert r.details["split"]["whole_goal"] == "undecided"  # not its time: the record is reproducible
    assert len([k for k in r.inputs if ".case" in k]) == 8


def test_a_constant_index_selects_its_element(spec_ir):
    """The unrolled fold's indices are literals: no `ite` selection chain (Z3 4.8.12
    takes time exponential in their number to read them; proofs/smt/lower.py _index)."""
    from proofs.smt.script import ScriptBuilder
    from upel.verify.obligations import obligations

    doc = spec_ir(CHECKSUM)
    (ob,) = [o for o in obligations(doc, None) if o.id == "t.sum:raises"]
    text, _ = ScriptBuilder(doc).script(ob)
    assert "(ite (= #" not in text
    assert all(f"(|arr:8:(_ BitVec 32)#{k}| |in:b|)" in text for k in range(8))


def test_a_split_record_does_not_depend_on_how_the_whole_goal_failed(spec_ir, tmp_path):
    """Two machines: one where z3 said `unknown` after 2 s, one where it ran out of time
    after 5 s. The reproducible records must be the same bytes (Bazel's clean-build
    determinism test compares them; it caught the time in `whole_goal`)."""
    import json

    import proofs.smt as smt
    from proofs.smt.script import ScriptBuilder
    from proofs.smt.split import split_input
    from upel.verify.context import VerifyContext
    from upel.verify.evidence import Evidence
    from upel.verify.obligations import obligations

    doc = spec_ir(CHECKSUM)
    out = []
    for verdict, ms in (("unknown", 2000), ("timeout", 5000)):
        work = tmp_path / verdict
        work.mkdir()
        ctx = VerifyContext(doc, work, timeout=20)
        builder = ScriptBuilder(doc)
        (ob,) = [o for o in obligations(doc, ctx.packages) if o.id == "t.tracks:property"]
        text, inputs = builder.script(ob)
        whole = Evidence.for_obligation(ob, tool="smt", prover="z3", prover_version="4", command=["z3"],
                                        inputs={}, verdict=verdict, duration_ms=ms)
        ev = smt._decide_cases(ctx, smt._z3(), "4", ob, "p.smt2", text, inputs, builder,
                               split_input(builder, inputs), whole)
        assert ev.verdict == "proved", ev.message
        out.append(json.dumps(ev.to_json(reproducible=True), sort_keys=True))
    assert out[0] == out[1]


def test_a_refuted_case_gives_a_replayed_counterexample(spec_ir, tmp_path):
    import proofs.smt as smt
    from proofs.smt.script import ScriptBuilder
    from proofs.smt.split import split_input
    from upel.verify.context import VerifyContext
    from upel.verify.evidence import Evidence
    from upel.verify.obligations import obligations

    doc = spec_ir(CHECKSUM)
    ctx = VerifyContext(doc, tmp_path, timeout=20)
    builder = ScriptBuilder(doc)
    (ob,) = [o for o in obligations(doc, ctx.packages) if o.subject == "t.not_six"]
    text, inputs = builder.script(ob)
    split = split_input(builder, inputs)
    assert split.name == "i" and split.values == list(range(8))  # x (u8) has too many values
    whole = Evidence.for_obligation(ob, tool="smt", prover="z3", prover_version="4", command=["z3"], inputs={},
                                    verdict="timeout", duration_ms=1000)
    ev = smt._decide_cases(ctx, smt._z3(), "4", ob, "p.smt2", text, inputs, builder, split, whole)
    assert ev.verdict == "failed" and ev.message.startswith("case i = 6:"), ev.message
    assert ev.counterexample["replayed"] is True and ev.counterexample["args"][0] == 6
    assert ev.details["split"]["value"] == 6 and ev.duration_ms >= 1000


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
