"""Trust layer: a store of schemas by `$id`, and `$ref` resolution.

The gate resolves every `$ref` of every schema itself instead of trusting a
validator to fail lazily: jsonschema only looks a reference up when an
instance reaches it, so a typo in a rarely used branch would ship. Local
references are JSON pointers (RFC 6901) or `$anchor` names; cross-file ones
name another schema by its `$id` (relative references resolve against the
base URI, which a nested `$id` changes, as in JSON Schema 2020-12).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

# The official meta-schemas are known to every validator; refs to them resolve.
OFFICIAL_PREFIX = "https://json-schema.org/draft/2020-12/"

# Keywords whose value is a subschema, a list of them, or a map of them.
SUB_ONE = ("additionalProperties", "unevaluatedProperties", "propertyNames", "items", "contains",
           "unevaluatedItems", "not", "if", "then", "else")
SUB_LIST = ("prefixItems", "allOf", "anyOf", "oneOf")
SUB_MAP = ("properties", "patternProperties", "$defs", "dependentSchemas")


class RefError(Exception):
    """A `$ref` that does not resolve; the message says what is missing."""


def escape_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def walk(schema: Any, base: str = "", pointer: str = "") -> Iterator[tuple[str, str, Any]]:
    """(JSON pointer, base URI, subschema) for `schema` and every schema nested in it.

    Document order. A `$id` sets the base URI for its schema and everything below.
    """
    if isinstance(schema, dict) and isinstance(schema.get("$id"), str):
        base = urljoin(base, schema["$id"])
    yield pointer, base, schema
    if not isinstance(schema, dict):
        return
    for key in SUB_ONE:
        if key in schema:
            yield from walk(schema[key], base, f"{pointer}/{key}")
    for key in SUB_LIST:
        if isinstance(schema.get(key), list):
            for i, sub in enumerate(schema[key]):
                yield from walk(sub, base, f"{pointer}/{key}/{i}")
    for key in SUB_MAP:
        if isinstance(schema.get(key), dict):
            for name, sub in schema[key].items():
                yield from walk(sub, base, f"{pointer}/{key}/{escape_token(name)}")


def subschemas(schema: Any) -> Iterator[tuple[str, Any]]:
    """(JSON pointer, subschema) for `schema` and every schema nested in it."""
    for pointer, _, sub in walk(schema):
        yield pointer, sub


class SchemaStore:
    """Schemas by `$id` (each nested `$id` is a resource too), with the file each came from."""

    def __init__(self) -> None:
        self.resources: dict[str, Any] = {}
        self.files: dict[str, str] = {}

    def add(self, schema: Any, name: str) -> list[str]:
        """Register `schema` (from file `name`); returns problems (duplicate `$id`)."""
        problems = []
        for pointer, base, sub in walk(schema):
            if isinstance(sub, dict) and isinstance(sub.get("$id"), str):
                uri = urldefrag(base)[0]
                if uri in self.resources and self.resources[uri] is not sub:
                    problems.append(f"{name}: {pointer or '/'}: $id {uri} is already used by {self.files[uri]}")
                    continue
                self.resources[uri] = sub
                self.files[uri] = name
        return problems

    def resolve(self, ref: str, base: str) -> Any:
        """The subschema `ref` names, seen from base URI `base`; raises RefError."""
        full = urljoin(base, ref)
        uri, fragment = urldefrag(full)
        if full.startswith(OFFICIAL_PREFIX):
            return True
        if uri not in self.resources:
            raise RefError(f"no schema has $id {uri}")
        target = self.resources[uri]
        if not fragment:
            return target
        if not fragment.startswith("/"):
            for _, sub in subschemas(target):
                if isinstance(sub, dict) and sub.get("$anchor") == fragment:
                    return sub
            raise RefError(f"no $anchor {fragment!r} in {uri}")
        node = target
        for token in unquote(fragment)[1:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise RefError(f"pointer {fragment} not found in {uri} (no {token!r})")
        return node

    def unresolved(self, schema: Any, name: str) -> list[str]:
        """One problem per `$ref` of `schema` (file `name`) that does not resolve."""
        problems = []
        for pointer, base, sub in walk(schema):
            ref = sub.get("$ref") if isinstance(sub, dict) else None
            if ref is None:
                continue
            if not isinstance(ref, str):
                problems.append(f"{name}: {pointer}/$ref: not a string")
                continue
            try:
                self.resolve(ref, base)
            except RefError as e:
                problems.append(f"{name}: {pointer}/$ref: unresolved $ref {ref!r}: {e}")
        return problems
