"""Helpers of tests/bazel/test_bazel_e2e.py: the Bazel driver of tools/bench_bazel.py
and tools/offline_kit.py, skips that say what is missing, and results shared
between pytest-xdist workers (so the kit and the reference build exist once)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tools.bench_bazel import (
    EDIT_FILE,
    TARGET,
    Bazel,
    BuildResult,
    NginxCache,
    cache_flags,
    edit_envelope,
    offline_build,
    output_digests,
)
from tools.offline_kit import copy_workspace, make_kit, read_wheels

__all__ = [
    "EDIT_FILE", "REPO", "TARGET", "Bazel", "BuildResult", "NginxCache", "cache_flags", "copy_workspace",
    "edit_envelope", "make_kit", "offline_build", "output_digests", "read_wheels",
]


def require(tool: str, why: str) -> str:
    """The path of `tool`, or a loud skip naming what is missing and what it costs."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"SKIPPED LOUDLY: `{tool}` is not installed, so {why} cannot be tested here "
                    "(tools/setup.sh installs bazel-bootstrap, nginx-light and util-linux; CI runs it)")
    return path


def require_unshare() -> None:
    require("unshare", "building with the network cut off")
    r = subprocess.run(["unshare", "--net", "true"], check=False, capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        pytest.skip("SKIPPED LOUDLY: `unshare --net` is not permitted here (it needs root or CAP_SYS_ADMIN), "
                    f"so building with the network cut off cannot be tested: {r.stderr.strip()}")


def shared_root(tmp_path_factory) -> Path:
    """A directory every pytest-xdist worker of this run sees (the run's base temp)."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "bazel_e2e"
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextlib.contextmanager
def file_lock(path: Path):
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def once(root: Path, name: str, make):
    """make() once per test run, whichever worker asks first; its (JSON) result
    or its failure is what every worker gets."""
    result = root / f"{name}.json"
    with file_lock(root / f"{name}.lock"):
        if not result.exists():
            try:
                data = {"ok": True, "value": make()}
            except Exception as e:  # noqa: BLE001 - reported to every test that needs it
                data = {"ok": False, "error": "".join(traceback.format_exception_only(e)).strip()}
            result.write_text(json.dumps(data))
    data = json.loads(result.read_text())
    if not data["ok"]:
        pytest.fail(f"{name} failed (shared by the tests that need it):\n{data['error']}", pytrace=False)
    return data["value"]


def repo_cache_flag(kit: Path) -> str:
    return f"--repository_cache={Path(kit).resolve() / 'repository_cache'}"


def build_record(bz: Bazel, r: BuildResult) -> dict:
    """What later tests need from a build: counts, outputs and their digests."""
    if not r.ok:
        raise AssertionError(r.errors())
    outputs = r.outputs
    if not outputs:
        raise AssertionError("Bazel listed no outputs for " + TARGET + "\n" + r.errors())
    return {
        "workspace": str(bz.workspace),
        "output_base": str(bz.output_base),
        "seconds": r.seconds,
        "processes": r.processes,
        "kinds": r.process_kinds,
        "executed": r.executed,
        "outputs": outputs,
        "digests": output_digests(bz.workspace, outputs),
        "spawns": r.spawns,
    }


def remove_output_base(bz: Bazel) -> None:
    """Free the disk of a finished output base (its server already stopped)."""
    bz.shutdown()
    subprocess.run(["chmod", "-R", "u+w", str(bz.output_base)], check=False, capture_output=True, timeout=300)
    subprocess.run(["rm", "-rf", str(bz.output_base)], check=False, capture_output=True, timeout=300)


def diff_digests(a: dict[str, str], b: dict[str, str]) -> str:
    """A readable list of what differs between two digest maps ('' when equal)."""
    lines = [f"only in first: {k}" for k in sorted(a.keys() - b.keys())]
    lines += [f"only in second: {k}" for k in sorted(b.keys() - a.keys())]
    lines += [f"differs: {k}" for k in sorted(a.keys() & b.keys()) if a[k] != b[k]]
    return "\n".join(lines)
