"""C backend: compile the generated files with gcc and run the harness.

Flags: `gcc -std=c11 -Wall -Wextra -Werror -pedantic -O2` on every `.c` of
the work directory. `UPEL_C_EXTRA_FLAGS` (shell-split) adds flags, e.g.
`-fsanitize=undefined,address -fno-sanitize-recover=all` to prove that the
conformance cases run without undefined behaviour.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

from upel.codegen.conform import BuildFailed
from upel.codegen.registry import ToolMissing

CC = "gcc"
CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2"]
EXTRA_ENV = "UPEL_C_EXTRA_FLAGS"
HOW_TO_INSTALL = "apt-get install gcc"
MAX_MESSAGE = 6000


def tools() -> dict[str, str]:
    if shutil.which(CC) is None:
        raise ToolMissing(CC, HOW_TO_INSTALL)
    try:
        proc = subprocess.run([CC, "-dumpfullversion"], check=False, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ToolMissing(CC, f"{HOW_TO_INSTALL}; running it failed: {e}") from None
    first = proc.stdout.splitlines()[0].strip() if proc.stdout else ""
    if proc.returncode != 0 or not first:
        raise ToolMissing(CC, f"{HOW_TO_INSTALL}; `{CC} -dumpfullversion` failed")
    return {CC: first}


def _trim(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + f"\n... ({len(text) - MAX_MESSAGE} more characters)"
    return text


def compile_harness(workdir: Path, timeout: float, extra: list[str] | None = None) -> Path:
    sources = sorted(p.name for p in workdir.glob("*.c"))
    exe = workdir / "upel_harness"
    flags = CFLAGS + shlex.split(os.environ.get(EXTRA_ENV, "")) + list(extra or [])
    cmd = [CC, *flags, "-o", exe.name, *sources]
    try:
        proc = subprocess.run(cmd, cwd=workdir, check=False, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"{CC} did not finish within {timeout:.0f} s") from None
    except OSError as e:
        raise BuildFailed(f"cannot run {CC}: {e}") from None
    if proc.returncode != 0:
        raise BuildFailed(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{_trim(proc.stderr + proc.stdout)}")
    return exe


def run(workdir: Path, cases_path: Path, timeout: float) -> str:
    t0 = time.monotonic()
    exe = compile_harness(Path(workdir), timeout)
    left = max(1.0, timeout - (time.monotonic() - t0))
    try:
        proc = subprocess.run([str(exe), str(cases_path)], cwd=workdir, check=False, capture_output=True, text=True, timeout=left)
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"the C harness did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0:
        raise BuildFailed(f"the C harness exited with {proc.returncode}:\n{_trim(proc.stderr)}")
    return proc.stdout
