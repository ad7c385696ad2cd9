"""Property-based tests of the front end (parser + checker + IR) and the CLI.

1. Generated well-typed specs check with no diagnostic at all, their IR
   validates against the IR schema, and the IR digest is deterministic: the
   same text twice gives the same digest, and so does the same spec written
   with other whitespace and comments.
2. Mutated real specs (tokens and characters deleted, duplicated, swapped,
   inserted; numbers made huge or negative; identifiers replaced; NUL and
   non-ASCII characters; truncation) never make the front end raise: either
   the spec checks, or there are error diagnostics and every diagnostic has
   a code from CODES and a location inside the file.
3. Arbitrary text and arbitrary bytes (invalid UTF-8 included): the same.
4. `upel check` on mutated input never exits 2 (internal error) and never
   prints a traceback.

Budgets come from the hypothesis profile (tests/fuzz/conftest.py): `ci` runs
more than 2,000 examples in total, derandomized.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from upel.check.lower import check_program
from upel.cli.main import main
from upel.diagnostics import CODES, DiagnosticSink, render
from upel.ir.encoding import ir_digest
from upel.ir.schema import validate_ir
from upel.loader import load

from .strategies import VOCAB, mutate, spec_tokens
from .strategies import render as render_tokens

REPO = Path(__file__).resolve().parents[2]


def examples(factor: float):
    """`max_examples` for one test: the profile's budget times `factor`."""
    return settings(max_examples=max(10, int(settings.default.max_examples * factor)))


# ---- realistic base specs for the mutation tests ---------------------------------

ARINC = '''/// ARINC 429 word packing (a realistic base for mutation).
package demo.arinc version "1.2.0";

/// Sign/status matrix.
enum Ssm: u2 { failure_warning = 0, no_computed_data = 1, functional_test = 2, normal = 3 }

record Word { label: u8, sdi: u2, data: u19, ssm: Ssm }

type Feet = i32 in -2_000..=60_000;
type Knots = u16 in 0..=1_000;

error WordError { bad_label = 16, bad_parity = 17 }

const MAX_LABEL: u8 = 0o377;
const EMPTY: Word = Word { label: 0, sdi: 0, data: 0, ssm: Ssm.normal };
const MASKS: [u32; 4] = [0xFF, 0x300, 0x1FFFFC00, 0x60000000];

/// Odd parity over bits 0..30.
@req("AV-ARINC-002")
fn parity(w: u32) -> u1 {
  ((popcount(w & 0x7FFF_FFFF) + 1) % 2) as u1
}

@req("AV-ARINC-001", "AV-ARINC-003")
fn pack(w: Word) -> u32 {
  let body: u32 = (w.label as u32) | ((w.sdi as u32) << 8) | ((w.data as u32) << 10)
    | (((w.ssm as u2) as u32) << 29);
  body | ((parity(body) as u32) << 31)
}

fn unpack(x: u32) -> Word raises WordError
  requires bit(x, 31) == (parity(x) == 1)
  ensures result.label == bits(x, 7, 0)
{
  if parity(x) != (bits(x, 31, 31) as u1) { raise WordError.bad_parity }
  Word { label: bits(x, 7, 0), sdi: bits(x, 9, 8), data: bits(x, 28, 10), ssm: Ssm.from(bits(x, 30, 29)) }
}

fn status_rank(s: Ssm) -> u8 {
  match s {
    Ssm.failure_warning | Ssm.no_computed_data => 0,
    Ssm.functional_test => 1,
    Ssm.normal => 2,
  }
}

fn climb(alt: Feet, rate: i32) -> Feet {
  let next: i32 = (alt as i32) +| rate;
  if next > 60_000 { 60_000 } else if next < -2_000 { -2_000 } else { next as Feet }
}

fn checksum(ws: [u32; 4]) -> u32 {
  fold i in 0..4 with acc: u32 = 0 { acc ^ (ws[i] & MASKS[i]) }
}

fn relabel(w: Word, l: u8) -> Word { w with { label: l } }

fn bump(ws: [u32; 4], i: u2) -> [u32; 4] { ws with [i] = ws[i] +% 1 }

property pack_has_odd_parity(w: Word) { popcount(pack(w)) % 2 == 1 }

property climb_stays_in_range(a: Feet, r: i32) requires r > -100 and r < 100 {
  let c: Feet = climb(a, r);
  c >= -2_000 and c <= 60_000
}

vectors parity {
  (0) -> 1;
  (0x8000_0000) -> 1;
  (1) -> 0;
}

vectors climb {
  (59_999, 10) -> 60_000;
  (0, -5) -> -5;
}

vectors unpack {
  (0) -> error WordError.bad_parity;
  (0x8000_0000) -> Word { label: 0, sdi: 0, data: 0, ssm: Ssm.failure_warning };
}
'''

LEDGER = '''package demo.ledger version "0.3.0-rc.1";

/// Money in cents.
type Cents = i64;
type Rate = u16 in 0..=10_000;

enum Kind: u8 { debit = 1, credit = 2, fee = 7 }

record Entry { kind: Kind, amount: Cents, tags: [bool; 3] }
record Book { entries: [Entry; 3], balance: Cents }

error LedgerError { insufficient = 100, frozen = 101 }

const ZERO_ENTRY: Entry = Entry { kind: Kind.debit, amount: 0, tags: [false; 3] };
const START: Book = Book { entries: [ZERO_ENTRY; 3], balance: 0 };
const LIMIT: Cents = -9_223_372_036_854_775_808;

fn signed(e: Entry) -> Cents {
  match e.kind { Kind.credit => e.amount, _ => -e.amount }
}

fn apply(b: Book, e: Entry) -> Book raises LedgerError
  requires e.amount >= 0
  ensures result.balance >= 0
{
  let next: Cents = b.balance + signed(e);
  if next < 0 { raise LedgerError.insufficient }
  b with { balance: next, entries: b.entries with [0] = e }
}

fn interest(balance: Cents, rate: Rate) -> Cents {
  let r: i64 = (rate as u16) as i64;
  (balance as i64 *| r / 10_000) as Cents
}

fn total(b: Book) -> Cents {
  fold i: u8 in 0..3 with acc = b.balance { acc +% signed(b.entries[i]) }
}

fn fee_of(x: u32) -> u32 { min(max(x / 100, 25), 5_000) }

fn wrap_demo(a: u7, b: u7) -> u7 { (a +% b) -% (a *% b) }

fn sat_demo(a: i9, b: i9) -> i9 { abs(a -| b) }

property fee_bounded(x: u32) { fee_of(x) >= 25 and fee_of(x) <= 5_000 }

vectors fee_of { (0) -> 25; (1_000_000) -> 5_000; (4_000) -> 40; }
vectors wrap_demo { (127, 1) -> 1; }
vectors apply {
  (START, Entry { kind: Kind.credit, amount: 5, tags: [true, false, true] })
    -> Book { entries: [Entry { kind: Kind.credit, amount: 5, tags: [true, false, true] }, ZERO_ENTRY, ZERO_ENTRY], balance: 5 };
  (START, Entry { kind: Kind.debit, amount: 5, tags: [false; 3] }) -> error LedgerError.insufficient;
}
'''

UNITS = '''package demo.units version "2.0.0";
/// Altitude in feet.
type Feet = i32;
type Pct = u8 in 0..=100;
enum Mode: u2 { idle = 0, armed = 1, alert = 2 }
fn to_meters(f: Feet) -> i32 { (f as i32) * 3 / 10 }
@deprecated("use to_meters")
fn old_meters(f: Feet) -> i32 { to_meters(f) }
'''

NAV = '''package demo.nav version "1.0.0";
use demo.units.{Feet, Mode};
use demo.units;

record Alert { mode: Mode, target: Feet, margin: units.Pct }

fn select(target: Feet) -> Alert {
  Alert { mode: Mode.armed, target: target, margin: 10 }
}

fn sample(a: Alert, alt: Feet) -> bool {
  a.mode == Mode.armed and units.to_meters(alt) > units.to_meters(a.target)
}

property select_arms(t: Feet) { select(t).mode == Mode.armed }
vectors select { (100) -> Alert { mode: Mode.armed, target: 100, margin: 10 }; }
'''

HEADER = 'package fuzz version "1.0.0";\n'


def _repo_specs() -> dict[str, str]:
    """The example specs under specs/, if present (read once, at import)."""
    out = {}
    root = REPO / "specs"
    if root.is_dir():
        for p in sorted(root.rglob("*.upel")):
            try:
                out[p.relative_to(root).as_posix()] = p.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                pass
    return out


REPO_SPECS = _repo_specs()
# Base name -> (text, location under the workspace root). The demo.* specs
# sit where their package name puts them, so imports resolve.
BASES: dict[str, tuple[str, str]] = {
    "arinc": (ARINC, "demo/arinc.upel"),
    "ledger": (LEDGER, "demo/ledger.upel"),
    "units": (UNITS, "demo/units.upel"),
    "nav": (NAV, "demo/nav.upel"),
}
for _rel, _text in REPO_SPECS.items():
    BASES["specs/" + _rel] = (_text, "specs/" + _rel)


class Workspace:
    """A private copy of every base spec; a mutated file replaces one of them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.specs_root = root / "specs"
        self.dirty: str | None = None
        for name in BASES:
            self.restore(name)

    def restore(self, name: str) -> None:
        text, rel = BASES[name]
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")

    def place(self, name: str | None, text: str) -> Path:
        """Write `text` in the place of base `name` (None: a file of its own)."""
        if self.dirty is not None:
            self.restore(self.dirty)
        self.dirty = name
        p = self.root / (BASES[name][1] if name is not None else "solo/spec.upel")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode("utf-8"))
        return p

    def spec_path(self) -> list[str]:
        roots = [str(self.root)]
        if self.specs_root.is_dir():
            roots.append(str(self.specs_root))
        return roots


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return Workspace(tmp_path_factory.mktemp("fuzz-ws"))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-scratch")


# ---- the property every failing run must have -------------------------------------


def run_front(paths: list[str], spec_path: list[str]):
    sink = DiagnosticSink()
    prog = load(paths, spec_path, sink)
    docs = None if sink.has_errors else check_program(prog, sink)
    return sink, prog, docs


def _line_count(path: str, prog) -> int:
    text = prog.sources.get(path)
    if text is None:  # unreadable or not UTF-8: count raw lines
        try:
            return Path(path).read_bytes().count(b"\n") + 1
        except OSError:
            return 1
    return text.count("\n") + 1


def assert_front_end_contract(paths: list[str], spec_path: list[str]) -> DiagnosticSink:
    """Load + check never raises; a failure is located, coded diagnostics."""
    sink, prog, docs = run_front(paths, spec_path)
    for d in sink.items:
        note(f"{d.code} {d.message} @ {d.loc}")
        assert d.code in CODES, d
        assert d.code != "E9999", d
        assert d.loc is not None, f"diagnostic without a location: {d}"
        assert d.loc.line >= 1 and d.loc.col >= 1, d
        assert d.loc.line <= _line_count(d.loc.file, prog) + 1, d
        shown = render(d, prog.sources)  # rendering never raises, and shows the located line
        text = prog.sources.get(d.loc.file)
        if text is not None:
            lines = text.split("\n")
            if d.loc.line <= len(lines) and lines[d.loc.line - 1].strip():
                src = lines[d.loc.line - 1].removesuffix("\r").expandtabs(1)
                assert f" {d.loc.line} | {src}" in shown, shown
    if sink.has_errors:
        assert docs is None
        return sink
    assert docs is not None and set(docs) == set(prog.roots)
    for doc in docs.values():
        ir_digest(doc)  # canonical CBOR accepts every IR document
    return sink


def test_mutation_bases_are_valid(ws):
    """The hand-written bases check cleanly, so mutations start from a valid spec."""
    for name, (_, rel) in BASES.items():
        if name.startswith("specs/"):
            continue  # the repository's examples have their own tests
        sink, _, docs = run_front([str(ws.root / rel)], ws.spec_path())
        assert not sink.items and docs is not None, (name, [d.message for d in sink.items])


# ---- 1. generated well-typed specs ----------------------------------------------


def _digests(path: Path, text: str) -> dict[str, str]:
    path.write_bytes(text.encode("utf-8"))
    sink, _, docs = run_front([str(path)], [])
    assert not sink.items, "\n".join(f"{d.loc.line}:{d.loc.col} {d.code} {d.message}" if d.loc else d.message
                                     for d in sink.items)
    return {root: ir_digest(doc) for root, doc in docs.items()}


@examples(0.5)
@given(toks=spec_tokens(), seed=st.integers(0, 2**32 - 1))
def test_generated_specs_check_cleanly_with_deterministic_ir(scratch, toks, seed):
    text = render_tokens(toks)
    note(text)
    a, b = scratch / "a", scratch / "b"
    a.mkdir(exist_ok=True)
    b.mkdir(exist_ok=True)

    sink, _, docs = run_front([str(_write(a / "spec.upel", text))], [])
    assert not sink.items, "\n".join(f"{d.loc.line}:{d.loc.col} {d.code} {d.message}" if d.loc else d.message
                                     for d in sink.items)
    assert docs is not None
    digests = {}
    for root, doc in docs.items():
        validate_ir(doc)
        digests[root] = ir_digest(doc)

    # The same text again (a fresh checker) gives the same IR.
    assert _digests(a / "spec.upel", text) == digests
    # Other whitespace and comments, in another directory: the same IR.
    other = render_tokens(toks, random.Random(seed), fancy=True)
    note(other)
    assert _digests(b / "spec.upel", other) == digests


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


# ---- 2. mutated specs -------------------------------------------------------------


DEMO_BASES = sorted(n for n in BASES if not n.startswith("specs/"))
REPO_BASES = sorted(n for n in BASES if n.startswith("specs/"))


@st.composite
def mutated_base(draw):
    """(name of the base replaced or None, mutated text).

    Mostly the small demo specs (fast to parse, so many examples); the
    repository's larger examples and freshly generated specs too."""
    source = draw(st.sampled_from(["demo", "demo", "demo", "generated", "repo"]))
    if source == "repo" and REPO_BASES:
        name = draw(st.sampled_from(REPO_BASES))
        text = BASES[name][0]
    elif source == "generated":
        name, text = None, render_tokens(draw(spec_tokens()))
    else:
        name = draw(st.sampled_from(DEMO_BASES))
        text = BASES[name][0]
    return name, draw(mutate(text))


@examples(1.6)
@given(case=mutated_base())
def test_mutated_specs_fail_only_with_located_diagnostics(ws, case):
    name, text = case
    note(repr(text))
    path = ws.place(name, text)
    assert_front_end_contract([str(path)], ws.spec_path())


# ---- 3. arbitrary text and bytes ----------------------------------------------------

SOUP = st.lists(st.sampled_from(VOCAB + ["x", "y", "T", "f", "E.a", "u8", "i64", "bool", "0", "1"]),
                max_size=60).map(" ".join)


@examples(1.2)
@given(text=st.one_of(st.text(), st.text().map(lambda t: HEADER + t), SOUP.map(lambda t: HEADER + t), SOUP))
def test_random_text_fails_only_with_located_diagnostics(scratch, text):
    path = _write(scratch / "text.upel", text)
    assert_front_end_contract([str(path)], [])


@examples(0.8)
@given(data=st.one_of(
    st.binary(),
    st.binary().map(lambda b: HEADER.encode() + b),
    st.tuples(st.sampled_from([ARINC, LEDGER, UNITS]), st.integers(0, 4000), st.binary(min_size=1, max_size=4))
    .map(lambda t: t[0].encode()[: t[1]] + t[2] + t[0].encode()[t[1]:]),
))
def test_random_bytes_fail_only_with_located_diagnostics(scratch, data):
    path = scratch / "bytes.upel"
    path.write_bytes(data)
    sink = assert_front_end_contract([str(path)], [])
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        assert [d.code for d in sink.items] == ["E0005"]


# ---- 4. the CLI ----------------------------------------------------------------------


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


@examples(0.5)
@given(case=mutated_base(), as_json=st.booleans())
def test_cli_check_on_mutated_specs_never_fails_internally(ws, case, as_json):
    name, text = case
    note(repr(text))
    path = ws.place(name, text)
    argv = ["check", str(path)] + [arg for r in ws.spec_path() for arg in ("--spec-path", r)]
    rc, out, err = _cli(argv + (["--json"] if as_json else []))
    assert rc in (0, 1), (rc, out, err)
    assert "Traceback" not in out + err and "internal error" not in out + err, out + err
    if as_json:
        report = json.loads(out)
        assert report["ok"] == (rc == 0)
        for d in report["diagnostics"]:
            assert d["code"].removeprefix("UPEL-") in CODES, d
            assert d["line"] >= 1 and d["col"] >= 1 and d["file"], d
    if rc == 0:
        outdir = tempfile.mkdtemp(prefix="fuzz-ir-")
        try:
            rc, out, err = _cli(["ir", str(path), "-o", outdir] + argv[2:])
            assert rc == 0, (rc, out, err)
        finally:
            shutil.rmtree(outdir, ignore_errors=True)
