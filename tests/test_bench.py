"""The benchmark harness (python -m tools.bench) keeps working: a --quick run
produces every row, and the generated / hand-written checksums agree; a
hand-written kernel that computes a different function makes it fail."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOOLS = ("gcc", "rustc", "protoc")


def _need_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"BENCHMARK HARNESS NOT TESTED: {', '.join(missing)} missing "
                    "(tools/setup.sh installs gcc, rustc and protobuf-compiler)")


@pytest.mark.slow
def test_quick_run_has_every_row_and_matching_checksums(tmp_path: Path) -> None:
    _need_tools()
    out = tmp_path / "perf.md"
    out.write_text("# Performance\n\nkept text\n")
    p = subprocess.run([sys.executable, "-m", "tools.bench", "--quick", "--out", str(out)],
                       cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert p.returncode == 0, p.stderr[-4000:]
    text = out.read_text()
    assert "kept text" in text and text.count("<!-- bench:begin -->") == 1 and "<!-- bench:end -->" in text
    for kernel in ("ARINC 429 encode+decode", "posting + interest", "dose -> pump rate"):
        for lang in ("C", "Rust", "Python"):
            rows = [ln for ln in text.splitlines() if ln.startswith(f"| {kernel}") and f"| {lang} |" in ln]
            assert len(rows) == 1, (kernel, lang, text)
            assert "| equal (" in rows[0] and "MISMATCH" not in rows[0], rows[0]
            if lang != "Python":
                assert re.search(r"\| (PASS|MISS) \|$", rows[0]), rows[0]
    assert "`upel gen --backend c,python`" in text and "`protoc --cpp_out --python_out`" in text
    for n in ("| 100 |", "| 1,000 |"):
        assert any(ln.startswith(n) for ln in text.splitlines()), n
    assert "growth per 10x, front end" in text
    assert "probe_add_i64:" in text


@pytest.mark.slow
def test_a_wrong_hand_written_kernel_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _need_tools()
    from tools.bench import kernels

    broken = tmp_path / "kernels"
    shutil.copytree(kernels.KERNELS, broken)
    src = broken / "c" / "infusion.c"
    text = src.read_text()
    wrong = "(numerator + denominator / 2u) / denominator"
    assert wrong in text
    src.write_text(text.replace(wrong, "numerator / denominator"))  # truncates instead of rounding
    monkeypatch.setattr(kernels, "KERNELS", broken)
    rows = kernels.bench(["c"], 50_000, 50_000, 1, 1, tmp_path / "work", log=lambda s: None)
    by = {r.kernel: r for r in rows}
    assert by["arinc429"].match and by["ledger"].match
    assert not by["infusion"].match
