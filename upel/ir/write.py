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
from typing import Any

from upel.diagnostics import UserError
from upel.ir.encoding import canonical_cbor, ir_digest
from upel.ir.schema import validate_ir_docs


def render_json(doc: Any) -> bytes:
    """`json.dumps(doc, indent=1, ensure_ascii=False)` and a newline, as UTF-8.

    With `indent` set, the json module uses its pure-Python encoder (a chain of
    generators, half of `upel ir`'s encoding time at 10,000 operators). IR is
    plain dicts, lists, strings, integers, booleans and null, which `_render`
    writes the same way, byte for byte (tests/ir/test_encoding.py compares
    them); anything else goes to json.dumps.
    """
    parts: list[str] = []
    done: list[bytes] = []
    try:
        _render(doc, parts, 0, done)
    except _NotPlain:
        return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    parts.append("\n")
    done.append("".join(parts).encode("utf-8"))
    return b"".join(done)


class _NotPlain(Exception):
    pass


_encode_str = json.encoder.encode_basestring  # the C version, as json.dumps uses with ensure_ascii=False
_INDENTS = ["\n" + " " * n for n in range(256)]
# Millions of small strings cost far more memory than the text they make;
# every so often they are joined and encoded (peak memory at 10,000 operators).
_FLUSH = 1 << 16


# (a map's keys, its level) -> the text before each value: separator, indent, key, ": ".
_PREFIXES: dict[tuple, tuple[str, ...]] = {}


def _prefixes(keys: tuple, level: int) -> tuple[str, ...]:
    for k in keys:
        if type(k) is not str:
            raise _NotPlain  # json.dumps converts such keys; leave that to it
    if len(_PREFIXES) > 4096:
        _PREFIXES.clear()
    inner = _INDENTS[level + 1]
    out = _PREFIXES[(keys, level)] = tuple(
        ("{" if i == 0 else ",") + inner + _encode_str(k) + ": " for i, k in enumerate(keys))
    return out


def _render(o, parts: list[str], level: int, done: list[bytes]) -> None:
    """Append `o`'s text at indent `level`. A map's keys, separators and
    indents come from `_PREFIXES` (one piece per member instead of four), and
    its scalar values are written inline rather than by a call each."""
    if isinstance(o, str):
        parts.append(_encode_str(o))
    elif o is None:
        parts.append("null")
    elif o is True:
        parts.append("true")
    elif o is False:
        parts.append("false")
    elif isinstance(o, int):
        parts.append(int.__repr__(o))
    elif isinstance(o, dict):
        if not o:
            parts.append("{}")
            return
        if level + 1 >= len(_INDENTS):
            raise _NotPlain
        keys = tuple(o)
        prefixes = _PREFIXES.get((keys, level)) or _prefixes(keys, level)
        for prefix, v in zip(prefixes, o.values()):
            parts.append(prefix)
            t = type(v)
            if t is str:
                parts.append(_encode_str(v))
            elif t is int:
                parts.append(int.__repr__(v))
            elif t is bool:
                parts.append("true" if v else "false")
            else:
                _render(v, parts, level + 1, done)
        parts.append(_INDENTS[level])
        parts.append("}")
    elif isinstance(o, (list, tuple)):
        if not o:
            parts.append("[]")
            return
        if level + 1 >= len(_INDENTS):
            raise _NotPlain
        inner = _INDENTS[level + 1]
        sep = "[" + inner
        comma = "," + inner
        for v in o:
            parts.append(sep)
            _render(v, parts, level + 1, done)
            sep = comma
            if len(parts) > _FLUSH:
                done.append("".join(parts).encode("utf-8"))
                parts.clear()
        parts.append(_INDENTS[level])
        parts.append("]")
    else:
        raise _NotPlain  # floats and other types: json.dumps decides


def write_ir(docs: dict[str, dict], out_dir: str, full_validation: bool = False) -> dict[str, dict]:
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out_dir}: exists and is not a directory")
    planned: list[tuple[Path, bytes]] = []
    summary: dict[str, dict] = {}
    validate_ir_docs([docs[r] for r in sorted(docs)], full_validation)  # a failure is a checker bug: internal error
    for root in sorted(docs):
        doc = docs[root]
        digest = ir_digest(doc, remember=False)  # taken once per document here
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
