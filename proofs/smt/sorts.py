"""SMT proof target: UPEL types as SMT-LIB 2 sorts, and values both ways.

- `bool` is `Bool`; integers, newtypes and enums are bit-vectors of their
  storage width holding the two's complement of the value (the value set of
  a ranged newtype or an enum is a *validity predicate* on that sort).
- Records are datatypes with one constructor (fields in declaration order);
  arrays `[T; n]` are datatypes with n selectors. Datatypes, unlike SMT
  arrays, make `=` exactly UPEL's structural equality.

Names are quoted symbols (`|rec:avionics.arinc429.Word|`), so any qualified
name is a valid symbol and cannot collide with the lowering's own names.
"""

from __future__ import annotations

from dataclasses import dataclass

from upel.ir.model import IRIndex, int_bounds


# Arrays are datatypes with one selector per element; past this length the
# scripts grow beyond what is useful to a solver, and the obligation is
# reported as not decided (never as proved).
MAX_ARRAY = 256


class TooLarge(Exception):
    """A type the SMT lowering does not handle at a useful size."""


@dataclass(frozen=True)
class Scalar:
    signed: bool
    width: int


def bv(v: int, width: int) -> str:
    """A bit-vector literal of the two's complement of `v`."""
    v &= (1 << width) - 1
    if width % 4 == 0:
        return f"#x{v:0{width // 4}x}"
    return f"#b{v:0{width}b}"


def bv_value(text: str) -> int:
    """Unsigned value of a bit-vector literal as a solver prints it."""
    if text.startswith("#x"):
        return int(text[2:], 16)
    if text.startswith("#b"):
        return int(text[2:], 2)
    raise ValueError(f"not a bit-vector literal: {text}")


def signed_of(u: int, width: int) -> int:
    return u - (1 << width) if u >> (width - 1) else u


class Sorts:
    """Sort names, datatype declarations and validity predicates for one IR."""

    def __init__(self, ix: IRIndex) -> None:
        self.ix = ix
        self._decls: dict[str, str] = {}   # sort name -> declaration, in dependency order
        self._order: list[str] = []

    # ---- scalars -------------------------------------------------------------
    def scalar(self, t: dict) -> Scalar | None:
        """Storage of an integer-like type (int, newtype, enum); None for others."""
        if t["k"] == "int":
            return Scalar(t["signed"], t["width"])
        d = self.ix.decl(t)
        if d is not None and d["kind"] in ("newtype", "enum") and d["underlying"]["k"] == "int":
            u = d["underlying"]
            return Scalar(u["signed"], u["width"])
        return None

    def is_bool(self, t: dict) -> bool:
        if t["k"] == "bool":
            return True
        d = self.ix.decl(t)
        return d is not None and d["kind"] == "newtype" and d["underlying"]["k"] == "bool"

    def bounds(self, t: dict) -> tuple[int, int]:
        info = self.ix.int_info(t)
        if info is not None:
            return info.lo, info.hi
        s = self.scalar(t)
        return int_bounds(s.signed, s.width)

    # ---- sorts ----------------------------------------------------------------
    def sort(self, t: dict) -> str:
        if self.is_bool(t):
            return "Bool"
        s = self.scalar(t)
        if s is not None:
            return f"(_ BitVec {s.width})"
        if t["k"] == "array":
            if t["len"] > MAX_ARRAY:
                raise TooLarge(f"an array of {t['len']} elements (the SMT lowering handles up to {MAX_ARRAY})")
            elem = self.sort(t["elem"])
            name = f"|arr:{t['len']}:{elem.strip('|')}|"  # one level of quoting only
            if name not in self._decls:
                sels = " ".join(f"({self.arr_sel(name, i)} {elem})" for i in range(t["len"]))
                self._declare(name, f"(declare-datatypes (({name} 0)) ((({self.ctor(name)} {sels}))))")
            return name
        d = self.ix.decl(t)
        name = f"|rec:{d['qname']}|"
        if name not in self._decls:
            sels = " ".join(f"({self.rec_sel(name, f['name'])} {self.sort(f['type'])})" for f in d["fields"])
            self._declare(name, f"(declare-datatypes (({name} 0)) ((({self.ctor(name)} {sels}))))")
        return name

    def _declare(self, name: str, text: str) -> None:
        self._decls[name] = text
        self._order.append(name)  # after the sorts its fields needed (declared while building `sels`)

    @staticmethod
    def ctor(sort: str) -> str:
        return "|mk:" + sort[1:]

    @staticmethod
    def arr_sel(sort: str, i: int) -> str:
        return f"|{sort[1:-1]}#{i}|"

    @staticmethod
    def rec_sel(sort: str, field: str) -> str:
        return f"|{sort[1:-1]}.{field}|"

    def declarations(self) -> list[str]:
        return [self._decls[n] for n in self._order]

    # ---- values -----------------------------------------------------------------
    def literal(self, t: dict, v) -> str:
        """A canonical IR value (or interpreter value) as a term of sort(t)."""
        if self.is_bool(t):
            return "true" if v else "false"
        s = self.scalar(t)
        if s is not None:
            return bv(int(v), s.width)
        sort = self.sort(t)
        if t["k"] == "array":
            return f"({self.ctor(sort)} " + " ".join(self.literal(t["elem"], x) for x in v) + ")"
        d = self.ix.decl(t)
        return f"({self.ctor(sort)} " + " ".join(self.literal(f["type"], v[f["name"]]) for f in d["fields"]) + ")"

    def default(self, t: dict) -> str:
        """Some value of sort(t) (the value part of an error outcome is irrelevant)."""
        if self.is_bool(t):
            return "false"
        s = self.scalar(t)
        if s is not None:
            return bv(0, s.width)
        sort = self.sort(t)
        if t["k"] == "array":
            return f"({self.ctor(sort)} " + " ".join(self.default(t["elem"]) for _ in range(t["len"])) + ")"
        d = self.ix.decl(t)
        return f"({self.ctor(sort)} " + " ".join(self.default(f["type"]) for f in d["fields"]) + ")"

    def valid(self, t: dict, term: str) -> list[str]:
        """Constraints that make `term` a value of t (value sets, enum members)."""
        if self.is_bool(t):
            return []
        s = self.scalar(t)
        if s is not None:
            d = self.ix.decl(t)
            if d is not None and d["kind"] == "enum":
                return ["(or " + " ".join(f"(= {term} {bv(m['value'], s.width)})" for m in d["members"]) + ")"]
            lo, hi = self.bounds(t)
            full = int_bounds(s.signed, s.width)
            if (lo, hi) == full:
                return []
            le = "bvsle" if s.signed else "bvule"
            return [f"({le} {bv(lo, s.width)} {term})", f"({le} {term} {bv(hi, s.width)})"]
        sort = self.sort(t)
        out: list[str] = []
        if t["k"] == "array":
            for i in range(t["len"]):
                out += self.valid(t["elem"], f"({self.arr_sel(sort, i)} {term})")
            return out
        for f in self.ix.decl(t)["fields"]:
            out += self.valid(f["type"], f"({self.rec_sel(sort, f['name'])} {term})")
        return out

    def spread(self, t: dict, name: str) -> tuple[str, list[tuple[str, str]]]:
        """An input of type t as a term over fresh scalar constants.

        Records and arrays become constructor applications of scalar leaves,
        so every selector simplifies away and the solver's bit-vector (or
        arithmetic) procedures see no datatypes at all.
        Returns (term, [(leaf symbol, sort)])."""
        if t["k"] != "array" and (self.is_bool(t) or self.scalar(t) is not None):
            leaf = f"|{name}|"
            return leaf, [(leaf, self.sort(t))]
        sort = self.sort(t)
        if t["k"] == "array":
            parts = [self.spread(t["elem"], f"{name}#{i}") for i in range(t["len"])]
        else:
            parts = [self.spread(f["type"], f"{name}.{f['name']}") for f in self.ix.decl(t)["fields"]]
        leaves = [leaf for _, ls in parts for leaf in ls]
        return f"({self.ctor(sort)} " + " ".join(p for p, _ in parts) + ")", leaves

    def decode(self, t: dict, sx) -> object:
        """A solver model value (parsed s-expression) -> canonical IR value."""
        if self.is_bool(t):
            if sx not in ("true", "false"):
                raise ValueError(f"expected a Bool, got {sx!r}")
            return sx == "true"
        s = self.scalar(t)
        if s is not None:
            if isinstance(sx, list) and len(sx) == 3 and sx[0] == "_":  # (_ bvN w)
                u = int(sx[1][2:])
            else:
                u = bv_value(sx)
            return signed_of(u, s.width) if s.signed else u
        if not isinstance(sx, list):
            raise ValueError(f"expected a constructor application, got {sx!r}")
        args = sx[1:]
        if t["k"] == "array":
            return [self.decode(t["elem"], a) for a in args]
        d = self.ix.decl(t)
        return {f["name"]: self.decode(f["type"], a) for f, a in zip(d["fields"], args, strict=True)}
