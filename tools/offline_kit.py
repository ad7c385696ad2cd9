"""Vendor everything a Bazel build of rules_upel downloads, for offline builds.

    .venv/bin/python -m tools.offline_kit --out KIT [--bazel bazel] [--target //...]

The only downloads are the hash-pinned wheels of
bazel/private/python_wheels.bzl (the Python environment @upel_python); the
other repositories Bazel 4.2 needs are local (WORKSPACE.bazel). To be sure
nothing is missed, the kit is not assembled by hand: this runs
`bazel fetch //...` in a temporary copy of the workspace with a fresh output
base and `--repository_cache=KIT/repository_cache`, so the kit holds exactly
what Bazel itself fetched, in Bazel's content-addressed layout
(`content_addressable/sha256/<hash>/file`). It then checks that every wheel
is there and that its bytes hash to the pinned SHA-256, and also lays the
same files out by name in KIT/distdir (hard links) for `--distdir`.

Use it on a machine without network:

    bazel build --config=offline --repository_cache=KIT/repository_cache //specs/avionics:all_targets
    bazel build --config=offline --distdir=KIT/distdir //specs/avionics:all_targets

Exit status 1, with Bazel's own error lines, when a download fails.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WHEELS_BZL = REPO / "bazel" / "private" / "python_wheels.bzl"

# What never belongs in a copy of the workspace (besides what .gitignore says).
_IGNORE = (".git", ".venv", "bazel-*", "__pycache__", "*.pyc", "*.egg-info", ".pytest_cache",
           ".hypothesis", "out", "build")


class KitError(Exception):
    """A kit could not be made or is incomplete (the message says why)."""


def read_wheels(path: Path = WHEELS_BZL) -> list[dict]:
    """PYTHON_WHEELS of python_wheels.bzl (a Starlark list literal, also valid Python)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PYTHON_WHEELS" for t in node.targets):
            return ast.literal_eval(node.value)
    raise KitError(f"{path}: no PYTHON_WHEELS list")


def copy_workspace(src: Path, dest: Path) -> Path:
    """Copy the source tree of a workspace (tracked and untracked-but-not-ignored
    files when it is a git checkout; otherwise everything except build outputs,
    virtualenvs and caches) to `dest`, which must not exist."""
    src, dest = Path(src).resolve(), Path(dest)
    files = None
    if (src / ".git").exists() and shutil.which("git"):
        r = subprocess.run(["git", "-C", str(src), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           check=False, capture_output=True, timeout=120)
        if r.returncode == 0:
            files = sorted({f for f in r.stdout.decode("utf-8", "surrogateescape").split("\0") if f})
    if files is None:
        shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns(*_IGNORE))
        return dest
    dest.mkdir(parents=True)
    for rel in files:
        s = src / rel
        if rel.startswith("bazel-") or not os.path.lexists(s) or s.is_dir():
            continue  # deleted in the working tree, a convenience symlink, or a submodule
        d = dest / rel
        d.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(s, d, follow_symlinks=False)
    return dest


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cas_path(repository_cache: Path, sha256: str) -> Path:
    return Path(repository_cache) / "content_addressable" / "sha256" / sha256 / "file"


def bazel_noise(line: str) -> bool:
    """Debian's linux-sandbox traces every spawn to stderr; those lines are noise."""
    head = line.split(":", 1)[0]
    return "src/main/tools/" in line and head.replace(".", "").isdigit()


def _server_pid(output_base: Path) -> int | None:
    """The pid of the Bazel server of this output base, if one is running."""
    try:
        pid = int((Path(output_base) / "server" / "server.pid.txt").read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    # A stale pid file could name a recycled pid: only a server of this output base counts.
    return pid if str(output_base).encode() in cmdline else None


def stop_server(bazel: str, output_base: Path, workspace: Path | None = None, timeout: int = 120) -> None:
    """`bazel shutdown` for this output base if its server runs; kill that server
    (and only it) if it does not stop."""
    output_base = Path(output_base)
    if _server_pid(output_base) is None:
        return
    if workspace is not None and Path(workspace).is_dir():
        try:
            subprocess.run([bazel, f"--output_base={output_base}", "shutdown"], cwd=workspace,
                           check=False, capture_output=True, timeout=timeout)
        except (subprocess.TimeoutExpired, OSError):
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pid = _server_pid(output_base)
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)
        for _ in range(100):
            if _server_pid(output_base) != pid:
                return
            time.sleep(0.1)


def fetch_into(kit: Path, *, bazel: str = "bazel", targets: tuple[str, ...] = ("//...",),
               source: Path = REPO, timeout: int = 1200, log=print) -> None:
    """Run `bazel fetch` in a temporary copy of `source` with a fresh output base,
    filling KIT/repository_cache. Raises KitError with Bazel's errors on failure."""
    repo_cache = (Path(kit) / "repository_cache").resolve()
    repo_cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="upel-kit-") as tmp:
        ws = copy_workspace(source, Path(tmp) / "ws")
        ob = Path(tmp) / "ob"
        cmd = [bazel, f"--output_base={ob}", "--max_idle_secs=120", "fetch", *targets,
               f"--repository_cache={repo_cache}"]
        log(f"offline_kit: {' '.join(cmd)}  (in a copy of {source})")
        try:
            r = subprocess.run(cmd, cwd=ws, check=False, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise KitError(f"bazel fetch did not finish in {timeout}s") from e
        finally:
            stop_server(bazel, ob, ws)
            # The output base holds read-only trees; make them removable.
            subprocess.run(["chmod", "-R", "u+w", str(ob)], check=False, capture_output=True, timeout=120)
        if r.returncode != 0:
            raise KitError(fetch_failure(r.stderr))


def fetch_failure(stderr: str) -> str:
    """Bazel's error lines of a failed fetch (deduplicated, no progress lines) and
    the files it could not download."""
    seen, lines = set(), []
    for line in stderr.splitlines():
        if bazel_noise(line) or not line.startswith(("ERROR:", "WARNING: Download", "Error in")):
            continue
        if line not in seen:
            seen.add(line)
            lines.append(line if len(line) < 400 else line[:400] + " ...")
    failed = sorted({u.rsplit("/", 1)[-1] for u in re.findall(r"Error downloading \[([^\]]+)\]", stderr)})
    msg = "bazel fetch failed:\n  " + "\n  ".join(lines[-20:] or stderr.splitlines()[-20:])
    if failed:
        msg += "\ncould not download: " + ", ".join(failed) + " (is the network, or a proxy, reachable?)"
    return msg


def verify_kit(kit: Path, wheels: list[dict]) -> tuple[list[dict], list[Path]]:
    """(wheels with their kit file and size, other cache entries); KitError when a
    wheel is missing or its bytes do not match its pinned hash."""
    repo_cache = Path(kit) / "repository_cache"
    found, missing = [], []
    for w in wheels:
        f = cas_path(repo_cache, w["sha256"])
        if not f.is_file():
            missing.append(f"{w['file']} (sha256 {w['sha256']})")
            continue
        actual = sha256_file(f)
        if actual != w["sha256"]:
            raise KitError(f"{f}: content hashes to {actual}, not the pinned {w['sha256']} of {w['file']}")
        found.append({**w, "path": f, "size": f.stat().st_size})
    if missing:
        raise KitError("the kit lacks:\n  " + "\n  ".join(missing))
    known = {w["sha256"] for w in wheels}
    cas = repo_cache / "content_addressable" / "sha256"
    others = sorted(p / "file" for p in cas.iterdir() if p.name not in known and (p / "file").is_file())
    return found, others


def lay_out_distdir(kit: Path, found: list[dict]) -> Path:
    """KIT/distdir/<file name>: the same files for `--distdir` (hard links when possible)."""
    distdir = Path(kit) / "distdir"
    distdir.mkdir(parents=True, exist_ok=True)
    for w in found:
        name = w["url"].rsplit("/", 1)[-1]  # Bazel matches distdir files by the URL's basename
        d = distdir / name
        if d.exists():
            d.unlink()
        try:
            os.link(w["path"], d)
        except OSError:
            shutil.copy2(w["path"], d)
    return distdir


def make_kit(kit: Path, *, bazel: str = "bazel", targets: tuple[str, ...] = ("//...",), source: Path = REPO,
             timeout: int = 1200, log=print) -> dict:
    """Fetch, verify, lay out; write KIT/manifest.json and return it."""
    kit = Path(kit).resolve()
    kit.mkdir(parents=True, exist_ok=True)
    wheels = read_wheels(Path(source) / "bazel" / "private" / "python_wheels.bzl")
    fetch_into(kit, bazel=bazel, targets=targets, source=source, timeout=timeout, log=log)
    found, others = verify_kit(kit, wheels)
    lay_out_distdir(kit, found)
    manifest = {
        "targets": list(targets),
        "wheels": [{k: w[k] for k in ("name", "version", "file", "url", "sha256", "size")} for w in found],
        "other_downloads": [{"sha256": p.parent.name, "size": p.stat().st_size} for p in others],
        "total_bytes": sum(w["size"] for w in found) + sum(p.stat().st_size for p in others),
    }
    (kit / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path, help="the kit directory (created; reused if present)")
    ap.add_argument("--bazel", default=os.environ.get("BAZEL", "bazel"), help="the bazel binary (default: bazel)")
    ap.add_argument("--target", action="append", dest="targets",
                    help="what to fetch for (repeatable; default //...)")
    ap.add_argument("--timeout", type=int, default=1200, help="seconds for bazel fetch (default 1200)")
    args = ap.parse_args(argv)
    if shutil.which(args.bazel) is None:
        print(f"offline_kit: {args.bazel!r} not found (tools/setup.sh installs Debian's bazel-bootstrap)",
              file=sys.stderr)
        return 1
    try:
        m = make_kit(args.out, bazel=args.bazel, targets=tuple(args.targets or ["//..."]), timeout=args.timeout,
                     log=lambda s: print(s, file=sys.stderr))
    except KitError as e:
        print(f"offline_kit: error: {e}", file=sys.stderr)
        return 1
    kit = args.out.resolve()
    print(f"vendored into {kit}:")
    for w in m["wheels"]:
        print(f"  {w['file']}  {_mb(w['size'])}  sha256:{w['sha256'][:16]}")
    for o in m["other_downloads"]:
        print(f"  (other download)  {_mb(o['size'])}  sha256:{o['sha256'][:16]}")
    print(f"{len(m['wheels'])} wheels, {len(m['other_downloads'])} other files, {_mb(m['total_bytes'])} in total")
    print("build offline with:")
    print(f"  bazel build --config=offline --repository_cache={kit}/repository_cache //specs/avionics:all_targets")
    print(f"  (or --distdir={kit}/distdir)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
