"""Rust backend: find rustc, compile the harness, run it on a cases file."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from upel.codegen.conform import BuildFailed
from upel.codegen.registry import ToolMissing

INSTALL = "apt-get install rustc"
MAX_MESSAGE = 8000

# The contract's build line, plus overflow checks: generated code never
# relies on Rust's native overflow behaviour, and a harness that panicked on
# an overflow would expose any place that did instead of hiding it in -O's
# silent wrapping.
RUSTC_FLAGS = ["--edition", "2021", "-D", "warnings", "-O", "-C", "overflow-checks=on"]


# Which compiler to use: `rustc` from PATH, or the one this variable names
# (for example /usr/bin/rustc, to check the oldest supported release, 1.63).
RUSTC_ENV = "UPEL_RUSTC"


def _rustc() -> str:
    wanted = os.environ.get(RUSTC_ENV) or "rustc"
    exe = shutil.which(wanted)
    if exe is None:
        raise ToolMissing(wanted, INSTALL)
    return exe


def tools() -> dict[str, str]:
    exe = _rustc()
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError) as e:
        raise ToolMissing("rustc", f"{INSTALL}; `rustc --version` failed: {e}") from None
    return {"rustc": out.strip().removeprefix("rustc ")}


def _trim(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + f"\n... ({len(text) - MAX_MESSAGE} more characters)"
    return text


def compile_harness(workdir: Path, rustc: str | None = None, timeout: float = 900.0) -> Path:
    """Build `workdir/harness.rs`; returns the executable. Raises BuildFailed."""
    exe = rustc or _rustc()
    out = workdir / "harness"
    try:
        p = subprocess.run([exe, *RUSTC_FLAGS, "-o", str(out), "harness.rs"], cwd=workdir,
                           capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"rustc did not finish within {timeout:.0f} s") from None
    except OSError as e:
        raise BuildFailed(f"cannot run {exe}: {e}") from None
    if p.returncode != 0:
        raise BuildFailed("rustc failed:\n" + _trim(p.stderr + p.stdout))
    return out


def run(workdir: Path, cases_path: Path, timeout: float) -> str:
    workdir = Path(workdir)
    exe = compile_harness(workdir, timeout=timeout)
    try:
        p = subprocess.run([str(exe), str(Path(cases_path).resolve())], cwd=workdir, capture_output=True,
                           text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"the harness did not finish within {timeout:.0f} s") from None
    except OSError as e:
        raise BuildFailed(f"cannot run the harness: {e}") from None
    if p.returncode != 0:
        raise BuildFailed(f"the harness failed (exit status {p.returncode}):\n" + _trim(p.stderr))
    return p.stdout
