"""Python backend: lint the generated code (ruff, bandit), then run the harness."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from upel.codegen.registry import ToolMissing

# A strict but stylistically neutral rule set: errors, pyflakes, bugbear,
# modern syntax, simplifications. The code a reviewer reads must pass it.
RUFF_RULES = "E,F,W,B,UP,C4,SIM,RUF"
# Long literal values and comments are the spec's, not ours to wrap.
RUFF_IGNORE = "E501"


def _version(args: list[str]) -> str | None:
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (r.stdout or r.stderr).strip().splitlines()[0] if r.returncode == 0 else None


def tools() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in ("ruff", "bandit"):
        v = _version([sys.executable, "-m", name, "--version"])
        if v is None:
            raise ToolMissing(name, f"it is pinned in requirements.lock: run tools/setup.sh")
        out[name] = v.split()[-1] if name == "ruff" else v.split()[1]
    return out


def lint(workdir: Path, timeout: float) -> None:
    from upel.codegen.conform import BuildFailed

    files = sorted(str(p.name) for p in workdir.glob("*.py"))
    checks = [
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--target-version", "py311",
         "--select", RUFF_RULES, "--ignore", RUFF_IGNORE, *files],
        [sys.executable, "-m", "bandit", "-q", "-f", "txt", *files],
    ]
    for cmd in checks:
        r = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise BuildFailed(f"{cmd[2]} found problems in the generated code:\n{(r.stdout + r.stderr)[-4000:]}")


def run(workdir: Path, cases_path: Path, timeout: float) -> str:
    from upel.codegen.conform import BuildFailed

    lint(workdir, timeout)
    r = subprocess.run([sys.executable, "-E", "-s", "harness.py", str(cases_path)], cwd=workdir,
                       capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise BuildFailed(f"harness failed (exit {r.returncode}):\n{r.stderr[-4000:]}")
    return r.stdout
