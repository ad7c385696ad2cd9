"""upel/codegen/facts.py: which checked operations the backends may emit plainly.

Each case is a small function and the verdicts for its checked add/sub/mul/
div/rem/neg/abs nodes in pre-order (an operation before its operands, conditions before branches) (True = cannot fail, False = the check must stay). The
"must stay" cases are the ones an over-eager analysis would get wrong:
off-by-one guards, facts of one branch leaking into the other, a disjunction
that does not bound the sum, a fold whose accumulator grows too far.
"""

from __future__ import annotations

import pytest
from conftest import front

from upel.codegen.facts import Lin, le, prove, safe_ops, verdicts
from upel.ir.model import IRIndex

HEAD = """package t.f version "1.0.0";
error E { bad = 16 }
type Small = u16 in 0..=1000;
type Wide = i64;
record Acct { balance: i64, floor: i64 }
record Pair { lo: i64, hi: i64 }
const ZERO: Pair = Pair { lo: 0, hi: 0 };
"""

RECORD_FOLD = """fn g(x: i64) -> i64 raises E {{
  if x < 0 or x > {bound} {{ raise E.bad }} else {{ x }}
}}
fn f(a: [i64; {n}], s: [bool; {n}]) -> i64 raises E{raises} {{
  let t: Pair = fold i in 0..{n} with acc: Pair = ZERO {{
    let v: i64 = g(a[i]);
    if s[i] {{ acc with {{ lo: acc.lo + v }} }} else {{ acc with {{ hi: acc.hi + v }} }}
  }};
  t.lo - t.hi
}}"""

CASES = {
    # the ledger's apply_leg shape: both bounds guarded, so old + delta (twice) is safe
    "guarded_add": ("""fn f(old: i64, delta: i64) -> i64 raises E {
  if delta > 0 and old > 9_223_372_036_854_775_807 - delta { raise E.bad }
  else if delta < 0 and old < -9_223_372_036_854_775_808 - delta { raise E.bad }
  else if old + delta < 0 { raise E.bad }
  else { old + delta }
}""", [True, True, True, True]),
    # only the upper bound is guarded: the add can still go below i64::MIN
    "half_guarded_add": ("""fn f(old: i64, delta: i64) -> i64 raises E, overflow {
  if delta > 0 and old > 9_223_372_036_854_775_807 - delta { raise E.bad } else { old + delta }
}""", [True, False]),
    # MIN - d under d > 0 overflows (the guard must be on the right side)
    "wrong_side": ("""fn f(d: i64) -> i64 raises overflow {
  if d > 0 { -9_223_372_036_854_775_808 - d } else { 0 }
}""", [False]),
    "neg_after_raise": ("""fn f(x: i64) -> i64 raises E {
  if x <= 0 { raise E.bad } else { -x }
}""", [True]),
    "neg_unguarded": ("""fn f(x: i64) -> i64 raises overflow { -x }""", [False]),
    # x >= -MAX is not enough... it is: -(-MAX) = MAX. But x >= MIN is not.
    "neg_boundary": ("""fn f(x: i64) -> i64 raises E {
  if x < -9_223_372_036_854_775_807 { raise E.bad } else { -x }
}""", [True]),
    "off_by_one_ok": ("""fn f(x: u8) -> u8 raises E {
  if x > 254 { raise E.bad } else { x + 1 }
}""", [True]),
    "off_by_one_bad": ("""fn f(x: u8) -> u8 raises E, overflow {
  if x > 255 { raise E.bad } else { x + 1 }
}""", [False]),
    # facts of the then branch do not hold after the if
    "no_leak": ("""fn f(x: i8) -> i8 raises overflow {
  let y: i8 = if x < 0 { 1 } else { 2 };
  x + y
}""", [False]),
    # not (a > 0 or b > 100) bounds a + b above only
    "or_upper_only": ("""fn f(a: i8, b: i8) -> i8 raises E, overflow {
  if a > 0 or b > 100 { raise E.bad } else { a + b }
}""", [False]),
    "or_both": ("""fn f(a: i8, b: i8) -> i8 raises E {
  if a < 0 or b < 0 or a > 100 or b > 27 { raise E.bad } else { a + b }
}""", [True]),
    "requires": ("""fn f(x: u8) -> u8 requires x < 200 { x + 1 }""", [True]),
    # ranged types: 1000 * 1000 fits a u32 (inner), 1000 * 1000 * 65535 does not (outer)
    "mul_ranges": ("""fn f(a: Small, b: Small, c: u16) -> u32 raises overflow {
  (a as u32) * (b as u32) * (c as u32)
}""", [False, True]),
    # a result range bounded by the type: Small + Small may exceed 1000
    "newtype_range": ("""fn f(a: Small, b: Small) -> Small raises overflow { a + b }""", [False]),
    # a fold of 4 adds of values in 0..=10^15 cannot overflow; of 16 values up to 2^60 it can
    "fold_small": ("""fn g(x: i64) -> i64 raises E {
  if x < 0 or x > 1_000_000_000_000_000 { raise E.bad } else { x }
}
fn f(a: [i64; 4]) -> i64 raises E {
  fold i in 0..4 with acc: i64 = 0 { acc + g(a[i]) }
}""", [True]),
    "fold_grows": ("""fn g(x: i64) -> i64 raises E {
  if x < 0 or x > 1_152_921_504_606_846_976 { raise E.bad } else { x }
}
fn f(a: [i64; 16]) -> i64 raises E, overflow {
  fold i in 0..16 with acc: i64 = 0 { acc + g(a[i]) }
}""", [False]),
    # a callee's result range comes from its body, not from its ensures
    "ensures_not_trusted": ("""fn g(x: i64) -> i64 ensures result < 10 { x }
fn f(x: i64) -> i64 raises overflow { g(x) + 1 }""", [False]),
    # a divisor known >= 1: no division by zero, no MIN / -1, |n % d| < d
    "div_requires": ("""fn f(n: i64, d: i64) -> i64 requires d > 0 { n / d }""", [True]),
    "div_unguarded": ("""fn f(n: i64, d: i64) -> i64 raises div_by_zero, overflow { n / d }""", [False]),
    "div_minus_one": ("""fn f(n: i64, d: i64) -> i64 raises E, div_by_zero, overflow {
  if d == 0 { raise E.bad } else { n / d }
}""", [False]),
    "rem_abs_mul": ("""fn f(n: i64, d: i64) -> i64 raises E {
  if d < 1 or d > 1000 { raise E.bad } else { abs(n % d) * 2 }
}""", [True, True, True]),
    "abs_unguarded": ("""fn f(n: i64) -> i64 raises overflow { abs(n) }""", [False]),
    # a record accumulator (the ledger's debit/credit totals): each field has its own bounds
    "record_fold": (RECORD_FOLD.format(n=4, bound="1_000_000_000_000_000", raises=""), [True, True, True]),
    # the same with 16 iterations of values up to 2^60: each field can overflow
    "record_fold_grows": (RECORD_FOLD.format(n=16, bound="1_152_921_504_606_846_976", raises=", overflow"),
                          [True, False, False]),
    # a field set from an unknown value is unknown: the later add keeps its check
    "record_field_unknown": ("""fn f(x: i64) -> i64 raises overflow {
  let p: Pair = Pair { lo: x, hi: 1 };
  let q: Pair = p with { hi: p.hi + 1 };
  q.lo + q.hi
}""", [False, True]),
    # a record literal's known field stays known through `with` of another field
    "record_literal": ("""fn f(x: Small) -> i64 {
  let p: Pair = Pair { lo: x as i64, hi: 7 };
  let q: Pair = p with { hi: 5 };
  q.lo * q.hi
}""", [True]),
    # a record field read twice is the same value
    "record_field": ("""fn f(a: Acct) -> i64 raises E {
  if a.balance > 100 or a.balance < 0 { raise E.bad } else { a.balance * 3 }
}""", [True]),
}


def _nodes(e, keep, out):
    """The IR nodes of `e` for which `keep(node)` holds, in pre-order."""
    if isinstance(e, dict):
        if keep(e):
            out.append(e)
        for key in ("a", "b", "c", "then", "else", "e", "i", "v", "init", "body", "result", "args", "elems",
                    "fields", "lets", "arms"):
            if key in e:
                _nodes(e[key], keep, out)
    elif isinstance(e, list):
        for x in e:
            _nodes(x, keep, out)
    return out


def _is_checked_op(e):
    return ((e.get("k") == "bin" and e.get("op") in ("add", "sub", "mul", "div", "rem"))
            or (e.get("k") == "un" and e.get("op") == "neg") or (e.get("k") == "builtin" and e.get("name") == "abs"))


def _ops(e, out):
    return _nodes(e, _is_checked_op, out)


@pytest.mark.parametrize("name", sorted(CASES))
def test_verdicts(name, tmp_path):
    text, expected = CASES[name]
    p = tmp_path / "t.upel"
    p.write_text(HEAD + text + "\n", encoding="utf-8")
    sink, program, docs = front([p])
    assert not sink.has_errors, [f"{d.code}: {d.message}" for d in sink.items]
    doc = docs[program.roots[0]]
    ix = IRIndex(doc)
    fn = ix.functions["t.f.f"]
    safe = safe_ops(ix, fn)
    ops = _ops(fn["body"], [])
    assert [id(o) in safe for o in ops] == expected


def test_prover_needs_the_split():
    # x + y <= 10 from (y <= 0 or x + y <= 10) and x <= 10: only by cases
    x, y = Lin.of("x"), Lin.of("y")
    ranges = {"x": (-100, 100), "y": (-100, 100)}
    goal = le(x.add(y), Lin.of(10))
    facts = ((le(y, Lin.of(0)), le(x.add(y), Lin.of(10))), (le(x, Lin.of(10)),))
    assert prove(goal, facts, ranges)
    assert not prove(goal, facts[:1], ranges)  # without x <= 10 the first case fails
    assert not prove(goal, (), ranges)


def test_deterministic():
    # same IR, same decisions (the emitters' output depends on them)
    from pathlib import Path
    root = Path(__file__).resolve().parents[2] / "specs"
    sink, program, docs = front([root / "fintech"])
    assert not sink.has_errors
    runs = []
    for _ in range(2):
        got = []
        for r in program.roots:
            ix = IRIndex(docs[r])
            for q, fn in sorted(ix.functions.items()):
                safe = safe_ops(ix, fn)
                got.append((q, [id(o) in safe for o in _ops(fn["body"], [])]))
        runs.append(got)
    assert runs[0] == runs[1]
    assert any(any(v) for _, v in runs[0]) and any(not all(v) for _, v in runs[0])


# ---- overflow guards --------------------------------------------------------------------
# tests/backends/guards.upel: for each function, whether each of its `>`/`<` comparisons
# (pre-order) is an overflow guard: `x > MAX - d` with d >= 0 proved where it is tested
# (or `x < MIN - d` with d <= 0; `x > MAX + d` / `x < MIN + d` for x - d).
GUARDS = {
    "g_add": [False, True, False, True],
    "g_sub": [False, True, False, True],
    "g_mirror": [True, False, True],  # `MAX - d < x`; `d >= 0` is not a `>`
    "g_upper_only": [True],
    "g_unsigned": [True],  # a u8 is >= 0: no condition needed
    "g_field": [False, True, False, True],
    # must stay: nothing says d >= 0 (MAX - d overflows for d < 0)
    "g_no_fact": [False],
    # must stay: d < 0 is the wrong sign
    "g_wrong_sign": [False, False],
    # must stay: 100 is not the type's maximum (x > 100 - d is not an overflow)
    "g_not_max": [False, False],
    # must stay: the fact d > 0 is on the other branch
    "g_else_branch": [False, False],
    # a guard of Pct's value set (Rust keeps the comparison: the storage is wider)
    "g_ranged": [False, True, False, True],
    # must stay: 100 - d can fall below Small's minimum 5 (the subtraction can fail)
    "g_ranged_low": [False],
    "g_order": [False, True],
    "g_order_mirror": [False, True],
}


def _cmps(e, out):
    return _nodes(e, lambda x: x.get("k") == "bin" and x.get("op") in ("gt", "lt"), out)


def test_overflow_guards():
    from pathlib import Path
    sink, program, docs = front([Path(__file__).parent / "guards.upel"])
    assert not sink.has_errors, [f"{d.code}: {d.message}" for d in sink.items]
    ix = IRIndex(docs[program.roots[0]])
    names = sorted(q.rsplit(".", 1)[1] for q in ix.functions)
    assert names == sorted(GUARDS)
    for name, expected in GUARDS.items():
        fn = ix.functions["edge.guards." + name]
        v = verdicts(ix, fn)
        assert v.safe == safe_ops(ix, fn)  # the same analysis
        got = [id(c) in v.guards for c in _cmps(fn["body"], [])]
        assert got == expected, name
        for k, (method, x, d) in v.guards.items():
            cmp = next(c for c in _cmps(fn["body"], []) if id(c) == k)
            bound = cmp["b"] if x is cmp["a"] else cmp["a"]
            assert method == {"sub": "add", "add": "sub"}[bound["op"]]
            assert id(bound) in v.safe and d in (bound["a"], bound["b"])


def test_guards_of_the_ledger():
    # apply_leg's two balance_overflow conditions, add_cents's and sub_cents's
    from pathlib import Path
    root = Path(__file__).resolve().parents[2] / "specs"
    sink, program, docs = front([root / "fintech"])
    assert not sink.has_errors
    count = {}
    for r in program.roots:
        ix = IRIndex(docs[r])
        for q, fn in ix.functions.items():
            g = verdicts(ix, fn).guards
            if g:
                count[q] = sorted(m for m, _, _ in g.values())
    assert count == {"fintech.ledger.apply_leg": ["add", "add"], "fintech.money.add_cents": ["add", "add"],
                     "fintech.money.sub_cents": ["sub", "sub"]}


def test_document_facts_shared_until_the_document_changes():
    # one analysis per document for all backends of a `upel gen`; an edit in place is seen
    import copy
    from pathlib import Path

    from upel.codegen.facts import document_facts
    root = Path(__file__).resolve().parents[2] / "specs"
    sink, program, docs = front([root / "fintech"])
    doc = docs["fintech.ledger"]
    first, second = document_facts(IRIndex(doc)), document_facts(IRIndex(doc))
    assert first is second
    ix = IRIndex(doc)
    for q, fn in ix.functions.items():
        assert first.of(fn) == verdicts(ix, fn), q
        assert first.of(fn) is first.of(fn)
    assert document_facts(IRIndex(copy.deepcopy(doc))) is not first  # equal content, another document
    fn = IRIndex(doc).functions["fintech.ledger.apply_leg"]
    fn["qname"] += "_edited"
    try:
        assert document_facts(IRIndex(doc)) is not first
    finally:
        fn["qname"] = fn["qname"].removesuffix("_edited")
