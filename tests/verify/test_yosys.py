"""Verification stage, Yosys verifier (hdl/verilog/formal.py): synthesis and
SAT proofs of the generated Verilog.

The mutants of tests/verify/mutants must be refuted with the right
obligation (and a counterexample the reference interpreter reproduces), a
hand-broken generated module must be refuted with a counterexample the
interpreter does *not* reproduce, and the example specs must have no
refuted obligation. Skips when Yosys is not installed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import front

from upel.verify.context import VerifyContext
from upel.verify.evidence import evidence_document

REPO = Path(__file__).resolve().parents[2]
MUTANTS = REPO / "tests" / "verify" / "mutants"

if shutil.which("yosys") is None:
    pytest.skip("yosys not installed: apt-get install yosys", allow_module_level=True)

from upel.hdl.verilog import formal


def load(path: Path, root: str) -> dict:
    sink, _, docs = front([path], [REPO / "specs"])
    assert docs is not None, sink
    return docs[root]


def run(doc: dict, tmp: Path, timeout: float = 30.0, edit=None) -> dict:
    ctx = VerifyContext(doc, tmp, timeout=timeout)
    if edit is not None:
        edit(ctx.generated("verilog"))  # the verifier takes the generated tree as it finds it
    records = formal.verify(ctx)
    # Every record set must be valid evidence (the schema check raises otherwise).
    evidence_document(formal.NAME, ctx.ir_digest, formal.tools(), records, reproducible=True)
    return {r.obligation: r for r in records}


def test_tools_reports_version():
    assert formal.tools()["yosys"][0].isdigit()


def test_overflow_mutant_raises_fails_with_counterexample(tmp_path):
    recs = run(load(MUTANTS / "overflow.upel", "mutant.overflow"), tmp_path)
    r = recs["mutant.overflow.add:raises"]
    assert r.verdict == "failed", r.message
    a, b = r.counterexample["args"]
    assert a < 200 and a + b > 255  # a real undeclared overflow inside the requires
    assert r.counterexample["replayed"] is True
    assert recs["mutant.overflow.add:synth"].verdict == "proved"


def test_wrong_ensures_mutant_fails_ensures_only(tmp_path):
    recs = run(load(MUTANTS / "wrong_ensures.upel", "mutant.wrong_ensures"), tmp_path)
    r = recs["mutant.wrong_ensures.inc:ensures[0]"]
    assert r.verdict == "failed", r.message
    (x,) = r.counterexample["args"]
    assert x < 200 and r.counterexample["replayed"] is True
    assert recs["mutant.wrong_ensures.inc:raises"].verdict == "proved"


def test_false_property_mutant_fails_at_1234(tmp_path):
    recs = run(load(MUTANTS / "false_property.upel", "mutant.false_property"), tmp_path)
    r = recs["mutant.false_property.never_3702:property"]
    assert r.verdict == "failed", r.message
    assert r.counterexample["args"] == [1234]
    assert recs["mutant.false_property.scale:raises"].verdict == "proved"


def test_broken_generated_verilog_is_rejected(tmp_path):
    spec = tmp_path / "t.upel"
    spec.write_text('package t version "1.0.0";\n'
                    "fn inc(x: u8) -> u8\n  requires x < 200\n  ensures result > x\n{\n  x + 1\n}\n",
                    encoding="utf-8")
    doc = load(spec, "t")
    good = run(doc, tmp_path / "good")
    assert {r.verdict for r in good.values()} == {"proved"}

    def break_adder(gen_dir: Path) -> None:
        v = gen_dir / "t.v"
        text = v.read_text(encoding="utf-8")
        assert text.count("+ 10'd1") == 1
        v.write_text(text.replace("+ 10'd1", "- 10'd1"), encoding="utf-8")

    bad = run(doc, tmp_path / "bad", edit=break_adder)
    r = bad["t.inc:ensures[0]"]
    assert r.verdict == "failed", r.message
    # The spec is right: the interpreter does not reproduce it, the Verilog is wrong.
    assert r.counterexample["replayed"] is False
    assert "disagrees with the spec" in r.counterexample["interpreter"]


QUOT = ('package t version "1.0.0";\n'
        "fn quot(n: i64, d: i64) -> i64\n  requires d > 0\n  ensures result == n / d\n{\n  n / d\n}\n")


def test_shared_64_bit_divider_is_proved(tmp_path):
    # The body and the ensures both divide two i64: bit-blasted apart, the two
    # dividers must be proved equal, which MiniSat does not do within minutes;
    # formal.SIMPLIFY's opt_merge shares them and the proof takes about a second.
    spec = tmp_path / "t.upel"
    spec.write_text(QUOT, encoding="utf-8")
    recs = run(load(spec, "t"), tmp_path / "w", timeout=60.0)
    assert {o: r.verdict for o, r in recs.items()} == \
        {"t.quot:ensures[0]": "proved", "t.quot:raises": "proved", "t.quot:synth": "proved"}


def test_proof_without_the_wrappers_assertion_is_not_proved(tmp_path, monkeypatch):
    # A pass that removed the assertion would leave Yosys nothing to refute and
    # print SUCCESS: the verifier must not take that as a proof.
    monkeypatch.setattr(formal, "SIMPLIFY", (*formal.SIMPLIFY, "chformal -assert -remove"))
    recs = run(load(MUTANTS / "wrong_ensures.upel", "mutant.wrong_ensures"), tmp_path)
    r = recs["mutant.wrong_ensures.inc:ensures[0]"]
    assert r.verdict == "error" and "0 assertions" in r.message, r.message


def test_records_are_deterministic_and_carry_cell_counts(tmp_path):
    doc = load(MUTANTS / "false_property.upel", "mutant.false_property")
    a = run(doc, tmp_path / "a")
    b = run(doc, tmp_path / "b")
    assert [r.to_json(reproducible=True) for r in a.values()] == [r.to_json(reproducible=True) for r in b.values()]
    synth = a["mutant.false_property.scale:synth"]
    assert synth.details["cells"] > 0 and synth.details["cells_by_type"]
    for name in ("formal_mutant_false_property.v", "formal_mutant_false_property.ys"):
        assert (tmp_path / "a" / "yosys" / name).read_bytes() == (tmp_path / "b" / "yosys" / name).read_bytes()


# arinc429 and envelope import avionics.units, ledger imports fintech.money:
# these four documents cover every example package.
EXAMPLES = [("avionics/arinc429.upel", "avionics.arinc429"), ("avionics/envelope.upel", "avionics.envelope"),
            ("fintech/ledger.upel", "fintech.ledger"), ("medtech/infusion.upel", "medtech.infusion")]


@pytest.mark.slow
@pytest.mark.parametrize("path,root", EXAMPLES, ids=[r for _, r in EXAMPLES])
def test_example_spec_has_no_refuted_obligation(tmp_path, path, root):
    doc = load(REPO / "specs" / path, root)
    recs = run(doc, tmp_path, timeout=5.0)
    fns = [f["qname"] for p in doc["packages"] for f in p["functions"]]
    for q in fns:
        s = recs[f"{q}:synth"]
        assert s.verdict == "proved" and s.details["cells"] > 0, s.message
        assert recs[f"{q}:raises"].verdict in ("proved", "timeout")
    bad = {o: f"{r.verdict}: {r.message}" for o, r in recs.items() if r.verdict not in ("proved", "timeout")}
    assert not bad
    proved = sum(r.verdict == "proved" for r in recs.values())
    assert 3 * proved >= 2 * len(recs), f"only {proved} of {len(recs)} proved"
