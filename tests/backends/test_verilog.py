"""Verilog backend (hdl/verilog): goldens, determinism, lint, escaping, and
conformance against the reference interpreter (example specs, a
semantics-traps spec, an injection spec).

Tests that need Icarus Verilog and Verilator skip, naming the missing tool,
when those are not installed. Regenerate the goldens with
    UPEL_UPDATE_GOLDEN=1 tools/test.sh tests/backends/test_verilog.py
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from conftest import assert_golden, front
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from upel.hdl.verilog.names import RESERVED, comment_text, mangle
from upel.hdl.verilog.runner import lint

from upel.codegen.conform import BuildFailed, run_conformance
from upel.codegen.driver import generate as driver_generate
from upel.codegen.registry import ToolMissing
from upel.hdl import verilog

REPO = Path(__file__).resolve().parents[2]
TESTDATA = REPO / "hdl" / "verilog" / "testdata"
GOLDEN_SPECS = REPO / "tests" / "check" / "ir"
UPDATE_HINT = "tools/test.sh tests/backends/test_verilog.py"


def doc_of(path: Path, root: str | None = None) -> dict:
    sink, _, docs = front([path])
    assert docs is not None, [d.message for d in sink.items]
    return docs[root] if root else next(iter(docs.values()))


def doc_of_text(tmp_path: Path, text: str, name: str = "spec.upel") -> dict:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return doc_of(p)


@pytest.fixture(scope="module")
def toolchain():
    try:
        return verilog.tools()
    except ToolMissing as e:
        pytest.skip(f"Verilog toolchain missing, cannot run the generated code: {e}")


def check_conforms(doc: dict, samples: int, seed: int = 0):
    t0 = time.perf_counter()
    [rep] = run_conformance(doc, ["verilog"], samples, seed)
    seconds = time.perf_counter() - t0
    cases = sum(f.vectors + f.random for f in rep.functions)
    print(f"verilog conformance {doc['root']}: {cases} cases, {rep.mismatches} mismatches, "
          f"{rep.seconds:.1f} s backend, {seconds:.1f} s with the interpreter")
    problems = [f"{f.qname}: {f.first_mismatch}" for f in rep.functions if f.first_mismatch]
    assert rep.ok, (rep.error or "") + "\n" + "\n".join(problems)
    return rep


# ---- goldens and determinism ---------------------------------------------------


@pytest.mark.parametrize("name", ["arith", "data"])
def test_golden_output(name):
    files = verilog.generate(doc_of(GOLDEN_SPECS / f"{name}.upel"), {"harness": True})
    expected = sorted(p.name for p in (TESTDATA / name).glob("*")) if (TESTDATA / name).is_dir() else []
    (TESTDATA / name).mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        assert_golden(TESTDATA / name / rel, text, UPDATE_HINT)
    if expected:
        assert expected == sorted(files), "stale golden files: update with UPEL_UPDATE_GOLDEN=1 " + UPDATE_HINT


def test_generation_is_deterministic_and_location_independent(tmp_path):
    outs = []
    for where in ("one", "two/deeper"):
        d = tmp_path / where
        shutil.copytree(REPO / "specs" / "fintech", d / "fintech")
        doc = doc_of(d / "fintech" / "ledger.upel", "fintech.ledger")
        out = tmp_path / f"out-{len(outs)}"
        for rel, text in driver_generate(doc, "verilog", harness=True).items():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(text.encode("utf-8"))
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outs[0] == outs[1]
    assert sorted(outs[0]) == ["fintech_ledger.v", "fintech_money.v", "harness_tb.v"]


def test_files_modules_and_header():
    doc = doc_of(REPO / "specs" / "avionics" / "arinc429.upel", "avionics.arinc429")
    files = verilog.generate(doc, {"harness": False})
    assert sorted(files) == ["avionics_arinc429.v", "avionics_units.v"]
    text = files["avionics_arinc429.v"]
    from upel.ir.encoding import ir_digest

    assert "UPEL spec package avionics.arinc429, version 1.0.0" in text
    assert ir_digest(doc) in text
    assert "module avionics_arinc429_parity_bit (" in text
    assert "// Requirements: AV-ARINC-002" in text
    # Record layout: first field in the least significant bits.
    assert "//     [7:0] label: u8" in text and "//     [30:29] ssm: enum avionics.arinc429.Ssm (u2)" in text
    # Only combinational constructs.
    for banned in ("always", "initial", "reg ", "#", "$display"):
        assert banned not in re.sub(r"//.*", "", text), banned


# ---- names and escaping ---------------------------------------------------------

IDENT = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)


@given(st.lists(st.one_of(IDENT, st.sampled_from(sorted(RESERVED))), min_size=2, max_size=2, unique=True))
def test_mangle_is_injective_and_avoids_reserved_words(pair):
    a, b = (mangle(x) for x in pair)
    assert a != b
    assert a not in RESERVED and b not in RESERVED
    assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", a)


def test_mangle_examples():
    assert [mangle(x) for x in ("module", "wire", "result", "err", "err_", "label", "_x")] == \
        ["module_", "wire_", "result_", "err_", "err__", "label", "_x"]


@given(st.text())
def test_comment_text_is_printable_ascii_and_reversible(s):
    out = comment_text(s)
    assert all(0x20 <= ord(c) < 0x7F for c in out)

    def unescape(t: str) -> str:
        return re.sub(r"\\(\\|u[0-9a-f]{4}|U[0-9a-f]{8})",
                      lambda m: "\\" if m.group(1) == "\\" else chr(int(m.group(1)[1:], 16)), t)

    assert unescape(out) == s


NASTY = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def _upel_string(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


INJECTION_TEMPLATE = '''/// {pkgdoc}
package inj.docs version "1.0.0";
/// {fndoc}
@req({req})
@doc({doc})
fn f(x: u8) -> u8 {{ x +| 1 }}
'''


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pkgdoc=NASTY, fndoc=NASTY, req=NASTY, doc=NASTY)
def test_spec_text_only_ever_lands_in_comments(tmp_path_factory, pkgdoc, fndoc, req, doc):
    """Doc comments and attribute strings change comment lines only, and those
    stay printable ASCII behind the `| ` prefix: nothing from the spec can end
    a comment, become code or a tool directive."""
    def one_line(s):  # a `///` line cannot contain a line break
        return "".join(c if c.isprintable() else " " for c in s)

    tmp = tmp_path_factory.mktemp("inj")
    # (attribute arguments may not be blank: the checker rejects them)
    nasty = INJECTION_TEMPLATE.format(pkgdoc=one_line(pkgdoc), fndoc=one_line(fndoc), req=_upel_string("R" + req),
                                      doc=_upel_string("d" + doc))
    plain = INJECTION_TEMPLATE.format(pkgdoc="p", fndoc="f", req='"R"', doc='"d"')
    got = verilog.generate(doc_of_text(tmp, nasty), {"harness": True})
    base = verilog.generate(doc_of_text(tmp, plain, "plain.upel"), {"harness": True})

    def code(text):
        return [ln for ln in text.splitlines() if not ln.lstrip().startswith("//")]

    for rel, text in got.items():
        assert all(0x20 <= ord(c) < 0x7F for c in text.replace("\n", "")), rel
        if rel != "harness_tb.v":
            assert code(text) == code(base[rel])
        for ln in text.splitlines():
            if "| " in ln and ln.startswith("//"):
                assert re.match(r"^// {1,3}\| ", ln) or ln.startswith("// Requirements:"), ln


# ---- tools ---------------------------------------------------------------------------


def test_tools_report_versions_or_name_the_missing_tool():
    try:
        versions = verilog.tools()
    except ToolMissing as e:
        assert e.tool in ("iverilog", "vvp", "verilator") and "apt-get install" in e.how
    else:
        assert set(versions) == {"iverilog", "verilator"}


def test_missing_tool_is_named(monkeypatch):
    from upel.hdl.verilog import runner

    from upel.codegen.conform import conform

    monkeypatch.setattr(runner.shutil, "which", lambda tool: None if tool == "verilator" else "/usr/bin/" + tool)
    with pytest.raises(ToolMissing) as e:
        verilog.tools()
    assert e.value.tool == "verilator" and "apt-get install verilator" in str(e.value)
    rep = conform(doc_of(GOLDEN_SPECS / "arith.upel"), "verilog", [])
    assert not rep.ok and "verilator is not installed" in rep.error


def test_lint_gate_rejects_warnings(tmp_path, toolchain):
    (tmp_path / "bad.v").write_text("module bad (input wire [7:0] a, output wire [3:0] y);\n"
                                    "  assign y = a;\nendmodule\n")
    with pytest.raises(BuildFailed, match="WIDTH"):
        lint(tmp_path)


@pytest.mark.parametrize("name", ["arith", "data"])
def test_golden_specs_lint_clean(tmp_path, toolchain, name):
    for rel, text in verilog.generate(doc_of(GOLDEN_SPECS / f"{name}.upel"), {"harness": True}).items():
        (tmp_path / rel).write_text(text, encoding="utf-8")
    lint(tmp_path)


# ---- conformance ---------------------------------------------------------------------


def _example_roots():
    """Every package under specs/, each as the root of its own IR document."""
    roots = {}
    for p in sorted((REPO / "specs").rglob("*.upel")):
        first = next(ln for ln in p.read_text().splitlines() if ln.startswith("package "))
        roots.setdefault(first.split()[1], p)
    return [pytest.param(p, name, id=name) for name, p in sorted(roots.items())]


@pytest.mark.slow
@pytest.mark.parametrize("path,root", _example_roots())
def test_example_spec_conforms(toolchain, path, root):
    rep = check_conforms(doc_of(path, root), samples=1000)
    assert all(f.vectors == f.vectors_passed for f in rep.functions)


def int_bounds(signed: bool, w: int) -> tuple[int, int]:
    return (-(1 << (w - 1)), (1 << (w - 1)) - 1) if signed else (0, (1 << w) - 1)


TRAP_WIDTHS = [("u", 1), ("u", 2), ("u", 8), ("u", 13), ("u", 63), ("u", 64),
               ("i", 2), ("i", 3), ("i", 8), ("i", 13), ("i", 63), ("i", 64)]


def traps_spec() -> str:
    """Every operator at every trap width. A u2 selector per operand forces
    the corner values (MIN, MAX, -1, 0, 1) often enough that every pair of
    them (MIN / -1, MAX * MAX, ...) occurs among a few hundred random cases;
    a u3 selector forces shift amounts width-1, width, width+1, 2^63 and
    2^64-1."""
    out = ['package traps.gen version "1.0.0";']
    for s, w in TRAP_WIDTHS:
        t = f"{s}{w}"
        signed = s == "i"
        lo, hi = int_bounds(signed, w)

        def pick(name, sel, corners, t=t):
            arms = ", ".join(f"{i} => {v}" for i, v in enumerate(corners))
            return f"let {name}: {t} = match {sel} {{ {arms}, _ => {name}0 }};"

        pa = pick("a", "sa", [lo, hi, -1 if signed else 1])
        pb = pick("b", "sb", [-1 if signed else hi, 0, lo if signed else 1])
        sig = f"(a0: {t}, b0: {t}, sa: u2, sb: u2)"
        for op, sym in (("add", "+"), ("sub", "-"), ("mul", "*"), ("div", "/"), ("rem", "%")):
            out.append(f"fn {op}_{t}{sig} -> {t} {{ {pa} {pb} a {sym} b }}")
        out.append(f"record Three_{t} {{ add: {t}, sub: {t}, mul: {t} }}")
        out.append(f"fn wrap_{t}{sig} -> Three_{t} {{ {pa} {pb} Three_{t} {{ add: a +% b, sub: a -% b, mul: a *% b }} }}")
        out.append(f"fn sat_{t}{sig} -> Three_{t} {{ {pa} {pb} Three_{t} {{ add: a +| b, sub: a -| b, mul: a *| b }} }}")
        out.append(f"record Bits_{t} {{ and_: {t}, or_: {t}, xor_: {t}, not_: {t}, pop: u8, top: bool, low: u1 }}")
        out.append(f"fn bits_{t}{sig} -> Bits_{t} {{ {pa} {pb} Bits_{t} {{ and_: a & b, or_: a | b, xor_: a ^ b, "
                   f"not_: ~a, pop: popcount(a), top: bit(a, {w - 1}), low: bits(b, 0, 0) }} }}")
        out.append(f"record Cmp_{t} {{ lt: bool, le: bool, gt: bool, ge: bool, eq: bool, ne: bool, mn: {t}, mx: {t} }}")
        out.append(f"fn cmp_{t}{sig} -> Cmp_{t} {{ {pa} {pb} Cmp_{t} {{ lt: a < b, le: a <= b, gt: a > b, "
                   f"ge: a >= b, eq: a == b, ne: a != b, mn: min(a, b), mx: max(a, b) }} }}")
        if signed:
            out.append(f"fn neg_{t}(a0: {t}, sa: u2) -> {t} {{ {pa} -a }}")
            out.append(f"fn abs_{t}(a0: {t}, sa: u2) -> {t} {{ {pa} abs(a) }}")
        else:
            out.append(f"fn neg_{t}(a0: {t}, sa: u2) -> {t} {{ {pa} -a }}")
        amts = ", ".join(f"{i} => {v}" for i, v in enumerate([w - 1, w, w + 1, (1 << 64) - 1, 1 << 63]))
        for op, sym in (("shl", "<<"), ("shr", ">>")):
            out.append(f"record Sh_{op}_{t} {{ narrow: {t}, wide: {t}, huge: {t}, c0: {t}, cw: {t}, cw1: {t}, "
                       f"bitk: bool }}")
            out.append(
                f"fn {op}_{t}(a0: {t}, k: u7, k64: u64, sa: u2, sk: u3) -> Sh_{op}_{t} {{ {pa} "
                f"let amt: u64 = match sk {{ {amts}, _ => k64 }}; "
                f"Sh_{op}_{t} {{ narrow: a {sym} k, wide: a {sym} amt, "
                f"huge: a {sym} (k as u64 + 18_446_744_073_709_551_488), "
                f"c0: a {sym} 0, cw: a {sym} {w}, cw1: a {sym} {w + 1}, bitk: bit(a, k) }} }}")
        # Casts from this width: truncation, sign/zero extension.
        casts = ("u1", "i2", "u8", "i8", "u64", "i64")
        out.append(f"record Casts_{t} {{ {', '.join(f'to_{d}: {d}' for d in casts)} }}")
        out.append(f"fn cast_{t}(a0: {t}, sa: u2) -> Casts_{t} {{ {pa} "
                   f"Casts_{t} {{ {', '.join(f'to_{d}: a as {d}' for d in casts)} }} }}")
    return "\n".join(out) + "\n"


HAND_TRAPS = r'''package traps.hand version "1.0.0";

type Small = i16 in -300..=300;
type Pos = u32 in 10..=1000;
type Big = u64 in 9223372036854775808..=18446744073709551615;
type Raw = i64;
enum Color: i8 { red = -128, green = 0, blue = 127, gray = 5 }
enum Sparse: u4 { a = 1, b = 9, c = 15 }
error TrapError { boom = 16, bang = 65535 }
record Pair { x: i8, flag: bool, y: u64 }

const MINV: i64 = -9_223_372_036_854_775_808;

fn cast_bool_u8(x: bool) -> u8 { x as u8 }
fn cast_color(c: Color) -> i8 { c as i8 }
fn cast_raw(x: Raw) -> u16 { x as u16 }
fn to_raw(x: u64) -> Raw raises range { x as Raw }
fn to_small(x: i64) -> Small { x as Small }
fn to_small_u(x: u64) -> Small { x as Small }
fn to_small_i8(x: i8) -> Small { x as Small }
fn to_big(x: i64) -> Big { x as Big }
fn to_big_u(x: u64) -> Big { x as Big }
fn big_sub(a: Big, b: Big) -> Big { a - b }
fn big_div(a: Big, b: Big) -> Big { a / b }
fn big_add_sat(a: Big, b: Big) -> Big { a +| b }
fn pos_rem(a: Pos, b: Pos) -> Pos { a % b }
fn pos_div(a: Pos, b: Pos) -> Pos { a / b }
fn pos_sub_sat(a: Pos, b: Pos) -> Pos { a -| b }
fn pos_mul_sat(a: Pos, b: Pos) -> Pos { a *| b }
fn small_rem(a: Small, b: Small) -> Small { a % b }
fn small_div(a: Small, b: Small) -> Small { a / b }
fn small_neg(a: Small) -> Small { -a }
fn small_abs(a: Small) -> Small { abs(a) }
fn small_mul(a: Small, b: Small) -> Small { a * b }
fn small_minmax(a: Small, b: Small) -> Small { max(min(a, b), -5) }
fn color_from(x: i64) -> Color { Color.from(x) }
fn sparse_from(x: u4) -> Sparse { Sparse.from(x) }
fn sparse_from_i(x: i8) -> Sparse { Sparse.from(x) }
fn short_and(a: u8, b: u8) -> bool { a != 0 and 100 / a > b }
fn short_or(a: u8, b: u8) -> bool { a == 0 or 100 / a > b }
fn lazy_if(a: i8) -> i8 { if a == -128 { 0 } else { -a } }
fn pick(x: u8, y: u8) -> u8 raises TrapError
  requires x != y
{
  if x > 200 { raise TrapError.bang } else { x +| y }
}
fn first_error(a: u8, b: u8) -> u8 raises TrapError {
  pick(100 / a, if b > 5 { raise TrapError.boom } else { b })
}
fn req_raises(a: u8) -> u8
  requires 10 / a > 1
  requires a != 3
{ a }
fn match_neg(x: i8) -> u8 { match x { -128 => 1, -1 | 0 => 2, 127 => 3, _ => 4 } }
fn match_color(c: Color) -> u8 raises TrapError { match c { Color.red => 1, Color.blue => raise TrapError.boom, _ => 3 } }
fn match_bool(b: bool, x: u8) -> u8 { match b { true => x + 1, false => x } }
fn arr_index(a: [Pair; 3], i: u2) -> Pair { a[i] }
fn arr_index_wide(a: [i8; 5], i: u64) -> i8 { a[i] }
fn arr_update(a: [i8; 5], i: u8, v: i8) -> [i8; 5] { a with [i] = v }
fn arr_update_err(a: [i8; 5], i: u8, v: i8) -> [i8; 5] { a with [i] = v + 1 }
fn arr_update_rec(a: [Pair; 3], i: u2, x: i8) -> [Pair; 3] { a with [i] = (a[i] with { x: x }) }
fn arr_fold(a: [u64; 4]) -> u64 { fold i in 0..4 with acc: u64 = 0 { acc + a[i] } }
fn arr_eq(a: [Pair; 2], b: [Pair; 2]) -> bool { a == b }
fn rec_with(p: Pair, x: i8) -> Pair { p with { x: x +| 1, flag: not p.flag } }
fn nested(p: Pair) -> u64 { if p.flag { p.y / (p.x as u64) } else { p.y } }
fn raise_code(x: u8) -> u8 raises TrapError { if x == 0 { raise TrapError.bang } else { x } }
fn bool_ops(a: bool, b: bool) -> bool { (a and not b) or (a == b) }
fn mul_u64(a: u64, b: u64) -> u64 { a * b }
fn cmp_big(a: u64) -> bool { a > 9_223_372_036_854_775_807 }
fn bits_i64(x: i64) -> u8 { bits(x, 63, 56) }
fn pop_i64(x: i64) -> u8 { popcount(x) }
fn bit_i64(x: i64, i: u8) -> bool { bit(x, i) }
fn repeat_rec(x: i8) -> [Pair; 3] { [Pair { x: x, flag: true, y: 5 }; 3] }
fn div_const() -> i64 { MINV / -1 }
fn rem_const() -> i64 { MINV % -1 }
fn shift_const() -> u64 { (1 as u64) << 63 }
fn neg_min(x: i64) -> i64 { -(MINV + (x & 1)) }
fn unsigned_neg(x: u8) -> u8 { -x }
fn rem_neg(a: i64, b: i8) -> i64 { a % (b as i64) }
fn div_neg(a: i64, b: i8) -> i64 { a / (b as i64) }
fn shr_neg(a: i64, k: u64) -> i64 { a >> k }

vectors div_const { () -> error overflow; }
vectors rem_const { () -> 0; }
vectors shift_const { () -> 9_223_372_036_854_775_808; }
vectors rem_neg {
  (-7, 2) -> -1;
  (7, -2) -> 1;
  (-9_223_372_036_854_775_808, -1) -> 0;
  (5, 0) -> error div_by_zero;
}
vectors div_neg {
  (-7, 2) -> -3;
  (-9_223_372_036_854_775_808, -1) -> error overflow;
  (-9_223_372_036_854_775_808, 1) -> -9_223_372_036_854_775_808;
}
vectors shr_neg {
  (-1, 64) -> -1;
  (-8, 65) -> -1;
  (-8, 18_446_744_073_709_551_615) -> -1;
  (8, 64) -> 0;
  (-8, 1) -> -4;
  (-9_223_372_036_854_775_808, 63) -> -1;
}
vectors first_error {
  (0, 9) -> error div_by_zero;
  (1, 9) -> error TrapError.boom;
  (50, 2) -> error precondition;
  (1, 2) -> 102;
}
vectors req_raises {
  (0) -> error div_by_zero;
  (3) -> error precondition;
  (20) -> error precondition;
  (4) -> 4;
}
vectors raise_code { (0) -> error TrapError.bang; (7) -> 7; }
'''


@pytest.mark.slow
def test_semantics_traps_generated_conform(tmp_path, toolchain):
    check_conforms(doc_of_text(tmp_path, traps_spec()), samples=500)


@pytest.mark.slow
def test_semantics_traps_handwritten_conform(tmp_path, toolchain):
    rep = check_conforms(doc_of_text(tmp_path, HAND_TRAPS), samples=1000)
    assert sum(f.vectors for f in rep.functions) == 26


INJECTION = '''/// Package doc with */ and /* and "quotes" and \\backslash\\ and `define X and `timescale 1ns/1ps
/// verilator lint_off WIDTH
/// synthesis translate_off
/// endmodule module evil; non-ASCII: \u00e9 \u2200 \U0001f600, a line separator \u2028 and a BOM \ufeff
package wire.reg version "1.0.0-rc.1+build.7";

/// A record whose fields are Verilog keywords.
/// */ endmodule
record Module { wire: u8, reg: bool, begin: i4, end: u1 }

/// Enum with keyword members.
enum input: u2 { output = 0, inout = 1, default = 3 }

error signed { logic = 16, bit = 17 }

/// The classic: a parameter called `module`.
@req("REQ-*/-\\"quoted\\"-\\\\-`tick`", "non-ASCII-\u00e9-\U0001f600")
@doc("line one\\nline two with */ and \\"q\\"\\r\\n// verilator lint_off UNUSEDSIGNAL\\n\\u{2028}after a U+2028")
@deprecated("use `end` */ instead\\n// synthesis translate_off")
fn begin(module: Module, wire: u8, reg: i8, case: bool) -> Module raises signed
  requires wire != 255
{
  let int: u8 = module.wire +| wire;
  let byte: i4 = if case { module.begin } else { (reg as i4) };
  if int == 200 { raise signed.logic } else {
    Module { wire: int, reg: not module.reg, begin: byte, end: module.end }
  }
}

/// Parameters named like the output ports.
fn end(err: u8, err_: u8, result_: u8) -> u8 { err +% err_ +% result_ }

fn default(x: input, logic: [Module; 2], this: u1) -> input raises convert {
  let class: u2 = (x as u2) ^ (logic[this].end as u2);
  input.from(class)
}

fn always(new: i8, delete: i8, _x: u8, a__b: u8, __Vfoo: u8, int: u16, byte: bool) -> i8 {
  let static = (_x +% a__b +% __Vfoo) as i8;
  if byte { new -| delete +| static } else { (int as i8) }
}

fn initial(generate: Module) -> u8 raises signed { begin(generate, 1, 2, true).wire }

vectors end { (1, 2, 3) -> 6; }
'''


def test_injection_spec_lints_and_conforms(tmp_path, toolchain):
    doc = doc_of_text(tmp_path, INJECTION)
    files = verilog.generate(doc, {"harness": True})
    text = files["wire_reg.v"]
    assert "input  wire [13:0] module_," in text and "module wire_reg_begin (" in text
    assert "input  wire [7:0] err_," in text and "input  wire [7:0] err__," in text
    assert "//   | verilator lint_off WIDTH" in text and "\\u00e9" in text and "\\U0001f600" in text
    assert all(ord(c) < 0x80 for f in files.values() for c in f)
    check_conforms(doc, samples=300)
