"""Generated code against hand-written code on three spec kernels.

For each kernel (ARINC 429 encode+decode, fintech posting+interest, infusion
dose -> pump rate) and each language (C, Rust; Python for reference), the
spec is generated with `upel gen --backend c,rust,python` into a temporary
directory, the driver in kernels/<lang>/bench_<kernel>.* is built twice
with the same flags (once over the generated code, once over the
hand-written kernel next to it), and both binaries run alternately. Each run
prints ns for the timed loop and a checksum over every result and error
code; the generated and hand-written checksums must be equal (and the
checksum over the first PREFIX operations must agree across languages),
otherwise the row is marked MISMATCH and the harness fails.

While working on one kernel, run it alone (fewer runs, optional cachegrind
count of instructions per operation, which does not depend on the machine's
load):

    python -m tools.bench.kernels --kernels ledger --langs c,rust --n 2000000 --runs 3 --irefs
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tools.bench.common import KERNELS, PYTHON, REPO, UPEL, BenchError, median, run

CFLAGS = ["-std=c11", "-O2"]
RUSTFLAGS = ["--edition", "2021", "-C", "opt-level=2", "-C", "codegen-units=1"]
SPECS = ["specs/avionics", "specs/fintech", "specs/medtech"]


@dataclass(frozen=True)
class Kernel:
    name: str
    title: str
    unit: str
    gen_c: tuple[str, ...]
    hand_c: str


ALL = (
    Kernel("arinc429", "ARINC 429 encode+decode (avionics.arinc429 encode, decode)", "word",
           ("avionics_arinc429.c", "avionics_units.c"), "arinc429.c"),
    Kernel("ledger", "posting + interest (fintech.ledger apply_posting, daily_interest)", "entry",
           ("fintech_ledger.c", "fintech_money.c"), "ledger.c"),
    Kernel("infusion", "dose -> pump rate (medtech.infusion program_infusion)", "order",
           ("medtech_infusion.c",), "infusion.c"),
)


@dataclass
class Row:
    kernel: str
    lang: str
    n: int
    runs: int
    gen_ns: list[float] = field(default_factory=list)
    hand_ns: list[float] = field(default_factory=list)
    gen_sum: set[str] = field(default_factory=set)
    hand_sum: set[str] = field(default_factory=set)
    prefix: set[str] = field(default_factory=set)

    @property
    def gen(self) -> float:
        return median(self.gen_ns)

    @property
    def hand(self) -> float:
        return median(self.hand_ns)

    @property
    def ratio(self) -> float:
        return self.gen / self.hand

    @property
    def match(self) -> bool:
        return len(self.gen_sum) == 1 and self.gen_sum == self.hand_sum

    @property
    def checksum(self) -> str:
        return "/".join(sorted(self.gen_sum | self.hand_sum))


LINE = re.compile(r"n=(\d+) ns=(\d+) checksum=([0-9a-f]+) prefix_n=(\d+) prefix_checksum=([0-9a-f]+)")


def _parse(out: str) -> tuple[int, int, str, str]:
    m = LINE.search(out)
    if not m:
        raise BenchError(f"driver printed no result line:\n{out[-2000:]}")
    return int(m.group(1)), int(m.group(2)), m.group(3), m.group(5)


def generate(tmp: Path) -> Path:
    gen = tmp / "gen"
    run([UPEL, "gen", "--backend", "c,rust,python", "--out", str(gen), *SPECS], cwd=REPO)
    return gen


def build_c(gen: Path, tmp: Path, k: Kernel) -> tuple[list[str], list[str]]:
    d = tmp / "c"
    if not d.exists():
        shutil.copytree(gen / "c", d)
        for f in (KERNELS / "c").iterdir():
            shutil.copy(f, d / f.name)
    drv = f"bench_{k.name}.c"
    run(["gcc", *CFLAGS, "-DUPEL_GEN", "-o", f"gen_{k.name}", drv, *k.gen_c], cwd=d)
    run(["gcc", *CFLAGS, "-o", f"hand_{k.name}", drv, k.hand_c], cwd=d)
    return [str(d / f"gen_{k.name}")], [str(d / f"hand_{k.name}")]


def build_rust(gen: Path, tmp: Path, k: Kernel) -> tuple[list[str], list[str]]:
    d = tmp / "rust"
    if not d.exists():
        shutil.copytree(gen / "rust", d)
        for f in (KERNELS / "rust").iterdir():
            shutil.copy(f, d / f.name)
    drv = f"bench_{k.name}.rs"
    run(["rustc", *RUSTFLAGS, "--cfg", "upel_gen", "-o", f"gen_{k.name}", drv], cwd=d, timeout=900)
    run(["rustc", *RUSTFLAGS, "-o", f"hand_{k.name}", drv], cwd=d, timeout=900)
    return [str(d / f"gen_{k.name}")], [str(d / f"hand_{k.name}")]


def build_python(gen: Path, tmp: Path, k: Kernel) -> tuple[list[str], list[str]]:
    drv = str(KERNELS / "python" / "bench.py")
    return [PYTHON, drv, k.name, "gen"], [PYTHON, drv, k.name, "hand"]


def measure_pair(row: Row, gen_cmd: list[str], hand_cmd: list[str], prefix: int, gen_dir: Path) -> None:
    extra = [str(gen_dir / "python")] if gen_cmd[0] == PYTHON else []
    for _ in range(row.runs):  # alternate, so that drift in the machine's load hits both
        for cmd, times, sums in ((gen_cmd, row.gen_ns, row.gen_sum), (hand_cmd, row.hand_ns, row.hand_sum)):
            n, ns, checksum, pre = _parse(run([*cmd, str(row.n), str(prefix), *extra], timeout=900))
            if n != row.n:
                raise BenchError(f"{cmd}: ran {n} operations, asked for {row.n}")
            times.append(ns / n)
            sums.add(checksum)
            row.prefix.add(pre)


def select(names: list[str] | None) -> tuple[Kernel, ...]:
    """The kernels called `names` (all of them for None); BenchError on an unknown name."""
    if not names:
        return ALL
    known = {k.name: k for k in ALL}
    bad = [n for n in names if n not in known]
    if bad:
        raise BenchError(f"unknown kernel(s) {bad}; choose from {', '.join(known)}")
    return tuple(k for k in ALL if k.name in names)


def bench(langs: list[str], n: int, n_py: int, runs: int, runs_py: int, tmp: Path,
          log=lambda s: print(s, file=sys.stderr), only: list[str] | None = None) -> list[Row]:
    """Builds and runs every kernel pair (or those named in `only`); returns one Row per
    (kernel, language)."""
    kernels = select(only)
    gen = generate(tmp)
    prefix = min(n, n_py)
    rows: list[Row] = []
    builders = {"c": build_c, "rust": build_rust, "python": build_python}
    for k in kernels:
        for lang in langs:
            g, h = builders[lang](gen, tmp, k)
            nn = n_py if lang == "python" else n
            row = Row(k.name, lang, nn, runs_py if lang == "python" else runs)
            measure_pair(row, g, h, prefix, gen)
            rows.append(row)
            status = "checksums equal" if row.match else "CHECKSUM MISMATCH"
            log(f"  {k.name:9} {lang:6} gen {row.gen:9.2f} ns/op  hand {row.hand:9.2f} ns/op  "
                f"ratio {row.ratio:5.2f}  {status}")
    # the first `prefix` operations are the same inputs in every language
    for k in kernels:
        pres = set().union(*(r.prefix for r in rows if r.kernel == k.name))
        if len(pres) > 1:
            for r in rows:
                if r.kernel == k.name:
                    r.hand_sum.add("cross-language-prefix-mismatch")
            log(f"  {k.name}: CROSS-LANGUAGE CHECKSUM MISMATCH over the first {prefix} operations: {sorted(pres)}")
    return rows


def asm_excerpt(tmp: Path) -> str:
    """`gcc -O2 -S` of a tiny function using the runtime's checked i64 add."""
    d = tmp / "asm"
    d.mkdir(exist_ok=True)
    gen = tmp / "gen" / "c" / "upel_rt.h"
    shutil.copy(gen, d / "upel_rt.h")
    (d / "probe.c").write_text(
        '#include "upel_rt.h"\n'
        "upel_status probe_add_i64(int64_t a, int64_t b, int64_t *out)\n"
        "{\n    return upel_add_i64(a, b, INT64_MIN, INT64_MAX, out);\n}\n"
        "upel_status probe_mul_u32(uint32_t a, uint32_t b, uint32_t *out)\n"
        "{\n    return upel_mul_u32(a, b, 0u, UINT32_MAX, out);\n}\n"
        "uint8_t probe_popcount(uint32_t w)\n{\n    return upel_popcount(w, 32);\n}\n")
    run(["gcc", *CFLAGS, "-S", "-fno-asynchronous-unwind-tables", "-o", "probe.s", "probe.c"], cwd=d)
    keep = [ln for ln in (d / "probe.s").read_text().splitlines()
            if not ln.lstrip().startswith((".file", ".text", ".globl", ".type", ".size", ".ident", ".section", ".p2align"))]
    return "\n".join(keep)


def asm_excerpt_rust(tmp: Path) -> str:
    d = tmp / "asm"
    d.mkdir(exist_ok=True)
    shutil.copy(tmp / "gen" / "rust" / "upel_rt.rs", d / "upel_rt.rs")
    (d / "probe.rs").write_text(
        "#![crate_type = \"lib\"]\n#[allow(dead_code)]\nmod upel_rt;\n"
        "#[no_mangle]\npub fn probe_add_i64(a: i64, b: i64) -> Result<i64, upel_rt::Error> { upel_rt::add(a, b) }\n")
    run(["rustc", *RUSTFLAGS, "--emit", "asm", "-C", "debuginfo=0", "-o", "probe_rs.s", "probe.rs"], cwd=d)
    text = (d / "probe_rs.s").read_text().splitlines()
    out, on = [], False
    for ln in text:
        if ln.startswith("probe_add_i64:"):
            on = True
        if on:
            if not ln.lstrip().startswith((".cfi", ".p2align", ".size", ".Lfunc_end", "#")):
                out.append(ln)
            if ln.strip() == "retq" or ln.strip() == "ret":
                break
    return "\n".join(out)


def irefs_per_op(cmd: list[str], n: int) -> float:
    """Instructions per operation under cachegrind: (Ir(2n) - Ir(n)) / n, so that
    building the inputs and starting the process cancel out."""
    def ir(count: int) -> int:
        p = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                            *cmd, str(count), str(min(count, 1000))],
                           capture_output=True, text=True, timeout=900, check=False)
        out = p.stderr  # valgrind reports on stderr
        m = re.search(r"I\s+refs:\s+([\d,]+)", out)
        if not m:
            raise BenchError(f"cachegrind printed no I refs for {cmd}")
        return int(m.group(1).replace(",", ""))
    return (ir(2 * n) - ir(n)) / n


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile
    ap = argparse.ArgumentParser(prog="python -m tools.bench.kernels",
                                 description="Run some kernels alone (see the module docstring).")
    ap.add_argument("--kernels", default="", help="comma-separated: " + ", ".join(k.name for k in ALL))
    ap.add_argument("--langs", default="c,rust", help="comma-separated subset of c, rust, python")
    ap.add_argument("--n", type=int, default=2_000_000, help="operations per run (C, Rust)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--irefs", action="store_true", help="also count instructions per operation (cachegrind)")
    args = ap.parse_args(argv)
    langs = [x for x in args.langs.split(",") if x]
    only = [x for x in args.kernels.split(",") if x] or None
    try:
        with tempfile.TemporaryDirectory(prefix="upel-kernels-") as t:
            tmp = Path(t)
            rows = bench(langs, args.n, min(args.n, 20_000), args.runs, 1, tmp, only=only)
            if args.irefs:
                for k in select(only):
                    for lang in (x for x in langs if x != "python"):
                        g, h = {"c": build_c, "rust": build_rust}[lang](tmp / "gen", tmp, k)
                        gi, hi = irefs_per_op(g, 100_000), irefs_per_op(h, 100_000)
                        print(f"  {k.name:9} {lang:6} instructions/op: gen {gi:7.1f}  hand {hi:7.1f}  "
                              f"ratio {gi / hi:5.2f}", file=sys.stderr)
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0 if all(r.match for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
