"""Frama-C verifiers (proofs/framac): WP proves the ACSL contracts of the
generated C, EVA finds no runtime error in it.

- the example specs pass (slow);
- the mutants are rejected by WP with the right obligation failing;
- generated C broken by hand (one operator changed) is rejected by WP and EVA;
- evidence documents validate against schemas/evidence.schema.json.

Skips, naming what to install, when frama-c, why3 or z3 are missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import front
from upel.proofs.framac import common, eva, wp

from upel.codegen.registry import ToolMissing
from upel.verify.context import VerifyContext
from upel.verify.evidence import evidence_document

from ._common import examples_gate

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
MUTANTS = Path(__file__).resolve().parent / "mutants"

# Every obligation of these is proved (docs/verification.md): a CI test each.
# (envelope's document includes the avionics.units package it imports.)
# That is every example spec: fintech.ledger (with money) was the last, 56/56 since
# guarded values, upel_total, spelled-out short arrays, a frama-c run per function
# and CVC4 after Z3 (about 4 min on 2 cores).
PROVED = [("avionics/envelope.upel", "avionics.envelope"), ("avionics/arinc429.upel", "avionics.arinc429"),
          ("fintech/money.upel", "fintech.money"), ("medtech/infusion.upel", "medtech.infusion"),
          ("fintech/ledger.upel", "fintech.ledger")]

# A small spec whose C is easy to break by hand: the index check guards a[i].
SMALL = '''
package small.get version "1.0.0";

fn get(a: [u8; 4], i: u8) -> u8 raises index {
  a[i]
}

fn inc(x: u8) -> u8
  requires x < 200
  ensures result == x + 1
{
  x + 1
}
'''


def need(mod) -> dict[str, str]:
    try:
        return mod.tools()
    except ToolMissing as e:
        pytest.skip(f"{e.tool} not installed: {e.how}")


def load(path: Path, root: str, spec_path: list[Path]) -> dict:
    _, _, docs = front([str(path)], [str(p) for p in spec_path])
    return docs[root]


def run(mod, doc: dict, tmp_path: Path, timeout: float = 20.0, edit=None) -> dict:
    """Run a verifier; `edit(gen_dir)` may change the generated C first. Returns
    {obligation: record} and checks the evidence document against the schema."""
    work = tmp_path / mod.NAME
    work.mkdir()
    ctx = VerifyContext(doc, work, timeout=timeout)
    if edit is not None:
        edit(ctx.generated("c"))  # the context hands the verifier this same (edited) tree
    records = mod.verify(ctx)
    evidence_document(mod.NAME, ctx.ir_digest, mod.tools(), records)  # validates, raises if not
    for r in records:
        assert not any(a.startswith("/") for a in r.command), r.command
    return {r.obligation: r for r in records}


# Bit operations by constants, the shapes of avionics.arinc429 (pack, encode, the
# BNR decoders, the BCD digits): the C backend writes them in the arithmetic form
# WP reasons about, upel_wrap_s states its range, upel_shr_u its quotient, and
# bit-level functions their result (`upel_value`), which is what with_flag and
# fifth_digit need of their callees (backends/c/emitter.py, "bit operations by
# constants"). With `<<`, `|`, `>>`, `&` and the helper contracts of before, WP
# proved none of these ensures (nor round16's raises).
BITS = '''
package small.bits version "1.0.0";

error BitsError { negative = 16, too_big = 17 }

type Units = u16 in 0..=1000;

fn pack(lo: u8, mid: u2, hi: u19) -> u32
  ensures bit(result, 31) == false
{
  (lo as u32) | ((mid as u32) << 8) | ((hi as u32) << 10)
}

fn sext19(x: u19) -> i32
  ensures result >= -262_144
  ensures result <= 262_143
{
  (x as i19) as i32
}

fn round16(x: u19) -> Units raises BitsError {
  let c: i32 = (x as i19) as i32;
  if c < 0 {
    raise BitsError.negative
  } else {
    let r: i32 = (c + 8) >> 4;
    if r > 1000 { raise BitsError.too_big } else { r as Units }
  }
}

fn top_digit(data: u19) -> u32
  ensures result <= 7
{
  ((data as u32) >> 16) & 0xF
}

fn with_flag(lo: u8, mid: u2, hi: u19) -> u32
  ensures bits(result, 7, 0) == lo
{
  let p: u32 = pack(lo, mid, hi);
  p | (1 << 31)
}

fn digit(data: u19, index: u3) -> u32 raises BitsError
  requires index < 5
  ensures result <= 9
{
  let nibble: u32 = ((data as u32) >> ((index as u8) * 4)) & 0xF;
  if nibble > 9 { raise BitsError.too_big } else { nibble }
}

fn fifth_digit(data: u19) -> u32 raises BitsError
  ensures result <= 7
{
  digit(data, 4)
}
'''


# The shapes of fintech.ledger's folds over legs, the contract clauses WP needs of a
# callee there (backends/c/emitter.py, AcslContract): a short array's value set
# stated element by element (a callee's precondition on legs.v[2]; with `\forall`
# Z3 did not prove it), the guarded value of a function that raises (`upel_value`:
# first_amount's result is positive because amount_of returns only a positive
# amount, which its ensures does not say), the value of a predicate (small) and
# when a function that fails only in checked operations does not (`upel_total`:
# checked_sum never raises, since it sums only small amounts).
LEGS = '''
package small.legs version "1.0.0";

enum Side: u1 { debit = 0, credit = 1 }
error LegError { not_positive = 16 }
record Leg { side: Side, amount: i64 }

fn amount_of(leg: Leg) -> i64 raises LegError
  ensures result >= 0
{
  if leg.amount <= 0 { raise LegError.not_positive } else { leg.amount }
}

fn first_amount(legs: [Leg; 3]) -> i64 raises LegError
  ensures result > 0
{
  amount_of(legs[2])
}

fn small(leg: Leg) -> bool {
  leg.amount >= 0 and leg.amount <= 1000
}

fn sum(legs: [Leg; 3]) -> i64 raises overflow {
  fold i in 0..3 with acc: i64 = 0 { acc + legs[i].amount }
}

fn checked_sum(legs: [Leg; 3]) -> i64 {
  if small(legs[0]) and small(legs[1]) and small(legs[2]) { sum(legs) } else { 0 }
}
'''


def small_doc(tmp_path: Path, text: str = SMALL, name: str = "get") -> dict:
    folder = tmp_path / "specs" / "small"
    folder.mkdir(parents=True)
    (folder / f"{name}.upel").write_text(text, encoding="utf-8")
    return load(folder / f"{name}.upel", f"small.{name}", [tmp_path / "specs"])


def flip(pattern: str, new: str, header: str = "small_get.h"):
    """An edit of the generated C replacing exactly one occurrence of `pattern`."""
    def edit(gen: Path) -> None:
        src = gen / header  # the body is the static inline implementation in the header
        text = src.read_text(encoding="utf-8")
        assert text.count(pattern) == 1, pattern
        src.write_text(text.replace(pattern, new), encoding="utf-8")
    return edit


# ---- fast: helpers --------------------------------------------------------------


def test_tools_report_versions():
    v = need(wp)
    assert set(v) == {"frama-c", "why3", "z3", "cvc4"} and all(v.values())
    assert set(need(eva)) == {"frama-c"}


def test_c_functions_and_call_graph(tmp_path: Path):
    text = """
/*@ assigns \\nothing; { not a body } */
static inline int h(int a) { return a + 1; }
// g { calls h
int g(int x, int *out)
{
    if (x > 0) { *out = h(x); }
    return 0;
}
int f(int x, int *out);
"""
    p = tmp_path / "a.c"
    p.write_text(text)
    assert set(common.c_functions(text)) == {"h", "g"}
    graph, where = common.call_graph([p])
    assert graph == {"h": set(), "g": {"h"}} and where["g"] == p
    assert common.reachable(graph, "g") == {"h"}
    assert common.reachable(graph, "g", stop={"h"}) == {"h"}


def test_eva_alarm_parsing():
    out = ("[eva:alarm] gen/c/a.c:12: Warning: \n  out of bounds read. assert \\valid_read(&a->v[i]);\n"
           "[eva:alarm] gen/c/upel_rt.h:9: Warning: \n  function upel_x: postcondition got status unknown.\n"
           "[eva:alarm] gen/c/a.c:12: Warning: \n  out of bounds read. assert \\valid_read(&a->v[i]);\n")
    assert eva.alarms(out) == ["gen/c/a.c:12: out of bounds read. assert \\valid_read(&a->v[i]);"]


# ---- WP ---------------------------------------------------------------------------


def test_wp_rejects_wrong_ensures(tmp_path: Path):
    need(wp)
    recs = run(wp, load(MUTANTS / "wrong_ensures.upel", "mutant.wrong_ensures", [MUTANTS]), tmp_path)
    assert recs["mutant.wrong_ensures.inc:ensures[0]"].verdict == "failed"
    assert "upel_ensures_0" in recs["mutant.wrong_ensures.inc:ensures[0]"].message
    assert recs["mutant.wrong_ensures.inc:raises"].verdict == "proved"  # x < 200: no overflow


def test_wp_rejects_undeclared_overflow(tmp_path: Path):
    need(wp)
    recs = run(wp, load(MUTANTS / "overflow.upel", "mutant.overflow", [MUTANTS]), tmp_path)
    assert recs["mutant.overflow.add:raises"].verdict == "failed"
    assert recs["mutant.overflow.add:rte"].verdict == "proved"


def test_wp_proves_small_spec(tmp_path: Path):
    need(wp)
    recs = run(wp, small_doc(tmp_path), tmp_path)
    assert {o: r.verdict for o, r in recs.items()} == {
        "small.get.get:raises": "proved", "small.get.get:rte": "proved",
        "small.get.inc:ensures[0]": "proved", "small.get.inc:raises": "proved", "small.get.inc:rte": "proved"}
    assert recs["small.get.get:rte"].details["goals"] > 0


def test_wp_proves_constant_bit_operations(tmp_path: Path):
    need(wp)
    recs = run(wp, small_doc(tmp_path, BITS, "bits"), tmp_path)
    bad = {o: f"{r.verdict}: {r.message}" for o, r in recs.items() if r.verdict != "proved"}
    assert not bad, "\n".join(f"{o}: {m}" for o, m in sorted(bad.items()))
    for ob in ("pack:ensures[0]", "sext19:ensures[0]", "sext19:ensures[1]", "round16:raises",
               "top_digit:ensures[0]", "with_flag:ensures[0]", "fifth_digit:ensures[0]"):
        assert f"small.bits.{ob}" in recs, ob


def test_wp_rejects_broken_constant_shift(tmp_path: Path):
    """The arithmetic forms are checked, not trusted: a wrong multiplier is caught."""
    need(wp)
    recs = run(wp, small_doc(tmp_path, BITS, "bits"), tmp_path, edit=flip("* 1024u", "* 8192u", "small_bits.h"))
    assert recs["small.bits.pack:ensures[0]"].verdict == "failed"


def test_wp_proves_what_callers_need_of_callees(tmp_path: Path):
    need(wp)
    seen = {}

    def look(gen: Path) -> None:
        seen["h"] = (gen / "small_legs.h").read_text(encoding="utf-8")

    recs = run(wp, small_doc(tmp_path, LEGS, "legs"), tmp_path, edit=look)
    bad = {o: f"{r.verdict}: {r.message}" for o, r in recs.items() if r.verdict != "proved"}
    assert not bad, "\n".join(f"{o}: {m}" for o, m in sorted(bad.items()))
    for ob in ("first_amount:ensures[0]", "checked_sum:raises"):
        assert f"small.legs.{ob}" in recs, ob
    h = seen["h"]
    assert "(*legs).v[2].side" in h and "\\forall" not in h
    assert "upel_value: \\result == UPEL_OK ==> (((*leg).amount <= 0) ? \\false : (*out) == (*leg).amount)" in h
    assert "upel_total:" in h


def test_wp_rejects_broken_guard(tmp_path: Path):
    """The guarded value is checked, not trusted: a guard that lets 0 through is caught."""
    need(wp)
    edit = flip("if ((*leg).amount <= INT64_C(0))", "if ((*leg).amount < INT64_C(0))", "small_legs.h")
    recs = run(wp, small_doc(tmp_path, LEGS, "legs"), tmp_path, edit=edit)
    r = recs["small.legs.amount_of:rte"]
    assert r.verdict == "failed" and "upel_value" in r.message, r.message
    assert recs["small.legs.amount_of:ensures[0]"].verdict == "proved"  # 0 is still >= 0


def test_wp_rejects_broken_index_check(tmp_path: Path):
    need(wp)
    recs = run(wp, small_doc(tmp_path), tmp_path, edit=flip("if (i >= 4u)", "if (i > 4u)"))
    r = recs["small.get.get:rte"]
    assert r.verdict == "failed" and re.search(r"rte_(index_bound|mem_access)", r.message), r.message


def test_wp_rejects_broken_requires_check(tmp_path: Path):
    need(wp)
    recs = run(wp, small_doc(tmp_path), tmp_path, edit=flip("if (x >= ((uint8_t)200U))", "if (x > ((uint8_t)200U))"))
    # x == 200 now passes the check: the requires clause no longer holds on success
    assert recs["small.get.inc:rte"].verdict == "failed"
    assert "upel_requires_0" in recs["small.get.inc:rte"].message


# ---- EVA --------------------------------------------------------------------------


def test_eva_small_spec_and_broken_index_check(tmp_path: Path):
    need(eva)
    doc = small_doc(tmp_path)
    ok = tmp_path / "ok"
    ok.mkdir()
    recs = run(eva, doc, ok)
    assert {o: r.verdict for o, r in recs.items()} == {"small.get.get:rte": "proved", "small.get.inc:rte": "proved"}
    assert recs["small.get.get:rte"].details["alarms"] == 0
    broken = tmp_path / "broken"
    broken.mkdir()
    recs = run(eva, doc, broken, edit=flip("if (i >= 4u)", "if (i > 4u)"))
    r = recs["small.get.get:rte"]
    assert r.verdict == "failed" and r.details["alarms"] >= 1
    assert re.search(r"out of bounds", r.message), r.message


# ---- the example specs (slow) -----------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("spec,root", PROVED, ids=[r for _, r in PROVED])
def test_wp_proves_every_obligation(spec: str, root: str, tmp_path: Path):
    need(wp)
    recs = run(wp, load(SPECS / spec, root, [SPECS]), tmp_path, timeout=60.0)
    bad = {o: f"{r.verdict}: {r.message}" for o, r in recs.items() if r.verdict != "proved"}
    assert not bad, "\n".join(f"{o}: {m}" for o, m in sorted(bad.items()))
    fns = [f for p in load(SPECS / spec, root, [SPECS])["packages"] for f in p["functions"]]
    assert sorted(o for o in recs if o.endswith(":rte")) == sorted(f"{f['qname']}:rte" for f in fns)
    assert any(o.endswith(":raises") for o in recs)


# EVA finds no alarm in these (every example now); a spec with false alarms left
# would go in EVA_OPEN, checked with UPEL_VERIFY_EXAMPLES=1.
EVA_CLEAN = [
    ("avionics/arinc429.upel", "avionics.arinc429"),
    ("avionics/envelope.upel", "avionics.envelope"),
    ("medtech/infusion.upel", "medtech.infusion"),
    ("fintech/ledger.upel", "fintech.ledger"),  # 21/21 with money since the overflow builtins
]
EVA_OPEN: list[tuple[str, str]] = []  # none left (was fintech.ledger)


@pytest.mark.slow
@pytest.mark.parametrize("spec,root", EVA_CLEAN + [pytest.param(*e, marks=examples_gate()) for e in EVA_OPEN],
                         ids=[r for _, r in EVA_CLEAN + EVA_OPEN])
def test_eva_example_specs(spec: str, root: str, tmp_path: Path):
    need(eva)
    doc = load(SPECS / spec, root, [SPECS])
    recs = run(eva, doc, tmp_path, timeout=60.0)
    fns = [f["qname"] for p in doc["packages"] for f in p["functions"]]
    assert sorted(recs) == sorted(f"{q}:rte" for q in fns)
    bad = {o: f"{r.verdict}: {r.message}" for o, r in recs.items() if r.verdict != "proved"}
    assert not bad, "\n".join(f"{o}: {m}" for o, m in sorted(bad.items()))
