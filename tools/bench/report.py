"""Targets, the results table (Markdown, printed and written) and the
docs/performance.md section between `<!-- bench:begin -->` and
`<!-- bench:end -->` (the rest of the file is left as it is)."""

from __future__ import annotations

import itertools
from pathlib import Path

from tools.bench.common import fmt
from tools.bench.kernels import ALL, Row

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
KERNEL_RATIO = 1.10
PROTOC_RATIO = 1.0
CHECK_S, CHECK_MIB, GROWTH = 2.0, 500.0, 11.0
PLURAL = {"entry": "entries"}
LANG = {"c": "C", "rust": "Rust", "python": "Python"}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def kernel_table(rows: list[Row]) -> list[str]:
    units = {k.name: (k.title, k.unit) for k in ALL}
    out = ["| kernel | lang | ops | generated (ns/op) | hand-written (ns/op) | generated / hand | checksums | target | result |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        title, unit = units[r.kernel]
        same = f"equal ({r.checksum})" if r.match else f"**MISMATCH** ({r.checksum})"
        if r.lang == "python":
            target, res = "reference only", "-"
        else:
            target, res = f"<= {KERNEL_RATIO:.2f}x", verdict(r.match and r.ratio <= KERNEL_RATIO)
        out.append(f"| {title} | {LANG[r.lang]} | {r.n:,} {PLURAL.get(unit, unit + 's')}, median of {r.runs} | {fmt(r.gen)} | {fmt(r.hand)} "
                   f"| {r.ratio:.2f}x | {same} | {target} | {res} |")
    return out


def protoc_table(p) -> list[str]:
    per_u, per_p = p.upel_s / p.n * 1000, p.protoc_s / p.n * 1000
    return ["| generator | input | wall (s) | per record (ms) | peak RSS (MiB) | UPEL / protoc | target | result |",
            "|---|---|---|---|---|---|---|---|",
            (f"| `upel gen --backend c,python` | {p.n:,} records x 10 fields + {p.n:,} operators | {p.upel_s:.3f} "
             f"| {per_u:.3f} | {p.upel_mib:.0f} | {p.ratio:.2f}x | <= {PROTOC_RATIO:.1f}x per record "
             f"| {verdict(p.ratio <= PROTOC_RATIO)} |"),
            (f"| `protoc --cpp_out --python_out` | {p.n:,} messages x 10 fields | {p.protoc_s:.3f} | {per_p:.3f} "
             f"| {p.protoc_mib:.0f} | 1.00x | | |"),
            f"\nMedians of {p.runs} run(s), each a fresh process under `/usr/bin/time -v`."]


def scaling_table(points) -> list[str]:
    out = ["| operators | runs | front end: parse+check+IR (s) | front end CPU (s) | generate C (s) | peak RSS after front end (MiB) | peak RSS (MiB) | growth front end | growth generate |",
           "|---|---|---|---|---|---|---|---|---|"]
    prev = None
    for p in points:
        gf = f"{p.front_s / prev.front_s:.1f}x" if prev else "-"
        gg = f"{p.gen_s / prev.gen_s:.1f}x" if prev else "-"
        out.append(f"| {p.n:,} | {p.runs} | {p.front_s:.3f} | {p.front_cpu_s:.3f} | {p.gen_s:.3f} | {p.front_mib:.0f} | {p.peak_mib:.0f} | {gf} | {gg} |")
        prev = p
    out += ["", "| target | measured | result |", "|---|---|---|"]
    big = [p for p in points if p.n == 10_000]
    if big:
        b = big[0]
        out.append(f"| 10,000 operators checked in < {CHECK_S:.0f} s | {b.front_s:.2f} s | {verdict(b.front_s < CHECK_S)} |")
        out.append(f"| 10,000 operators checked in < {CHECK_MIB:.0f} MiB | {b.front_mib:.0f} MiB | {verdict(b.front_mib < CHECK_MIB)} |")
    else:
        out.append("| 10,000 operators in < 2 s and < 500 MiB | not run (--quick) | - |")
    for a, b in itertools.pairwise(points):
        for name, x, y in (("front end", a.front_s, b.front_s), ("generate C", a.gen_s, b.gen_s)):
            g = y / x * (10 * a.n / b.n)  # normalised to a 10x step
            out.append(f"| growth per 10x, {name}, {a.n:,} -> {b.n:,} <= {GROWTH:.0f}x | {g:.1f}x | {verdict(g <= GROWTH)} |")
    return out


def section(args, mach: dict, tools: dict, parts: dict, asm: tuple[str, str] | None) -> str:
    cmd = "python -m tools.bench" + (" --quick" if args.quick else "") + (f" --only {args.only}" if args.only else "")
    lines = [BEGIN, f"## Benchmarks (`{cmd}`)", "",
             (f"Machine: {mach['cpu']}, {mach['cores']} cores (shared with CI and provers), {mach['os']}; "
              f"load average {mach['load_before']} before, {mach['load_after']} after (1, 5, 15 min); "
              f"speed gauge (a pure-Python loop of 10^7 additions, `tools/bench/common.py` SPEED_LOOP) "
              f"{mach['speed_before']} s before, {mach['speed_after']} s after. "
              "Tools: " + ", ".join(f"{k} {v}" for k, v in tools.items()) + ". "
              "Times are medians of several runs; the machine is shared, so expect some noise."), ""]
    if "kernels" in parts:
        lines += [_open("kernels"), "### Generated code against hand-written code", "",
                  ("Each spec is generated with `upel gen --backend c,rust,python`; the drivers in "
                  "`tools/bench/kernels/{c,rust,python}/bench_*` call either the generated functions or the "
                  "hand-written kernels next to them (same function, error codes included), built with the same flags: "
                  "`gcc -std=c11 -O2` (driver, kernel and generated code in separate translation units), "
                  "`rustc --edition 2021 -C opt-level=2 -C codegen-units=1`. Inputs: a pool of 16,384 from a fixed-seed "
                  "splitmix64, identical in every language, built before the clock starts; the clock (clock_gettime / "
                  "Instant / perf_counter_ns) covers the loop only. The checksum folds every result and every error code; "
                  "generated and hand-written must give the same checksum, and every language the same checksum over "
                  f"the first operations, or the run fails. Python runs {parts['kernels'][0]:,} operations (too slow for 10 million): "
                  "a reference, not a target."), ""]
        lines += kernel_table(parts["kernels"][1]) + [_load(parts, "kernels"), _close("kernels"), ""]
    if "protoc" in parts:
        lines += [_open("protoc"), "### Generator throughput against protoc", ""]
        lines += protoc_table(parts["protoc"]) + [_load(parts, "protoc"), _close("protoc"), ""]
    if "scaling" in parts:
        lines += [_open("scaling"), "### Scaling with the number of operators", "",
                  ("Synthetic specs from `tools/synth.py`; each point is a fresh process (after a warm-up on a "
                   "10-operator spec, so imports are not counted), reading and checking as the `upel` command does "
                   "(upel/gcpolicy.py); times are wall clock, medians, with the process's CPU time beside them "
                   "(wall above CPU means the machine was busy); the targets use wall time; peak RSS from getrusage."), ""]
        lines += scaling_table(parts["scaling"]) + [_load(parts, "scaling"), _close("scaling"), ""]
    if asm:
        lines += [_open("asm"), "### How checked arithmetic compiles", "",
                  ("`gcc -std=c11 -O2 -S` of three one-line wrappers over the C runtime (`upel_rt.h`): "
                   "`upel_add_i64(a, b, INT64_MIN, INT64_MAX, out)`, `upel_mul_u32(a, b, 0, UINT32_MAX, out)` and "
                   "`upel_popcount(w, 32)`:"), "", "```asm", asm[0], "```", "",
                  "Rust (`rustc -C opt-level=2 --emit asm`), `upel_rt::add::<i64>(a, b)` (`checked_add` + `ok_or`):",
                  "", "```asm", asm[1], "```", _close("asm"), ""]
    lines.append(END)
    return "\n".join(lines)


def _load(parts: dict, part: str) -> str:
    before, after, when = parts.get("_load", {}).get(part, ("?", "?", "?"))
    return f"\nMeasured {when}; load average {before} before, {after} after this part."


def _open(part: str) -> str:
    return f"<!-- bench-part:{part} -->"


def _close(part: str) -> str:
    return f"<!-- /bench-part:{part} -->"


def _blocks(text: str) -> dict[str, str]:
    out = {}
    for part in ("kernels", "protoc", "scaling", "asm"):
        a, b = _open(part), _close(part)
        if a in text and b in text:
            out[part] = text[text.index(a): text.index(b) + len(b)]
    return out


def write(path: Path, text: str) -> None:
    """Replaces the bench section of `path`; parts this run did not measure
    (--only) keep their previous block."""
    old = path.read_text() if path.exists() else (
        "# Performance\n\nEvery number here is reproducible by the command named in its section.\n")
    if BEGIN in old and END in old:
        kept = _blocks(old[old.index(BEGIN): old.index(END)])
        new_parts = _blocks(text)
        missing = [kept[p] for p in ("kernels", "protoc", "scaling", "asm") if p in kept and p not in new_parts]
        if missing:
            text = text.replace(END, "\n\n".join(missing) + "\n" + END)
        new = old[: old.index(BEGIN)] + text + old[old.index(END) + len(END):]
    else:
        new = old.rstrip() + "\n\n" + text + "\n"
    path.write_text(new)
