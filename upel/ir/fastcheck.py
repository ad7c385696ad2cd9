"""IR stage: a fast yes/no check of an IR document against the IR schema.

`upel ir` validates every document it writes, and jsonschema costs about a
millisecond per expression node: its `expr` schema is an `allOf` of 22
`if k == ... then ...` branches, and every branch is evaluated (with its
error bookkeeping) for every node. At 10,000 operators that was minutes.

This module compiles the *same* schema file (no hand-written copy that could
drift) into nested Python closures that answer one question, "is this
document valid?", without producing error messages:

- every keyword the IR schema uses is compiled with draft 2020-12 semantics
  as jsonschema implements them (strict integers, bool is never a number,
  `const`/`enum` never equate True with 1);
- an `allOf` whose branches are all `if {type: object, required: [K],
  properties: {K: {const: C}}} then T` (a discriminator, as in `expr`,
  `type` and `typedecl`) becomes one dict lookup on the value of K;
- a keyword the compiler does not know makes `compile_schema` raise
  `Unsupported`, and the caller then uses jsonschema for everything.

The check may be stricter than the schema (returning False for an unusual
but valid value, e.g. a tuple where the schema wants an array), never
looser: upel.ir.schema runs full jsonschema validation whenever this check
says False, and that run decides and writes the messages. So a document is
accepted only if it is valid. tests/ir/test_fastcheck.py holds the two
sides to agreement on the example corpus, the schema test's mutations and
random mutations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Keywords that carry no constraint (documentation, identifiers, vendor extensions).
_ANNOTATIONS = {"description", "title", "$schema", "$id", "$comment", "examples", "default"}

# Keywords compiled below; anything else makes the compiler give up.
_KNOWN = _ANNOTATIONS | {
    "$ref", "$defs", "type", "enum", "const", "required", "properties", "additionalProperties",
    "allOf", "if", "then", "else", "items", "minItems", "maxItems", "uniqueItems", "minimum",
    "maximum", "pattern", "minLength", "minProperties", "maxProperties", "propertyNames",
    "contains", "minContains", "maxContains",
}


class Unsupported(Exception):
    """The schema uses a keyword this compiler does not implement."""


def _true(_x: Any) -> bool:
    return True


def _false(_x: Any) -> bool:
    return False


def _is_integer(x: Any) -> bool:
    return type(x) is int  # bool is a subclass of int; JSON integers are never booleans


def _is_number(x: Any) -> bool:
    return (isinstance(x, int) and not isinstance(x, bool)) or isinstance(x, float)


_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda x: x is True or x is False,
    "null": lambda x: x is None,
}


def _json_key(v: Any) -> tuple | None:
    """A hashable key under which two JSON scalars are equal exactly when
    jsonschema's `equal` says so; None for values this module will not compare."""
    if v is None or isinstance(v, bool):
        return ("lit", v)
    if isinstance(v, str):
        return ("str", v)
    if isinstance(v, int):
        return ("num", v)
    return None


def compile_schema(root: dict) -> Check:
    """The schema `root` (with its `$defs`) as a function instance -> bool."""
    compiled: dict[str, Check] = {}
    building: set[str] = set()
    memos: list[set[int]] = []  # see _by_identity
    raw_defs = root.get("$defs", {})

    def ref(target: str) -> Check:
        prefix = "#/$defs/"
        name = target[len(prefix):] if target.startswith(prefix) else ""
        if not name or "/" in name or name not in raw_defs:
            raise Unsupported(f"$ref {target}")
        if name in compiled:
            return compiled[name]
        if name in building:  # recursive (expr inside expr): look it up when called
            return lambda x: compiled[name](x)
        building.add(name)
        compiled[name] = build(raw_defs[name])
        building.discard(name)
        if name == "type" or name.startswith("type_"):
            compiled[name] = _by_identity(compiled[name], memos)
        return compiled[name]

    def build(s: Any) -> Check:
        if s is True:
            return _true
        if s is False:
            return _false
        if not isinstance(s, dict):
            raise Unsupported(f"schema {s!r}")
        unknown = [k for k in s if k not in _KNOWN and not k.startswith("x-")]
        if unknown:
            raise Unsupported(f"keywords {unknown}")
        checks: list[Check] = []
        if "$ref" in s:
            checks.append(ref(s["$ref"]))
        # `type: object` with object keywords is folded into the object check.
        only_objects = s.get("type") == "object"
        if "type" in s and not (only_objects and _has_object_keywords(s)):
            checks.append(_type_check(s["type"]))
        if "const" in s:
            checks.append(_enum_check([s["const"]]))
        if "enum" in s:
            checks.append(_enum_check(s["enum"]))
        obj = _object_check(s, build, only_objects)
        if obj is not None:
            checks.append(obj)
        arr = _array_check(s, build)
        if arr is not None:
            checks.append(arr)
        num = _number_check(s)
        if num is not None:
            checks.append(num)
        text = _string_check(s)
        if text is not None:
            checks.append(text)
        if "allOf" in s:
            checks.append(_all_of(s["allOf"], build))
        if "if" in s:
            cond = build(s["if"])
            then = build(s["then"]) if "then" in s else _true
            other = build(s["else"]) if "else" in s else _true
            checks.append(lambda x: then(x) if cond(x) else other(x))
        return _conjunction(checks)

    top = build(root)

    def check(x: Any) -> bool:
        try:
            return top(x)
        finally:
            for m in memos:  # identities mean nothing once the call returns
                m.clear()

    return check


def _by_identity(f: Check, memos: list[set[int]]) -> Check:
    """`f`, answering again for a dict it accepted earlier in the same call.

    The lowering shares one dict per type among every node of that type
    (upel.check.types.TypeTable.to_ir), so a document holds a few hundred
    distinct type dicts behind hundreds of thousands of references. Within
    one call the document is not changed and all its objects stay alive, so
    an accepted dict's identity stands for its content; the memo is cleared
    when the top-level call returns. Only acceptances are remembered, so
    this is never looser than `f`.
    """
    ok: set[int] = set()
    memos.append(ok)

    def check(x: Any) -> bool:
        if type(x) is not dict:
            return f(x)
        i = id(x)
        if i in ok:
            return True
        if f(x):
            ok.add(i)
            return True
        return False

    return check


def _both(a: Check, b: Check) -> Check:
    return lambda x: a(x) and b(x)


def _conjunction(checks: list[Check]) -> Check:
    if not checks:
        return _true
    out = checks[-1]
    for c in reversed(checks[:-1]):
        out = _both(c, out)
    return out


def _type_check(t: str | list[str]) -> Check:
    names = [t] if isinstance(t, str) else list(t)
    for n in names:
        if n not in _TYPES:
            raise Unsupported(f"type {n}")
    tests = [_TYPES[n] for n in names]
    if len(tests) == 1:
        return tests[0]
    return lambda x: any(f(x) for f in tests)


def _enum_check(values: list[Any]) -> Check:
    if all(isinstance(v, str) for v in values):  # the common case: `k`, `op`, `kind`
        strings = frozenset(values)
        return lambda x: isinstance(x, str) and x in strings
    keys = set()
    for v in values:
        k = _json_key(v)
        if k is None:
            raise Unsupported(f"enum/const value {v!r}")
        keys.add(k)

    def check(x: Any) -> bool:
        k = _json_key(x)
        return k is not None and k in keys

    return check


_OBJECT_KEYWORDS = ("properties", "required", "additionalProperties", "minProperties", "maxProperties",
                    "propertyNames")


def _has_object_keywords(s: dict) -> bool:
    return any(k in s for k in _OBJECT_KEYWORDS)


def _object_check(s: dict, build: Callable[[Any], Check], only_objects: bool) -> Check | None:
    """Object keywords; with `only_objects` also `type: object` (non-objects fail)."""
    if not _has_object_keywords(s):
        return None
    props = {name: build(sub) for name, sub in s.get("properties", {}).items()}
    required = tuple(s.get("required", ()))
    extra_schema = s.get("additionalProperties", True)
    closed = extra_schema is False
    extra = None if extra_schema is True or closed else build(extra_schema)
    lo = s.get("minProperties", 0)
    hi = s.get("maxProperties")
    names = build(s["propertyNames"]) if "propertyNames" in s else None
    not_object = not only_objects  # what a non-object gets: object keywords ignore other types
    if closed and names is None and lo == 0 and hi is None:
        # The shape of almost every IR object: known keys only, some required.
        need = frozenset(required)

        def closed_check(x: Any) -> bool:
            if not isinstance(x, dict):
                return not_object
            if not x.keys() >= need:
                return False
            for k, v in x.items():
                f = props.get(k)
                if f is None or not f(v):
                    return False
            return True

        return closed_check

    def check(x: Any) -> bool:
        if not isinstance(x, dict):
            return not_object
        for k in required:
            if k not in x:
                return False
        n = len(x)
        if n < lo or (hi is not None and n > hi):
            return False
        for k, v in x.items():
            f = props.get(k)
            if f is not None:
                if not f(v):
                    return False
            elif closed:
                return False
            elif extra is not None and not extra(v):
                return False
            if names is not None and not names(k):
                return False
        return True

    return check


def _array_check(s: dict, build: Callable[[Any], Check]) -> Check | None:
    keys = ("items", "minItems", "maxItems", "uniqueItems", "contains")
    if not any(k in s for k in keys):
        return None
    item = build(s["items"]) if "items" in s else None
    lo = s.get("minItems", 0)
    hi = s.get("maxItems")
    unique = s.get("uniqueItems", False)
    contains = build(s["contains"]) if "contains" in s else None
    cmin = s.get("minContains", 1)
    cmax = s.get("maxContains")

    def check(x: Any) -> bool:
        if not isinstance(x, list):
            return True
        n = len(x)
        if n < lo or (hi is not None and n > hi):
            return False
        if item is not None:
            for v in x:
                if not item(v):
                    return False
        if unique:
            seen = set()
            for v in x:
                k = _json_key(v)
                if k is None or k in seen:  # containers: let jsonschema decide
                    return False
                seen.add(k)
        if contains is not None:
            hits = sum(1 for v in x if contains(v))
            if hits < cmin or (cmax is not None and hits > cmax):
                return False
        return True

    return check


def _number_check(s: dict) -> Check | None:
    if "minimum" not in s and "maximum" not in s:
        return None
    lo, hi = s.get("minimum"), s.get("maximum")

    def check(x: Any) -> bool:
        if not _is_number(x):
            return True
        return (lo is None or x >= lo) and (hi is None or x <= hi)

    return check


def _string_check(s: dict) -> Check | None:
    if "pattern" not in s and "minLength" not in s:
        return None
    search = re.compile(s["pattern"]).search if "pattern" in s else None
    lo = s.get("minLength", 0)
    memo: dict[str, bool] = {}  # identifiers and qnames repeat thousands of times

    def check(x: Any) -> bool:
        if not isinstance(x, str):
            return True
        ok = memo.get(x)
        if ok is None:
            ok = len(x) >= lo and (search is None or search(x) is not None)
            if len(memo) < 100_000:
                memo[x] = ok
        return ok

    return check


def _discriminator(branches: list) -> tuple[str, dict[str, Any]] | None:
    """(K, {C: then-schema}) if `branches` is a discriminated union, else None."""
    key, table = None, {}
    for b in branches:
        if not isinstance(b, dict) or set(b) != {"if", "then"}:
            return None
        cond = b["if"]
        if not isinstance(cond, dict) or set(cond) - {"type", "required", "properties"}:
            return None
        if cond.get("type") != "object" or len(cond.get("required", ())) != 1:
            return None
        k = cond["required"][0]
        props = cond.get("properties", {})
        if set(props) != {k} or set(props[k]) != {"const"} or not isinstance(props[k]["const"], str):
            return None
        if key is None:
            key = k
        if k != key or props[k]["const"] in table:
            return None
        table[props[k]["const"]] = b["then"]
    return (key, table) if key is not None else None


def _all_of(branches: list, build: Callable[[Any], Check]) -> Check:
    disc = _discriminator(branches)
    if disc is not None:
        key, raw = disc
        table = {c: build(t) for c, t in raw.items()}

        def dispatch(x: Any) -> bool:
            # Every `if` requires an object with K equal to a string constant;
            # at most one branch can match, and only its `then` applies.
            if not isinstance(x, dict):
                return True
            v = x.get(key)
            if not isinstance(v, str):
                return True
            f = table.get(v)
            return True if f is None else f(x)

        return dispatch
    return _conjunction([build(b) for b in branches])
