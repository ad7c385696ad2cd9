"""Verification stage: the proof obligations of an IR document.

Every verifier proves (or refutes) the same list, derived from the IR only:

- `F:ensures[i]`  for each `ensures` of function F: whenever every
  `requires` holds and the body returns a value, ensures i evaluates without
  raising and is true (ensures 0..i-1 may be assumed: they are checked first
  at run time, and are obligations of their own).
- `F:raises`      the call raises nothing that F does not declare
  (`precondition` is always allowed): no unexpected overflow, index or
  conversion error.
- `P:property`    for each property P: for every input whose requires are
  true, no requires and not the body raises and the body is true.

Code-level tools add their own kinds (`F:rte`, `F:synth`, ...) on the same
subjects; `Obligation.id` is the stable name used in evidence, SARIF and
`@assume` attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Obligation:
    subject: str              # qualified name of the function or property
    kind: str                 # ensures | raises | property | <tool-specific>
    index: int | None = None  # which ensures
    loc: dict | None = None   # IR loc of the clause (or of the item)
    reqs: tuple[str, ...] = field(default=())

    @property
    def local(self) -> str:
        """The name within its subject, as written in `@assume`: `ensures[0]`, `raises`."""
        return self.kind if self.index is None else f"{self.kind}[{self.index}]"

    @property
    def id(self) -> str:
        return f"{self.subject}:{self.local}"


def function_obligations(fn: dict) -> list[Obligation]:
    reqs = tuple(fn.get("reqs", ()))
    out = [Obligation(fn["qname"], "ensures", i, e.get("loc") or fn.get("loc"), reqs)
           for i, e in enumerate(fn["ensures"])]
    out.append(Obligation(fn["qname"], "raises", None, fn.get("loc"), reqs))
    return out


def property_obligation(prop: dict) -> Obligation:
    return Obligation(prop["qname"], "property", None, prop.get("loc"), tuple(prop.get("reqs", ())))


def obligations(doc: dict, packages: set[str] | None = None) -> list[Obligation]:
    """All spec-level obligations, in IR order (packages in dependency order)."""
    out: list[Obligation] = []
    for pkg in doc["packages"]:
        if packages is not None and pkg["name"] not in packages:
            continue
        for fn in pkg["functions"]:
            out.extend(function_obligations(fn))
        for prop in pkg["properties"]:
            out.append(property_obligation(prop))
    return out


def assumptions(doc: dict) -> dict[tuple[str, str], str]:
    """(tool, obligation id) -> justification, from `@assume` attributes in the IR."""
    out: dict[tuple[str, str], str] = {}
    for pkg in doc["packages"]:
        for item in pkg["functions"] + pkg["properties"]:
            for a in item.get("assume", ()):
                out[(a["tool"], f"{item['qname']}:{a['obligation']}")] = a["justification"]
    return out
