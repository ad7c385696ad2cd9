"""Trust layer: `upel rebuild-check A B`, byte-for-byte comparison of two bundles.

Reproducibility is the check an assessor can run without trusting us: build
the same release twice (another machine, another directory, another day) and
compare. Ed25519 signatures are deterministic, so with the same key even the
envelopes must be identical. Every difference is reported, not just the
first: a missing file, an extra file, a file of another kind, or different
contents with the first differing byte offset and both sizes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from upel.diagnostics import UserError

CHUNK = 1 << 16


@dataclass
class Difference:
    path: str
    kind: str      # "missing" (only in A) | "extra" (only in B) | "type" | "content"
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.detail}"


def _entries(root: Path) -> dict[str, str]:
    """Relative path -> "file" | "dir" | "symlink" | "other", not following links."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for name in dirnames + filenames:
            p = base / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = "symlink"
            elif p.is_dir():
                out[rel] = "dir"
            elif p.is_file():
                out[rel] = "file"
            else:
                out[rel] = "other"
    return out


def first_difference(a: Path, b: Path) -> int | None:
    """Offset of the first differing byte (or the shorter length); None if equal."""
    offset = 0
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            ca, cb = fa.read(CHUNK), fb.read(CHUNK)
            if ca != cb:
                n = min(len(ca), len(cb))
                i = next((k for k in range(n) if ca[k] != cb[k]), n)
                return offset + i
            if not ca:
                return None
            offset += len(ca)


def compare(a: Path, b: Path) -> list[Difference]:
    for d in (a, b):
        if not Path(d).is_dir():
            raise UserError(f"{d}: not a directory")
    ea, eb = _entries(Path(a)), _entries(Path(b))
    diffs: list[Difference] = []
    for rel in sorted(set(ea) | set(eb)):
        ka, kb = ea.get(rel), eb.get(rel)
        if kb is None:
            diffs.append(Difference(rel, "missing", f"only in {a} ({ka})"))
        elif ka is None:
            diffs.append(Difference(rel, "extra", f"only in {b} ({kb})"))
        elif ka != kb:
            diffs.append(Difference(rel, "type", f"a {ka} in {a}, a {kb} in {b}"))
        elif ka == "symlink":
            ta, tb = os.readlink(Path(a) / rel), os.readlink(Path(b) / rel)
            if ta != tb:
                diffs.append(Difference(rel, "content", f"links to {ta!r} in {a}, {tb!r} in {b}"))
        elif ka == "file":
            off = first_difference(Path(a) / rel, Path(b) / rel)
            if off is not None:
                sa, sb = (Path(a) / rel).stat().st_size, (Path(b) / rel).stat().st_size
                diffs.append(Difference(rel, "content",
                                        f"first difference at byte offset {off} (sizes {sa} and {sb})"))
    return diffs
