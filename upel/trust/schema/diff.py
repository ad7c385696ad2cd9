"""Trust layer: classifying a schema change as MAJOR, MINOR, PATCH or NONE.

Rules are modelled on `buf breaking`'s WIRE_JSON category: a change is
MAJOR when some JSON value the old schema accepted is rejected (or means
something else) under the new one, MINOR when the new schema only accepts
more, PATCH when only documentation changed. Every finding names its rule
and the JSON pointer (into the new schema; into the old one for things that
were removed). The table of rules is in docs/schemas.md.

`$ref`s to the same `$defs` entry are not followed (the definition is
compared once, under `/$defs/<name>`); a `$ref` that now points elsewhere is
compared by what it resolves to, so retargeting a field to a different but
identical definition is not a finding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from upel.trust.schema import parse_version
from upel.trust.schema.refs import RefError, SchemaStore, escape_token

LEVELS = ("NONE", "PATCH", "MINOR", "MAJOR")

# Keywords that never change which values validate.
ANNOTATIONS = {"title", "description", "$comment", "examples", "deprecated", "readOnly", "writeOnly",
               "default", "$anchor", "x-upel-version"}
_LOWER = {"minimum": "RANGE", "exclusiveMinimum": "RANGE", "minItems": "LENGTH", "minLength": "LENGTH",
          "minProperties": "LENGTH", "minContains": "LENGTH"}
_UPPER = {"maximum": "RANGE", "exclusiveMaximum": "RANGE", "maxItems": "LENGTH", "maxLength": "LENGTH",
          "maxProperties": "LENGTH", "maxContains": "LENGTH"}
_SAME = {"pattern": "PATTERN_SAME", "format": "FORMAT_SAME", "multipleOf": "MULTIPLE_OF_SAME",
         "const": "CONST_SAME", "$id": "ID_SAME", "$schema": "DIALECT_SAME"}
_SUB_ONE = ("items", "contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties")
_HANDLED = (set(_LOWER) | set(_UPPER) | set(_SAME) | set(_SUB_ONE) | ANNOTATIONS
            | {"type", "enum", "properties", "required", "additionalProperties", "$defs", "$ref",
               "anyOf", "oneOf", "allOf", "prefixItems", "uniqueItems", "x-upel-errors"})


@dataclass(frozen=True, slots=True)
class Finding:
    level: str
    rule: str
    pointer: str
    message: str

    def line(self) -> str:
        return f"{self.level:<5}  {self.rule:<28} {self.pointer or '/'}  {self.message}"

    def to_json(self) -> dict:
        return {"level": self.level, "rule": self.rule, "pointer": self.pointer or "/", "message": self.message}


def classify(findings: list[Finding]) -> str:
    """The largest level among `findings` (NONE when empty)."""
    return max((f.level for f in findings), key=LEVELS.index, default="NONE")


def _show(v: Any) -> str:
    return json.dumps(v, sort_keys=True, ensure_ascii=False)


class _Differ:
    def __init__(self, old_store: SchemaStore | None, new_store: SchemaStore | None,
                 old_base: str, new_base: str) -> None:
        self.stores = (old_store or SchemaStore(), new_store or SchemaStore())
        self.bases = (old_base, new_base)
        self.roots: tuple[Any, Any] = (None, None)
        self.findings: list[Finding] = []
        self.seen: set[tuple[int, int]] = set()

    def add(self, level: str, rule: str, ptr: str, msg: str) -> None:
        self.findings.append(Finding(level, rule, ptr, msg))

    def resolve(self, side: int, ref: str) -> Any:
        if ref.startswith("#"):
            node = self.roots[side]
            for token in ref[2:].split("/") if ref != "#" else []:
                node = node[token.replace("~1", "/").replace("~0", "~")]
            return node
        return self.stores[side].resolve(ref, self.bases[side])

    def schema(self, o: Any, n: Any, ptr: str) -> None:
        if o == n:
            return
        if isinstance(o, bool) or isinstance(n, bool):
            return self._bool(o, n, ptr)
        if not isinstance(o, dict) or not isinstance(n, dict):
            return self.add("MAJOR", "KEYWORD_CHANGED", ptr, f"{_show(o)} became {_show(n)}")
        oref, nref = o.get("$ref"), n.get("$ref")
        if oref != nref:
            try:
                ot = self.resolve(0, oref) if oref is not None else None
                nt = self.resolve(1, nref) if nref is not None else None
            except (RefError, KeyError, TypeError) as e:
                return self.add("MAJOR", "REF_SAME", ptr, f"$ref {oref!r} became {nref!r} ({e})")
            key = (id(ot), id(nt))
            if key not in self.seen:
                self.seen.add(key)
                o_rest = {k: v for k, v in o.items() if k != "$ref"}
                n_rest = {k: v for k, v in n.items() if k != "$ref"}
                self.schema({**(ot if isinstance(ot, dict) else {}), **o_rest} if ot is not None else o_rest,
                            {**(nt if isinstance(nt, dict) else {}), **n_rest} if nt is not None else n_rest, ptr)
            return
        self._keywords(o, n, ptr)

    def _bool(self, o: Any, n: Any, ptr: str) -> None:
        # true accepts everything, false nothing; an object schema lies between.
        rank = {True: 2, False: 0}
        ro, rn = rank.get(o, 1) if isinstance(o, bool) else 1, rank.get(n, 1) if isinstance(n, bool) else 1
        if rn < ro or (ro == rn == 1):
            self.add("MAJOR", "SCHEMA_NARROWED", ptr, f"{_show(o)} became {_show(n)}")
        else:
            self.add("MINOR", "SCHEMA_WIDENED", ptr, f"{_show(o)} became {_show(n)}")

    def _keywords(self, o: dict, n: dict, ptr: str) -> None:
        for kw in sorted(set(o) | set(n)):
            a, b = o.get(kw), n.get(kw)
            if a == b:
                continue
            here = f"{ptr}/{escape_token(kw)}"
            if kw in ANNOTATIONS or (kw.startswith("x-") and kw != "x-upel-errors"):
                if kw != "x-upel-version":
                    self.add("PATCH", "DOC_CHANGED", here, f"{kw} changed")
            elif kw in _LOWER or kw in _UPPER:
                self._bound(kw, a, b, here)
            elif kw in _SAME:
                if kw in o and kw in n:
                    self.add("MAJOR", _SAME[kw], here, f"{kw} {_show(a)} became {_show(b)}")
                elif kw in n:
                    self.add("MAJOR", _SAME[kw], here, f"{kw} {_show(b)} added")
                else:
                    self.add("MINOR", "CONSTRAINT_REMOVED", here, f"{kw} {_show(a)} removed")
            elif kw == "type":
                self._type(o, n, here)
            elif kw == "enum":
                self._set(a, b, here, ("ENUM_VALUE_NO_DELETE", "ENUM_VALUE_ADDED"), "enum value")
            elif kw == "x-upel-errors":
                self._set(a or [], b or [], here, ("ERROR_CODE_NO_DELETE", "ERROR_CODE_ADDED"), "error code")
            elif kw in ("properties", "required", "additionalProperties"):
                continue  # compared together below
            elif kw == "$defs":
                self._defs(a or {}, b or {}, here)
            elif kw in _SUB_ONE:
                self._sub(a, b, here)
            elif kw in ("anyOf", "oneOf"):
                self._alternatives(a or [], b or [], here)
            elif kw in ("allOf", "prefixItems") and isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
                for i, (x, y) in enumerate(zip(a, b)):
                    self.schema(x, y, f"{here}/{i}")
            elif kw == "uniqueItems":
                level = "MAJOR" if b else "MINOR"
                self.add(level, "UNIQUE_ITEMS", here, f"uniqueItems {_show(a)} became {_show(b)}")
            else:
                self.add("MAJOR", "KEYWORD_CHANGED", here, f"{kw} changed (not classified finer: assumed breaking)")
        if any(o.get(k) != n.get(k) for k in ("properties", "required", "additionalProperties")):
            self._object(o, n, ptr)

    def _sub(self, a: Any, b: Any, here: str) -> None:
        if a is None:
            self.add("MAJOR", "CONSTRAINT_ADDED", here, "subschema added")
        elif b is None:
            self.add("MINOR", "CONSTRAINT_REMOVED", here, "subschema removed")
        else:
            self.schema(a, b, here)

    def _bound(self, kw: str, a: Any, b: Any, here: str) -> None:
        family = (_LOWER.get(kw) or _UPPER.get(kw))
        lower = kw in _LOWER
        if a is None:
            return self.add("MAJOR", f"{family}_NO_NARROW", here, f"{kw} {b} added")
        if b is None:
            return self.add("MINOR", f"{family}_WIDENED", here, f"{kw} {a} removed")
        narrowed = b > a if lower else b < a
        if narrowed:
            self.add("MAJOR", f"{family}_NO_NARROW", here, f"{kw} {a} became {b}: narrower")
        else:
            self.add("MINOR", f"{family}_WIDENED", here, f"{kw} {a} became {b}: wider")

    def _type(self, o: dict, n: dict, here: str) -> None:
        def types(s: dict) -> set[str] | None:
            t = s.get("type")
            return None if t is None else {t} if isinstance(t, str) else set(t)
        a, b = types(o), types(n)
        if b is not None and (a is None or not a <= b):
            self.add("MAJOR", "FIELD_SAME_TYPE", here, f"type {_show(o.get('type'))} became {_show(n.get('type'))}")
        else:
            self.add("MINOR", "TYPE_WIDENED", here, f"type {_show(o.get('type'))} became {_show(n.get('type'))}")

    def _set(self, a: Any, b: Any, here: str, rules: tuple[str, str], what: str) -> None:
        if a is None:
            return self.add("MAJOR", rules[0], here, f"{what}s restricted to {_show(b)}")
        if b is None:
            return self.add("MINOR", rules[1], here, f"{what} restriction {_show(a)} removed")
        olds, news = {_show(x): x for x in a}, {_show(x): x for x in b}
        gone = [v for k, v in olds.items() if k not in news]
        new = [v for k, v in news.items() if k not in olds]
        if gone:
            self.add("MAJOR", rules[0], here, f"{what}(s) removed: {', '.join(_show(v) for v in gone)}")
        if new:
            self.add("MINOR", rules[1], here, f"{what}(s) added: {', '.join(_show(v) for v in new)}")

    def _defs(self, a: dict, b: dict, here: str) -> None:
        for name, old in a.items():
            p = f"{here}/{escape_token(name)}"
            if name not in b:
                self.add("MAJOR", "DEFINITION_NO_DELETE", p, f"definition {name!r} removed")
            else:
                self.schema(old, b[name], p)
        for name in b:
            if name not in a:
                self.add("MINOR", "DEFINITION_ADDED", f"{here}/{escape_token(name)}", f"definition {name!r} added")

    def _alternatives(self, a: list, b: list, here: str) -> None:
        olds, news = [_show(x) for x in a], [_show(x) for x in b]
        gone = [i for i, x in enumerate(olds) if x not in news]
        new = [i for i, x in enumerate(news) if x not in olds]
        if len(gone) == len(new):  # changed in place: compare pairwise
            for i, j in zip(gone, new):
                self.schema(a[i], b[j], f"{here}/{j}")
            return
        for i in gone:
            self.add("MAJOR", "ALTERNATIVE_NO_DELETE", f"{here}/{i}", "alternative removed")
        for j in new:
            self.add("MINOR", "ALTERNATIVE_ADDED", f"{here}/{j}", "alternative added")

    def _object(self, o: dict, n: dict, ptr: str) -> None:
        op, np_ = o.get("properties") or {}, n.get("properties") or {}
        oreq, nreq = set(o.get("required") or []), set(n.get("required") or [])
        removed = [k for k in op if k not in np_]
        added = [k for k in np_ if k not in op]
        renamed: dict[str, str] = {}
        for old in removed:  # same schema and requiredness under a new JSON name: a rename
            for new in added:
                if new not in renamed.values() and op[old] == np_[new] and (old in oreq) == (new in nreq):
                    renamed[old] = new
                    break
        for old, new in renamed.items():
            self.add("MAJOR", "FIELD_SAME_JSON_NAME", f"{ptr}/properties/{escape_token(new)}",
                     f"field {old!r} renamed to {new!r}")
        for old in removed:
            if old not in renamed:
                self.add("MAJOR", "FIELD_NO_DELETE", f"{ptr}/properties/{escape_token(old)}", f"field {old!r} removed")
        for new in added:
            if new in renamed.values():
                continue
            p = f"{ptr}/properties/{escape_token(new)}"
            if new in nreq:
                self.add("MAJOR", "FIELD_NEW_REQUIRED", p, f"required field {new!r} added")
            else:
                self.add("MINOR", "FIELD_ADDED_OPTIONAL", p, f"optional field {new!r} added")
        for name in op:
            if name in np_:
                self.schema(op[name], np_[name], f"{ptr}/properties/{escape_token(name)}")
        skip = set(removed) | set(added)
        for name in sorted(nreq - oreq - skip):
            self.add("MAJOR", "FIELD_NOW_REQUIRED", f"{ptr}/required", f"field {name!r} became required")
        for name in sorted(oreq - nreq - skip):
            self.add("MINOR", "FIELD_NOW_OPTIONAL", f"{ptr}/required", f"field {name!r} became optional")
        a, b = o.get("additionalProperties", True), n.get("additionalProperties", True)
        if a != b:
            self.schema(a, b, f"{ptr}/additionalProperties")


def diff_schemas(old: Any, new: Any, old_store: SchemaStore | None = None,
                 new_store: SchemaStore | None = None) -> list[Finding]:
    """Findings of the change from `old` to `new` (stores resolve cross-file `$ref`s)."""
    base = (old.get("$id", "") if isinstance(old, dict) else "", new.get("$id", "") if isinstance(new, dict) else "")
    d = _Differ(old_store, new_store, *base)
    d.roots = (old, new)
    d.schema(old, new, "")
    return d.findings


def version_problem(old_version: Any, new_version: Any, level: str) -> str | None:
    """Why `old_version -> new_version` is not enough for a change of `level`, or None.

    A MAJOR change needs the major number to grow (0.x included: this gate
    does not grant SemVer's 0.x exemption, contracts are depended on from
    their first release). Versions never go backwards.
    """
    a, b = parse_version(old_version), parse_version(new_version)
    if a is None or b is None:
        return f"version {old_version!r} -> {new_version!r} is not MAJOR.MINOR.PATCH"
    if b < a:
        return f"version went backwards ({old_version} -> {new_version})"
    if level == "MAJOR" and b[0] <= a[0]:
        return (f"breaking change without a MAJOR version bump ({old_version} -> {new_version}); "
                f"bump to {a[0] + 1}.0.0 or make the change compatible")
    return None
