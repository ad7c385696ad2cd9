"""Compiled front end: which modules mypyc compiles, and whether to use them.

`tools/build_native.py` compiles the front end's hot modules (`MODULES`)
with mypyc into C extensions beside their sources
(`upel/syntax/build.cpython-311-x86_64-linux-gnu.so` next to `build.py`, and
one shared library, `upel/syntax/_native__mypyc.*.so`, holding all of them).
Python's import system prefers such an extension to the `.py` beside it, so
this module decides, once per process and before any of them is imported
(each of the packages `upel.syntax`, `upel.check` and `upel.ir` calls
`activate()` from its `__init__`), whether the extensions may be used:

- `UPEL_PURE_PYTHON=1` in the environment: never (the `.py` sources run);
- no extension built (a fresh clone, Bazel's sandboxes, `UPEL_NO_NATIVE=1`
  at setup): nothing to decide, the `.py` sources run;
- built: the build embeds the SHA-256 of every compiled source in the shared
  library (`upel.syntax._native_stamp`); if any source differs now (a
  developer edited it after the build), or an extension is missing or fails
  to load, the `.py` sources run and one warning on stderr says why and how to
  rebuild. A stale extension is never used.

The pure-Python sources are the reference: the compiled modules are the same
files, and tests/syntax/test_native.py holds the two to identical ASTs,
diagnostics, IR bytes and digests on every `.upel` file of the repository.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

# Compiled together, as one group (calls between them stay native). Order is
# the build's; tools/build_native.py reads this tuple.
MODULES = (
    "upel.syntax.ast",
    "upel.syntax.drive",
    "upel.syntax.reduce",
    "upel.syntax.build",
    "upel.check.checker",
    "upel.check.exprs",
    "upel.check.lower",
    "upel.ir.fastcheck",
    "upel.ir.encoding",
    "upel.ir.write",
)
GROUP = "upel.syntax._native"  # the shared library: upel/syntax/_native__mypyc.<abi>.so
STAMP = "upel.syntax._native_stamp"  # compiled into the group: SOURCES = {module: sha256 of its .py}

# The directory holding the `upel` package, symlinks not followed: in a Bazel sandbox the sources
# are links into the workspace, and the extensions there (not in the sandbox) must not count.
ROOT = Path(os.path.abspath(__file__)).parents[2]

# Set by activate(): "native" or "pure", and why.
STATUS: dict[str, str] = {}


def source_path(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def source_digest(module: str) -> str:
    return hashlib.sha256(source_path(module).read_bytes()).hexdigest()


def extension_path(module: str) -> Path | None:
    """The compiled extension beside the module's source, if there is one."""
    base = ROOT.joinpath(*module.split("."))
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        p = base.with_name(base.name + suffix)
        if p.exists():
            return p
    return None


def stale_modules(recorded: dict[str, str]) -> list[str]:
    """The modules whose source is not the one the extensions were built from."""
    out = []
    for m in MODULES:
        try:
            if recorded.get(m) != source_digest(m):
                out.append(m)
        except OSError:
            out.append(m)
    return out


class _PureFinder(importlib.abc.MetaPathFinder):
    """Imports `MODULES` from their `.py` sources, passing over the extensions beside them."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MODULES:
            return None
        return importlib.util.spec_from_file_location(fullname, source_path(fullname))


def _use_pure(reason: str, warn: bool) -> None:
    STATUS.update(mode="pure", reason=reason)
    if not any(isinstance(f, _PureFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _PureFinder())
    if warn:
        print(f"upel: warning: not using the compiled front end: {reason}; running the pure-Python modules "
              "(rebuild with `.venv/bin/python tools/build_native.py`, or set UPEL_PURE_PYTHON=1)",
              file=sys.stderr)


def activate() -> dict[str, str]:
    """Decide, once per process, between the compiled and the pure-Python modules."""
    if STATUS:
        return STATUS
    if os.environ.get("UPEL_PURE_PYTHON", "") not in ("", "0"):
        _use_pure("UPEL_PURE_PYTHON is set", warn=False)
        return STATUS
    built = [m for m in MODULES if extension_path(m) is not None]
    if not built and extension_path(STAMP) is None:
        STATUS.update(mode="pure", reason="not built (tools/build_native.py)")
        return STATUS
    if len(built) != len(MODULES) or extension_path(STAMP) is None:
        missing = sorted(set(MODULES) - set(built)) or [STAMP]
        _use_pure(f"incomplete build, missing {', '.join(missing)}", warn=True)
        return STATUS
    try:
        stamp = importlib.import_module(STAMP)  # loads the shared library
        recorded = dict(stamp.SOURCES)
    except Exception as e:  # noqa: BLE001 - any failure to load means: do not use it
        _use_pure(f"cannot load the extensions ({type(e).__name__}: {e})", warn=True)
        return STATUS
    stale = stale_modules(recorded)
    if stale:
        files = ", ".join(str(source_path(m).relative_to(ROOT)) for m in stale)
        _use_pure(f"sources changed since the build: {files}", warn=True)
        return STATUS
    STATUS.update(mode="native", reason=f"{len(MODULES)} modules compiled by mypyc {getattr(stamp, 'MYPY', '?')}")
    return STATUS


def in_use() -> bool:
    """True when the compiled modules are the ones running (after `activate()`)."""
    return activate()["mode"] == "native"


def describe() -> str:
    """One line for `upel --version`."""
    s = activate()
    return f"front end: {'compiled' if s['mode'] == 'native' else 'pure Python'} ({s['reason']})"
