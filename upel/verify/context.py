"""Verification stage: what a verifier is given.

`VerifyContext` carries the IR document (and its index and digest), a
private work directory, the per-obligation timeout, a progress callback, the
packages whose obligations the run proves (`proves`), and the generated
code of a backend on request: either a tree the caller passes in (`upel
verify --gen-dir c=DIR`, or the Bazel `codegen` attribute), which is then
checked to be exactly what the backend generates from this IR, or a fresh
generation into the work directory. `run()` runs a prover with a
timeout, in its own process group so a hung prover is killed with its
children.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from upel.diagnostics import UserError
from upel.ir.encoding import ir_digest
from upel.ir.model import IRIndex


@dataclass
class RunResult:
    rc: int
    stdout: str
    stderr: str
    duration_ms: int
    timed_out: bool


@dataclass
class VerifyContext:
    doc: dict
    workdir: Path
    timeout: float = 60.0
    progress: Callable[[str], None] = lambda msg: None
    gen_dirs: dict[str, Path] = field(default_factory=dict)
    jobs: int = 2
    # The packages whose obligations this run proves (None: every package of
    # the document). Imported packages are still read as callees; only their
    # own obligations are left to the run that covers them.
    packages: frozenset[str] | None = None

    def __post_init__(self) -> None:
        self.index = IRIndex(self.doc)
        self.ir_digest = ir_digest(self.doc)
        self._generated: dict[str, Path] = {}

    def proves(self, qname: str) -> bool:
        """True if this run proves the obligations of `qname` (a function or
        property; its package is everything before the last dot)."""
        return self.packages is None or qname.rpartition(".")[0] in self.packages

    def generated(self, backend: str, harness: bool = False) -> Path:
        """A directory holding `backend`'s generated code for this IR.

        A caller-supplied tree must match a fresh generation byte for byte
        (otherwise the proof would be about other code); with `harness`, the
        conformance harness files are added in a private copy.
        """
        from upel.codegen.driver import generate

        key = f"{backend}{'+harness' if harness else ''}"
        if key in self._generated:
            return self._generated[key]
        files = generate(self.doc, backend, harness=harness)
        given = self.gen_dirs.get(backend)
        if given is not None:
            for rel, text in generate(self.doc, backend, harness=False).items():
                p = Path(given) / rel
                if not p.is_file():
                    raise UserError(f"{p}: missing from the generated {backend} tree")
                if p.read_text(encoding="utf-8") != text:
                    raise UserError(f"{p}: differs from what the {backend} backend generates for this IR "
                                    "(hand-edited or stale); regenerate it with `upel gen`")
        dest = self.workdir / "gen" / key
        for rel, text in files.items():
            path = dest / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        self._generated[key] = dest
        return dest

    def run(self, cmd: list[str], cwd: Path, timeout: float | None = None,
            env: dict[str, str] | None = None, stdin: str | None = None) -> RunResult:
        """Run a prover; a timeout kills its whole process group and is reported, not raised."""
        limit = self.timeout if timeout is None else timeout
        start = time.monotonic()
        full_env = dict(os.environ)
        full_env.update(env or {})
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                text=True, env=full_env, start_new_session=True)
        try:
            out, err = proc.communicate(stdin, timeout=limit)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            timed_out = True
        return RunResult(proc.returncode, out, err, int((time.monotonic() - start) * 1000), timed_out)
