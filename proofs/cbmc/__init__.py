"""Verification stage: CBMC, bounded model checking of the generated C.

`upel verify --tools cbmc` proves the spec's obligations on the code the C
backend generates (not on a model of it): one harness per operator and per
property (`harness.py`), run through CBMC with its undefined-behaviour checks
on and enough loop unwinding to be complete (`run.py`), the JSON answer
mapped back to obligations, counterexamples read from CBMC's traces and
replayed on the reference interpreter (`results.py`, `run.py`).

Obligations decided: `F:raises`, `F:ensures[i]`, `P:property`, and `F:rte` /
`P:rte` (no undefined behaviour in the C code run for any valid input).

CBMC comes from tools/install_cbmc.sh (Debian 13's 6.6.0 in a private
prefix). It is found through $UPEL_CBMC, else /opt/upel/cbmc-6.6.0/bin/cbmc,
else `cbmc` on PATH. Harnesses that CBMC's own SAT solver does not decide in
time are run again through its SMT back end with Debian's `z3` from PATH
(run.py); without z3 they stay `timeout`. A harness that neither back end
finishes is run again one obligation at a time (run.py `_alone`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from upel.codegen.registry import ToolMissing

NAME = "cbmc"
DEFAULT_PATH = Path("/opt/upel/cbmc-6.6.0/bin/cbmc")
HOW = "run tools/install_cbmc.sh (or set UPEL_CBMC to a cbmc 6 binary)"


def find_cbmc() -> str | None:
    env = os.environ.get("UPEL_CBMC")
    if env:
        return env if Path(env).is_file() else None
    if DEFAULT_PATH.is_file():
        return str(DEFAULT_PATH)
    return shutil.which("cbmc")


def _version(path: str) -> str:
    try:
        out = subprocess.run([path, "--version"], check=False, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ToolMissing("cbmc", f"{path} does not run ({e}); {HOW}") from None
    words = out.stdout.split()
    if out.returncode != 0 or not words:
        raise ToolMissing("cbmc", f"{path} --version failed: {(out.stderr or out.stdout).strip()[:200]}; {HOW}")
    return words[0]  # "6.6.0 (cbmc-6.6.0)" -> "6.6.0"


def tools() -> dict[str, str]:
    from .run import z3_solver

    path = find_cbmc()
    if path is None:
        raise ToolMissing("cbmc", HOW)
    out = {"cbmc": _version(path)}
    z3 = z3_solver()
    if z3 is not None:
        out["z3"] = z3.version  # the SMT back end (optional, see run.py)
    return out


def verify(ctx) -> list:
    from . import run

    path = find_cbmc()
    if path is None:
        raise ToolMissing("cbmc", HOW)
    return run.verify(ctx, path, _version(path))
