"""Command line of the benchmark harness.

    python -m tools.bench [--quick] [--only kernels,protoc,scaling] [--out docs/performance.md]

Prints the results (Markdown tables with the targets and PASS/MISS) and
writes them into the --out file between the bench markers (default
docs/performance.md for a full run; --quick writes only with --out).
Exit status 1 when a generated / hand-written checksum pair disagrees (or a
benchmark fails to build or run): the numbers of a wrong kernel mean nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tools.bench import common, kernels, protoc, report, scaling

PARTS = ("kernels", "protoc", "scaling")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, one minute, same code paths (CI)")
    ap.add_argument("--only", default="", help="comma-separated subset of: " + ", ".join(PARTS))
    ap.add_argument("--out", type=Path, default=None, help="Markdown file to update (default docs/performance.md)")
    ap.add_argument("--runs", type=int, default=None, help="runs per measurement (default 5, quick 3)")
    args = ap.parse_args(argv)
    only = [p for p in args.only.split(",") if p] or list(PARTS)
    bad = [p for p in only if p not in PARTS]
    if bad:
        ap.error(f"unknown part(s) {bad}; choose from {', '.join(PARTS)}")
    out = args.out if args.out else (None if args.quick else common.REPO / "docs" / "performance.md")
    runs = args.runs or (3 if args.quick else 5)

    def log(s: str) -> None:
        print(s, file=sys.stderr, flush=True)

    mach, tools = common.machine(), common.tool_versions()
    mach["load_before"] = mach["load"]
    mach["speed_before"] = f"{common.speed():.2f}"
    log(f"machine: {mach['cpu']}, {mach['cores']} cores, load {mach['load']}; tools: {tools}")
    parts: dict = {"_load": {}}

    def mark(name: str, before: str) -> None:
        parts["_load"][name] = (before, common.loadavg(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))

    asm = None
    failed: list[str] = []
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="upel-bench-") as t:
        tmp = Path(t)
        if "kernels" in only:
            before = common.loadavg()
            n, n_py = (100_000, 10_000) if args.quick else (10_000_000, 200_000)
            # A run of 10^7 operations takes a tenth of a second on this shared VM, where
            # one descheduling moves a median of 5 by 10-15%: twice the runs, plus one.
            k_runs = runs if args.quick else 2 * runs + 1
            log(f"kernels: {n:,} ops (C, Rust), {n_py:,} (Python), {k_runs} runs")
            try:
                rows = kernels.bench(["c", "rust", "python"], n, n_py, k_runs, 1 if args.quick else 3, tmp, log)
                parts["kernels"] = (n_py, rows)
                failed += [f"checksum mismatch: {r.kernel} {r.lang}" for r in rows if not r.match]
                mark("kernels", before)
                asm = (kernels.asm_excerpt(tmp), kernels.asm_excerpt_rust(tmp))
            except common.BenchError as e:
                failed.append(f"kernels: {e}")
        if "protoc" in only:
            before = common.loadavg()
            n = 200 if args.quick else 2000
            log(f"protoc: {n:,} records")
            try:
                parts["protoc"] = protoc.bench(n, 1 if args.quick else 3)
                mark("protoc", before)
            except common.BenchError as e:
                failed.append(f"protoc: {e}")
        if "scaling" in only:
            before = common.loadavg()
            sizes = [100, 1000] if args.quick else [100, 1000, 10_000]
            log(f"scaling: {sizes}")
            try:
                parts["scaling"] = scaling.bench(sizes, 1 if args.quick else 3, log)
                mark("scaling", before)
            except common.BenchError as e:
                failed.append(f"scaling: {e}")
    mach["load_after"] = common.loadavg()
    mach["speed_after"] = f"{common.speed():.2f}"
    text = report.section(args, mach, tools, parts, asm)
    print(text)
    log(f"total {time.perf_counter() - t_start:.1f} s")
    if out:
        report.write(out, text)
        log(f"wrote {out}")
    for f in failed:
        log(f"FAILED: {f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
