"""The IR schema gate of the ir stage.

Every IR document the tool writes (and every IR a backend or prover is handed)
must validate against `schemas/ir.schema.json`, the JSON Schema (draft
2020-12) that pins the structure docs/ir.md describes. `validate_ir` is that
gate: it returns nothing for a valid document and raises `IRSchemaError`
otherwise, with a readable message naming the JSON path of each problem:

    IR does not match the IR schema (2 errors):
      packages/0/functions/2/body/op: 'pow' is not one of ['add', 'sub', ...]
      packages/0/vectors/0/cases/1/expect: {'value': 1, 'error': 5} has too many properties

An IR that fails the gate is a bug in the checker (or a hand-edited file),
never a user error in a spec, so this is an exception and not a diagnostic.

One deliberate strengthening over plain JSON Schema: JSON Schema counts 1.0
as an integer, but the IR has no floats, so the gate's validator accepts only
true integers (and never booleans) where the schema says "integer".

Speed: jsonschema costs about a millisecond per expression node, minutes at
10,000 operators. The gate therefore first asks `upel.ir.fastcheck` (the
same schema file compiled into closures, about 50x faster) whether the
document is valid; a yes ends the gate, anything else runs full jsonschema
validation, which decides and words the problems. The fast check is never
looser than the schema (see that module), so no invalid document passes.
`full=True` (and UPEL_IR_FULL_VALIDATION=1, and `upel ir --validate`) always
runs jsonschema as well.
"""

from __future__ import annotations

import functools
import json
import os
import pathlib
import sys
from collections.abc import Iterable
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

SCHEMA_FILE = "ir.schema.json"

#: How many problems the message of an `IRSchemaError` lists.
MAX_REPORTED_ERRORS = 5

# Enough for ~20 frames per level at the parser's maximum nesting (200), plus callers.
_RECURSION_LIMIT = 6000

# Messages quote the offending instance, which can be a whole function body.
_MAX_MESSAGE_CHARS = 300


class IRSchemaError(Exception):
    """An IR document does not validate against the IR schema.

    `problems` holds every problem found as `"path: message"` strings, in
    document order; the exception message lists the first
    `MAX_REPORTED_ERRORS` of them.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        lines = [f"IR does not match the IR schema ({count} error{'s' * (count != 1)}):"]
        lines += [f"  {p}" for p in problems[:MAX_REPORTED_ERRORS]]
        if count > MAX_REPORTED_ERRORS:
            lines.append(f"  ... and {count - MAX_REPORTED_ERRORS} more")
        super().__init__("\n".join(lines))


def schema_path() -> pathlib.Path:
    """Locate `ir.schema.json`.

    An installed copy (package data at `upel/schemas/ir.schema.json`) wins
    when present; otherwise the repository's `schemas/ir.schema.json`
    (`upel/ir/schema.py` -> `../../schemas/ir.schema.json`).
    """
    here = pathlib.Path(__file__).resolve().parent
    candidates = [
        here.parent / "schemas" / SCHEMA_FILE,  # installed: upel/schemas/
        here.parent.parent / "schemas" / SCHEMA_FILE,  # repository: schemas/
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"IR schema {SCHEMA_FILE} not found (tried {tried})")


@functools.cache
def load_ir_schema() -> dict[str, Any]:
    """The IR schema as a dict (read once, then cached; do not mutate it)."""
    with schema_path().open(encoding="utf-8") as f:
        return json.load(f)


def _is_strict_integer(checker: Any, instance: object) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


_IRValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_strict_integer),
)


@functools.cache
def _validator() -> Draft202012Validator:
    schema = load_ir_schema()
    Draft202012Validator.check_schema(schema)
    return _IRValidator(schema)


@functools.cache
def _fast_check():
    """The compiled yes/no check, or None if the schema uses a keyword it lacks."""
    from upel.ir.fastcheck import Unsupported, compile_schema

    try:
        return compile_schema(load_ir_schema())
    except Unsupported:
        return None


def _json_path(error: ValidationError) -> str:
    path = "/".join(str(part) for part in error.absolute_path)
    return path or "(document)"


def _message(error: ValidationError) -> str:
    message = error.message
    if len(message) > _MAX_MESSAGE_CHARS:
        message = message[: _MAX_MESSAGE_CHARS - 3] + "..."
    return message


def _path_key(error: ValidationError) -> tuple[tuple[int, int, str], ...]:
    # Document order: array indices numerically, keys as strings; a parent
    # path sorts before its children.
    return tuple(
        (0, part, "") if isinstance(part, int) else (1, 0, str(part))
        for part in error.absolute_path
    )


def _problems(errors: Iterable[ValidationError]) -> list[str]:
    # Errors under oneOf/anyOf carry their sub-errors in `context`; report the
    # most specific one. Keep the validator's order among errors at one path.
    specific = [best_match([e]) or e for e in errors]
    specific.sort(key=_path_key)
    problems: list[str] = []
    seen: set[str] = set()
    for error in specific:
        problem = f"{_json_path(error)}: {_message(error)}"
        if problem not in seen:
            seen.add(problem)
            problems.append(problem)
    return problems


def validate_ir(doc: Any, full: bool = False) -> None:
    """Check `doc` (a decoded IR document) against the IR schema.

    Returns None when it validates; raises `IRSchemaError` listing the
    problems (each with its JSON path) otherwise. Unless `full` is set (or
    UPEL_IR_FULL_VALIDATION=1), a document the fast check accepts is not
    run through jsonschema again.
    """
    # jsonschema recurses about a dozen Python frames per level of IR nesting,
    # so an expression nested ~90 levels deep overflowed the default recursion
    # limit (found by tests/fuzz: `upel ir` failed with RecursionError on a
    # chain of 100 `+%`). The parser caps nesting at MAX_NESTING (200) levels;
    # give the validator room for that, and restore the limit afterwards.
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, _RECURSION_LIMIT))
    try:
        if not (full or os.environ.get("UPEL_IR_FULL_VALIDATION") == "1"):
            fast = _fast_check()
            try:
                if fast is not None and fast(doc):
                    return
            except RecursionError:
                pass  # absurdly deep input: jsonschema below decides and says why
        problems = _problems(_validator().iter_errors(doc))
    finally:
        sys.setrecursionlimit(old_limit)
    if problems:
        raise IRSchemaError(problems)


def validate_ir_docs(docs: Iterable[dict], full: bool = False) -> None:
    """Validate several documents, each distinct package object only once.

    Documents of one run share their dependency packages (the same dict
    objects), so a package validated for one root is not validated again
    for the next (with `full`, jsonschema costs a millisecond per node).
    """
    seen: set[int] = set()
    for doc in docs:
        packages = doc.get("packages") if isinstance(doc, dict) else None
        if not isinstance(packages, list) or not packages:
            validate_ir(doc, full)
            continue
        for pkg in packages:
            if id(pkg) not in seen:
                seen.add(id(pkg))
                validate_ir({**doc, "packages": [pkg]}, full)
