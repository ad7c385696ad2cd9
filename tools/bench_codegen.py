"""Benchmark: code generation time for every backend on synthetic specs.

    .venv/bin/python -m tools.bench_codegen [--sizes 100,1000,10000] [--runs 3] [--quick]
    .venv/bin/python -m tools.bench_codegen --front [--sizes ...] [--runs 3]

Prints a table (front end: parse + check + IR; then each backend's
`generate`) with medians over runs, and the growth factor between sizes
(10x more operators should cost close to 10x more time). Writes the
results into docs/performance.md between the bench_codegen markers.

`--front` times the front end's phases instead (parse, check + lower, IR
schema gate, encoding as `upel ir` writes it), as CPU seconds (medians), with
each size in a fresh process so that its peak RSS is its own; it prints the
table, then whether the compiled front end ran (tools/build_native.py;
`UPEL_PURE_PYTHON=1` times the pure-Python modules), and writes nothing.
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
from upel.codegen import registry  # noqa: E402
from upel.codegen.driver import generate  # noqa: E402
from upel.diagnostics import DiagnosticSink  # noqa: E402
from upel.gcpolicy import front_end, release, tune_gc  # noqa: E402
from upel.loader import load  # noqa: E402

START, END = "<!-- bench_codegen:start -->", "<!-- bench_codegen:end -->"


def write_synth(tmp: Path, n: int) -> Path:
    """The synthetic spec of `n` operators, as `bench/synth<n>/synth.upel` under `tmp`."""
    path = tmp / "bench" / f"synth{n}" / "synth.upel"
    path.parent.mkdir(parents=True)
    path.write_text(synth_spec(n), encoding="utf-8")
    return path


def front(path: Path) -> dict:
    sink = DiagnosticSink()
    release()  # the previous run's trees, as when each run is a command
    with front_end():  # as the upel command reads specs
        docs = check_program(load([str(path)], [], sink), sink)
    if docs is None:
        raise SystemExit(f"synthetic spec did not check: {[d.message for d in sink.items][:3]}")
    return docs["bench.synth"]


def front_phases(path: Path, runs: int) -> dict:
    """CPU seconds per front-end phase (medians of `runs`) and the peak RSS, for one spec file."""
    import resource

    from upel.ir.encoding import canonical_cbor, ir_digest
    from upel.ir.schema import validate_ir_docs
    from upel.ir.write import render_json
    from upel.syntax.parser import parse_source

    parse_source('package warm.up version "1.0.0";', "w.upel", DiagnosticSink())  # builds the parser once
    phases: dict[str, list[float]] = {k: [] for k in ("parse", "check+lower", "schema gate", "encode")}
    for _ in range(runs):
        clock = time.process_time
        t0 = clock()
        sink = DiagnosticSink()
        with front_end():  # as the upel command reads specs
            program = load([str(path)], [], sink)
            t1 = clock()
            docs = check_program(program, sink)
        t2 = clock()
        validate_ir_docs(docs[r] for r in sorted(docs))
        t3 = clock()
        for r in sorted(docs):
            ir_digest(docs[r], remember=False), canonical_cbor(docs[r]), render_json(docs[r])  # as write_ir does
        t4 = clock()
        for k, v in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            phases[k].append(v)
        del program, docs
        release()
    out = {k: statistics.median(v) for k, v in phases.items()}
    out["peak RSS (MiB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def front_table(sizes: list[int], runs: int) -> str:
    import json
    import subprocess

    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = write_synth(Path(tmp), n)
            r = max(1, runs if n <= 1000 else 1)
            res = subprocess.run([sys.executable, "-m", "tools.bench_codegen", "--front-one", str(path), str(r)],
                                 cwd=REPO, check=True, capture_output=True, text=True)
            for k, v in json.loads(res.stdout).items():
                rows.setdefault(k, []).append(v)
            print(f"n={n}: done", file=sys.stderr)
    rows["parse+check+gate"] = [a + b + c for a, b, c in zip(rows["parse"], rows["check+lower"], rows["schema gate"])]
    header = "| phase (CPU s) | " + " | ".join(f"{n} ops" for n in sizes) + " | " + " | ".join(
        f"growth {a}->{b}" for a, b in zip(sizes, sizes[1:])) + " |"
    lines = [header, "|" + "---|" * (2 * len(sizes))]
    for name in ("parse", "check+lower", "schema gate", "parse+check+gate", "encode", "peak RSS (MiB)"):
        ts = rows[name]
        growth = [f"{b / a:.1f}x" if a > 0 else "-" for a, b in zip(ts, ts[1:])]
        fmt = "{:.0f}" if "MiB" in name else "{:.3f}"
        lines.append(f"| {name} | " + " | ".join(fmt.format(t) for t in ts) + " | " + " | ".join(growth) + " |")
    return "\n".join(lines)


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
    ap.add_argument("--front", action="store_true", help="time the front end's phases instead (prints only)")
    ap.add_argument("--front-one", nargs=2, metavar=("FILE", "RUNS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    tune_gc()  # as the upel command does
    if args.front_one:
        import json

        print(json.dumps(front_phases(Path(args.front_one[0]), int(args.front_one[1]))))
        return
    if args.front:
        from upel.syntax.native import describe

        print(front_table([int(s) for s in args.sizes.split(",")], args.runs))
        print(describe())  # compiled or pure Python (UPEL_PURE_PYTHON=1 for the latter)
        return
    sizes = [100, 1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    runs = 1 if args.quick else args.runs
    backends = available_backends()
    rows: dict[str, list[float]] = {"front end (parse+check+IR)": []}
    for b in backends:
        rows[f"generate {b}"] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = write_synth(Path(tmp), n)
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
