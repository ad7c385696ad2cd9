"""Check-time rejections: each rule of language.md that makes a spec invalid,
with its diagnostic code (upel/diagnostics.py CODES)."""

from __future__ import annotations

import pytest

from ._rules import E, V

DECLS = """
enum Ssm: u2 { failure_warning = 0, no_computed_data = 1, functional_test = 2, normal = 3 }
enum Other: u2 { x = 0 }
record P { x: i8, y: i8 }
record Q { x: i8, y: i8 }
type Feet = i32;
error DoseError { too_high = 16, too_low = 17 }
error Net { down = 100 }
const LIMIT: u8 = 10;
fn helper(x: u8) -> u8 { x }
fn raises_dose(x: u8) -> u8 raises DoseError { if x == 0 { raise DoseError.too_low } else { x } }
fn raises_builtin(x: u8) -> u8 raises overflow { if x == 0 { raise overflow } else { x } }
"""


def case(code_or_codes, body):
    codes = (code_or_codes,) if isinstance(code_or_codes, str) else tuple(code_or_codes)
    return pytest.param(codes, body, id=f"{'|'.join(codes)}: {body[:70]}")


CASES = [
    # E0006 chained comparison
    case("E0006", "fn f(a: u8, b: u8, c: u8) -> bool { a < b < c }"),
    case("E0006", "fn f(a: u8, b: u8, c: u8) -> bool { a != b != c }"),
    case("E0006", "fn f(a: u8, b: u8, c: u8) -> bool { a > b >= c }"),
    # E0009 a guard `if` without else must end with raise; an if used as a value needs else
    case("E0009", "fn f(x: u8) -> u8 { if x > 9 { x } x }"),
    case("E0009", "fn f(x: u8) -> u8 raises DoseError { if x > 9 { let y = x; y } x }"),
    case(("E0002", "E0009"), "fn f(x: u8) -> u8 { let y: u8 = if x > 9 { raise overflow }; y }"),
    case(("E0002", "E0009"), "fn f(x: u8) -> u8 raises overflow { if x > 9 { raise overflow } }"),
    # E0102 unknown names, E0103 duplicates, E0104 wrong kind
    case("E0102", "fn f(x: u8) -> u8 { y }"),
    case("E0102", "fn f(x: u8) -> u8 { nothere(x) }"),
    case("E0102", "fn f() -> Ssm { Ssm.abnormal }"),
    case("E0102", "fn f(x: u8) -> u8 raises DoseError { raise DoseError.medium }"),
    case("E0103", "fn helper(x: u8) -> u8 { x }"),
    case("E0103", "fn f(x: u8, x: u8) -> u8 { x }"),
    case("E0103", "record R2 { a: u8, a: u8 }"),
    case("E0103", "enum E2: u8 { a = 1, a = 2 }"),
    case("E0103", "fn min(x: u8) -> u8 { x }"),
    case("E0104", "fn f(x: u8) -> u8 { Feet }"),
    case("E0104", "fn f(x: u8) -> u8 { helper }"),
    case("E0104", "fn f(x: u8) -> u8 { x + DoseError.too_high }"),
    case("E0104", "fn f(x: helper) -> u8 { 0 }"),
    # E0111 shadowing
    case("E0111", "fn f(x: u8) -> u8 { let x = 1; x }"),
    case("E0111", "fn f(x: u8) -> u8 { let y = x; let y = x; y }"),
    case("E0111", "fn f(x: u8) -> u8 { let y = x; { let y = x; y } }"),
    case("E0111", "fn f(x: u8) -> u8 { let y = x; if true { let y = x; y } else { y } }"),
    case("E0111", "fn f(x: u8) -> u8 { fold x in 0..3 with acc = x { acc } }"),
    case("E0111", "fn f(x: u8) -> u8 { fold i in 0..3 with x = 0 { x } }"),
    case("E0111", "fn f(x: u8) -> u8 { let acc = x; fold i in 0..3 with acc = x { acc } }"),
    case("E0111", "fn f(x: u8) -> u8 { fold i in 0..3 with acc = x { let i = 0; acc } }"),
    case("E0111", "fn f(x: u8) -> u8 { let LIMIT = x; LIMIT }"),
    case("E0111", "fn f(x: u8) -> u8 { let helper = x; helper }"),
    case("E0111", "fn f(LIMIT: u8) -> u8 { 0 }"),
    case("E0111", "fn f(result: u8) -> u8 { 0 }"),
    # E0201 type mismatch
    case("E0201", "fn f(x: u8) -> u16 { x }"),
    case("E0201", "fn f(x: u8, y: u16) -> u8 { x + y }"),
    case("E0201", "fn f(x: u8) -> bool { x }"),
    case("E0201", "fn f(x: bool) -> u8 { x }"),
    case("E0201", "fn f(x: u8) -> u8 { let y: u16 = x; 0 }"),
    case("E0201", "fn f(x: u8, y: u16) -> u8 { if true { x } else { y } }"),
    case("E0201", "fn f(x: u16) -> u8 { helper(x) }"),
    case("E0201", "fn f(x: Feet) -> i32 { x }"),
    case("E0201", "fn f(s: Ssm) -> Other { s }"),
    case("E0201", "fn f(p: P) -> Q { p }"),
    case("E0201", "fn f(a: [u8; 2]) -> [u8; 3] { a }"),
    case("E0201", "fn f(a: [u8; 2]) -> [u16; 2] { a }"),
    case("E0201", "fn f(s: Ssm) -> u8 { match s { Other.x => 0, _ => 1 } }"),
    case("E0201", "fn f(x: u8) -> u8 { match x { true => 0, _ => 1 } }"),
    case("E0201", "fn f(x: u8) -> u8 { match x { 0 => 0, _ => true } }"),
    case(("E0201", "E0219"), "fn f(x: u8) -> u8 requires x { x }"),
    case(("E0201", "E0219"), "fn f(x: u8) -> u8 ensures result { x }"),
    case(("E0201", "E0219"), "fn f(x: u8) -> u8 { if x { 1 } else { 0 } }"),
    # E0202 out-of-range literals in declarations
    case(("E0202", "E0212"), "enum E2: u2 { a = 0, b = 4 }"),
    case(("E0202", "E0212"), "enum E2: i8 { a = -129 }"),
    case("E0212", "enum E2: u8 { a = 1, b = 1 }"),
    case("E0212", "enum E2: Feet { a = 1 }"),
    # E0203 no context for a literal
    case("E0203", "fn f() -> bool { 1 < 2 }"),
    case("E0203", "fn f() -> u8 { let x = 1; x }"),
    case("E0203", "fn f() -> u8 { let a = fold i in 0..2 with acc = 0 { acc }; 0 }"),
    # E0205 operator not applicable
    case("E0205", "fn f(a: bool, b: bool) -> bool { a + b }"),
    case("E0205", "fn f(a: Ssm, b: Ssm) -> Ssm { a + b }"),
    case("E0205", "fn f(a: P, b: P) -> P { a * b }"),
    case("E0205", "fn f(a: [u8; 2]) -> [u8; 2] { -a }"),
    case("E0205", "fn f(a: bool) -> bool { -a }"),
    case("E0205", "fn f(p: P) -> u8 { match p { _ => 0 } }"),
    # E0208 / E0209 calls
    case("E0208", "fn f(x: u8) -> u8 { helper(x, x) }"),
    case("E0208", "fn f(x: u8) -> u8 { helper() }"),
    case("E0208", "fn f(x: u8) -> Ssm { Ssm.from(x, x) }"),
    case("E0209", "fn f(x: u8) -> u8 { x(1) }"),
    case("E0209", "fn f(x: u8) -> u8 { LIMIT(1) }"),
    case("E0209", "fn f(x: u8) -> Feet { Feet.from(x) }"),
    # E0213 non-exhaustive match
    case("E0213", "fn f(s: Ssm) -> u8 { match s { Ssm.normal => 0 } }"),
    case("E0213", "fn f(s: Ssm) -> u8 { match s { Ssm.failure_warning | Ssm.no_computed_data => 0, Ssm.normal => 1 } }"),
    case("E0213", "fn f(b: bool) -> u8 { match b { true => 1 } }"),
    case("E0213", "fn f(b: bool) -> u8 { match b { false => 1 } }"),
    case("E0213", "fn f(x: u8) -> u8 { match x { 0 => 1, 1 => 2 } }"),
    case("E0213", "fn f(x: u1) -> u8 { match x { 0 => 1 } }"),
    case("E0213", "fn f(x: i2) -> u8 { match x { -2 => 1, -1 => 2, 0 => 3 } }"),
    case("E0213", "fn f(x: Feet) -> u8 { match x { 0 => 1 } }"),
    # E0214 unreachable patterns
    case("E0214", "fn f(s: Ssm) -> u8 { match s { Ssm.normal => 0, Ssm.normal => 1, _ => 2 } }"),
    case("E0214", "fn f(s: Ssm) -> u8 { match s { Ssm.normal | Ssm.normal => 0, _ => 2 } }"),
    case("E0214", "fn f(s: Ssm) -> u8 { match s { _ => 0, Ssm.normal => 1 } }"),
    case("E0214", "fn f(x: u8) -> u8 { match x { 1 => 0, 0x01 => 1, _ => 2 } }"),
    case("E0214", "fn f(x: i8) -> u8 { match x { -1 => 0, 1 | -1 => 1, _ => 2 } }"),
    case("E0214", "fn f(x: u8) -> u8 { match x { _ => 0, _ => 1 } }"),
    case("E0214", "fn f(x: u8) -> u8 { match x { 0 | _ => 0 } }"),
    # E0215 recursion (the call graph is acyclic)
    case("E0215", "fn f(x: u8) -> u8 { f(x) }"),
    case("E0215", "fn f(x: u8) -> u8 { if x == 0 { 0 } else { f(x - 1) } }"),
    case("E0215", "fn f(x: u8) -> u8 { g(x) }\nfn g(x: u8) -> u8 { f(x) }"),
    case("E0215", "fn f(x: u8) -> u8 { g(x) }\nfn g(x: u8) -> u8 { h(x) }\nfn h(x: u8) -> u8 { f(x) }"),
    case("E0215", "fn f(x: u8) -> u8 requires g(x) > 0 { x }\nfn g(x: u8) -> u8 { f(x) }"),
    case("E0215", "fn f(x: u8) -> u8 ensures g(result) > 0 { x }\nfn g(x: u8) -> u8 { f(x) }"),
    # E0216 not a constant / E0217 constant evaluation failed
    case("E0216", "const C: u8 = helper(1);"),
    case(("E0216", "E0102"), "fn f(n: u8) -> u8 { fold i in 0..n with acc: u8 = 0 { acc } }"),
    case("E0217", "const C: u8 = 200 + 100;"),
    case("E0217", "const C: u8 = 1 / 0;"),
    case("E0217", "const C: i8 = -(-128);"),
    case("E0217", "const A: [u8; 2] = [1, 2];\nconst C: u8 = A[2];"),
    case("E0217", "const C: Ssm = Ssm.from(4 as u8);"),
    case("E0202", "const C: Ssm = Ssm.from(4);"),  # the literal takes Ssm's underlying type u2
    case("E0217", "type Small = u8 in 0..=9;\nconst C: Small = 10 as u8 as Small;"),
    # E0218 ranged newtypes (more in test_newtypes.py)
    case("E0218", "type D = u8 in 0..=9;\nfn f(a: D) -> D { a +% a }"),
    case("E0218", "type D = u8 in 0..=9;\nfn f(a: D) -> D { ~a }"),
    # E0220 bit ranges and unsigned amounts
    case("E0220", "fn f(x: u8) -> u8 { bits(x, 8, 0) }"),
    case("E0220", "fn f(x: u8, i: i8) -> bool { bit(x, i) }"),
    # E0221 reserved / invalid error codes, E0222 duplicates
    case("E0221", "error Bad { a = 1 }"),
    case("E0221", "error Bad { a = 6 }"),
    case("E0221", "error Bad { a = 15 }"),
    case(("E0221", "E0202"), "error Bad { a = 0 }"),
    case("E0221", "error Bad { a = 65536 }"),
    case("E0222", "error Bad { a = 16 }"),  # DoseError.too_high is 16
    case("E0222", "error Bad { a = 200, b = 200 }"),
    case("E0222", "error Bad { a = 100 }"),
    # E0223 undeclared errors
    case("E0223", "fn f(x: u8) -> u8 { raise DoseError.too_high }"),
    case("E0223", "fn f(x: u8) -> u8 raises Net { raise DoseError.too_high }"),
    case("E0223", "fn f(x: u8) -> u8 raises DoseError.too_low { raise DoseError.too_high }"),
    case("E0223", "fn f(x: u8) -> u8 { raise overflow }"),
    case("E0223", "fn f(x: u8) -> u8 raises overflow { raise range }"),
    case("E0223", "fn f(x: u8) -> u8 { raises_dose(x) }"),
    case("E0223", "fn f(x: u8) -> u8 raises DoseError.too_high { raises_dose(x) }"),
    case("E0223", "fn f(x: u8) -> u8 raises Net { raises_dose(x) }"),
    case("E0223", "fn f(x: u8) -> u8 requires raises_dose(x) > 0 { x }"),
    # E0225 folds
    case("E0225", "fn f() -> u8 { fold i in 5..3 with acc: u8 = 0 { acc } }"),
    case("E0225", "fn f() -> u8 { fold i: u2 in 0..5 with acc: u8 = 0 { acc } }"),
    case("E0225", "fn f() -> u8 { fold i: i8 in 0..3 with acc: u8 = 0 { acc } }"),
    case("E0225", "fn f() -> u8 { fold i: Feet in 0..3 with acc: u8 = 0 { acc } }"),
    case(("E0225", "E0202"), "fn f() -> u8 { fold i in -1..3 with acc: u8 = 0 { acc } }"),
    case("E0225", "fn f() -> u8 { fold i: u8 in 0..257 with acc: u8 = 0 { acc } }"),
    # the index is typed as the smallest unsigned type holding hi - 1
    case("E0201", "fn f() -> u8 { fold i in 0..257 with acc: u8 = 0 { i } }"),  # i: u9
    case("E0201", "fn f() -> u8 { fold i in 0..2 with acc: u8 = 0 { i } }"),  # i: u1
    case("E0201", "fn f() -> u1 { fold i in 0..3 with acc: u1 = 0 { i } }"),  # i: u2
    case("E0201", "fn f() -> u8 { fold i in 0..4 with acc: u8 = 0 { acc + i } }"),
    # the accumulator has init's type
    case("E0201", "fn f(x: u16) -> u8 { fold i in 0..4 with acc = x { acc } }"),
    # `result` is bound only inside ensures
    case("E0102", "fn f(x: u8) -> u8 { result }"),
    case("E0102", "fn f(x: u8) -> u8 requires result > 0 { x }"),
    # E0226 type declarations
    case("E0226", "record Loop { next: Loop }"),
    case("E0226", "type Flag = bool;"),
    # E0224 vectors
    case("E0224", "vectors helper { (1, 2) -> 1; }"),
    case("E0224", "vectors LIMIT { (1) -> 1; }"),
    # E0201: type of a vector value
    case(("E0201", "E0202"), "vectors helper { (256) -> 1; }"),
]


@pytest.mark.parametrize("codes,body", CASES)
def test_rejected(rejects, codes, body):
    rejects(DECLS + body, *codes)


def test_declarations_alone_are_valid(compile_spec):
    """The shared declarations compile on their own, so each case's error is its own."""
    call = compile_spec(DECLS)
    assert call("helper", 3) == V(3)


ACCEPTED = """
error DoseError { too_high = 16, too_low = 17 }
fn raises_dose(x: u8) -> u8 raises DoseError { if x == 0 { raise DoseError.too_low } else { x } }
fn raises_builtin(x: u8) -> u8 raises overflow { if x == 0 { raise overflow } else { x } }
// implicit built-in errors need no declaration, not even when a callee declares them
fn calls_builtin(x: u8) -> u8 { raises_builtin(x) }
fn implicit(x: u8) -> u8 { x / (x - 1) }
// precondition may always be raised
fn pre(x: u8) -> u8 { if x == 0 { raise precondition } else { x } }
// a set covers all its codes; single codes may be listed
fn covered(x: u8) -> u8 raises DoseError.too_low, DoseError.too_high { raises_dose(x) }
// sibling blocks and sibling folds may reuse names
fn siblings(x: u8) -> u8 {
  let a = { let t = x; t };
  let b = { let t = x; t };
  let c = fold i in 0..2 with acc = a { acc };
  let d = fold i in 0..2 with acc = b { acc };
  c + d - a
}
// `result` is an ordinary unbound name outside ensures; a local can shadow nothing here
fn ens(x: u8) -> u8 ensures result == x { let r = x; r }
// a guard: `if c { raise E.x }` without else in a block
fn guard(x: u8) -> u8 raises DoseError {
  let t = x * 2;
  if t > 100 { raise DoseError.too_high }
  if t < 10 { let u = t; raise DoseError.too_low };
  t + 1
}
fn guard_first(x: u8) -> u8 raises DoseError { if x == 0 { raise DoseError.too_low } x - 1 }
fn guard_nested_raise(x: u8) -> u8 raises DoseError { if x == 0 { { raise DoseError.too_low } } x }
"""


@pytest.mark.parametrize("fn,args,want", [
    ("calls_builtin", (0,), E(1)), ("calls_builtin", (4,), V(4)),
    ("implicit", (1,), E(2)), ("implicit", (0,), E(1)), ("implicit", (3,), V(1)),
    ("pre", (0,), E(5)),
    ("covered", (0,), E(17)),
    ("siblings", (7,), V(7)),
    ("ens", (9,), V(9)),
    ("guard", (4,), E(17)), ("guard", (5,), V(11)), ("guard", (50,), V(101)), ("guard", (51,), E(16)),
    ("guard", (128,), E(1)),
    ("guard_first", (0,), E(17)), ("guard_first", (1,), V(0)),
    ("guard_nested_raise", (0,), E(17)), ("guard_nested_raise", (2,), V(2)),
])
def test_accepted(compile_spec, fn, args, want):
    assert compile_spec(ACCEPTED)(fn, *args) == want
