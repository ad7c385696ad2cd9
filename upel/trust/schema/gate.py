"""Trust layer: `upel schema gate`, the lock of contract schema digests.

The gate reads every `*.json` under `schemas/` (except the lock itself) and
fails on any of:

- a schema that does not satisfy the meta-schema (`meta.py`);
- a `$ref` that does not resolve (local pointer or another file's `$id`);
- drift: a schema whose digest (`sha256:` + SHA-256 of its RFC 8785 bytes)
  differs from `schemas/schemas.lock.json`, or a schema added or removed
  without updating the lock.

`--update` rewrites the lock, but refuses when a changed schema's diff is
MAJOR and its `x-upel-version` did not get a MAJOR bump. The lock keeps a
copy of each locked schema, so that the refusal (and the drift message)
can say exactly what changed without access to version control.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from upel.diagnostics import UserError
from upel.trust import jcs
from upel.trust.schema import LOCK_NAME, load_json, render
from upel.trust.schema.diff import Finding, classify, diff_schemas, version_problem
from upel.trust.schema.meta import check_meta, check_semantics
from upel.trust.schema.refs import SchemaStore

LOCK_FORMAT = "upel-schema-lock"
LOCK_VERSION = 1


@dataclass
class Change:
    path: str
    kind: str  # "added", "removed", "changed"
    level: str = "NONE"
    findings: list[Finding] = field(default_factory=list)
    old_version: Any = None
    new_version: Any = None
    refusal: str | None = None


@dataclass
class GateResult:
    problems: list[str]  # meta-schema and $ref problems
    changes: list[Change]  # drift against the lock
    digests: dict[str, str]
    updated: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and (self.updated or not self.changes)


def schema_files(root: Path) -> list[Path]:
    """Every contract schema under `root`, sorted by relative path."""
    return sorted((p for p in root.rglob("*.json") if p.name != LOCK_NAME),
                  key=lambda p: p.relative_to(root).as_posix())


def load_schemas(root: Path) -> tuple[dict[str, Any], list[str]]:
    """Relative path -> schema for the files under `root`; JSON errors become problems."""
    schemas, problems = {}, []
    for path in schema_files(root):
        rel = path.relative_to(root).as_posix()
        try:
            schemas[rel] = load_json(path)
        except UserError as e:
            problems.append(str(e))
    return schemas, problems


def check_all(schemas: dict[str, Any], names: dict[str, str] | None = None,
              extra: dict[str, Any] | None = None) -> tuple[list[str], SchemaStore]:
    """Meta-schema, semantic and `$ref` problems of `schemas`; `extra` are known but unchecked."""
    names = names or {rel: rel for rel in schemas}
    store, problems = SchemaStore(), []
    for rel, schema in {**(extra or {}), **schemas}.items():
        problems += store.add(schema, names.get(rel, rel))
    for rel, schema in schemas.items():
        problems += check_meta(schema, names[rel])
        problems += store.unresolved(schema, names[rel])
        problems += check_semantics(schema, names[rel], store)
    return problems, store


def read_lock(lock: Path) -> dict:
    if not lock.is_file():
        return {"format": LOCK_FORMAT, "version": LOCK_VERSION, "schemas": {}}
    data = load_json(lock)
    if not isinstance(data, dict) or data.get("format") != LOCK_FORMAT or not isinstance(data.get("schemas"), dict):
        raise UserError(f"{lock}: not a schema lock (format {LOCK_FORMAT!r} expected)")
    for rel, entry in data["schemas"].items():
        # The copy is what --update diffs against: it must be the schema the digest names.
        if jcs.digest(entry.get("schema")) != entry.get("digest"):
            raise UserError(f"{lock}: the entry for {rel} does not match its digest; the lock was edited by "
                            "hand. Restore it from version control and run `upel schema gate --update`.")
    return data


def render_lock(schemas: dict[str, Any], digests: dict[str, str]) -> bytes:
    entries = {rel: {"$id": s.get("$id"), "x-upel-version": s.get("x-upel-version"),
                     "digest": digests[rel], "schema": s} for rel, s in schemas.items()}
    return render({"format": LOCK_FORMAT, "version": LOCK_VERSION, "schemas": entries})


def run_gate(root: Path, lock: Path, update: bool = False) -> GateResult:
    """Check every schema under `root` against the meta-schema and `lock`; rewrite it with `update`."""
    schemas, problems = load_schemas(root)
    names = {rel: (root / rel).as_posix() for rel in schemas}
    more, new_store = check_all(schemas, names)
    problems += more
    digests = {}
    for rel, schema in schemas.items():
        try:
            digests[rel] = jcs.digest(schema)
        except jcs.JCSError as e:
            problems.append(f"{names[rel]}: no RFC 8785 form: {e}")
    locked = read_lock(lock)["schemas"]
    old_store = SchemaStore()
    for rel, entry in locked.items():
        old_store.add(entry["schema"], rel)
    changes = []
    for rel in sorted(set(locked) | set(digests)):
        if rel not in digests:
            if rel not in schemas:  # a schema unreadable now is a problem above, not a removal
                changes.append(Change(rel, "removed", "MAJOR", old_version=locked[rel].get("x-upel-version")))
            continue
        if rel not in locked:
            changes.append(Change(rel, "added", "MINOR", new_version=schemas[rel].get("x-upel-version")))
            continue
        if locked[rel]["digest"] == digests[rel]:
            continue
        old = locked[rel]["schema"]
        findings = diff_schemas(old, schemas[rel], old_store, new_store)
        ch = Change(rel, "changed", classify(findings), findings, old.get("x-upel-version"),
                    schemas[rel].get("x-upel-version"))
        ch.refusal = version_problem(ch.old_version, ch.new_version, ch.level)
        changes.append(ch)
    result = GateResult(problems, changes, digests)
    if update and not problems and not any(c.refusal for c in changes):
        from upel.ir.write import atomic_write

        data = render_lock(schemas, digests)
        if not lock.is_file() or lock.read_bytes() != data:
            lock.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(lock, data)
        result.updated = True
    return result


def describe(change: Change, lock: Path) -> list[str]:
    """Human lines for one drift entry (the message names the fix)."""
    if change.kind == "added":
        return [f"{change.path}: new schema (version {change.new_version}) is not in {lock}"]
    if change.kind == "removed":
        return [f"{change.path}: schema was removed but is still in {lock}"]
    head = (f"{change.path}: changed since {lock} ({change.level}; version "
            f"{change.old_version} -> {change.new_version})")
    lines = [head] + [f"    {f.line()}" for f in change.findings]
    if change.refusal:
        lines.append(f"    refused: {change.refusal}")
    return lines
