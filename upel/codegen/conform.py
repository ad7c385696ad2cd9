"""Codegen stage: conformance of generated code against the reference interpreter.

For each backend: generate production code plus harness into a fresh
directory, let the backend's runner compile and run it with the real
toolchain over the shared cases (upel.codegen.harness), and compare every
answer with the interpreter's, value by value (by canonical CBOR) and error
code by error code.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from upel.codegen import registry
from upel.codegen.driver import generate
from upel.codegen.harness import Case, ProtocolError, decode_result, encode_cases, harness_functions, make_cases, show_args
from upel.ir.encoding import canonical_cbor
from upel.ir.model import IRIndex

DEFAULT_TIMEOUT = 900.0


class BuildFailed(Exception):
    """The generated code did not compile or the harness did not run; carries the tool output."""


@dataclass
class FnConformance:
    qname: str
    vectors: int = 0
    vectors_passed: int = 0
    random: int = 0
    random_agreed: int = 0
    first_mismatch: str | None = None


@dataclass
class BackendReport:
    backend: str
    package: str
    tools: dict[str, str] = field(default_factory=dict)
    functions: list[FnConformance] = field(default_factory=list)
    error: str | None = None  # build/run failure or missing tool
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and all(
            f.vectors_passed == f.vectors and f.random_agreed == f.random for f in self.functions)

    @property
    def mismatches(self) -> int:
        return sum((f.vectors - f.vectors_passed) + (f.random - f.random_agreed) for f in self.functions)


def conform(doc: dict, backend: str, cases: list[Case], keep: Path | None = None,
            timeout: float = DEFAULT_TIMEOUT) -> BackendReport:
    t0 = time.perf_counter()
    rep = BackendReport(backend, doc["root"])
    mod = registry.get(backend)
    try:
        rep.tools = mod.tools()
    except registry.ToolMissing as e:
        rep.error = str(e)
        return rep
    work = Path(tempfile.mkdtemp(prefix=f"upel-{backend}-")) if keep is None else keep / backend
    try:
        work.mkdir(parents=True, exist_ok=True)
        for rel, text in generate(doc, backend, harness=True).items():
            p = work / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
        cases_path = work / "cases.txt"
        cases_path.write_text(encode_cases(doc, cases), encoding="utf-8")
        try:
            output = mod.run(work, cases_path, timeout)
        except BuildFailed as e:
            rep.error = str(e)
            return rep
        _compare(doc, cases, output.splitlines(), rep)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
        rep.seconds = time.perf_counter() - t0
    return rep


def _same(a: dict, b: dict) -> bool:
    return canonical_cbor(a) == canonical_cbor(b)


def _compare(doc: dict, cases: list[Case], lines: list[str], rep: BackendReport) -> None:
    ix = IRIndex(doc)
    fns = harness_functions(doc)
    by_fn: dict[str, FnConformance] = {}
    for f in ix.root["functions"]:
        by_fn[f["qname"]] = FnConformance(f["qname"])
    if len(lines) != len(cases):
        rep.error = f"harness answered {len(lines)} lines for {len(cases)} cases"
    for case, line in zip(cases, lines):
        fc = by_fn.setdefault(case.fn, FnConformance(case.fn))
        try:
            got = decode_result(doc, fns[case.index], line, ix)  # one index for all lines
        except (ProtocolError, ValueError) as e:
            got, problem = None, str(e)
        else:
            problem = None
        ok = got is not None and _same(got, case.expect)
        if case.source == "vector":
            fc.vectors += 1
            fc.vectors_passed += ok
        else:
            fc.random += 1
            fc.random_agreed += ok
        if not ok and fc.first_mismatch is None:
            name = case.fn.rsplit(".", 1)[1]
            fc.first_mismatch = (f"{name}{show_args(case.args)}: interpreter {_show(ix, case.expect)}, "
                                 f"{rep.backend} {problem or _show(ix, got)}")
    rep.functions = sorted(by_fn.values(), key=lambda f: f.qname)


def _show(ix: IRIndex, o: dict) -> str:
    if "error" in o:
        return f"error {ix.error_name(o['error'])}"
    return repr(o["value"])


def run_conformance(doc: dict, backends: list[str], samples: int, seed: int, keep: Path | None = None,
                    progress=None) -> list[BackendReport]:
    cases = make_cases(doc, samples, seed)
    reports = []
    for b in backends:
        if progress:
            progress(f"{doc['root']}: {b}: generating, compiling and running {len(cases)} cases")
        reports.append(conform(doc, b, cases, keep))
    return reports
