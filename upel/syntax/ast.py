"""Syntax stage: the abstract syntax tree.

Plain dataclasses produced by `upel.syntax.build` as the parser reduces,
and consumed by `upel.check`. Nothing here is typed or resolved yet: names
are strings, literals keep their source value, and every node carries the
`Loc` of its first character so that the checker can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Loc:
    """A source position. `file` is the display path; lines/cols count from 1."""

    file: str
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0


class UnfrozenLoc:
    """`Loc`'s layout without its frozen `__setattr__`: see `new_loc`."""

    __slots__ = ("col", "end_col", "end_line", "file", "line")

    def __init__(self, file: str, line: int, col: int, end_line: int, end_col: int) -> None:
        self.file, self.line, self.col, self.end_line, self.end_col = file, line, col, end_line, end_col


def new_loc(file: str, line: int, col: int, end_line: int = 0, end_col: int = 0) -> Loc:
    """`Loc(file, line, col, end_line, end_col)`, at a third of the cost.

    The parser makes a `Loc` per node (350,000 at 10,000 operators), and a
    frozen dataclass's `__init__` goes through `object.__setattr__` once per
    field. The object is built with the same slots and then becomes a `Loc`
    (a `__class__` assignment, which Python allows between classes of the
    same layout): frozen, equal and hashed as any other from then on.
    """
    loc = UnfrozenLoc(file, line, col, end_line, end_col)
    loc.__class__ = Loc
    return loc


@dataclass(slots=True)
class Attribute:
    name: str
    args: list[str]
    loc: Loc


@dataclass(slots=True)
class Meta:
    """Doc comments and attributes that precede an item or member."""

    docs: list[str] = field(default_factory=list)
    attrs: list[Attribute] = field(default_factory=list)


@dataclass(slots=True)
class Path:
    parts: list[str]
    loc: Loc

    def dotted(self) -> str:
        return ".".join(self.parts)


# ---- types -----------------------------------------------------------------


@dataclass(slots=True)
class TypePath:
    path: Path
    loc: Loc


@dataclass(slots=True)
class TypeArray:
    elem: TypeExpr
    length: Expr
    loc: Loc


TypeExpr = TypePath | TypeArray


# ---- expressions -----------------------------------------------------------


@dataclass(slots=True)
class IntLit:
    value: int
    loc: Loc
    paren: bool = False  # written inside parentheses: `-(128)` is not a literal


@dataclass(slots=True)
class BoolLit:
    value: bool
    loc: Loc


@dataclass(slots=True)
class Name:
    ident: str
    loc: Loc


@dataclass(slots=True)
class Field:
    base: Expr
    name: str
    loc: Loc  # location of the field name


@dataclass(slots=True)
class Call:
    callee: Expr
    args: list[Expr]
    loc: Loc


@dataclass(slots=True)
class Index:
    base: Expr
    index: Expr
    loc: Loc


@dataclass(slots=True)
class FieldInit:
    name: str
    expr: Expr
    loc: Loc


@dataclass(slots=True)
class RecordLit:
    type_ref: Expr  # a Name or Field chain naming the record type
    fields: list[FieldInit]
    loc: Loc


@dataclass(slots=True)
class RecWith:
    base: Expr
    fields: list[FieldInit]
    loc: Loc


@dataclass(slots=True)
class ArrWith:
    base: Expr
    index: Expr
    value: Expr
    loc: Loc


@dataclass(slots=True)
class Unary:
    op: str  # "neg" | "bnot" | "not"
    operand: Expr
    loc: Loc


@dataclass(slots=True)
class Binary:
    op: str  # IR operator name: add, sub, ..., eq, lt, and, or
    a: Expr
    b: Expr
    loc: Loc
    paren: bool = False  # written in parentheses: `(a == b) == c` is not a chain


@dataclass(slots=True)
class Cast:
    expr: Expr
    type: TypeExpr
    loc: Loc


@dataclass(slots=True)
class ArrayLit:
    elems: list[Expr]
    loc: Loc


@dataclass(slots=True)
class ArrayRepeat:
    elem: Expr
    count: Expr
    loc: Loc


@dataclass(slots=True)
class If:
    cond: Expr
    then: Expr
    else_: Expr
    loc: Loc


@dataclass(slots=True)
class Pattern:
    kind: str  # "path" | "int" | "bool" | "wild"
    loc: Loc
    path: Path | None = None
    value: int | bool | None = None


@dataclass(slots=True)
class Arm:
    patterns: list[Pattern]
    body: Expr
    loc: Loc


@dataclass(slots=True)
class Match:
    scrutinee: Expr
    arms: list[Arm]
    loc: Loc


@dataclass(slots=True)
class Fold:
    var: str
    var_type: TypeExpr | None
    lo: Expr
    hi: Expr
    acc: str
    acc_type: TypeExpr | None
    init: Expr
    body: Expr
    loc: Loc
    var_loc: Loc
    acc_loc: Loc


@dataclass(slots=True)
class Let:
    name: str
    type: TypeExpr | None
    expr: Expr
    loc: Loc


@dataclass(slots=True)
class Block:
    lets: list[Let]
    result: Expr
    loc: Loc


@dataclass(slots=True)
class Raise:
    path: Path
    loc: Loc


Expr = (
    IntLit | BoolLit | Name | Field | Call | Index | RecordLit | RecWith | ArrWith | Unary
    | Binary | Cast | ArrayLit | ArrayRepeat | If | Match | Fold | Block | Raise
)


# ---- items -----------------------------------------------------------------


@dataclass(slots=True)
class PackageDecl:
    name: str
    version: str
    meta: Meta
    loc: Loc
    version_loc: Loc


@dataclass(slots=True)
class UseDecl:
    package: Path  # the package path
    names: list[tuple[str, Loc]] | None  # `use a.b.{X, Y}`; None for `use a.b;`
    meta: Meta
    loc: Loc


@dataclass(slots=True)
class TypeDecl:
    name: str
    type: TypeExpr
    range: tuple[Expr, Expr] | None
    meta: Meta
    loc: Loc


@dataclass(slots=True)
class EnumMember:
    name: str
    value: Expr
    meta: Meta
    loc: Loc


@dataclass(slots=True)
class EnumDecl:
    name: str
    underlying: TypeExpr
    members: list[EnumMember]
    meta: Meta
    loc: Loc


@dataclass(slots=True)
class FieldDecl:
    name: str
    type: TypeExpr
    meta: Meta
    loc: Loc


@dataclass(slots=True)
class RecordDecl:
    name: str
    fields: list[FieldDecl]
    meta: Meta
    loc: Loc


@dataclass(slots=True)
class ErrorMember:
    name: str
    code: Expr
    meta: Meta
    loc: Loc


@dataclass(slots=True)
class ErrorDecl:
    name: str
    members: list[ErrorMember]
    meta: Meta
    loc: Loc


@dataclass(slots=True)
class ConstDecl:
    name: str
    type: TypeExpr
    value: Expr
    meta: Meta
    loc: Loc


@dataclass(slots=True)
class Param:
    name: str
    type: TypeExpr
    loc: Loc


@dataclass(slots=True)
class FnDecl:
    name: str
    params: list[Param]
    ret: TypeExpr
    raises: list[Path]
    requires: list[Expr]
    ensures: list[Expr]
    body: Expr
    meta: Meta
    loc: Loc


@dataclass(slots=True)
class PropertyDecl:
    name: str
    params: list[Param]
    requires: list[Expr]
    body: Expr
    meta: Meta
    loc: Loc


@dataclass(slots=True)
class ErrorOutcome:
    path: Path
    loc: Loc


@dataclass(slots=True)
class VectorCase:
    args: list[Expr]
    outcome: Expr | ErrorOutcome
    loc: Loc


@dataclass(slots=True)
class VectorsDecl:
    fn: Path
    cases: list[VectorCase]
    meta: Meta
    loc: Loc


Item = UseDecl | TypeDecl | EnumDecl | RecordDecl | ErrorDecl | ConstDecl | FnDecl | PropertyDecl | VectorsDecl


@dataclass(slots=True)
class SourceFile:
    path: str  # display path (relative to its search-path root when known)
    package: PackageDecl
    items: list[Item]
