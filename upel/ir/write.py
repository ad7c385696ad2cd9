"""IR stage: writing IR documents to disk, all or nothing.

Each root package becomes `<root>.ir.json` (readable, with source
locations), `<root>.ir.cbor` (canonical CBOR of the same document) and
`<root>.ir.digest` (the semantic digest, see docs/ir.md). Every document is
validated against schemas/ir.schema.json and encoded before the first byte
is written; each file is written to a temporary name and renamed into
place, so an interrupted run never leaves a truncated file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

from upel.diagnostics import UserError
from upel.ir.encoding import canonical_cbor, ir_digest
from upel.ir.schema import validate_ir_docs


def render_json(doc: dict) -> bytes:
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def write_ir(docs: dict[str, dict], out_dir: str) -> dict[str, dict]:
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out_dir}: exists and is not a directory")
    planned: list[tuple[Path, bytes]] = []
    summary: dict[str, dict] = {}
    validate_ir_docs(docs[r] for r in sorted(docs))  # a failure is a checker bug: internal error
    for root in sorted(docs):
        doc = docs[root]
        digest = ir_digest(doc)
        files = {
            "json": (out / f"{root}.ir.json", render_json(doc)),
            "cbor": (out / f"{root}.ir.cbor", canonical_cbor(doc)),
            "digest": (out / f"{root}.ir.digest", (digest + "\n").encode()),
        }
        planned.extend(files.values())
        summary[root] = {"digest": digest, **{k: str(p) for k, (p, _) in files.items() if k != "digest"}}
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"{out_dir}: cannot create directory: {e.strerror}") from None
    for path, data in planned:
        atomic_write(path, data)
    return summary


def atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise UserError(f"{path}: cannot write: {e.strerror}") from None
