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

from upel.verify.context import VerifyContext
from upel.verify.evidence import evidence_document

from ._common import examples_gate

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


def run_cbmc(doc: dict, work: Path, timeout: float = 120.0, edit=None, solvers=None) -> dict:
    """{obligation id: record} of one CBMC verification of `doc`."""
    cbmc = cbmc_module()
    from upel.proofs.cbmc import run

    work.mkdir(parents=True, exist_ok=True)
    ctx = VerifyContext(doc, work, timeout=timeout)
    recs = run.verify(ctx, cbmc.find_cbmc(), cbmc.tools()["cbmc"], edit=edit, solvers=solvers)
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


def body_of(files: dict[str, str], fn: str) -> tuple[str, int, int]:
    """(file, start, end) of the generated C function that holds `fn`'s body: the backend may put it
    in a `static inline` `<fn>_impl` in the header, the extern function in the .c file then forwards."""
    for name in (f"{fn}_impl", fn):
        for rel in sorted(files):
            text = files[rel]
            i = text.find(f"upel_status {name}(")
            if i >= 0 and text.find("{", i) < text.find(";", i):  # a definition, not a prototype
                return rel, i, text.index("\n}\n", i)
    raise AssertionError(f"no definition of {fn} in the generated C")


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
        # `x + 1` becomes a checked `x - 1` in the generated operator (not in the spec): only CBMC
        # can notice. The result is rewritten whatever form the backend gave the addition (a
        # runtime helper, or plain C once it knows the sum fits).
        rel, start, end = body_of(files, "t_small_inc")
        text = files[rel]
        body, n = re.subn(r"\n    \*out = [^;]*;",
                          "\n    if (x == 0U) {\n        return UPEL_OVERFLOW;\n    }\n    *out = (uint8_t)(x - 1U);",
                          text[start:end])
        assert n == 1, text[start:end]
        files[rel] = text[:start] + body + text[end:]
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
        rel, start, _ = body_of(files, "t_small_span")
        text = files[rel]
        end = text.index("\n    *out = ", start)
        # an unchecked shift by the argument: undefined once p->hi >= 32
        files[rel] = text[:end] + "\n    volatile int ub = 1 << p->hi;\n    (void)ub;" + text[end:]

    bad = run_cbmc(doc, tmp_path, edit=shift_too_far)
    r = bad["t.small.span:rte"]
    assert r.verdict == "failed" and "shift" in r.message
    assert r.counterexample is not None and r.counterexample["args"][0]["hi"] >= 31
    assert bad["t.small.inc:rte"].verdict == "proved"


# ---- the SMT back end (Z3) -------------------------------------------------------------------
def z3_only():
    from upel.proofs.cbmc import run

    z3 = run.z3_solver()
    if z3 is None:
        pytest.skip("z3 not installed (tools/setup.sh installs it)")
    return [z3]


def test_z3_back_end_refutes_the_mutants_and_undefined_behaviour(tmp_path):
    # the back end that decides the division harnesses must refute as well as MiniSat does
    solvers = z3_only()
    recs = run_cbmc(load(MUTANTS / "overflow.upel", MUTANTS, "mutant.overflow"), tmp_path / "o", solvers=solvers)
    r = recs["mutant.overflow.add:raises"]
    assert r.verdict == "failed" and r.counterexample["replayed"] is True
    assert r.details["solver"] == "z3" and "tried" not in r.details
    assert re.fullmatch(r"\d+\.\d+\.\d+ \(z3 \d+\.\d+\.\d+\)", r.prover_version)
    assert "--z3" in r.command
    assert recs["mutant.overflow.add:rte"].verdict == "proved"
    recs = run_cbmc(load(MUTANTS / "wrong_ensures.upel", MUTANTS, "mutant.wrong_ensures"), tmp_path / "w",
                    solvers=solvers)
    assert recs["mutant.wrong_ensures.inc:ensures[0]"].verdict == "failed"
    assert recs["mutant.wrong_ensures.inc:ensures[0]"].counterexample["replayed"] is True
    recs = run_cbmc(load(MUTANTS / "false_property.upel", MUTANTS, "mutant.false_property"), tmp_path / "f",
                    solvers=solvers)
    assert recs["mutant.false_property.never_3702:property"].counterexample["args"] == [1234]

    def shift_too_far(files: dict[str, str]) -> None:
        rel, start, _ = body_of(files, "t_small_span")
        end = files[rel].index("\n    *out = ", start)
        files[rel] = files[rel][:end] + "\n    volatile int ub = 1 << p->hi;\n    (void)ub;" + files[rel][end:]

    bad = run_cbmc(small_doc(tmp_path), tmp_path / "ub", edit=shift_too_far, solvers=solvers)
    assert bad["t.small.span:rte"].verdict == "failed" and "shift" in bad["t.small.span:rte"].message
    assert bad["t.small.inc:rte"].verdict == "proved" and bad["t.small.inc:ensures[0]"].verdict == "proved"


DIVISION = """package t.division version "1.0.0";

fn round_div(n: i64, d: i64) -> i64
  requires d > 0
  requires d <= 1_000_000_000_000
  ensures result - n / d <= 1
  ensures n / d - result <= 1
{
  let q: i64 = n / d;
  if abs(n % d) * 2 >= d { if n < 0 { q - 1 } else { q + 1 } } else { q }
}

fn wrong_div(n: i64, d: i64) -> i64
  requires d > 0
  ensures result * d <= n
{
  n / d
}
"""


@pytest.mark.slow
def test_symbolic_64_bit_division_falls_back_to_z3_and_is_decided(tmp_path):
    # MiniSat does not decide a bit-blasted 64-bit divider within minutes; with a 120 s timeout it
    # gets 30 s, then Z3 decides (about 5 s of CPU time): the correct operator is proved, the wrong ensures (false for
    # negative n) is refuted with a counterexample the interpreter reproduces.
    cbmc_module()
    z3_only()
    spec = tmp_path / "spec" / "t" / "division.upel"
    spec.parent.mkdir(parents=True)
    spec.write_text(DIVISION, encoding="utf-8")
    recs = run_cbmc(load(spec, tmp_path / "spec", "t.division"), tmp_path / "w", timeout=120.0)
    for k in ("round_div:ensures[0]", "round_div:ensures[1]", "round_div:raises", "round_div:rte"):
        r = recs[f"t.division.{k}"]
        assert r.verdict == "proved", (k, r.verdict, r.message)
        assert r.details["solver"] == "z3" and r.details["tried"] == ["minisat", "z3"]
    bad = recs["t.division.wrong_div:ensures[0]"]
    assert bad.verdict == "failed", bad.message
    n, d = bad.counterexample["args"]
    # truncation toward zero: (n / d) * d <= n holds for every n >= 0 (and cannot overflow there)
    assert d > 0 and n < 0 and bad.counterexample["replayed"] is True
    assert not list((tmp_path / "w").glob("tmp/*/*"))  # the SMT back end's temporary files are gone


# ---- one obligation at a time after a timeout -------------------------------------------------
ROUNDING = """package t.rounding version "1.0.0";

/// Feet to metres, rounded: the rounding-error ensures needs a bit-blasted 64-bit divider that
/// MiniSat does not settle within minutes; raises and rte are easy.
fn to_meters(ft: i32) -> i32
  ensures abs((result as i64) * 10_000 - (ft as i64) * 3_048) * 2 <= 10_000
{
  let scaled: i64 = (ft as i64) * 3_048;
  let magnitude: i64 = (abs(scaled) + 5_000) / 10_000;
  (if scaled < 0 { -magnitude } else { magnitude }) as i32
}
"""


@pytest.mark.slow
def test_timed_out_harness_is_decided_one_obligation_at_a_time(tmp_path):
    # The whole harness times out on the hard ensures; each obligation then runs alone: raises is
    # proved, the undefined behaviour put into the code is refuted with a counterexample, and the
    # hard ensures stays a timeout (never proved by the split).
    cbmc = cbmc_module()
    from upel.proofs.cbmc import run

    spec = tmp_path / "spec" / "t" / "rounding.upel"
    spec.parent.mkdir(parents=True)
    spec.write_text(ROUNDING, encoding="utf-8")
    doc = load(spec, tmp_path / "spec", "t.rounding")

    def shift_too_far(files: dict[str, str]) -> None:
        rel, start, _ = body_of(files, "t_rounding_to_meters")
        at = files[rel].index("{\n", start) + 2
        # undefined once ft >= 31 (or negative): only the rte run can see it
        files[rel] = files[rel][:at] + "    volatile int ub = 1 << ft;\n    (void)ub;\n" + files[rel][at:]

    recs = run_cbmc(doc, tmp_path / "w", timeout=20.0, edit=shift_too_far, solvers=[run.MINISAT])
    ens, raises, rte = (recs[f"t.rounding.to_meters:{k}"] for k in ("ensures[0]", "raises", "rte"))
    assert ens.verdict == "timeout" and "alone" in ens.message, ens.message
    assert raises.verdict == "proved", raises.message
    assert rte.verdict == "failed" and "shift" in rte.message, rte.message
    ft = rte.counterexample["args"][0]
    assert ft >= 31 or ft < 0
    for r in (ens, raises, rte):
        assert r.details["alone"] is True
    # each run was limited to its obligation: the assertion by its id, the built-in checks by
    # dropping the `upel:` assertions
    assert raises.command.count("--property") == 1 and "--no-assertions" not in raises.command
    assert "--no-assertions" in rte.command and "--property" not in rte.command
    assert rte.details["checks"] > 1 and cbmc.find_cbmc() not in rte.command


def test_a_run_that_skips_expected_checks_proves_nothing():
    # `_alone` demands that a limited run report exactly the checks it asked for: a missing
    # built-in check (or assertion) is an error, not a proof
    from upel.proofs.cbmc import results, run
    from upel.proofs.cbmc.harness import HarnessWriter, prepared_ir

    doc = load(MUTANTS / "overflow.upel", MUTANTS, "mutant.overflow")
    h = HarnessWriter(prepared_ir(doc)).all(doc)[0]
    raises = h.obligations["upel:raises"]

    def record(ob, verdict, message="", *args, **kw):
        return ob.id, verdict, message

    ok = [results.Check("f.overflow.1", "arithmetic overflow", "SUCCESS"),
          results.Check("f.overflow.2", "arithmetic overflow", "SUCCESS")]
    both = {"f.overflow.1", "f.overflow.2"}
    assert run._decide(None, None, h, ok, record, 0, [h.rte], both)[0][1] == "proved"
    got = run._decide(None, None, h, ok[:1], record, 0, [h.rte], both)[0]
    assert got[1] == "error" and "built-in check" in got[2]
    asserted = [results.Check("main.assertion.1", "upel:raises", "SUCCESS")]
    assert run._decide(None, None, h, asserted, record, 0, [raises], {"main.assertion.1"})[0][1] == "proved"
    assert run._decide(None, None, h, asserted, record, 0, [raises], {"main.assertion.1", "main.assertion.2"}
                       )[0][1] == "error"
    assert run._decide(None, None, h, [], record, 0, [raises], {"main.assertion.1"})[0][1] == "error"


def test_show_properties_listing_is_parsed():
    from upel.proofs.cbmc import results

    out = ('[{"program": "CBMC 6.6.0"}, {"properties": [{"name": "main.assertion.1", "description": "upel:raises"},'
           ' {"name": "f.overflow.1", "description": "arithmetic overflow"}]}]')
    assert results.parse_properties(out) == [("main.assertion.1", "upel:raises"), ("f.overflow.1", "arithmetic overflow")]
    assert results.parse_properties("not json") is None
    assert results.parse_properties('[{"program": "CBMC"}]') is None


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
# Proved in full within the CI budget (docs/verification.md, CBMC rows): these run in CI; the
# others still have obligations that neither back end decides in time (UPEL_VERIFY_EXAMPLES=1).
IN_CI: set[str] = set()


@pytest.mark.slow
@pytest.mark.parametrize("spec", [pytest.param(s, marks=() if s in IN_CI else examples_gate()) for s in SPECS])
def test_example_spec_is_proved(spec, tmp_path):
    doc = load(ROOT / "specs" / f"{spec}.upel", ROOT / "specs", spec.replace("/", "."))
    recs = run_cbmc(doc, tmp_path, timeout=float(os.environ.get("UPEL_CBMC_TIMEOUT", "600")))
    bad = {k: f"{r.verdict}: {r.message}" for k, r in recs.items() if r.verdict != "proved"}
    assert not bad
    # every spec-level obligation of the root package has a record
    from upel.verify.obligations import obligations

    assert {o.id for o in obligations(doc, {doc["root"]})} <= set(recs)


# In CI, on two examples: every obligation is proved except the ones CBMC is known not to decide
# in time (docs/verification.md, "Open"), and those may only time out, never be refuted. A proof
# lost, a new timeout or any failure fails the test. The full proofs above stay gated.
# The harnesses holding a known-open obligation get a short budget (they only show that nothing is
# refuted); every other harness gets a generous one. Its harnesses finish in under 3 s here, but
# one took over 15 s on a loaded CI machine: a budget a load spike can exhaust made a flaky test.
KNOWN_OPEN = {
    "avionics/units": {"avionics.units.feet_to_meters:ensures[0]", "avionics.units.meters_to_feet:ensures[0]",
                       "avionics.units.feet_meters_roundtrip_error:property",
                       "avionics.units.feet_to_meters_monotonic:property"},
    "medtech/infusion": {"medtech.infusion.rate_monotonic_in_dose:property",
                         "medtech.infusion.remaining_decreases_with_time:property"},
}
KNOWN_OPEN_TIMEOUT, PROVED_TIMEOUT = 15.0, 120.0


@pytest.mark.slow
@pytest.mark.parametrize("spec", sorted(KNOWN_OPEN))
def test_example_spec_is_proved_but_for_known_timeouts(spec, tmp_path):
    import copy
    from concurrent.futures import ThreadPoolExecutor

    from upel.proofs.cbmc import run

    cbmc = cbmc_module()
    doc = load(ROOT / "specs" / f"{spec}.upel", ROOT / "specs", spec.replace("/", "."))
    ctx = VerifyContext(doc, tmp_path, timeout=KNOWN_OPEN_TIMEOUT)
    generous = copy.copy(ctx)
    generous.timeout = PROVED_TIMEOUT
    plan = run.prepare(ctx)
    plan.solvers = run.default_solvers()

    def one(h):
        ids = {o.id for o in h.obligations.values()}
        c = ctx if ids & KNOWN_OPEN[spec] else generous
        return run.run_harness(c, cbmc.find_cbmc(), cbmc.tools()["cbmc"], plan, h)

    with ThreadPoolExecutor(max_workers=ctx.jobs) as pool:
        recs = {r.obligation: r for rs in pool.map(one, plan.harnesses) for r in rs}
    evidence_document("cbmc", ctx.ir_digest, cbmc.tools(), list(recs.values()))  # schema-valid
    assert any(set(KNOWN_OPEN[spec]) & {o.id for o in h.obligations.values()} for h in plan.harnesses)
    from upel.verify.obligations import obligations

    assert {o.id for o in obligations(doc, {doc["root"]})} <= set(recs)
    open_ = {k: r.verdict for k, r in recs.items() if r.verdict != "proved"}
    assert set(open_) <= KNOWN_OPEN[spec], {k: recs[k].message for k in set(open_) - KNOWN_OPEN[spec]}
    assert set(open_.values()) <= {"timeout"}, {k: recs[k].message for k, v in open_.items() if v != "timeout"}


def test_scope_limits_harnesses():
    # a run limited to some packages (an import proved by an earlier root) writes only their harnesses
    from upel.proofs.cbmc.harness import HarnessWriter, prepared_ir

    doc = load(ROOT / "specs" / "avionics" / "envelope.upel", ROOT / "specs", "avionics.envelope")
    writer = HarnessWriter(prepared_ir(doc))
    whole = writer.all(doc)
    scoped = writer.all(doc, frozenset({"avionics.envelope"}))
    assert scoped and len(scoped) < len(whole)
    assert [h.subject for h in scoped] == [h.subject for h in whole if h.subject.startswith("avionics.envelope.")]
