"""Verilog backend: lint, compile and simulate the generated code.

`run` lints every generated module with `verilator --lint-only -Wall`
(each module as the top, with all package files available), compiles the
modules and the harness with `iverilog -g2005 -Wall`, and runs the harness
with `vvp`. Any Verilator or Icarus warning fails the build: the generated
code promises to be warning-free.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

from upel.codegen.conform import BuildFailed
from upel.codegen.registry import ToolMissing

HARNESS_FILE = "harness_tb.v"
_MODULE = re.compile(r"^module\s+([A-Za-z_][A-Za-z0-9_$]*)", re.MULTILINE)
_PROTOCOL = re.compile(r"^(ok( [0-9a-f]+)*|err \d+)$")
MAX_OUTPUT = 4000


def _version(cmd: list[str], pattern: str) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    text = (out.stdout + out.stderr).strip()
    m = re.search(pattern, text)
    return m.group(1).strip() if m else text.splitlines()[0] if text else "unknown"


def tools() -> dict[str, str]:
    for tool, how in (("iverilog", "apt-get install iverilog"), ("vvp", "apt-get install iverilog"),
                      ("verilator", "apt-get install verilator")):
        if shutil.which(tool) is None:
            raise ToolMissing(tool, how)
    return {
        "iverilog": _version(["iverilog", "-V"], r"Icarus Verilog version (\S+(?: \([^)]*\))?)"),
        "verilator": _version(["verilator", "--version"], r"Verilator (\S+)"),
    }


def _trim(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_OUTPUT:
        text = text[:MAX_OUTPUT] + f"\n... ({len(text) - MAX_OUTPUT} more characters)"
    return text


class _Clock:
    def __init__(self, timeout: float) -> None:
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout

    def left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise BuildFailed(f"verilog: timed out after {self.timeout:.0f} s")
        return left


def _run(cmd: list[str], cwd: Path, clock: _Clock, what: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=clock.left(), check=False)
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"verilog: {what} timed out after {clock.timeout:.0f} s ({' '.join(cmd)})") from None


def package_files(workdir: Path) -> list[Path]:
    return sorted(p for p in workdir.glob("*.v") if p.name != HARNESS_FILE)


def lint(workdir: Path, timeout: float = 600.0) -> None:
    """verilator --lint-only -Wall over all modules at once; raises BuildFailed with the warnings.

    One run lints every module (each operator module is a top, so MULTITOP is
    the only warning turned off: it says exactly that). One process instead
    of one per module: 0.3 s instead of 20-50 s for a spec with 150 modules.
    """
    clock = _Clock(timeout)
    names = [f.name for f in package_files(workdir)]
    r = _run(["verilator", "--lint-only", "-Wall", "-Wno-MULTITOP", *names], workdir, clock, "verilator lint")
    text = (r.stdout + r.stderr).strip()
    if r.returncode != 0 or text:
        raise BuildFailed("verilog: verilator --lint-only -Wall reported problems:\n" + _trim(text))


def run(workdir: Path, cases_path: Path, timeout: float) -> str:
    workdir = Path(workdir)
    clock = _Clock(timeout)
    lint(workdir, clock.left())
    sources = [p.name for p in package_files(workdir)] + [HARNESS_FILE]
    r = _run(["iverilog", "-g2005", "-Wall", "-o", "sim", *sources], workdir, clock, "iverilog")
    text = (r.stdout + r.stderr).strip()
    if r.returncode != 0 or text:
        raise BuildFailed("verilog: iverilog -g2005 -Wall " + ("failed" if r.returncode else "warned") + ":\n"
                          + _trim(text))
    r = _run(["vvp", "-n", "sim", f"+cases={Path(cases_path).resolve()}"], workdir, clock, "vvp")
    if r.returncode != 0:
        raise BuildFailed(f"verilog: vvp exited with {r.returncode}:\n" + _trim(r.stdout + r.stderr))
    problems = [line for line in r.stdout.splitlines() if line.startswith("harness:")]
    if problems:
        raise BuildFailed("verilog: the harness failed:\n" + _trim("\n".join(problems)))
    # Only protocol lines: vvp's own chatter ("VCD info", "$finish called") is dropped.
    lines = [line for line in r.stdout.splitlines() if _PROTOCOL.match(line.strip())]
    return "\n".join(line.strip() for line in lines) + ("\n" if lines else "")
