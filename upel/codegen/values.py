"""Codegen stage: values as flat lists of scalars, and the harness wire format.

Every IR type flattens to a fixed sequence of scalar *leaves* (bool: 1 bit;
integers, newtypes and enums: their storage type), records field by field in
declaration order, arrays element by element. On the wire each leaf is the
lowercase hex of its two's complement bits at the leaf's width, with no
prefix: i8 -1 is `ff`, u64 max is `ffffffffffffffff`, true is `1`. Every
backend's harness reads and writes exactly this (docs/backends.md), which keeps
the harnesses trivial in C and Verilog alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from upel.ir.model import IRIndex


@dataclass(frozen=True, slots=True)
class Leaf:
    signed: bool
    width: int
    is_bool: bool = False


def leaves(ix: IRIndex, t: dict) -> list[Leaf]:
    k = t["k"]
    if k == "bool":
        return [Leaf(False, 1, True)]
    if k == "int":
        return [Leaf(t["signed"], t["width"])]
    if k == "array":
        return leaves(ix, t["elem"]) * t["len"]
    d = ix.decl(t)
    if d["kind"] in ("newtype", "enum"):
        u = d["underlying"]
        return [Leaf(u["signed"], u["width"])]
    out: list[Leaf] = []
    for f in d["fields"]:
        out.extend(leaves(ix, f["type"]))
    return out


def flatten(ix: IRIndex, t: dict, v: Any) -> list[int]:
    k = t["k"]
    if k in ("bool", "int"):
        return [int(v)]
    if k == "array":
        out: list[int] = []
        for x in v:
            out.extend(flatten(ix, t["elem"], x))
        return out
    d = ix.decl(t)
    if d["kind"] in ("newtype", "enum"):
        return [int(v)]
    out = []
    for f in d["fields"]:
        out.extend(flatten(ix, f["type"], v[f["name"]]))
    return out


def unflatten(ix: IRIndex, t: dict, ints: list[int], pos: int = 0) -> tuple[Any, int]:
    """Inverse of flatten; returns (canonical value, next position)."""
    k = t["k"]
    if k == "bool":
        return bool(ints[pos]), pos + 1
    if k == "int":
        return ints[pos], pos + 1
    if k == "array":
        out = []
        for _ in range(t["len"]):
            v, pos = unflatten(ix, t["elem"], ints, pos)
            out.append(v)
        return out, pos
    d = ix.decl(t)
    if d["kind"] in ("newtype", "enum"):
        return ints[pos], pos + 1
    rec = {}
    for f in d["fields"]:
        rec[f["name"]], pos = unflatten(ix, f["type"], ints, pos)
    return rec, pos


def to_hex(v: int, leaf: Leaf) -> str:
    return format(v & ((1 << leaf.width) - 1), "x")


def from_hex(text: str, leaf: Leaf) -> int:
    bits = int(text, 16)
    if bits >> leaf.width:
        raise ValueError(f"{text} does not fit {leaf.width} bits")
    if leaf.signed and bits >> (leaf.width - 1):
        bits -= 1 << leaf.width
    return bits
