"""rules_upel under real Bazel: analysis tests, use from another workspace,
and clear errors on misuse.

The misuse cases live in a temporary *user* workspace that loads rules_upel
as an external repository (as a team using it would), so the deliberately
broken targets never sit in this repository's own `//...`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

USER_WORKSPACE = f'''workspace(name = "user_project")

local_repository(name = "rules_upel", path = "{REPO}")
local_repository(name = "rules_cc", path = "{REPO}/bazel/shims/rules_cc")
local_repository(name = "rules_java", path = "/usr/share/bazel/rules/java")
local_repository(name = "remote_coverage_tools", path = "{REPO}/bazel/shims/remote_coverage_tools")

load("@rules_upel//bazel:deps.bzl", "upel_dependencies")

upel_dependencies()

register_toolchains("@rules_upel//bazel/toolchains:python_toolchain")
'''

USER_BUILD = '''load("@rules_upel//bazel:defs.bzl", "upel_codegen", "upel_conformance_test", "upel_spec", "upel_verify")

upel_spec(name = "good", srcs = ["good.upel"])

upel_codegen(name = "good_c", spec = ":good", backend = "{backend}")

upel_conformance_test(name = "good_conformance", spec = ":good", backend = "python", samples = 200)

upel_spec(name = "bad_spec", srcs = ["bad.upel"], tags = ["manual"])

upel_verify(name = "unknown_tool", spec = ":good", tools = ["oracle"], tags = ["manual"])

upel_verify(name = "duplicate_tool", spec = ":good", tools = ["smt", "smt"], tags = ["manual"])
'''

GOOD = '''package user.good version "1.0.0";
/// Clamped increment.
@req("U-1")
fn inc(x: u8) -> u8 { x +| 1 }
vectors inc { (1) -> 2; (255) -> 255; }
'''


def _errors(r: subprocess.CompletedProcess) -> str:
    # Debian's linux-sandbox traces every spawn to stderr; keep Bazel's own lines.
    return "\n".join(l for l in r.stderr.splitlines() if not re.match(r"^\d+\.\d+: src/main/tools/", l))


@pytest.fixture(scope="module")
def bazel_env(tmp_path_factory):
    if shutil.which("bazel") is None:
        pytest.skip("bazel is not installed: tools/setup.sh installs Debian's bazel-bootstrap")
    base = tmp_path_factory.mktemp("bazel")
    obs = []

    def workspace(backend: str = "python") -> Path:
        ws = base / f"user_{backend}"
        ws.mkdir()
        (ws / "WORKSPACE").write_text(USER_WORKSPACE)
        (ws / ".bazelrc").write_text((REPO / ".bazelrc").read_text())
        (ws / "BUILD.bazel").write_text(USER_BUILD.format(backend=backend))
        (ws / "good.upel").write_text(GOOD)
        (ws / "bad.upel").write_text('package user.bad version "1.0.0";\n\nfn f() -> u8 { 300 }\n')
        return ws

    def run(ws: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
        ob = base / f"ob_{ws.name}"
        if ob not in obs:
            obs.append(ob)
        return subprocess.run(["bazel", f"--output_base={ob}", *args], cwd=ws, capture_output=True,
                              text=True, timeout=timeout)

    yield workspace, run, REPO
    for ob in obs:
        subprocess.run(["bazel", f"--output_base={ob}", "shutdown"], capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def user_ws(bazel_env):
    workspace, run, _ = bazel_env
    return workspace(), run


def test_bazel_test_everything_from_a_fresh_output_base(bazel_env):
    """`bazel test //...`: the analysis tests and a conformance test per spec
    and backend (real gcc, rustc, iverilog, verilator in the sandbox)."""
    _, run, repo = bazel_env
    r = run(repo, "test", "//...", timeout=1800)
    out = r.stdout + r.stderr
    assert r.returncode == 0, _errors(r)[-3000:]
    m = re.search(r"Executed (\d+) out of (\d+) tests: (\d+) tests pass", out)
    assert m and m.group(2) == m.group(3), out[-2000:]
    assert int(m.group(2)) >= 5 + 6 * 4  # analysis tests + 6 packages x 4 backends
    for name in ("arinc429_spec_test", "medtech_infusion_c_conformance", "fintech_ledger_verilog_conformance"):
        assert name in out


def test_rules_work_from_another_workspace(user_ws):
    ws, run = user_ws
    r = run(ws, "test", "//:good_conformance", "//:good_c")
    assert r.returncode == 0, _errors(r)[-3000:]
    gen = ws / "bazel-bin" / "good_c"
    assert sorted(p.name for p in gen.iterdir()) == ["upel_rt.py", "user_good.py"]
    assert "# requirements: U-1" in (gen / "user_good.py").read_text()


@pytest.mark.parametrize("target,attr,text", [
    ("unknown_tool", "tools", 'unknown verification tool "oracle"'),
    ("duplicate_tool", "tools", 'verification tool "smt" is listed twice'),
])
def test_misuse_fails_naming_the_attribute(user_ws, target, attr, text):
    ws, run = user_ws
    r = run(ws, "build", f"//:{target}")
    err = _errors(r)
    assert r.returncode != 0
    assert text in err and f"attribute {attr}:" in err, err[-2000:]
    assert '.py", line' not in err  # Bazel shows a Starlark stack for fail(); never a Python one


def test_unknown_backend_is_rejected_while_loading(bazel_env):
    workspace, run, _ = bazel_env
    ws = workspace("cobol")
    r = run(ws, "build", "//:good_c")
    err = _errors(r)
    assert r.returncode != 0
    assert "invalid value in 'backend' attribute" in err and "instead of 'cobol'" in err, err[-2000:]


def test_spec_errors_fail_the_build_with_the_diagnostic(user_ws):
    ws, run = user_ws
    r = run(ws, "build", "//:bad_spec")
    err = _errors(r)
    assert r.returncode != 0
    assert "bad.upel:3:16: error[UPEL-E0202]: literal 300 does not fit u8" in err, err[-2000:]
    assert "Traceback" not in err  # the spec's own diagnostic, not a stack


BUNDLE_BUILD = '''load("@rules_upel//bazel:defs.bzl", "upel_bundle", "upel_codegen", "upel_spec", "upel_verify")

upel_spec(name = "good", srcs = ["good.upel"])

upel_codegen(name = "good_py", spec = ":good", backend = "python")

upel_verify(name = "good_verify", spec = ":good", samples = 50)

upel_bundle(name = "good_bundle", spec = ":good", codegen = [":good_py"], verify = ":good_verify")
'''


def test_upel_bundle_unsigned_then_signed(user_ws, tmp_path):
    """Without a key: the statement only, and the build says UNSIGNED; with
    --action_env=UPEL_SIGNING_KEY: a DSSE envelope that `upel provenance verify` accepts."""
    import sys

    ws, run = user_ws
    pkg = ws / "rel"
    pkg.mkdir(exist_ok=True)
    (pkg / "BUILD.bazel").write_text(BUNDLE_BUILD)
    (pkg / "good.upel").write_text(GOOD)
    upel = [sys.executable, "-m", "upel", "provenance", "verify"]
    r = run(ws, "build", "//rel:good_bundle")
    assert r.returncode == 0, _errors(r)[-3000:]
    assert "UNSIGNED bundle" in r.stderr
    out = ws / "bazel-bin" / "rel" / "good_bundle"
    assert (out / "provenance.intoto.json").is_file() and not (out / "provenance.intoto.dsse.json").exists()
    v = subprocess.run([*upel, str(out), "--unsigned"], capture_output=True, text=True, cwd=REPO, check=False)
    assert v.returncode == 0, v.stderr
    key = tmp_path / "k"
    subprocess.run([sys.executable, "-m", "upel", "keygen", "--out", str(key)], check=True, cwd=REPO)
    r = run(ws, "build", f"--action_env=UPEL_SIGNING_KEY={key}", "//rel:good_bundle")
    assert r.returncode == 0, _errors(r)[-3000:]
    assert (out / "provenance.intoto.dsse.json").is_file() and not (out / "provenance.intoto.json").exists()
    v = subprocess.run([*upel, str(out), "--key", f"{key}.pub"], capture_output=True, text=True, cwd=REPO,
                       check=False)
    assert v.returncode == 0, v.stderr
    assert sorted(p.name for p in (out / "src" / "python").iterdir()) == ["upel_rt.py", "user_good.py"]
