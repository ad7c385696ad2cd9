"""Benchmark: code generation time for every backend on synthetic specs.

    .venv/bin/python -m tools.bench_codegen [--sizes 100,1000,10000] [--runs 3] [--quick]

Prints a table (front end: parse + check + IR; then each backend's
`generate`) with medians over runs, and the growth factor between sizes
(10x more operators should cost close to 10x more time). Writes the
results into docs/performance.md between the bench_codegen markers.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tools.synth import synth_spec  # noqa: E402
from upel.check.lower import check_program  # noqa: E402
from upel.cli.main import tune_gc  # noqa: E402
from upel.codegen import registry  # noqa: E402
from upel.codegen.driver import generate  # noqa: E402
from upel.diagnostics import DiagnosticSink  # noqa: E402
from upel.loader import load  # noqa: E402

START, END = "<!-- bench_codegen:start -->", "<!-- bench_codegen:end -->"


def front(path: Path) -> dict:
    sink = DiagnosticSink()
    program = load([str(path)], [], sink)
    docs = check_program(program, sink)
    if docs is None:
        raise SystemExit(f"synthetic spec did not check: {[d.message for d in sink.items][:3]}")
    return docs["bench.synth"]


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def available_backends() -> list[str]:
    out = []
    for name in registry.names():
        try:
            registry.get(name)
        except ImportError:
            continue
        out.append(name)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="sizes 100,1000 and one run (for CI)")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = ap.parse_args()
    tune_gc()  # as the upel command does
    sizes = [100, 1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    runs = 1 if args.quick else args.runs
    backends = available_backends()
    rows: dict[str, list[float]] = {"front end (parse+check+IR)": []}
    for b in backends:
        rows[f"generate {b}"] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / "bench" / f"synth{n}" / "synth.upel"
            path.parent.mkdir(parents=True)
            path.write_text(synth_spec(n), encoding="utf-8")
            r = max(1, runs if n <= 1000 else 1)
            t, doc = timed(lambda p=path: front(p), r)
            rows["front end (parse+check+IR)"].append(t)
            for b in backends:
                t, _ = timed(lambda d=doc, b=b: generate(d, b), r)
                rows[f"generate {b}"].append(t)
            print(f"n={n}: done", file=sys.stderr)
    header = "| step | " + " | ".join(f"{n} ops (s)" for n in sizes) + " | " + " | ".join(
        f"growth {a}->{b}" for a, b in zip(sizes, sizes[1:])) + " |"
    lines = [header, "|" + "---|" * (1 + 2 * len(sizes) - 1)]
    for name, ts in rows.items():
        growth = [f"{b / a:.1f}x" if a > 0 else "-" for a, b in zip(ts, ts[1:])]
        lines.append(f"| {name} | " + " | ".join(f"{t:.3f}" for t in ts) + " | " + " | ".join(growth) + " |")
    table = "\n".join(lines)
    print(table)
    if args.no_write or args.quick:
        return
    section = "\n".join([
        START,
        "## Code generation (`python -m tools.bench_codegen`)",
        "",
        f"Synthetic specs from `tools/synth.py`; medians of {runs} run(s) (one run at 10,000 operators);",
        f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()},"
        f" {platform.system()}, {__import__('os').cpu_count()} cores. Generation is `generate(ir)`"
        " for one backend, without writing files.",
        "",
        table,
        "",
        END,
    ])
    perf = REPO / "docs" / "performance.md"
    text = perf.read_text() if perf.exists() else "# Performance\n\nEvery number here is reproducible by the command named in its section.\n\n"
    if START in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    perf.write_text(text)
    print(f"wrote {perf}", file=sys.stderr)


if __name__ == "__main__":
    main()
