"""Synthetic UPEL specs of a given size, for benchmarks and scaling tests.

`synth_spec(n)` returns the text of one package with `n` operators that
use the language broadly (records, enums, arrays, ranged newtypes, checked /
wrapping arithmetic, matches, folds, calls to earlier operators), plus a
record and an enum every ten operators. Deterministic: same n, same text.
"""

from __future__ import annotations

import argparse
import sys


def synth_spec(n: int, package: str = "bench.synth", prefix: str = "") -> str:
    """`prefix` goes before every operator, record and enum name (a warm-up spec
    whose names the measured one does not share)."""
    p = prefix
    out = [f'package {package} version "1.0.0";', "",
           "type Level = u16 in 0..=1000;", "error SynthError { too_big = 16 }", ""]
    for i in range(n):
        if i % 10 == 0:
            g = i // 10
            out += [f"enum {p}Mode{g}: u2 {{ idle = 0, armed = 1, fired = 2 }}",
                    f"record {p}Rec{g} {{ a: u32, b: i16, on: bool, mode: {p}Mode{g}, xs: [u8; 4] }}", ""]
        g = i // 10
        kind = i % 5
        out.append(f"/// Synthetic operator {i}.")
        out.append(f'@req("SYN-{i:05d}")')
        if kind == 0:
            call = f" +% {p}op{i - 1}(x, y)" if i % 10 != 0 and (i - 1) % 5 in (0, 4) else ""
            out += [f"fn {p}op{i}(x: u32, y: u32) -> u32 raises overflow",
                    "  requires x < 1_000_000", "  ensures result >= 0",
                    f"{{ let t = x +% y *% {i % 7 + 2}; if t > 100 {{ t - 100 }} else {{ t + 1 }}{call} }}"]
        elif kind == 1:
            out += [f"fn {p}op{i}(r: {p}Rec{g}) -> {p}Rec{g}",
                    f"{{ r with {{ on: not r.on, mode: match r.mode {{ {p}Mode{g}.idle => {p}Mode{g}.armed, _ => {p}Mode{g}.idle }} }} }}"]
        elif kind == 2:
            out += [f"fn {p}op{i}(r: {p}Rec{g}) -> u32",
                    "{ fold k in 0..4 with acc: u32 = r.a >> 8 { acc +% (r.xs[k] as u32) } }"]
        elif kind == 3:
            out += [f"fn {p}op{i}(a: Level, b: Level) -> Level raises SynthError",
                    "  requires a <= 500", "{ if b > 900 { raise SynthError.too_big } else { a +| b } }"]
        else:
            out += [f"fn {p}op{i}(x: u32, y: u32) -> u32",
                    f"{{ let m = max(x, y) >> 3; (m ^ 0x{i:04x}) | popcount(x) as u32 }}"]
        if kind in (0, 4):
            out.append(f"vectors {p}op{i} {{ (1, 2) -> {_expect(i, kind)}; }}")
        out.append("")
    return "\n".join(out)


def _expect(i: int, kind: int) -> int:
    if kind == 4:
        m = max(1, 2) >> 3
        return (m ^ i) | bin(1).count("1")
    t = (1 + 2 * (i % 7 + 2)) & 0xFFFF_FFFF
    v = t - 100 if t > 100 else t + 1
    if i % 10 != 0 and (i - 1) % 5 in (0, 4):
        v = (v + _expect(i - 1, (i - 1) % 5)) & 0xFFFF_FFFF
    return v


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int, help="number of operators")
    ap.add_argument("-o", "--out", help="write to this file (default: stdout)")
    args = ap.parse_args()
    text = synth_spec(args.n)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
