"""Syntax stage: the abstract syntax tree.

Plain dataclasses produced by `upel.syntax.build` as the parser reduces,
and consumed by `upel.check`. Nothing here is typed or resolved yet: names
are strings, literals keep their source value, and every node carries the
`Loc` of its first character so that the checker can point at it.

Every class writes out the `__init__` that `@dataclass` would generate
(`init=False`): the same signature and assignments, but compiled by mypyc
(tools/build_native.py) it is native code, where the generated one stays
interpreted. The parser makes about 700,000 nodes and `Loc`s at 10,000
operators.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _native() -> bool:
    """True when this module runs compiled by mypyc (see upel.syntax.native):
    a compiled function is a builtin, not a Python `function`."""
    return type(_native).__name__ != "function"


NATIVE = _native()


@dataclass(frozen=True, slots=True, init=False)
class Loc:
    """A source position. `file` is the display path; lines/cols count from 1."""

    file: str
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0

    def __init__(self, file: str, line: int, col: int, end_line: int = 0, end_col: int = 0) -> None:
        # The frozen dataclass's own `__init__`, written out: compiled
        # (upel.syntax.native), each line is a store into the slot.
        object.__setattr__(self, "file", file)
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "col", col)
        object.__setattr__(self, "end_line", end_line)
        object.__setattr__(self, "end_col", end_col)


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
    if NATIVE:  # compiled, `Loc(...)` is a native constructor: cheaper than the trick below
        return Loc(file, line, col, end_line, end_col)
    loc = UnfrozenLoc(file, line, col, end_line, end_col)
    loc.__class__ = Loc  # type: ignore[assignment]
    return loc  # type: ignore[return-value]


@dataclass(slots=True, init=False)
class Attribute:
    name: str
    args: list[str]
    loc: Loc

    def __init__(self, name: str, args: list[str], loc: Loc) -> None:
        self.name = name
        self.args = args
        self.loc = loc


@dataclass(slots=True, init=False)
class Meta:
    """Doc comments and attributes that precede an item or member."""

    docs: list[str] = field(default_factory=list)
    attrs: list[Attribute] = field(default_factory=list)

    def __init__(self, docs: list[str] | None = None, attrs: list[Attribute] | None = None) -> None:
        self.docs = list() if docs is None else docs
        self.attrs = list() if attrs is None else attrs


@dataclass(slots=True, init=False)
class Path:
    parts: list[str]
    loc: Loc

    def dotted(self) -> str:
        return ".".join(self.parts)

    def __init__(self, parts: list[str], loc: Loc) -> None:
        self.parts = parts
        self.loc = loc


# ---- types -----------------------------------------------------------------


@dataclass(slots=True, init=False)
class TypePath:
    path: Path
    loc: Loc

    def __init__(self, path: Path, loc: Loc) -> None:
        self.path = path
        self.loc = loc


@dataclass(slots=True, init=False)
class TypeArray:
    elem: TypeExpr
    length: Expr
    loc: Loc

    def __init__(self, elem: TypeExpr, length: Expr, loc: Loc) -> None:
        self.elem = elem
        self.length = length
        self.loc = loc


TypeExpr = TypePath | TypeArray


# ---- expressions -----------------------------------------------------------


@dataclass(slots=True, init=False)
class IntLit:
    value: int
    loc: Loc
    paren: bool = False  # written inside parentheses: `-(128)` is not a literal

    def __init__(self, value: int, loc: Loc, paren: bool = False) -> None:
        self.value = value
        self.loc = loc
        self.paren = paren


@dataclass(slots=True, init=False)
class BoolLit:
    value: bool
    loc: Loc

    def __init__(self, value: bool, loc: Loc) -> None:
        self.value = value
        self.loc = loc


@dataclass(slots=True, init=False)
class Name:
    ident: str
    loc: Loc

    def __init__(self, ident: str, loc: Loc) -> None:
        self.ident = ident
        self.loc = loc


@dataclass(slots=True, init=False)
class Field:
    base: Expr
    name: str
    loc: Loc  # location of the field name

    def __init__(self, base: Expr, name: str, loc: Loc) -> None:
        self.base = base
        self.name = name
        self.loc = loc


@dataclass(slots=True, init=False)
class Call:
    callee: Expr
    args: list[Expr]
    loc: Loc

    def __init__(self, callee: Expr, args: list[Expr], loc: Loc) -> None:
        self.callee = callee
        self.args = args
        self.loc = loc


@dataclass(slots=True, init=False)
class Index:
    base: Expr
    index: Expr
    loc: Loc

    def __init__(self, base: Expr, index: Expr, loc: Loc) -> None:
        self.base = base
        self.index = index
        self.loc = loc


@dataclass(slots=True, init=False)
class FieldInit:
    name: str
    expr: Expr
    loc: Loc

    def __init__(self, name: str, expr: Expr, loc: Loc) -> None:
        self.name = name
        self.expr = expr
        self.loc = loc


@dataclass(slots=True, init=False)
class RecordLit:
    type_ref: Expr  # a Name or Field chain naming the record type
    fields: list[FieldInit]
    loc: Loc

    def __init__(self, type_ref: Expr, fields: list[FieldInit], loc: Loc) -> None:
        self.type_ref = type_ref
        self.fields = fields
        self.loc = loc


@dataclass(slots=True, init=False)
class RecWith:
    base: Expr
    fields: list[FieldInit]
    loc: Loc

    def __init__(self, base: Expr, fields: list[FieldInit], loc: Loc) -> None:
        self.base = base
        self.fields = fields
        self.loc = loc


@dataclass(slots=True, init=False)
class ArrWith:
    base: Expr
    index: Expr
    value: Expr
    loc: Loc

    def __init__(self, base: Expr, index: Expr, value: Expr, loc: Loc) -> None:
        self.base = base
        self.index = index
        self.value = value
        self.loc = loc


@dataclass(slots=True, init=False)
class Unary:
    op: str  # "neg" | "bnot" | "not"
    operand: Expr
    loc: Loc

    def __init__(self, op: str, operand: Expr, loc: Loc) -> None:
        self.op = op
        self.operand = operand
        self.loc = loc


@dataclass(slots=True, init=False)
class Binary:
    op: str  # IR operator name: add, sub, ..., eq, lt, and, or
    a: Expr
    b: Expr
    loc: Loc
    paren: bool = False  # written in parentheses: `(a == b) == c` is not a chain

    def __init__(self, op: str, a: Expr, b: Expr, loc: Loc, paren: bool = False) -> None:
        self.op = op
        self.a = a
        self.b = b
        self.loc = loc
        self.paren = paren


@dataclass(slots=True, init=False)
class Cast:
    expr: Expr
    type: TypeExpr
    loc: Loc

    def __init__(self, expr: Expr, type: TypeExpr, loc: Loc) -> None:
        self.expr = expr
        self.type = type
        self.loc = loc


@dataclass(slots=True, init=False)
class ArrayLit:
    elems: list[Expr]
    loc: Loc

    def __init__(self, elems: list[Expr], loc: Loc) -> None:
        self.elems = elems
        self.loc = loc


@dataclass(slots=True, init=False)
class ArrayRepeat:
    elem: Expr
    count: Expr
    loc: Loc

    def __init__(self, elem: Expr, count: Expr, loc: Loc) -> None:
        self.elem = elem
        self.count = count
        self.loc = loc


@dataclass(slots=True, init=False)
class If:
    cond: Expr
    then: Expr
    else_: Expr
    loc: Loc

    def __init__(self, cond: Expr, then: Expr, else_: Expr, loc: Loc) -> None:
        self.cond = cond
        self.then = then
        self.else_ = else_
        self.loc = loc


@dataclass(slots=True, init=False)
class Pattern:
    kind: str  # "path" | "int" | "bool" | "wild"
    loc: Loc
    path: Path | None = None
    value: int | bool | None = None

    def __init__(self, kind: str, loc: Loc, path: Path | None = None, value: int | bool | None = None) -> None:
        self.kind = kind
        self.loc = loc
        self.path = path
        self.value = value


@dataclass(slots=True, init=False)
class Arm:
    patterns: list[Pattern]
    body: Expr
    loc: Loc

    def __init__(self, patterns: list[Pattern], body: Expr, loc: Loc) -> None:
        self.patterns = patterns
        self.body = body
        self.loc = loc


@dataclass(slots=True, init=False)
class Match:
    scrutinee: Expr
    arms: list[Arm]
    loc: Loc

    def __init__(self, scrutinee: Expr, arms: list[Arm], loc: Loc) -> None:
        self.scrutinee = scrutinee
        self.arms = arms
        self.loc = loc


@dataclass(slots=True, init=False)
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

    def __init__(
        self, var: str, var_type: TypeExpr | None, lo: Expr, hi: Expr, acc: str, acc_type: TypeExpr | None, init: Expr, body: Expr, loc: Loc, var_loc: Loc, acc_loc: Loc,
    ) -> None:
        self.var = var
        self.var_type = var_type
        self.lo = lo
        self.hi = hi
        self.acc = acc
        self.acc_type = acc_type
        self.init = init
        self.body = body
        self.loc = loc
        self.var_loc = var_loc
        self.acc_loc = acc_loc


@dataclass(slots=True, init=False)
class Let:
    name: str
    type: TypeExpr | None
    expr: Expr
    loc: Loc

    def __init__(self, name: str, type: TypeExpr | None, expr: Expr, loc: Loc) -> None:
        self.name = name
        self.type = type
        self.expr = expr
        self.loc = loc


@dataclass(slots=True, init=False)
class Block:
    lets: list[Let]
    result: Expr
    loc: Loc

    def __init__(self, lets: list[Let], result: Expr, loc: Loc) -> None:
        self.lets = lets
        self.result = result
        self.loc = loc


@dataclass(slots=True, init=False)
class Raise:
    path: Path
    loc: Loc

    def __init__(self, path: Path, loc: Loc) -> None:
        self.path = path
        self.loc = loc


Expr = (
    IntLit | BoolLit | Name | Field | Call | Index | RecordLit | RecWith | ArrWith | Unary
    | Binary | Cast | ArrayLit | ArrayRepeat | If | Match | Fold | Block | Raise
)


# ---- items -----------------------------------------------------------------


@dataclass(slots=True, init=False)
class PackageDecl:
    name: str
    version: str
    meta: Meta
    loc: Loc
    version_loc: Loc

    def __init__(self, name: str, version: str, meta: Meta, loc: Loc, version_loc: Loc) -> None:
        self.name = name
        self.version = version
        self.meta = meta
        self.loc = loc
        self.version_loc = version_loc


@dataclass(slots=True, init=False)
class UseDecl:
    package: Path  # the package path
    names: list[tuple[str, Loc]] | None  # `use a.b.{X, Y}`; None for `use a.b;`
    meta: Meta
    loc: Loc

    def __init__(self, package: Path, names: list[tuple[str, Loc]] | None, meta: Meta, loc: Loc) -> None:
        self.package = package
        self.names = names
        self.meta = meta
        self.loc = loc


@dataclass(slots=True, init=False)
class TypeDecl:
    name: str
    type: TypeExpr
    range: tuple[Expr, Expr] | None
    meta: Meta
    loc: Loc

    def __init__(self, name: str, type: TypeExpr, range: tuple[Expr, Expr] | None, meta: Meta, loc: Loc) -> None:
        self.name = name
        self.type = type
        self.range = range
        self.meta = meta
        self.loc = loc


@dataclass(slots=True, init=False)
class EnumMember:
    name: str
    value: Expr
    meta: Meta
    loc: Loc

    def __init__(self, name: str, value: Expr, meta: Meta, loc: Loc) -> None:
        self.name = name
        self.value = value
        self.meta = meta
        self.loc = loc


@dataclass(slots=True, init=False)
class EnumDecl:
    name: str
    underlying: TypeExpr
    members: list[EnumMember]
    meta: Meta
    loc: Loc

    def __init__(self, name: str, underlying: TypeExpr, members: list[EnumMember], meta: Meta, loc: Loc) -> None:
        self.name = name
        self.underlying = underlying
        self.members = members
        self.meta = meta
        self.loc = loc


@dataclass(slots=True, init=False)
class FieldDecl:
    name: str
    type: TypeExpr
    meta: Meta
    loc: Loc

    def __init__(self, name: str, type: TypeExpr, meta: Meta, loc: Loc) -> None:
        self.name = name
        self.type = type
        self.meta = meta
        self.loc = loc


@dataclass(slots=True, init=False)
class RecordDecl:
    name: str
    fields: list[FieldDecl]
    meta: Meta
    loc: Loc

    def __init__(self, name: str, fields: list[FieldDecl], meta: Meta, loc: Loc) -> None:
        self.name = name
        self.fields = fields
        self.meta = meta
        self.loc = loc


@dataclass(slots=True, init=False)
class ErrorMember:
    name: str
    code: Expr
    meta: Meta
    loc: Loc

    def __init__(self, name: str, code: Expr, meta: Meta, loc: Loc) -> None:
        self.name = name
        self.code = code
        self.meta = meta
        self.loc = loc


@dataclass(slots=True, init=False)
class ErrorDecl:
    name: str
    members: list[ErrorMember]
    meta: Meta
    loc: Loc

    def __init__(self, name: str, members: list[ErrorMember], meta: Meta, loc: Loc) -> None:
        self.name = name
        self.members = members
        self.meta = meta
        self.loc = loc


@dataclass(slots=True, init=False)
class ConstDecl:
    name: str
    type: TypeExpr
    value: Expr
    meta: Meta
    loc: Loc

    def __init__(self, name: str, type: TypeExpr, value: Expr, meta: Meta, loc: Loc) -> None:
        self.name = name
        self.type = type
        self.value = value
        self.meta = meta
        self.loc = loc


@dataclass(slots=True, init=False)
class Param:
    name: str
    type: TypeExpr
    loc: Loc

    def __init__(self, name: str, type: TypeExpr, loc: Loc) -> None:
        self.name = name
        self.type = type
        self.loc = loc


@dataclass(slots=True, init=False)
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

    def __init__(
        self, name: str, params: list[Param], ret: TypeExpr, raises: list[Path], requires: list[Expr], ensures: list[Expr], body: Expr, meta: Meta, loc: Loc,
    ) -> None:
        self.name = name
        self.params = params
        self.ret = ret
        self.raises = raises
        self.requires = requires
        self.ensures = ensures
        self.body = body
        self.meta = meta
        self.loc = loc


@dataclass(slots=True, init=False)
class PropertyDecl:
    name: str
    params: list[Param]
    requires: list[Expr]
    body: Expr
    meta: Meta
    loc: Loc

    def __init__(self, name: str, params: list[Param], requires: list[Expr], body: Expr, meta: Meta, loc: Loc) -> None:
        self.name = name
        self.params = params
        self.requires = requires
        self.body = body
        self.meta = meta
        self.loc = loc


@dataclass(slots=True, init=False)
class ErrorOutcome:
    path: Path
    loc: Loc

    def __init__(self, path: Path, loc: Loc) -> None:
        self.path = path
        self.loc = loc


@dataclass(slots=True, init=False)
class VectorCase:
    args: list[Expr]
    outcome: Expr | ErrorOutcome
    loc: Loc

    def __init__(self, args: list[Expr], outcome: Expr | ErrorOutcome, loc: Loc) -> None:
        self.args = args
        self.outcome = outcome
        self.loc = loc


@dataclass(slots=True, init=False)
class VectorsDecl:
    fn: Path
    cases: list[VectorCase]
    meta: Meta
    loc: Loc

    def __init__(self, fn: Path, cases: list[VectorCase], meta: Meta, loc: Loc) -> None:
        self.fn = fn
        self.cases = cases
        self.meta = meta
        self.loc = loc


Item = UseDecl | TypeDecl | EnumDecl | RecordDecl | ErrorDecl | ConstDecl | FnDecl | PropertyDecl | VectorsDecl


@dataclass(slots=True, init=False)
class SourceFile:
    path: str  # display path (relative to its search-path root when known)
    package: PackageDecl
    items: list[Item]

    def __init__(self, path: str, package: PackageDecl, items: list[Item]) -> None:
        self.path = path
        self.package = package
        self.items = items
