"""Verification stage: run verifiers and apply the strict policy.

`verify(doc, tools, ...)` runs each tool on one IR document and returns a
`ToolReport` per tool. Strict by default: an obligation passes only when
proved, or when the spec assumes it for that tool with a written
justification (`@assume`), which the evidence records. Anything else
(failed, unknown, timeout, error) fails the run. A tool that is not
installed is an error naming how to install it, never a pass.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from upel.diagnostics import UserError

from . import registry
from .context import VerifyContext
from .evidence import Evidence, evidence_document, sarif
from .obligations import assumptions


@dataclass
class ToolReport:
    tool: str
    versions: dict[str, str]
    records: list[Evidence] = field(default_factory=list)
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.records) and all(r.ok for r in self.records)

    def failures(self) -> list[Evidence]:
        return [r for r in self.records if not r.ok]


def tool_versions(tool: str) -> dict[str, str]:
    try:
        return registry.get(tool).tools()
    except registry.ToolMissing as e:
        raise UserError(f"verification tool {tool!r} needs {e.tool}, which is not installed: {e.how}") from None


def apply_assumptions(doc: dict, tool: str, records: list[Evidence]) -> None:
    assumed = assumptions(doc)
    for r in records:
        why = assumed.get((tool, r.obligation))
        if why is not None and r.verdict != "proved":
            r.message = f"assumed ({r.verdict}: {r.message})" if r.message else f"assumed ({r.verdict})"
            r.verdict, r.justification = "assumed", why


def verify(doc: dict, tools: list[str], timeout: float = 60.0, gen_dirs: dict[str, Path] | None = None,
           keep: Path | None = None, progress: Callable[[str], None] = lambda m: None,
           packages: frozenset[str] | None = None) -> list[ToolReport]:
    """Run each tool on `doc`; `packages` limits the obligations proved to
    those of these packages (None: all; see VerifyContext.packages)."""
    versions = {t: tool_versions(t) for t in tools}  # all missing tools are reported before any work
    reports = []
    for tool in tools:
        mod = registry.get(tool)
        with tempfile.TemporaryDirectory(prefix=f"upel-verify-{tool}-") as tmp:
            work = Path(tmp)
            if keep is not None:
                work = keep / tool
                work.mkdir(parents=True, exist_ok=True)
            ctx = VerifyContext(doc, work, timeout=timeout, progress=progress, gen_dirs=dict(gen_dirs or {}),
                                packages=packages)
            progress(f"{tool}: {', '.join(f'{k} {v}' for k, v in versions[tool].items())}")
            start = time.monotonic()
            records = mod.verify(ctx)
            rep = ToolReport(tool, versions[tool], records, int((time.monotonic() - start) * 1000))
        apply_assumptions(doc, tool, records)
        reports.append(rep)
    return reports


def write_outputs(doc: dict, rep: ToolReport, evidence_path: Path, sarif_path: Path | None,
                  reproducible: bool = False) -> None:
    from upel.ir.encoding import ir_digest
    from upel.ir.write import atomic_write

    ev = evidence_document(rep.tool, ir_digest(doc), rep.versions, rep.records, reproducible)
    atomic_write(evidence_path, (json.dumps(ev, indent=1, sort_keys=True) + "\n").encode())
    if sarif_path is not None:
        log = sarif(rep.tool, rep.versions, rep.records)
        atomic_write(sarif_path, (json.dumps(log, indent=1, sort_keys=True) + "\n").encode())
