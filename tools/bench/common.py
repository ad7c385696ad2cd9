"""Shared helpers of the benchmark harness: repository paths, the machine
and tool versions, medians, load average, and running a command under
`/usr/bin/time -v` to get its wall time and peak resident memory."""

from __future__ import annotations

import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KERNELS = Path(__file__).resolve().parent / "kernels"
PYTHON = sys.executable
UPEL = str(Path(sys.executable).with_name("upel"))
GNU_TIME = "/usr/bin/time"


class BenchError(RuntimeError):
    """A benchmark could not run or produced a wrong answer (loud failure)."""


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(cmd: list[str], pattern: str = r"(\d+\.\d+(?:\.\d+)?)") -> str:
    if shutil.which(cmd[0]) is None and not Path(cmd[0]).exists():
        return "missing"
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return "missing"
    m = re.search(pattern, out)
    return m.group(1) if m else out.strip().splitlines()[0] if out.strip() else "unknown"


def tool_versions() -> dict[str, str]:
    return {
        "gcc": _version(["gcc", "-dumpfullversion"]),
        "rustc": _version(["rustc", "--version"]),
        "python": platform.python_version(),
        "protoc": _version(["protoc", "--version"]),
        "upel": _version([UPEL, "--version"]),
    }


def machine() -> dict[str, str]:
    return {"cpu": cpu_model(), "cores": str(os.cpu_count()), "os": f"{platform.system()} {platform.release()}",
            "load": loadavg()}


# A fixed pure-Python loop (10^7 additions), timed in a fresh process: the machine is a
# shared VM whose speed drifts from hour to hour, so the report states how fast it was
# while measuring, and runs of the benchmark on different days can be compared.
SPEED_LOOP = "import time\nt = time.perf_counter()\ns = 0\nfor i in range(10**7):\n    s += i\nprint(time.perf_counter() - t)"


def speed(runs: int = 3) -> float:
    """Median seconds of SPEED_LOOP over `runs` fresh processes."""
    return median([float(run([PYTHON, "-c", SPEED_LOOP])) for _ in range(runs)])


def run(cmd: list[str], cwd: Path | None = None, timeout: float = 600, env: dict | None = None) -> str:
    """Runs `cmd`, returns its stdout; raises BenchError with the output on failure."""
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{' '.join(map(str, cmd))}: no answer within {timeout:.0f} s") from None
    if p.returncode != 0:
        raise BenchError(f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n{(p.stderr + p.stdout)[-4000:]}")
    return p.stdout


@dataclass
class Measured:
    wall_s: float
    max_rss_mib: float
    stdout: str


def measure(cmd: list[str], cwd: Path | None = None, timeout: float = 600) -> Measured:
    """Wall time and peak RSS of one run of `cmd` (GNU time -v when installed,
    else getrusage of the children, which is per-process here: one child)."""
    if Path(GNU_TIME).exists():
        full = [GNU_TIME, "-v", *cmd]
    else:
        full = list(cmd)
    t0 = time.perf_counter()
    try:
        p = subprocess.run(full, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{' '.join(map(str, cmd))}: no answer within {timeout:.0f} s") from None
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise BenchError(f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n{p.stderr[-4000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    if m:
        rss = int(m.group(1)) / 1024
    else:
        import resource
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # max over children so far
    return Measured(wall, rss, p.stdout)


def fmt(x: float, digits: int = 2) -> str:
    if math.isnan(x):
        return "-"
    return f"{x:,.{digits}f}"
