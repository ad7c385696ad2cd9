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
        self.packages: dict[str, dict] = {p["name"]: p for p in doc["packages"]}
        for pkg in doc["packages"]:
            for t in pkg["types"]:
                self.types[t["qname"]] = t
            for f in pkg["functions"]:
                self.functions[f["qname"]] = f
            for c in pkg["consts"]:
                self.consts[c["qname"]] = c
            for p in pkg["properties"]:
                self.properties[p["qname"]] = p

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

    def error_name(self, code: int, package: str | None = None) -> str:
        """The name of an error code as seen from `package` (default: the root).

        User codes are unique within a package only, so the name is looked up
        in the package and then its imports, breadth first.
        """
        from upel.interp.intops import BUILTIN_ERROR_NAMES

        if code in BUILTIN_ERROR_NAMES:
            return BUILTIN_ERROR_NAMES[code]
        todo, seen = [package or self.doc["root"]], set()
        while todo:
            name = todo.pop(0)
            if name in seen or name not in self.packages:
                continue
            seen.add(name)
            for es in self.packages[name]["errors"]:
                for m in es["members"]:
                    if m["code"] == code:
                        return f"{es['name']}.{m['name']}"
            todo.extend(self.packages[name]["imports"])
        return f"error {code}"
