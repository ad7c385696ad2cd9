"""CBMC verifier (upel.proofs.cbmc) and its installer (tools/install_cbmc.sh).

Every verdict here comes from a real CBMC run: the mutants must be refuted
with the right obligation and a counterexample that the reference
interpreter reproduces, hand-broken generated C must be refuted, and the
example specs must be proved. Skips (naming the installer) when cbmc is
absent; CI installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import front

from ._common import examples_gate
from upel.verify.context import VerifyContext
from upel.verify.evidence import evidence_document

ROOT = Path(__file__).resolve().parents[2]
MUTANTS = ROOT / "tests" / "verify" / "mutants"
INSTALL = ROOT / "tools" / "install_cbmc.sh"


def cbmc_module():
    from upel.codegen.registry import ToolMissing
    from upel.proofs import cbmc

    try:
        cbmc.tools()
    except ToolMissing:
        pytest.skip("cbmc not installed: run tools/install_cbmc.sh")
    return cbmc


def load(path: Path, root: Path, name: str) -> dict:
    sink, _, docs = front([path], [root])
    assert docs is not None, sink
    return docs[name]


def run_cbmc(doc: dict, work: Path, timeout: float = 120.0, edit=None) -> dict:
    """{obligation id: record} of one CBMC verification of `doc`."""
    cbmc = cbmc_module()
    from upel.proofs.cbmc import run

    work.mkdir(parents=True, exist_ok=True)
    ctx = VerifyContext(doc, work, timeout=timeout)
    recs = run.verify(ctx, cbmc.find_cbmc(), cbmc.tools()["cbmc"], edit=edit)
    evidence_document("cbmc", ctx.ir_digest, cbmc.tools(), recs)  # schema-valid (raises otherwise)
    return {r.obligation: r for r in recs}


# ---- installer ----------------------------------------------------------------------
def pins() -> list[tuple[str, str]]:
    text = INSTALL.read_text(encoding="utf-8")
    return re.findall(r'"(pool/main/\S+\.deb) ([0-9a-f]{64})"', text)


def test_install_script_pins_every_deb_by_sha256():
    got = pins()
    names = {Path(p).name.split("_")[0] for p, _ in got}
    assert {"cbmc", "minisat", "libc6", "libstdc++6", "libgcc-s1"} <= names
    assert len({h for _, h in got}) == len(got)


def test_install_script_refuses_a_tampered_deb(tmp_path):
    cache = Path(os.environ.get("UPEL_CBMC_DEB_DIR", "/opt/upel/cbmc-6.6.0.debs"))
    have = [cache / Path(p).name for p, _ in pins()]
    if not all(f.is_file() for f in have):
        pytest.skip("the pinned .debs are not cached: run tools/install_cbmc.sh")
    debs = tmp_path / "debs"
    debs.mkdir()
    for f in have:
        (debs / f.name).symlink_to(f)
    first = debs / have[0].name  # checked before anything is unpacked
    first.unlink()
    shutil.copyfile(have[0], first)
    with open(first, "ab") as fh:
        fh.write(b"\0")
    prefix = tmp_path / "prefix"
    env = dict(os.environ, UPEL_CBMC_PREFIX=str(prefix), UPEL_CBMC_DEB_DIR=str(debs),
               UPEL_DEBIAN_MIRROR="http://127.0.0.1:9")  # never downloads: everything is cached
    p = subprocess.run(["bash", str(INSTALL)], check=False, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode != 0
    assert "SHA-256 mismatch" in p.stderr and have[0].name in p.stderr
    assert not prefix.exists()


def test_install_script_is_a_fast_no_op_when_installed():
    cbmc = cbmc_module()
    if not (cbmc.DEFAULT_PATH.is_file() and cbmc.find_cbmc() == str(cbmc.DEFAULT_PATH)):
        pytest.skip("cbmc is not in the default prefix")
    p = subprocess.run(["bash", str(INSTALL)], check=False, capture_output=True, text=True, timeout=60,
                       env={k: v for k, v in os.environ.items() if not k.startswith("UPEL_CBMC")})
    assert p.returncode == 0, p.stderr
    assert "already installed" in p.stdout


def test_tools_reports_the_version():
    cbmc = cbmc_module()
    assert re.fullmatch(r"\d+\.\d+\.\d+", cbmc.tools()["cbmc"])


# ---- mutants -------------------------------------------------------------------------
def test_overflow_mutant_fails_raises_with_a_replayable_counterexample(tmp_path):
    from upel.interp.eval import Evaluator
    from upel.interp.runner import IRResolver, outcome
    from upel.ir.model import IRIndex

    doc = load(MUTANTS / "overflow.upel", MUTANTS, "mutant.overflow")
    recs = run_cbmc(doc, tmp_path)
    r = recs["mutant.overflow.add:raises"]
    assert r.verdict == "failed", r.message
    a, b = r.counterexample["args"]
    assert a < 200 and a + b > 255
    assert r.counterexample["replayed"] is True
    ev = Evaluator(IRResolver(IRIndex(doc)))
    assert outcome(ev, "mutant.overflow.add", [a, b]) == {"error": 1}
    assert recs["mutant.overflow.add:rte"].verdict == "proved"  # the C code itself stays defined


def test_wrong_ensures_mutant_fails_its_ensures(tmp_path):
    doc = load(MUTANTS / "wrong_ensures.upel", MUTANTS, "mutant.wrong_ensures")
    recs = run_cbmc(doc, tmp_path)
    r = recs["mutant.wrong_ensures.inc:ensures[0]"]
    assert r.verdict == "failed"
    (x,) = r.counterexample["args"]
    assert 0 <= x < 200 and r.counterexample["replayed"] is True
    assert recs["mutant.wrong_ensures.inc:raises"].verdict == "proved"


def test_false_property_mutant_fails_at_1234(tmp_path):
    doc = load(MUTANTS / "false_property.upel", MUTANTS, "mutant.false_property")
    recs = run_cbmc(doc, tmp_path)
    r = recs["mutant.false_property.never_3702:property"]
    assert r.verdict == "failed"
    assert r.counterexample["args"] == [1234] and r.counterexample["replayed"] is True
    assert recs["mutant.false_property.scale:raises"].verdict == "proved"


# ---- broken generated code ------------------------------------------------------------------
SMALL = """package t.small version "1.0.0";

record Pair { lo: u8, hi: u8 }

fn inc(x: u8) -> u8
  requires x < 200
  ensures result > x
{
  x + 1
}

fn span(p: Pair) -> u8
  requires p.lo <= p.hi
  ensures result <= p.hi
{
  p.hi - p.lo
}

property inc_is_monotonic(x: u8) requires x < 199 {
  inc(x) < inc(x + 1)
}
"""


def small_doc(tmp_path: Path) -> dict:
    spec = tmp_path / "spec" / "t" / "small.upel"
    spec.parent.mkdir(parents=True)
    spec.write_text(SMALL, encoding="utf-8")
    return load(spec, tmp_path / "spec", "t.small")


@pytest.mark.slow
def test_small_spec_is_proved_and_broken_code_is_refuted(tmp_path):
    doc = small_doc(tmp_path)
    good = run_cbmc(doc, tmp_path / "good")
    assert {k: r.verdict for k, r in good.items()} == {
        "t.small.inc:ensures[0]": "proved", "t.small.inc:raises": "proved", "t.small.inc:rte": "proved",
        "t.small.span:ensures[0]": "proved", "t.small.span:raises": "proved", "t.small.span:rte": "proved",
        "t.small.inc_is_monotonic:property": "proved", "t.small.inc_is_monotonic:rte": "proved",
    }
    edited = []

    def break_inc(files: dict[str, str]) -> None:
        # `x + 1` becomes `x - 1` in the generated operator (not in the spec): only CBMC can notice
        text = files["t_small.c"]
        start = text.index("upel_status t_small_inc(")
        end = text.index("\n}\n", start)
        body = text[start:end]
        assert "upel_add_u8(" in body
        files["t_small.c"] = text[:start] + body.replace("upel_add_u8(", "upel_sub_u8(") + text[end:]
        edited.append(True)

    bad = run_cbmc(doc, tmp_path / "bad", edit=break_inc)
    assert edited
    assert bad["t.small.inc:raises"].verdict == "failed"        # 0 - 1 raises overflow, undeclared
    assert bad["t.small.inc:raises"].counterexample["args"] == [0]
    # the interpreter runs the spec, not the broken C: it does not reproduce the failure
    assert bad["t.small.inc:raises"].counterexample["replayed"] is False
    assert bad["t.small.inc:ensures[0]"].verdict == "failed"    # x - 1 > x is false
    assert bad["t.small.inc_is_monotonic:property"].verdict == "failed"
    assert bad["t.small.span:raises"].verdict == "proved"       # the other operator is untouched


def test_undefined_behaviour_in_generated_code_is_an_rte_failure(tmp_path):
    doc = small_doc(tmp_path)

    def shift_too_far(files: dict[str, str]) -> None:
        text = files["t_small.c"]
        start = text.index("upel_status t_small_span(")
        end = text.index("\n    *out = ", start)
        # an unchecked shift by the argument: undefined once p->hi >= 32
        files["t_small.c"] = text[:end] + "\n    volatile int ub = 1 << p->hi;\n    (void)ub;" + text[end:]

    bad = run_cbmc(doc, tmp_path, edit=shift_too_far)
    r = bad["t.small.span:rte"]
    assert r.verdict == "failed" and "shift" in r.message
    assert r.counterexample is not None and r.counterexample["args"][0]["hi"] >= 31
    assert bad["t.small.inc:rte"].verdict == "proved"


# ---- determinism ------------------------------------------------------------------------
def test_same_ir_gives_same_harnesses_and_evidence(tmp_path):
    cbmc = cbmc_module()
    from upel.proofs.cbmc import run

    doc = load(MUTANTS / "overflow.upel", MUTANTS, "mutant.overflow")
    outs = []
    for n in ("a", "b"):
        work = tmp_path / n
        work.mkdir()
        ctx = VerifyContext(doc, work, timeout=120)
        recs = run.verify(ctx, cbmc.find_cbmc(), cbmc.tools()["cbmc"])
        files = {p.relative_to(work).as_posix(): p.read_bytes()
                 for d in ("harness", "src") for p in sorted((work / d).rglob("*"))}
        outs.append((files, [r.to_json(reproducible=True) for r in recs]))
    assert outs[0] == outs[1]
    for rec in outs[0][1]:
        assert all(not a.startswith("/") for a in rec["command"])


# ---- the example specs ----------------------------------------------------------------------
SPECS = ["fintech/money", "fintech/ledger", "medtech/infusion", "avionics/units", "avionics/envelope",
         "avionics/arinc429"]


@pytest.mark.slow
@examples_gate()
@pytest.mark.parametrize("spec", SPECS)
def test_example_spec_is_proved(spec, tmp_path):
    doc = load(ROOT / "specs" / f"{spec}.upel", ROOT / "specs", spec.replace("/", "."))
    recs = run_cbmc(doc, tmp_path, timeout=float(os.environ.get("UPEL_CBMC_TIMEOUT", "600")))
    bad = {k: f"{r.verdict}: {r.message}" for k, r in recs.items() if r.verdict != "proved"}
    assert not bad
    # every spec-level obligation of the root package has a record
    from upel.verify.obligations import obligations

    assert {o.id for o in obligations(doc, {doc["root"]})} <= set(recs)
