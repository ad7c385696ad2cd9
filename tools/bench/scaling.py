"""Scaling of the front end (parse + check + IR) and of C generation with
the number of operators: synthetic specs from tools/synth.py at 100 /
1,000 / 10,000 operators, each measured in a fresh process (this module
run as a script: `python -m tools.bench.scaling SPEC`, after a warm-up on
a 10-operator spec), which prints its phase times and peak RSS; medians over runs; growth factor per 10x.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tools.bench.common import PYTHON, REPO, median, run


@dataclass
class Point:
    n: int
    runs: int
    front_s: float
    front_cpu_s: float
    gen_s: float
    front_mib: float
    peak_mib: float


def bench(sizes: list[int], runs: int, log=lambda s: print(s, file=sys.stderr)) -> list[Point]:
    sys.path.insert(0, str(REPO))
    from tools.synth import synth_spec

    points = []
    with tempfile.TemporaryDirectory(prefix="upel-bench-scaling-") as t:
        for n in sizes:
            path = Path(t) / "bench" / f"synth{n}" / "synth.upel"
            path.parent.mkdir(parents=True)
            path.write_text(synth_spec(n), encoding="utf-8")
            # Small specs take milliseconds, where one descheduling shows: more runs there.
            r = (runs + 4 if runs > 1 else runs) if n <= 1000 else max(1, min(runs, 2))
            res = [json.loads(run([PYTHON, "-m", "tools.bench.scaling", str(path)], cwd=REPO, timeout=900))
                   for _ in range(r)]
            p = Point(n, r, median([x["front_s"] for x in res]), median([x["front_cpu_s"] for x in res]),
                      median([x["gen_s"] for x in res]),
                      median([x["front_mib"] for x in res]), median([x["peak_mib"] for x in res]))
            log(f"  {n:6} ops: front end {p.front_s:.3f} s ({p.front_mib:.0f} MiB), generate c {p.gen_s:.3f} s,"
                f" peak {p.peak_mib:.0f} MiB ({r} run(s))")
            points.append(p)
    return points


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(path: str) -> None:
    sys.path.insert(0, str(REPO))
    from upel.check.lower import check_program
    from upel.codegen.driver import generate
    from upel.diagnostics import DiagnosticSink
    from upel.gcpolicy import front_end, tune_gc
    from upel.loader import load

    tune_gc()  # as the upel command does
    # warm up: lazy imports and code paths, so that the growth factor measures the work;
    # with names of its own, so that no per-name cache (keywords, symbols) starts warm for
    # the measured spec (the first ten operators of every size would share them)
    from tools.synth import synth_spec
    warm = Path(path).parent.parent / "warm" / "warm.upel"
    warm.parent.mkdir(parents=True, exist_ok=True)
    warm.write_text(synth_spec(10, "bench.warm", "warm_"), encoding="utf-8")
    wsink = DiagnosticSink()
    with front_end():
        wdocs = check_program(load([str(warm)], [], wsink), wsink)
    if wdocs is not None:
        generate(wdocs["bench.warm"], "c")
    base = _rss_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    sink = DiagnosticSink()
    with front_end():  # as the upel command reads specs (upel.gcpolicy)
        docs = check_program(load([path], [], sink), sink)
    if docs is None:
        raise SystemExit(f"synthetic spec did not check: {[d.message for d in sink.items][:3]}")
    t1, c1 = time.perf_counter(), time.process_time()
    front_mib = _rss_mib()
    generate(docs["bench.synth"], "c")
    t2 = time.perf_counter()
    print(json.dumps({"front_s": t1 - t0, "front_cpu_s": c1 - c0, "gen_s": t2 - t1, "front_mib": front_mib, "peak_mib": _rss_mib(),
                      "base_mib": base}))


if __name__ == "__main__":
    _worker(sys.argv[1])
