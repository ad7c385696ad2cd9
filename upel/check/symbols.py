"""Check stage: symbols, scopes and name lookup.

Every package gets a table of its items; every file gets a scope made of
its `use` imports over that table. Local scopes (parameters, lets, fold
variables) chain on top while expressions are checked.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from typing import Any

from upel.check.types import Type
from upel.syntax import ast

BUILTIN_FUNCTIONS = ("min", "max", "abs", "popcount", "bit", "bits", "len")


@dataclass(eq=False)
class Symbol:
    kind: str  # "type" | "error" | "const" | "fn" | "property"
    name: str
    package: str
    decl: Any  # the AST item
    file: Any = None  # its FileScope (set when declared)

    # Cached: asked at every use of the symbol; a symbol's name and declaration never change.
    @functools.cached_property
    def qname(self) -> str:
        return f"{self.package}.{self.name}"

    @functools.cached_property
    def deprecated(self) -> str | None:
        meta = getattr(self.decl, "meta", None)
        for a in getattr(meta, "attrs", []):
            if a.name == "deprecated":
                return a.args[0] if a.args else ""
        return None


@dataclass(eq=False)
class FileScope:
    package: str
    source: ast.SourceFile
    imported: dict[str, Symbol] = field(default_factory=dict)  # use a.b.{X}
    aliases: dict[str, str] = field(default_factory=dict)  # use a.b;  -> "b": "a.b"


@dataclass(eq=False)
class Local:
    name: str
    type: Type | None  # None: its definition failed to check (errors said already)
    loc: ast.Loc


class LocalScope:
    """A chain of local bindings; shadowing is refused by the checker."""

    def __init__(self, parent: LocalScope | None = None) -> None:
        self.parent = parent
        self.names: dict[str, Local] = {}

    def lookup(self, name: str) -> Local | None:
        s: LocalScope | None = self
        while s is not None:
            if name in s.names:
                return s.names[name]
            s = s.parent
        return None

    def child(self) -> LocalScope:
        return LocalScope(self)

    def visible(self) -> list[str]:
        out, s = [], self
        while s is not None:
            out.extend(s.names)
            s = s.parent
        return out


def suggest(name: str, candidates) -> str | None:
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.7)
    return f"did you mean `{close[0]}`?" if close else None
