"""Verification stage (Frama-C): shared helpers of the `wp` and `eva` verifiers.

- `tools()`: versions of frama-c, why3 and z3, or `ToolMissing` naming how
  to install them;
- `c_functions()` / `reachable()`: the function definitions of the generated
  C and who calls whom, so a run can be limited to the package functions and
  the runtime helpers they use (upel_rt.h defines many more), and a helper's
  results can be charged to every function that relies on it;
- `inputs()` / `trim()`: evidence plumbing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from upel.codegen.registry import ToolMissing
from upel.verify.evidence import sha256_file

HOW = "apt-get install frama-c-base why3 z3 cvc4, then run `why3 config detect`"
MAX_MESSAGE = 2000


def _first_line(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ToolMissing(cmd[0], f"{HOW}; running `{' '.join(cmd)}` failed: {e}") from None
    out = (proc.stdout or proc.stderr).strip()
    if proc.returncode != 0 or not out:
        raise ToolMissing(cmd[0], f"{HOW}; `{' '.join(cmd)}` failed (exit {proc.returncode})")
    return out.splitlines()[0].strip()


def tools(need_z3: bool = True) -> dict[str, str]:
    """{program: version}. WP needs Why3 configured with Z3 and CVC4; EVA needs
    only frama-c."""
    for prog in ("frama-c",) + (("why3", "z3", "cvc4") if need_z3 else ()):
        if shutil.which(prog) is None:
            raise ToolMissing(prog, HOW)
    versions = {"frama-c": _first_line(["frama-c", "-version"])}
    if need_z3:
        why3 = _first_line(["why3", "--version"])
        versions["why3"] = why3.rsplit(" ", 1)[-1]
        z3 = _first_line(["z3", "--version"])  # "Z3 version 4.8.12 - 64 bit"
        m = re.search(r"version (\S+)", z3)
        versions["z3"] = m.group(1) if m else z3
        with tempfile.TemporaryDirectory() as tmp:
            provers = subprocess.run(["why3", "config", "list-provers"], check=False, capture_output=True,
                                     text=True, timeout=60, env=why3_env(Path(tmp))).stdout
        if not re.search(r"^Z3 ", provers, re.MULTILINE):
            raise ToolMissing("why3", "Why3 does not know Z3: run `why3 config detect` "
                                      "(install with apt-get install why3 z3)")
        # CVC4 is WP's second prover: it gets only the goals Z3 does not prove
        # (wp.PROVERS). It is required, not optional, so that what WP proves does not
        # depend on what happens to be installed.
        m = re.search(r"^CVC4 (\S+)$", provers, re.MULTILINE)
        if not m:
            raise ToolMissing("why3", "Why3 does not know CVC4: install it with apt-get install cvc4 "
                                      "(Why3 detects it in every run)")
        versions["cvc4"] = m.group(1)
    return versions


# ---- the generated C as functions and calls ---------------------------------------
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


def c_functions(text: str) -> dict[str, str]:
    """name -> body of every function *definition* in C text (comments, hence
    ACSL, stripped). Generated code has no string or character literals with
    braces, so counting braces at file scope finds the bodies."""
    text = _COMMENT.sub(" ", text)
    out: dict[str, str] = {}
    depth, start, head_from = 0, 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            if depth == 0:
                head = text[head_from:i]
                start = i
                m = re.search(r"([A-Za-z_]\w*)\s*\([^()]*\)\s*$", head)
                name = m.group(1) if m else None
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                if name is not None:
                    out[name] = text[start:i + 1]
                head_from = i + 1
        elif ch == ";" and depth == 0:
            head_from = i + 1
    return out


def call_graph(files: list[Path]) -> tuple[dict[str, set[str]], dict[str, Path]]:
    """(function -> functions it calls, function -> file defining it)."""
    bodies: dict[str, str] = {}
    where: dict[str, Path] = {}
    for f in files:
        for name, body in c_functions(f.read_text(encoding="utf-8")).items():
            bodies[name] = body
            where[name] = f
    graph = {n: {c for c in _CALL.findall(b) if c in bodies and c != n} for n, b in bodies.items()}
    return graph, where


def reachable(graph: dict[str, set[str]], root: str, stop: set[str] = frozenset()) -> set[str]:
    """Functions `root` uses, transitively, not entering the ones in `stop` (root excluded)."""
    seen: set[str] = set()
    todo = [root]
    while todo:
        for c in graph.get(todo.pop(), ()):
            if c not in seen and c != root:
                seen.add(c)
                if c not in stop:
                    todo.append(c)
    return seen


def why3_env(workdir: Path) -> dict[str, str]:
    """Environment naming a Why3 configuration of our own, detected afresh in
    `workdir` (0.2 s): a sandboxed Bazel action has no $HOME/.why3.conf, and a
    user's hand-edited one must not change what WP proves."""
    conf = workdir / "why3.conf"
    env = {**os.environ, "WHY3CONFIG": str(conf)}
    if not conf.is_file():
        subprocess.run(["why3", "config", "detect"], check=False, capture_output=True, text=True,
                       timeout=60, env=env)
    return {"WHY3CONFIG": str(conf)}


def run(ctx, cmd: list[str], timeout: float):
    """Run Frama-C in the work directory. Frama-C resolves relative file names
    against $PWD, not the process's working directory, so PWD must follow cwd."""
    return ctx.run(cmd, cwd=ctx.workdir, timeout=timeout,
                   env={"PWD": str(ctx.workdir), **why3_env(ctx.workdir)})


def inputs(files: list[Path], base: Path, ir_digest: str) -> dict[str, str]:
    out = {f.relative_to(base).as_posix(): sha256_file(f) for f in files}
    out["ir"] = ir_digest
    return out


def trim(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + f" ... ({len(text) - MAX_MESSAGE} more characters)"


def c_name_map(ctx) -> dict[str, str]:
    """Function qualified name -> its C name, as the C backend names it."""
    from upel.backends.c.emitter import Emitter

    em = Emitter(ctx.doc)
    return {f["qname"]: em.cname[f["qname"]] for p in ctx.doc["packages"] for f in p["functions"]}


def c_impl_map(ctx) -> dict[str, str]:
    """Function qualified name -> the C name of its `static inline` implementation
    (the body; the extern function of that name only forwards to it)."""
    from upel.backends.c.emitter import Emitter

    em = Emitter(ctx.doc)
    return {f["qname"]: em.impl[f["qname"]] for p in ctx.doc["packages"] for f in p["functions"]}
