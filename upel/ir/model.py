"""IR stage: reading an IR document (see docs/ir.md).

`IRIndex` indexes a document's packages by qualified name and answers type
questions from the IR alone (value sets, enum members, record fields), which
is all a backend, prover or the interpreter needs. Nothing here depends on
the checker: the IR is the contract.
"""

from __future__ import annotations

from dataclasses import dataclass

IR_FORMAT = "upel-ir"
IR_VERSION = 1


@dataclass(frozen=True, slots=True)
class IntInfo:
    signed: bool
    width: int
    lo: int
    hi: int
    ranged: bool


def int_bounds(signed: bool, width: int) -> tuple[int, int]:
    if signed:
        return -(1 << (width - 1)), (1 << (width - 1)) - 1
    return 0, (1 << width) - 1


class IRIndex:
    """Qualified-name lookups over one IR document."""

    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.types: dict[str, dict] = {}
        self.functions: dict[str, dict] = {}
        self.consts: dict[str, dict] = {}
        self.properties: dict[str, dict] = {}
        self.errors: dict[int, str] = {}
        for pkg in doc["packages"]:
            for t in pkg["types"]:
                self.types[t["qname"]] = t
            for f in pkg["functions"]:
                self.functions[f["qname"]] = f
            for c in pkg["consts"]:
                self.consts[c["qname"]] = c
            for p in pkg["properties"]:
                self.properties[p["qname"]] = p
            for es in pkg["errors"]:
                for m in es["members"]:
                    self.errors[m["code"]] = f"{es['name']}.{m['name']}"

    @property
    def root(self) -> dict:
        return next(p for p in self.doc["packages"] if p["name"] == self.doc["root"])

    def int_info(self, t: dict) -> IntInfo | None:
        """Storage and value set of an integer-like type (int or newtype), else None."""
        if t["k"] == "int":
            lo, hi = int_bounds(t["signed"], t["width"])
            return IntInfo(t["signed"], t["width"], lo, hi, False)
        if t["k"] == "named":
            d = self.types[t["name"]]
            if d["kind"] == "newtype":
                u = d["underlying"]
                lo, hi = int_bounds(u["signed"], u["width"])
                if "range" in d:
                    return IntInfo(u["signed"], u["width"], d["range"]["lo"], d["range"]["hi"], True)
                return IntInfo(u["signed"], u["width"], lo, hi, False)
            if d["kind"] == "enum":
                return None
        return None

    def decl(self, t: dict) -> dict | None:
        return self.types.get(t["name"]) if t["k"] == "named" else None

    def error_name(self, code: int) -> str:
        from upel.interp.intops import BUILTIN_ERROR_NAMES

        return BUILTIN_ERROR_NAMES.get(code) or self.errors.get(code) or f"error {code}"
