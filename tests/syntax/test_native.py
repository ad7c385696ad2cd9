"""The compiled front end (tools/build_native.py, upel.syntax.native) and the
pure-Python modules it is compiled from agree exactly.

Each side runs in its own process (`UPEL_PURE_PYTHON=1` for the pure one) over
every `.upel` file under specs/ and tests/, the synthetic 1,000-operator spec
and 600 mutilations of the repository's files, and writes a fingerprint: for
each text, the AST's repr (every node and `Loc`) and every diagnostic; for each
spec folder and file, the diagnostics of the checker, and the IR's JSON and
canonical CBOR bytes, its digest and the schema gate's verdict. The two must be
identical. Also: the staleness guard refuses a build whose sources changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if __name__ == "__main__":
    sys.path.insert(0, str(REPO))

import pytest  # noqa: E402

from upel.syntax import native  # noqa: E402

needs_native = pytest.mark.skipif(
    not native.in_use(), reason=f"compiled front end not in use: {native.activate()['reason']}")


def _files() -> list[Path]:
    return sorted(REPO.glob("specs/**/*.upel")) + sorted(REPO.glob("tests/**/*.upel"))


def _mutilations(texts: list[str], n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        t = rng.choice(texts)
        if not t:
            continue
        i, j = sorted(rng.randrange(len(t) + 1) for _ in range(2))
        k = rng.randrange(3)
        if k == 0:
            out.append(t[:i] + t[j:j + rng.randrange(1, 40)] + t[i:])  # duplicate a slice
        elif k == 1:
            out.append(t[:i] + t[i + rng.randrange(1, 12):])  # cut a few characters
        else:
            out.append(t[:i] + rng.choice(["(", ")", "{", "}", ";", "-", "0x", "/*", '"', "as u8", "+"]) + t[i:])
    return out


def _diags(sink) -> list[list]:
    return [[d.severity, d.code, d.message, repr(d.loc), d.hint] for d in sink.items]


def fingerprint() -> dict:
    """What the front end makes of the repository's specs: every byte that matters."""
    from tools.synth import synth_spec
    from upel.check.lower import check_program
    from upel.diagnostics import DiagnosticSink
    from upel.ir.encoding import canonical_cbor, ir_digest
    from upel.ir.schema import validate_ir_docs
    from upel.ir.write import render_json
    from upel.loader import load
    from upel.syntax.parser import parse_source

    out: dict = {"mode": native.activate()["mode"], "parse": {}, "check": {}}
    files = _files()
    texts = [p.read_bytes().decode("utf-8", "replace") for p in files]  # one is not UTF-8 (E0005)
    named = {str(p.relative_to(REPO)): t for p, t in zip(files, texts)}
    named["synth1000"] = synth_spec(1000)
    for i, t in enumerate(_mutilations(texts, 600)):
        named[f"mutilation{i}"] = t
    for name, text in named.items():
        sink = DiagnosticSink()
        tree = parse_source(text, name, sink)
        out["parse"][name] = [hashlib.sha256(repr(tree).encode()).hexdigest(), _diags(sink)]
    units = sorted({str(p.parent) for p in REPO.glob("specs/*/**/*.upel")}) + [str(p) for p in files]
    for unit in units:
        sink = DiagnosticSink()
        program = load([unit], [], sink)
        docs = check_program(program, sink) if program is not None else None
        entry: dict = {"diagnostics": _diags(sink)}
        if docs:
            validate_ir_docs(docs[r] for r in sorted(docs))  # raises on a schema violation
            for r in sorted(docs):
                entry[r] = [ir_digest(docs[r], remember=False), hashlib.sha256(canonical_cbor(docs[r])).hexdigest(),
                            hashlib.sha256(render_json(docs[r])).hexdigest()]
        out["check"][os.path.relpath(unit, REPO)] = entry
    return out


def _run(pure: bool, tmp: Path) -> dict:
    env = dict(os.environ)
    env.pop("UPEL_PURE_PYTHON", None)
    if pure:
        env["UPEL_PURE_PYTHON"] = "1"
    dest = tmp / ("pure.json" if pure else "native.json")
    subprocess.run([sys.executable, __file__, str(dest)], cwd=REPO, env=env, check=True, timeout=900)
    return json.loads(dest.read_text())


@needs_native
def test_compiled_and_pure_front_ends_agree(tmp_path):
    pure, compiled = _run(True, tmp_path), _run(False, tmp_path)
    assert (pure["mode"], compiled["mode"]) == ("pure", "native")
    assert len(pure["parse"]) > 600 and len(pure["check"]) > 20
    for part in ("parse", "check"):
        assert pure[part].keys() == compiled[part].keys()
        differ = [k for k in pure[part] if pure[part][k] != compiled[part][k]]
        assert not differ, f"{part}: the compiled front end differs on {differ[:5]}"
    # The corpus exercises the diagnostics too, not only the happy path.
    assert sum(bool(v[1]) for v in pure["parse"].values()) > 100
    assert sum(bool(v["diagnostics"]) for v in pure["check"].values()) > 20


@needs_native
def test_the_compiled_modules_are_the_ones_running():
    import upel.check.lower
    import upel.syntax.build

    for mod in (upel.syntax.build, upel.check.lower):
        assert not mod.__file__.endswith(".py"), mod.__file__
    r = subprocess.run([sys.executable, "-m", "upel", "--version"], cwd=REPO, capture_output=True, text=True)
    assert "front end: compiled" in r.stdout, r.stdout


def test_pure_python_is_forced_by_the_environment():
    code = ("import upel.syntax.native as n, upel.syntax.build as b, upel.check.lower as l\n"
            "print(n.activate()['mode'], b.__file__.endswith('.py') and l.__file__.endswith('.py'))")
    env = {**os.environ, "UPEL_PURE_PYTHON": "1"}
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["pure", "True"] and not r.stderr


@needs_native
def test_a_stale_build_is_refused_with_a_warning(tmp_path):
    """A copy of the package with the extensions, and one compiled source edited
    afterwards: the pure-Python modules run, and stderr says why."""
    copy = tmp_path / "upel"
    shutil.copytree(REPO / "upel", copy, ignore=shutil.ignore_patterns("__pycache__"))
    src = copy / "check" / "exprs.py"
    src.write_text(src.read_text(encoding="utf-8") + "\n# edited after the build\n", encoding="utf-8")
    code = ("import upel.syntax.native as n, upel.check.exprs as e, upel.syntax.build as b\n"
            "print(n.activate()['mode'], e.__file__.endswith('.py'), b.__file__.endswith('.py'))")
    env = {k: v for k, v in os.environ.items() if k != "UPEL_PURE_PYTHON"}
    env["PYTHONPATH"] = str(tmp_path)
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["pure", "True", "True"], r.stdout + r.stderr
    assert "sources changed since the build: upel/check/exprs.py" in r.stderr
    assert r.stderr.count("warning") == 1
    # The same copy, unedited source: the extensions are used.
    shutil.copy2(REPO / "upel" / "check" / "exprs.py", src)
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["native", "False", "False"], r.stdout + r.stderr
    assert not r.stderr


def test_stale_modules_compares_every_source():
    recorded = {m: native.source_digest(m) for m in native.MODULES}
    assert native.stale_modules(recorded) == []
    recorded["upel.check.lower"] = "0" * 64
    del recorded["upel.syntax.ast"]
    assert native.stale_modules(recorded) == ["upel.syntax.ast", "upel.check.lower"]


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(json.dumps(fingerprint()), encoding="utf-8")


def test_written_out_inits_match_the_fields():
    # ast.py writes out each dataclass's `__init__` (mypyc compiles those, not the generated
    # ones); a field added without its parameter, or in another order, must fail here. Read
    # from the source: a compiled `__init__` has no inspectable signature.
    import ast as pyast

    src = (Path(__file__).resolve().parents[2] / "upel" / "syntax" / "ast.py").read_text(encoding="utf-8")
    checked = 0
    for node in pyast.parse(src).body:
        if not isinstance(node, pyast.ClassDef) or not any(
                "dataclass" in pyast.unparse(d) for d in node.decorator_list):
            continue
        fields = [st.target.id for st in node.body
                  if isinstance(st, pyast.AnnAssign) and isinstance(st.target, pyast.Name)
                  and "ClassVar" not in pyast.unparse(st.annotation)]
        inits = [st for st in node.body if isinstance(st, pyast.FunctionDef) and st.name == "__init__"]
        assert len(inits) == 1, node.name
        params = [a.arg for a in inits[0].args.args[1:]]
        assert params == fields, node.name
        checked += 1
    assert checked > 20
