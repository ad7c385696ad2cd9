"""Check stage: semantic types and the table of declared types.

Types are small frozen values (hashable, comparable with ==). Named types
(newtypes, enums, records) are referred to by qualified name and described
by entries in a `TypeTable`, which also answers the questions the checker
and the IR lowering keep asking: is this integer-like, what is its value set,
how is it spelled in a message, what is its IR form.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class BoolT:
    pass


@dataclass(frozen=True, slots=True)
class IntT:
    signed: bool
    width: int

    @property
    def lo(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def hi(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1


@dataclass(frozen=True, slots=True)
class NamedT:
    qname: str


@dataclass(frozen=True, slots=True)
class ArrayT:
    elem: Type
    length: int


Type = BoolT | IntT | NamedT | ArrayT
BOOL = BoolT()


def smallest_unsigned(value: int) -> IntT:
    """The smallest unsigned type holding `value` (>= 0): u1 for 0 and 1."""
    return IntT(False, max(1, value.bit_length()))


@functools.lru_cache(maxsize=1024)  # the same few names (`u32`, `bool`, items) in every signature
def parse_int_type(name: str) -> IntT | None | str:
    """`u19` -> IntT; a malformed width -> error text; other names -> None."""
    if len(name) < 2 or name[0] not in "ui" or not name[1:].isdigit():
        return None
    if name[1] == "0" and name != "u0":
        return None  # `u08` is an ordinary identifier, not a type
    width = int(name[1:])
    signed = name[0] == "i"
    if signed and not 2 <= width <= 64:
        return f"signed integer widths are i2..i64, not {name}"
    if not signed and not 1 <= width <= 64:
        return f"unsigned integer widths are u1..u64, not {name}"
    return IntT(signed, width)


@dataclass
class NewtypeInfo:
    qname: str
    underlying: IntT
    lo: int
    hi: int
    ranged: bool


@dataclass
class EnumInfo:
    qname: str
    underlying: IntT
    members: dict[str, int] = field(default_factory=dict)  # declaration order


@dataclass
class RecordInfo:
    qname: str
    fields: dict[str, Type] = field(default_factory=dict)  # declaration order


@dataclass(frozen=True, slots=True)
class IntView:
    """How an integer-like type behaves: its storage and its value set."""

    base: IntT
    lo: int
    hi: int
    ranged: bool


class TypeTable:
    def __init__(self) -> None:
        self.decls: dict[str, NewtypeInfo | EnumInfo | RecordInfo] = {}
        self._ir: dict[Type, dict] = {}  # see to_ir
        self._int_views: dict[IntT, IntView] = {}

    def int_view(self, t: Type) -> IntView | None:
        # Asked several times per expression node: plain integer types get
        # one view each. Newtypes are looked up every time, as their
        # declaration is resolved lazily.
        if t.__class__ is IntT:
            v = self._int_views.get(t)
            if v is None:
                v = self._int_views[t] = IntView(t, t.lo, t.hi, False)
            return v
        if isinstance(t, NamedT):
            d = self.decls.get(t.qname)
            if isinstance(d, NewtypeInfo):
                return IntView(d.underlying, d.lo, d.hi, d.ranged)
        return None

    def enum(self, t: Type) -> EnumInfo | None:
        d = self.decls.get(t.qname) if isinstance(t, NamedT) else None
        return d if isinstance(d, EnumInfo) else None

    def record(self, t: Type) -> RecordInfo | None:
        d = self.decls.get(t.qname) if isinstance(t, NamedT) else None
        return d if isinstance(d, RecordInfo) else None

    def show(self, t: Type | None) -> str:
        if t is None:
            return "?"
        if isinstance(t, BoolT):
            return "bool"
        if isinstance(t, IntT):
            return f"{'i' if t.signed else 'u'}{t.width}"
        if isinstance(t, NamedT):
            return t.qname.rsplit(".", 1)[1]
        return f"[{self.show(t.elem)}; {t.length}]"

    def to_ir(self, t: Type) -> dict:
        """The IR form of `t`: one shared dict per type, never to be mutated.

        Every IR node has a type, and a program uses few distinct ones, so the
        lowering hands out the same dict each time (a third of an IR
        document's objects were type dicts). IR documents are read-only after
        lowering; the schema gate and the encoders rely on that sharing to do
        each type's work once per document (by identity, within one call).
        """
        ir = self._ir.get(t)
        if ir is None:
            ir = self._ir[t] = self._build_ir(t)
        return ir

    def _build_ir(self, t: Type) -> dict:
        c = t.__class__
        if c is IntT:
            return {"k": "int", "signed": t.signed, "width": t.width}
        if c is NamedT:
            return {"k": "named", "name": t.qname}
        if c is BoolT:
            return {"k": "bool"}
        return {"k": "array", "elem": self.to_ir(t.elem), "len": t.length}
