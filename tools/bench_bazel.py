"""Benchmark: rules_upel under Bazel (clean, null and incremental builds, remote cache).

    .venv/bin/python -m tools.bench_bazel [--kit KIT] [--no-remote-cache] [--no-write]

Works in temporary copies of this workspace with their own output bases (the
developer's own Bazel server and output base are never touched), and:

1. builds //specs/avionics:all_targets from a fresh output base (wheels come
   from an offline kit, tools/offline_kit.py, so the network is not timed);
   with nginx installed that build also fills a local HTTP remote cache
   (--config=cache);
2. times null builds (nothing changed; median of 3);
3. edits a doc comment in specs/avionics/envelope.upel and rebuilds, counting
   the actions that ran (only envelope's spec, codegen and verify actions
   should);
4. builds the same targets from a second copy at another path with a fresh
   output base against the remote cache, counting the remote cache hits.

Prints the numbers and writes them into docs/performance.md between the
`<!-- bazel:start -->` and `<!-- bazel:end -->` markers (the rest of that file
is left alone). The same machinery drives tests/bazel/test_bazel_e2e.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tools.offline_kit import (
    KitError,
    bazel_noise,
    copy_workspace,
    make_kit,
    sha256_file,
    stop_server,
)

START, END = "<!-- bazel:start -->", "<!-- bazel:end -->"
TARGET = "//specs/avionics:all_targets"
PERF = REPO / "docs" / "performance.md"
# The edit of the incremental build: a doc comment of envelope.upel.
EDIT_FILE = "specs/avionics/envelope.upel"
EDIT_OLD = "/// High-lift configuration (slats/flaps lever position)."
EDIT_NEW = "/// High-lift configuration (slats/flaps lever position, as set by the crew)."

_PROCESSES = re.compile(r"^INFO: (\d+) process(?:es)?(?:: (.*?))?\.?\s*$", re.MULTILINE)
_TOTAL = re.compile(r"^INFO: Build completed successfully, (\d+) total actions?", re.MULTILINE)
_ELAPSED = re.compile(r"^INFO: Elapsed time: ([\d.]+)s", re.MULTILINE)
_UP_TO_DATE = re.compile(r"^Target (\S+) up-to-date:\s*$")


# ---------------------------------------------------------------- Bazel runs


@dataclass
class BuildResult:
    """One Bazel command, with what its output says."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float  # wall time of the client call
    spawns: list[dict] = field(default_factory=list)  # from --execution_log_json_file, if asked for

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def text(self) -> str:
        return self.stdout + "\n" + self.stderr

    def errors(self, tail: int = 60) -> str:
        """Bazel's own lines (not the sandbox's traces), last `tail` of them."""
        lines = [line for line in self.stderr.splitlines() if not bazel_noise(line)]
        return f"$ {' '.join(self.argv)}\nexit {self.returncode}\n" + "\n".join(lines[-tail:])

    @property
    def processes(self) -> int | None:
        """N of `INFO: N processes: ...` (every action Bazel started, cache hits included)."""
        m = _PROCESSES.findall(self.stderr)
        return int(m[-1][0]) if m else None

    @property
    def process_kinds(self) -> dict[str, int]:
        """`INFO: 17 processes: 9 remote cache hit, 8 internal.` -> {"remote cache hit": 9, "internal": 8}."""
        m = _PROCESSES.findall(self.stderr)
        kinds: dict[str, int] = {}
        if m and m[-1][1]:
            for part in m[-1][1].split(","):
                n, _, kind = part.strip().partition(" ")
                kinds[kind.strip()] = kinds.get(kind.strip(), 0) + int(n)
        return kinds

    @property
    def executed(self) -> int:
        """Processes that did real work here (neither internal nor a cache hit)."""
        return sum(n for k, n in self.process_kinds.items() if k != "internal" and "cache hit" not in k)

    @property
    def total_actions(self) -> int | None:
        m = _TOTAL.findall(self.stderr)
        return int(m[-1]) if m else None

    @property
    def elapsed(self) -> float | None:
        """Bazel's own `Elapsed time` (seconds)."""
        m = _ELAPSED.findall(self.stderr)
        return float(m[-1]) if m else None

    @property
    def outputs(self) -> list[str]:
        """The files Bazel lists under `Target //x up-to-date:` (workspace-relative)."""
        out, inside = [], False
        for line in self.stderr.splitlines():
            if _UP_TO_DATE.match(line):
                inside = True
            elif inside and line.startswith("  ") and not line.startswith("   "):
                out.append(line.strip())
            else:
                inside = False
        return out


def read_exec_log(path: Path) -> list[dict]:
    """The spawns of a --execution_log_json_file (a stream of JSON objects)."""
    text = Path(path).read_text(encoding="utf-8") if Path(path).exists() else ""
    dec, i, spawns = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return spawns
        obj, i = dec.raw_decode(text, i)
        spawns.append({
            "mnemonic": obj.get("mnemonic", ""),
            "outputs": [o.get("path", "") for o in obj.get("actualOutputs", [])] or list(obj.get("listedOutputs", [])),
            "remote_cache_hit": bool(obj.get("remoteCacheHit", False)),
            "runner": obj.get("runner", ""),
            "cacheable": bool(obj.get("cacheable", False)),
            "remotable": bool(obj.get("remotable", False)),
            "status": obj.get("status", ""),
        })


def spawn_label(spawn: dict) -> str:
    """A short name for a spawn: its mnemonic and its first output's basename."""
    first = spawn["outputs"][0].rsplit("/", 1)[-1] if spawn["outputs"] else "?"
    return f"{spawn['mnemonic']} {first}"


class Bazel:
    """Bazel in one workspace with its own output base (never the default one)."""

    def __init__(self, workspace: Path, output_base: Path, *, bazel: str = "bazel", max_idle_secs: int = 300):
        self.workspace = Path(workspace)
        self.output_base = Path(output_base)
        self.bazel = bazel
        self.max_idle_secs = max_idle_secs

    def argv(self, command: str, *args: str) -> list[str]:
        return [self.bazel, f"--output_base={self.output_base}", f"--max_idle_secs={self.max_idle_secs}",
                command, *args]

    def run(self, command: str, *args: str, exec_log: bool = False, timeout: int = 900) -> BuildResult:
        args = list(args)
        log = None
        if exec_log:
            self.output_base.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix="exec-", suffix=".json", dir=self.output_base.parent)
            os.close(fd)
            log = Path(name)
            args.append(f"--execution_log_json_file={log}")
        argv = self.argv(command, *args)
        t0 = time.monotonic()
        try:
            r = subprocess.run(argv, cwd=self.workspace, check=False, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            self.shutdown()
            raise AssertionError(f"bazel did not finish in {timeout}s: {' '.join(argv)}") from e
        res = BuildResult(argv, r.returncode, r.stdout, r.stderr, time.monotonic() - t0)
        if log is not None:
            res.spawns = read_exec_log(log)
            log.unlink(missing_ok=True)
        return res

    def build(self, *targets: str, flags: tuple[str, ...] = (), exec_log: bool = False,
              timeout: int = 900) -> BuildResult:
        return self.run("build", *flags, *(targets or (TARGET,)), exec_log=exec_log, timeout=timeout)

    def shutdown(self) -> None:
        stop_server(self.bazel, self.output_base, self.workspace)


# The part of an offline build that runs inside `unshare -n` (a new network
# namespace: no interface but a loopback, which starts DOWN). It brings the
# loopback up (the Bazel client talks gRPC to its server on 127.0.0.1), proves
# that the outside network is unreachable, runs the build and shuts the
# server down in the same namespace, and prints one JSON line.
_INSIDE = r'''
import fcntl, json, socket, struct, subprocess, sys, time
bazel_argv, shutdown_argv, cwd, timeout = json.loads(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ifr = fcntl.ioctl(s, 0x8913, struct.pack("16sH14s", b"lo", 0, bytes(14)))        # SIOCGIFFLAGS
flags = struct.unpack("16sH14s", ifr)[1]
fcntl.ioctl(s, 0x8914, struct.pack("16sH14s", b"lo", flags | 1, bytes(14)))       # SIOCSIFFLAGS, IFF_UP
probes = {"interfaces": [n for _, n in socket.if_nameindex()]}
for name, addr in (("dns_pypi", ("pypi.org", 443)), ("tcp_pypi_ip", ("151.101.0.223", 443)),
                   ("tcp_public_dns", ("8.8.8.8", 53))):
    try:
        socket.create_connection(addr, timeout=5).close()
        probes[name] = "connected"
    except OSError as e:
        probes[name] = f"{type(e).__name__}: {e}"
t0 = time.monotonic()
try:
    r = subprocess.run(bazel_argv, cwd=cwd, check=False, capture_output=True, text=True, timeout=timeout)
    rc, out, err = r.returncode, r.stdout, r.stderr
except subprocess.TimeoutExpired:
    rc, out, err = 124, "", f"bazel did not finish in {timeout}s"
seconds = time.monotonic() - t0
try:
    subprocess.run(shutdown_argv, cwd=cwd, check=False, capture_output=True, timeout=120)
except subprocess.TimeoutExpired:
    pass
print(json.dumps({"rc": rc, "stdout": out, "stderr": err, "seconds": seconds, "probes": probes}))
'''


def offline_build(bz: Bazel, kit: Path, *targets: str, timeout: int = 900) -> tuple[BuildResult, dict]:
    """Build with no network at all (a fresh network namespace), wheels only from
    KIT/repository_cache. Returns the build and what the network probes saw."""
    flags = ["--config=offline", f"--repository_cache={Path(kit).resolve() / 'repository_cache'}"]
    argv = bz.argv("build", *flags, *(targets or (TARGET,)))
    payload = json.dumps([argv, bz.argv("shutdown"), str(bz.workspace), timeout])
    outer = ["unshare", "--net", "--", sys.executable, "-c", _INSIDE, payload]
    p = subprocess.Popen(outer, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout + 180)
    except subprocess.TimeoutExpired as e:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate(timeout=30)
        stop_server(bz.bazel, bz.output_base)
        raise AssertionError(f"offline build did not finish in {timeout + 180}s") from e
    finally:
        stop_server(bz.bazel, bz.output_base)  # only if the inner shutdown did not stop it
    if p.returncode != 0 or not out.strip():
        raise AssertionError(f"`unshare --net` failed (exit {p.returncode}): {err.strip()[-2000:]}")
    data = json.loads(out.strip().splitlines()[-1])
    res = BuildResult(argv, data["rc"], data["stdout"], data["stderr"], data["seconds"])
    return res, data["probes"]


def output_digests(workspace: Path, outputs: list[str]) -> dict[str, str]:
    """sha256 of every listed output, tree artifacts file by file, keyed by the
    path under bazel-bin (so digests of different workspaces compare)."""
    digests: dict[str, str] = {}
    for rel in outputs:
        path = Path(workspace) / rel
        key = rel.split("/", 1)[1] if rel.startswith("bazel-") else rel
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if not p.is_dir())
            if not files:
                digests[key + "/"] = "empty directory"
            for f in files:
                digests[f"{key}/{f.relative_to(path).as_posix()}"] = sha256_file(f)
        else:
            digests[key] = sha256_file(path)
    return digests


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- nginx cache

_NGINX_CONF = """\
# A Bazel HTTP remote cache: nginx serving a directory with WebDAV PUT.
daemon off;
master_process on;
worker_processes 1;
{user}
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    default_type application/octet-stream;
    access_log {root}/access.log;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root}/cache;
        location / {{
            dav_methods PUT;
            create_full_put_path on;
            client_max_body_size 0;
        }}
    }}
}}
"""


class NginxCache:
    """A private nginx on 127.0.0.1 (config, logs, pid and data in `root`)."""

    def __init__(self, root: Path, nginx: str = "nginx"):
        self.root = Path(root).resolve()
        self.nginx = nginx
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 20) -> NginxCache:
        (self.root / "cache").mkdir(parents=True, exist_ok=True)
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        user = "user root root;" if os.geteuid() == 0 else ""  # the workers must own the cache dir
        last = ""
        for _ in range(3):  # a free port may be taken between choosing and binding it
            self.port = free_port()
            conf = self.root / "nginx.conf"
            conf.write_text(_NGINX_CONF.format(root=self.root, port=self.port, user=user))
            log = open(self.root / "nginx.out", "w")  # noqa: SIM115 - closed with the process
            self.proc = subprocess.Popen([self.nginx, "-p", str(self.root), "-e", str(self.root / "error.log"),
                                          "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
            log.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                if self._roundtrip():
                    return self
                time.sleep(0.2)
            self.stop()
            last = "".join(f.read_text() for f in (self.root / "nginx.out", self.root / "error.log") if f.exists())
        raise RuntimeError(f"nginx did not start on 127.0.0.1: {last.strip()[-1500:]}")

    def _roundtrip(self) -> bool:
        url = f"{self.url}probe/ok"
        try:
            req = urllib.request.Request(url, data=b"ok", method="PUT")
            with urllib.request.urlopen(req, timeout=2):
                pass
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read() == b"ok"
        except OSError:
            return False

    def stop(self, timeout: float = 10) -> None:
        p, self.proc = self.proc, None
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGQUIT)  # graceful: the master stops its workers
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=timeout)

    def entries(self) -> dict[str, int]:
        """Stored entries: {"ac": action results, "cas": blobs}."""
        cache = self.root / "cache"
        return {k: sum(1 for p in (cache / k).rglob("*") if p.is_file()) if (cache / k).is_dir() else 0
                for k in ("ac", "cas")}

    def requests(self) -> dict[str, int]:
        """Counts of `METHOD /ac|/cas STATUS` in the access log."""
        counts: dict[str, int] = {}
        log = self.root / "access.log"
        for line in log.read_text().splitlines() if log.exists() else []:
            m = re.search(r'"(\w+) /(ac|cas)/\S* [^"]*" (\d{3})', line)
            if m:
                key = f"{m.group(1)} {m.group(2)} {m.group(3)}"
                counts[key] = counts.get(key, 0) + 1
        return counts


def cache_flags(cache: NginxCache) -> tuple[str, ...]:
    return ("--config=cache", f"--remote_cache={cache.url}")


# ---------------------------------------------------------------- the benchmark


def edit_envelope(workspace: Path) -> None:
    f = Path(workspace) / EDIT_FILE
    text = f.read_text(encoding="utf-8")
    if EDIT_OLD not in text:
        raise AssertionError(f"{EDIT_FILE} no longer has the line the incremental build edits: {EDIT_OLD!r}")
    f.write_text(text.replace(EDIT_OLD, EDIT_NEW, 1), encoding="utf-8")


def bench(tmp: Path, kit: Path | None, use_cache: bool, bazel: str, log) -> dict:
    tmp = Path(tmp)
    if kit is None:
        kit = tmp / "kit"
        log("making an offline kit (bazel fetch, network)")
        make_kit(kit, bazel=bazel, log=log)
    repo_cache = f"--repository_cache={Path(kit).resolve() / 'repository_cache'}"
    nums: dict = {}
    cache = NginxCache(tmp / "nginx").start() if use_cache else None
    a = Bazel(copy_workspace(REPO, tmp / "a" / "rules_upel"), tmp / "a" / "ob", bazel=bazel)
    b = Bazel(copy_workspace(REPO, tmp / "somewhere" / "else" / "rules_upel"), tmp / "b" / "ob", bazel=bazel)
    try:
        flags = (repo_cache, *(cache_flags(cache) if cache else ()))
        log("clean build")
        r = a.build(flags=flags)
        if not r.ok:
            raise AssertionError(r.errors())
        nums["clean"] = {"seconds": r.seconds, "processes": r.processes, "kinds": r.process_kinds,
                         "total_actions": r.total_actions}
        log("null builds")
        a.build(flags=(repo_cache,))  # warm-up: the flags changed
        times = []
        for _ in range(3):
            r = a.build(flags=(repo_cache,))
            if not r.ok:
                raise AssertionError(r.errors())
            times.append(r.seconds)
        nums["null"] = {"seconds": statistics.median(times), "all": times, "processes": r.processes,
                        "executed": r.executed}
        log("incremental build (a doc comment of envelope.upel)")
        edit_envelope(a.workspace)
        r = a.build(flags=(repo_cache,), exec_log=True)
        if not r.ok:
            raise AssertionError(r.errors())
        nums["incremental"] = {"seconds": r.seconds, "processes": r.processes, "executed": r.executed,
                               "kinds": r.process_kinds, "spawns": sorted(spawn_label(s) for s in r.spawns)}
        if cache:
            log("second copy, fresh output base, remote cache")
            r = b.build(flags=(repo_cache, *cache_flags(cache)))
            if not r.ok:
                raise AssertionError(r.errors())
            nums["remote"] = {"seconds": r.seconds, "processes": r.processes, "kinds": r.process_kinds,
                              "hits": r.process_kinds.get("remote cache hit", 0), "executed": r.executed}
    finally:
        a.shutdown()
        b.shutdown()
        if cache:
            cache.stop()
    return nums


def render(nums: dict) -> str:
    def kinds(k: dict) -> str:
        return ", ".join(f"{n} {kind}" for kind, n in k.items()) or "-"

    c, n, i = nums["clean"], nums["null"], nums["incremental"]
    rows = [
        "| build of `//specs/avionics:all_targets` | wall time (s) | processes | of which |",
        "|---|---|---|---|",
        f"| clean (fresh output base, wheels from the kit) | {c['seconds']:.1f} | {c['processes']} | {kinds(c['kinds'])} |",
        f"| null (nothing changed; median of 3) | {n['seconds']:.2f} | {n['processes'] or 0} | {n['executed']} executed |",
        f"| incremental (a doc comment of `envelope.upel`) | {i['seconds']:.1f} | {i['processes']} | {kinds(i['kinds'])} |",
    ]
    if "remote" in nums:
        r = nums["remote"]
        rows.append(f"| second copy elsewhere, fresh output base, remote cache | {r['seconds']:.1f} | "
                    f"{r['processes']} | {kinds(r['kinds'])} |")
    rows += ["", "Actions the incremental build ran: " + ", ".join(f"`{s}`" for s in i["spawns"]) + "."]
    return "\n".join(rows)


def write_section(table: str, path: Path = PERF) -> None:
    section = "\n".join([
        START,
        "## Bazel (`python -m tools.bench_bazel`)",
        "",
        (f"Bazel 4.2.3 (Debian's bazel-bootstrap), {platform.system()} {platform.machine()}, "
         f"{os.cpu_count()} cores; temporary copies of the workspace with their own output bases. "
         "\"processes\" is Bazel's `INFO: N processes: ...` line; \"internal\" ones are Bazel's own "
         "bookkeeping (symlink trees, stub scripts), the others ran a tool or were served from a cache. "
         "tests/bazel/test_bazel_e2e.py asserts the counts (never the times)."),
        "",
        table,
        "",
        END,
    ])
    text = path.read_text(encoding="utf-8") if path.exists() else \
        "# Performance\n\nEvery number here is reproducible by the command named in its section.\n\n"
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kit", type=Path, help="an offline kit (tools/offline_kit.py); default: make one (network)")
    ap.add_argument("--no-remote-cache", action="store_true", help="skip the nginx remote cache measurement")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    ap.add_argument("--bazel", default=os.environ.get("BAZEL", "bazel"))
    ap.add_argument("--json", action="store_true", help="also print the raw numbers as JSON")
    args = ap.parse_args(argv)

    def log(s: str) -> None:
        print(f"[bench_bazel] {s}", file=sys.stderr, flush=True)

    if shutil.which(args.bazel) is None:
        log(f"{args.bazel!r} not found (tools/setup.sh installs it)")
        return 1
    use_cache = not args.no_remote_cache
    if use_cache and shutil.which("nginx") is None:
        log("nginx not found: no remote cache numbers (tools/setup.sh installs nginx-light)")
        use_cache = False
    with tempfile.TemporaryDirectory(prefix="upel-bench-bazel-", ignore_cleanup_errors=True) as tmp:
        try:
            nums = bench(Path(tmp), args.kit, use_cache, args.bazel, log)
        except (AssertionError, KitError, RuntimeError) as e:
            log(f"failed: {e}")
            return 1
        finally:
            subprocess.run(["chmod", "-R", "u+w", tmp], check=False, capture_output=True, timeout=300)
            subprocess.run(["rm", "-rf", tmp], check=False, capture_output=True, timeout=300)
    table = render(nums)
    print(table)
    if args.json:
        print(json.dumps(nums, indent=2))
    if not args.no_write:
        write_section(table)
        log(f"wrote {PERF}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
