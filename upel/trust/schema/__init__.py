"""Trust layer: the schema layer (see docs/schemas.md).

- `meta`: the contract meta-schema and the checks it cannot express.
- `refs`: a store of schemas by `$id`, and `$ref` resolution.
- `emit`: JSON Schemas generated from a spec's records, enums and newtypes.
- `diff`: MAJOR / MINOR / PATCH classification of a schema change.
- `gate`: `upel schema gate`, the lock of schema digests.

Schemas are plain dicts decoded from JSON; digests are `sha256:` + the hex
SHA-256 of their RFC 8785 bytes (`upel.trust.jcs`).
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

from upel.diagnostics import UserError

#: Every contract schema's `$id` starts with this.
ID_PREFIX = "https://upel.dev/schemas/"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
LOCK_NAME = "schemas.lock.json"
META_REL = "meta/contract.schema.json"


def schemas_dir() -> pathlib.Path:
    """The repository's `schemas/` (an installed copy at `upel/schemas/` wins, like the IR schema)."""
    here = pathlib.Path(__file__).resolve().parent.parent.parent
    for candidate in (here / "schemas", here.parent / "schemas"):
        if (candidate / META_REL).is_file():
            return candidate
    raise FileNotFoundError(f"schemas/{META_REL} not found next to the upel package")


def load_json(path: pathlib.Path) -> Any:
    """A JSON file; unreadable or malformed files are the user's error, not a bug."""
    try:
        return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: cannot read: {e}") from None
    except json.JSONDecodeError as e:
        raise UserError(f"{path}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}") from None


def render(doc: Any) -> bytes:
    """Deterministic, reviewable JSON: sorted keys, 2-space indent, UTF-8, final newline."""
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def parse_version(v: Any) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a SemVer string (pre-release and build ignored), else None."""
    if not isinstance(v, str):
        return None
    parts = v.split("+")[0].split("-")[0].split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])
