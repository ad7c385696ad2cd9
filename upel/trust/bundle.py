"""Trust layer: release bundles (`upel bundle`): generate, build, verify, sign.

A bundle is a directory (layout in docs/provenance.md):

    src/<backend>/...              generated sources, exactly as `upel gen` writes them
    build/c/libupel_bundle.a       the C sources compiled reproducibly (gcc -O2, ar D)
    evidence/<package>/<tool>.*    verification evidence (without durations) and SARIF
    ir/<package>.ir.{json,cbor,digest}
    registry.json                  the operator registry
    manifest.json                  every file above with sha256 and size
    provenance.intoto.dsse.json    in-toto Statement v1 + SLSA v1, DSSE, Ed25519

Strict: an obligation that is not proved (or assumed) stops the release
before anything is written. The bundle is built in a temporary directory
next to the destination and renamed into place at the end, so a failure
never leaves a partial bundle. Nothing in it depends on the time, the
working directory or the build directory, so rebuilding from the same specs
with the same key and tools gives a byte-identical bundle (`upel
rebuild-check`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from upel import __version__
from upel.diagnostics import UserError
from upel.trust.statement import BUILDER_CLI, ENVELOPE, MANIFEST, assemble, sha256_hex
from upel.verify.evidence import interp_evidence

C_LIBRARY = "build/c/libupel_bundle.a"
# The C backend's own warning flags (backends/c/runner.py) plus what makes the
# object independent of the build directory: no -g, and the directory mapped
# to "." in anything gcc might still record (__FILE__, diagnostics).
C_FLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2"]


@dataclass
class Options:
    backends: list[str]
    tools: list[str]                  # "interp" and/or verifier names (upel.verify.registry)
    samples: int = 1000               # interp: random inputs per function and property
    seed: int = 0
    timeout: float = 120.0            # seconds per prover call
    progress: Callable[[str], None] = lambda m: None


@dataclass
class Release:
    files: dict[str, bytes]
    specs: list[str]
    packages: list[str]
    tool_versions: dict[str, str] = field(default_factory=dict)


def _run(cmd: list[str], cwd: Path, what: str) -> str:
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise UserError(f"{what}: cannot run {cmd[0]}: {e}") from None
    if p.returncode != 0:
        log = (p.stderr + p.stdout).strip()[:4000]
        raise UserError(f"{what}: `{' '.join(cmd)}` failed (exit {p.returncode}):\n{log}")
    return p.stdout


def _tool_version(cmd: list[str]) -> str:
    out = _run(cmd, Path("."), "tool version")
    return out.splitlines()[0].strip() if out else "unknown"


def build_c(src: Path, work: Path) -> tuple[bytes, dict[str, str]]:
    """Compile every .c of `src` into one deterministic static library."""
    from upel.codegen.registry import ToolMissing, get

    try:
        versions = get("c").tools()
    except ToolMissing as e:
        raise UserError(f"build: {e}") from None
    if shutil.which("ar") is None:
        raise UserError("build: ar is not installed (apt-get install binutils)")
    versions["ar"] = _tool_version(["ar", "--version"])
    build = work / "build-c"
    shutil.copytree(src, build)
    objects = []
    for c in sorted(p.name for p in build.glob("*.c")):
        obj = c[:-2] + ".o"
        _run(["gcc", *C_FLAGS, f"-ffile-prefix-map={build}=.", "-c", c, "-o", obj], build, "build")
        objects.append(obj)
    # `D`: zero timestamps, uids and modes in the archive members.
    _run(["ar", "Drcs", "lib.a", *objects], build, "build")
    return (build / "lib.a").read_bytes(), versions


def _json_bytes(obj: dict) -> bytes:
    return (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode()


def registry_json(docs: dict[str, dict]) -> bytes:
    from upel.trust.registry import build_registry, render_registry

    return render_registry(build_registry(docs))


def ir_files(docs: dict[str, dict]) -> dict[str, bytes]:
    from upel.ir.encoding import canonical_cbor, ir_digest
    from upel.ir.schema import validate_ir_docs
    from upel.ir.write import render_json

    validate_ir_docs(docs[r] for r in sorted(docs))
    out = {}
    for root in sorted(docs):
        out[f"ir/{root}.ir.json"] = render_json(docs[root])
        out[f"ir/{root}.ir.cbor"] = canonical_cbor(docs[root])
        out[f"ir/{root}.ir.digest"] = (ir_digest(docs[root]) + "\n").encode()
    return out


def collect(front, opts: Options, work: Path) -> Release:
    """Generate, build and verify; the bundle's files (without manifest and statement)."""
    from upel.codegen.driver import generate
    from upel.verify.driver import verify, write_outputs

    program, docs, roots = front.program, front.docs, front.program.roots
    files: dict[str, bytes] = {}
    versions: dict[str, str] = {}

    opts.progress(f"generate: {', '.join(opts.backends)} for {', '.join(roots)}")
    for b in opts.backends:
        for root in roots:
            for rel, text in generate(docs[root], b, harness=False).items():
                key, data = f"src/{b}/{rel}", text.encode("utf-8")
                if files.get(key, data) != data:
                    raise UserError(f"two packages generate different contents for {key}")
                files[key] = data
    for key, data in files.items():
        (work / key).parent.mkdir(parents=True, exist_ok=True)
        (work / key).write_bytes(data)

    if "c" in opts.backends:
        opts.progress(f"build: {C_LIBRARY} (gcc -O2, ar D)")
        files[C_LIBRARY], v = build_c(work / "src" / "c", work)
        versions.update(v)
    else:
        opts.progress("build: nothing to compile (no c backend); sources only")

    provers = [t for t in opts.tools if t != "interp"]
    problems: list[str] = []
    gen_dirs = {b: work / "src" / b for b in opts.backends if b in ("c", "verilog")}
    for root in roots:
        doc = docs[root]
        if "interp" in opts.tools:
            opts.progress(f"verify: {root} with interp ({opts.samples} random inputs, seed {opts.seed})")
            ev, bad = interp_evidence(doc, opts.samples, opts.seed)
            files[f"evidence/{root}/interp.evidence.json"] = _json_bytes(ev)
            problems += [f"{root}: {m}" for m in bad]
        if provers:
            opts.progress(f"verify: {root} with {', '.join(provers)}")
        for rep in verify(doc, provers, timeout=opts.timeout, gen_dirs=gen_dirs, progress=opts.progress):
            versions.update(rep.versions)
            ev_path, sarif_path = (work / "ev" / root / f"{rep.tool}.{ext}" for ext in ("evidence.json", "sarif"))
            ev_path.parent.mkdir(parents=True, exist_ok=True)
            write_outputs(doc, rep, ev_path, sarif_path, reproducible=True)
            files[f"evidence/{root}/{rep.tool}.evidence.json"] = ev_path.read_bytes()
            files[f"evidence/{root}/{rep.tool}.sarif"] = sarif_path.read_bytes()
            problems += [f"{root}: [{r.tool}] {r.verdict} {r.obligation}" + (f": {r.message}" if r.message else "")
                         for r in rep.failures()]
    if problems:
        raise UserError("verification failed; no bundle was written:\n  " + "\n  ".join(problems))

    files.update(ir_files(docs))
    files["registry.json"] = registry_json(docs)
    root_files = {f.path for r in roots for f in program.packages[r].files}
    specs = sorted(program.ir_paths[p] for p in root_files)
    return Release(files, specs, list(roots), versions)


def spec_sources(program) -> dict[str, bytes]:
    """Every spec source (named and imported) by the root-relative path the IR records."""
    out = {}
    for display, rel in program.ir_paths.items():
        try:
            out[rel] = Path(display).read_bytes()
        except OSError as e:
            raise UserError(f"{display}: cannot read: {e.strerror}") from None
    return out


def check_destination(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UserError(f"{out}: exists and is not empty; refusing to overwrite a bundle (pass --force)")


def write_tree(files: dict[str, bytes], out: Path, force: bool,
               before_place: Callable[[], None] = lambda: None) -> None:
    """Write all files into a fresh directory next to `out`, then rename it into place.

    `before_place` runs once the tree is complete, just before the rename; if
    it raises, nothing is placed."""
    check_destination(out, force)
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=parent))
    old = None
    try:
        for rel in sorted(files):
            p = tmp / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(files[rel])
            os.chmod(p, 0o644)
        for d in [tmp, *(p for p in tmp.rglob("*") if p.is_dir())]:
            os.chmod(d, 0o755)  # mkdtemp makes 0700; a bundle is meant to be shared
        before_place()
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.rename(out, old / "bundle")
        os.rename(tmp, out)
    except BaseException:
        if old is not None and not out.exists():
            with contextlib.suppress(OSError):
                os.rename(old / "bundle", out)  # put the previous bundle back
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def append_ledger(path: str, payload: dict) -> int:
    from upel.trust.ledger import append

    return append(path, "release", payload)


def release(front, opts: Options, key: Ed25519PrivateKey, out: Path, force: bool = False,
            ledger: str | None = None) -> dict:
    """The whole `upel bundle` pipeline; returns a summary for the CLI."""
    check_destination(out, force)  # before any work, and again before the rename
    with tempfile.TemporaryDirectory(prefix="upel-bundle-") as tmp:
        rel = collect(front, opts, Path(tmp))
    external = {"specs": rel.specs, "packages": rel.packages, "backends": list(opts.backends),
                "tools": list(opts.tools), "samples": opts.samples, "seed": opts.seed}
    opts.progress(f"sign: manifest and in-toto statement ({len(rel.files)} files), DSSE Ed25519")
    files = assemble(rel.files, external, rel.tool_versions, spec_sources(front.program), key, BUILDER_CLI)
    summary = {"out": str(out), "files": len(files), "bytes": sum(len(v) for v in files.values()),
               "manifest_sha256": sha256_hex(files[MANIFEST]), "envelope_sha256": sha256_hex(files[ENVELOPE]),
               "specs": rel.specs}

    def record() -> None:
        # Appended before the rename: a failing ledger leaves no bundle behind,
        # and a rename failing afterwards leaves an entry whose bundle can be
        # rebuilt byte for byte from the same specs and key.
        if ledger:
            payload = {"manifest_sha256": summary["manifest_sha256"], "envelope_sha256": summary["envelope_sha256"],
                       "specs": rel.specs, "packages": rel.packages, "backends": list(opts.backends),
                       "tools": list(opts.tools), "upel_version": __version__}
            summary["ledger_index"] = append_ledger(ledger, payload)

    write_tree(files, out, force, before_place=record)
    return summary


def bazel_bundle(ir_json: Path, srcs: list[Path], gen: dict[str, Path], evidence: dict[str, Path],
                 out: Path, key: Ed25519PrivateKey | None) -> dict[str, bytes]:
    """The `upel_bundle` Bazel action: collect what other actions made, then sign.

    Bazel has already generated, verified and cached every input; this only
    lays them out as a bundle. `out` is the (empty) tree artifact Bazel
    declared; Bazel itself makes the output appear all at once.
    """
    from upel.trust.statement import BUILDER_BAZEL

    doc = json.loads(Path(ir_json).read_text(encoding="utf-8"))
    root = doc["root"]
    files: dict[str, bytes] = {}
    for backend, tree in sorted(gen.items()):
        for p in sorted(Path(tree).rglob("*")):
            if p.is_file():
                files[f"src/{backend}/{p.relative_to(tree).as_posix()}"] = p.read_bytes()
    versions: dict[str, str] = {}
    for name, path in sorted(evidence.items()):  # name: "<tool>.evidence.json" or "<tool>.sarif"
        files[f"evidence/{root}/{name}"] = data = Path(path).read_bytes()
        if name.endswith(".evidence.json"):
            versions.update(json.loads(data).get("tool_versions", {}))
    files.update(ir_files({root: doc}))
    files["registry.json"] = registry_json({root: doc})
    # Name each source as the IR does (root-relative), like `upel bundle`.
    recorded = {pkg["name"]: {t["loc"]["file"] for t in pkg.get("functions", []) + pkg.get("types", [])
                              if t.get("loc")} for pkg in doc["packages"]}
    known = sorted(set().union(*recorded.values()), key=len, reverse=True)
    deps = {}
    for src in srcs:
        posix = Path(src).as_posix()
        deps[next((f for f in known if posix == f or posix.endswith("/" + f)), posix)] = Path(src).read_bytes()
    root_files = sorted(recorded.get(root, set()))
    external = {"specs": root_files, "packages": [root], "backends": sorted(gen),
                "tools": sorted({n.split(".", 1)[0] for n in evidence})}
    out_files = assemble(files, external, versions, deps, key, BUILDER_BAZEL)
    for rel in sorted(out_files):
        p = Path(out) / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(out_files[rel])
    return out_files
