"""Trust layer: checking a contract schema against the UPEL meta-schema.

`schemas/meta/contract.schema.json` says what a meta-schema can say (draft
2020-12, an `$id` under https://upel.dev/schemas/, title, description, an
`x-upel-version`, explicit `required` and `additionalProperties` on object
schemas, well-formed `x-upel-errors` codes). `check` adds what it cannot:

- every `default` validates against the schema it sits in (a default that
  its own schema rejects is a bug every consumer inherits);
- bounds are ordered (minimum <= maximum, minItems <= maxItems, ...);
- every `pattern` and `patternProperties` key compiles;
- a closed object (`additionalProperties: false`) lists in `properties`
  every name it `required`s, or no instance could ever validate.

`$ref` resolution is the store's job (`refs.py`); the gate runs both.
Problems are strings `FILE: /json/pointer: message`, in document order.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from upel.trust.schema import META_REL, load_json, schemas_dir
from upel.trust.schema.refs import SchemaStore, walk

# (lower, upper, strict): pairs of keywords that must be ordered.
_BOUNDS = (
    ("minimum", "maximum", False),
    ("exclusiveMinimum", "exclusiveMaximum", True),
    ("minimum", "exclusiveMaximum", True),
    ("exclusiveMinimum", "maximum", True),
    ("minItems", "maxItems", False),
    ("minLength", "maxLength", False),
    ("minProperties", "maxProperties", False),
    ("minContains", "maxContains", False),
)

_SHOW = 120  # characters of a value quoted in a message


@functools.cache
def meta_schema() -> dict:
    return load_json(schemas_dir() / META_REL)


@functools.cache
def _meta_validator() -> Draft202012Validator:
    return Draft202012Validator(meta_schema())


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= _SHOW else text[: _SHOW - 3] + "..."


def _pointer(parts) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts) if parts else "/"


def check_meta(schema: Any, name: str) -> list[str]:
    """Problems of `schema` (from file `name`) against the meta-schema (and draft 2020-12's)."""
    problems = []
    errors = sorted(_meta_validator().iter_errors(schema), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        error = best_match([error]) or error
        problems.append(f"{name}: {_pointer(error.absolute_path)}: {error.message[:300]}")
    return problems


def _registry(store: SchemaStore) -> Registry:
    return Registry().with_resources(
        (uri, Resource.from_contents(doc, default_specification=DRAFT202012))
        for uri, doc in store.resources.items()
    )


def check_semantics(schema: Any, name: str, store: SchemaStore) -> list[str]:
    """The checks a meta-schema cannot express (module docstring); `store` resolves `$ref`s in defaults."""
    problems: list[str] = []
    registry = None
    root_id = schema.get("$id") if isinstance(schema, dict) else None
    for pointer, base, sub in walk(schema):
        if not isinstance(sub, dict):
            continue
        where = f"{name}: {pointer or '/'}"
        for lo, hi, strict in _BOUNDS:
            a, b = sub.get(lo), sub.get(hi)
            if _is_num(a) and _is_num(b) and (a >= b if strict else a > b):
                problems.append(f"{where}: {lo} {a} exceeds {hi} {b}: no value can satisfy both")
        patterns = [("pattern", sub["pattern"])] if isinstance(sub.get("pattern"), str) else []
        if isinstance(sub.get("patternProperties"), dict):
            patterns += [("patternProperties key", k) for k in sub["patternProperties"]]
        for what, pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as e:
                problems.append(f"{where}: {what} {pattern!r} does not compile: {e}")
        if sub.get("additionalProperties") is False and not sub.get("patternProperties"):
            props = sub.get("properties") if isinstance(sub.get("properties"), dict) else {}
            for field in sub.get("required") or []:
                if isinstance(field, str) and field not in props:
                    problems.append(f"{where}: required {field!r} is not in properties and "
                                    "additionalProperties is false: no object can validate")
        if "default" in sub:
            if not isinstance(root_id, str):
                problems.append(f"{where}: default cannot be checked: the schema has no $id")
                continue
            registry = registry or _registry(store)
            # Validate through a $ref to this very subschema, so that refs inside
            # it resolve against the right base URI.
            wrapper = {"$schema": schema.get("$schema"), "$ref": f"{base.split('#')[0]}#{_subpointer(schema, pointer, base)}"}
            try:
                errors = list(Draft202012Validator(wrapper, registry=registry).iter_errors(sub["default"]))
            except Exception as e:  # noqa: BLE001 - an unresolvable ref is reported by the ref check
                problems.append(f"{where}: default cannot be checked: {e}")
                continue
            if errors:
                err = best_match(errors)
                problems.append(f"{where}: default {_show(sub['default'])} does not validate against its own "
                                f"schema: {_pointer(err.absolute_path)}: {err.message[:200]}")
    return problems


def _subpointer(schema: dict, pointer: str, base: str) -> str:
    # The pointer of a subschema relative to the resource (nested $id) it lives in.
    if base.split("#")[0] == str(schema.get("$id", "")).split("#")[0]:
        return pointer
    # Inside a nested resource: find the closest enclosing pointer with that $id.
    best = ""
    for p, b, s in walk(schema):
        if isinstance(s, dict) and "$id" in s and b == base and pointer.startswith(p) and len(p) > len(best):
            best = p
    return pointer[len(best):]


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
