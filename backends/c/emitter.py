"""C backend: IR -> plain template context (all the logic of the backend).

Shape of the generated C (C11, no dynamic allocation, no undefined behaviour):

- Types. `uN`/`iN` live in the next native `<stdint.h>` type, normalised
  (zero- or sign-extended). Newtypes are typedefs of that type; enums are
  typedefs of their underlying type with one `#define` per member; records
  are structs; arrays `[T; N]` are structs wrapping `T v[N]` (so they can be
  assigned, returned and compared), shared between packages under a guard.
  Records and arrays get an `_eq` function (structural equality).
- Functions. `upel_status P_f(T1 a, const R *r, ..., Ret *out)`: scalars are
  passed by value, records and arrays by `const` pointer; the result goes to
  `*out`, which is written once, on success only, after everything else was
  computed (so `out` may even alias an argument). The return value is
  UPEL_OK or an error code. The body is `static inline P_f_impl` in the
  package header, callees first, and the extern `P_f` in the .c file
  forwards to it: calls between operators, also across packages, go to the
  `_impl`, so that gcc -O2 inlines them (it does not inline an extern
  function of another translation unit, nor most of those in its own);
  this took the generated ledger and infusion kernels from 1.8x / 1.4x the
  hand-written C to about 1.1x / 1.0x. Both carry the same ACSL contract.
- Parity. `popcount(x) % 2` and `(popcount(x) + k) % 2` (when the `+`
  cannot overflow) become `upel_parity`, a few instructions where popcount
  is a libgcc call at plain -O2.
- Bodies. Expressions are lowered to statements with temporaries in
  evaluation order; every operation that can fail returns its code at once
  (`UPEL_TRY`, `return UPEL_INDEX;` ...), so the first error wins. `if`,
  `match`, blocks, `and`/`or` and `fold` become statements. Checked,
  wrapping and saturating arithmetic, shifts and casts go through the
  helpers of `upel_rt.h`, which know the value set [lo, hi] and the width
  (shifts and masks by a constant, and an `|` of disjoint bits, are written
  in arithmetic form instead: `*`, `/`, `%`, `+`; see `arith_shift`);
  a checked operation that upel/codegen/facts.py proves cannot fail (its
  exact result is in the value set on every path) is the plain C operator
  instead (docs/backends.md, "Checks that cannot fail"; WP with RTE proves
  the plain operation from the same path conditions).
- Contracts. `requires` are checked on entry, in order (false -> 5). The
  requires/ensures are also stated in ACSL on each prototype (as
  implications on the returned status, since the functions are total);
  a clause that cannot be stated faithfully in ACSL is kept as a comment.
  A bit-level function (one with a shift or a bitwise operator) whose body
  is an ACSL term also states its result (`upel_value`), so that WP, which
  sees a callee only through its contract, can prove its callers.
  Clauses are named (`ACSL_*` below) so that Frama-C WP's goals map back to
  the UPEL obligations (proofs/framac/wp.py); arguments are required to lie
  in their type's value set and results ensured to (`upel_valid_*`), and
  `upel_raises` lists the statuses the function may return. Folds of up to
  MAX_UNROLL iterations carry `loop pragma UNROLL` so that WP sees every
  iteration; the helpers of upel_rt.h carry their own contracts.
  WP sees a callee only through its contract, so where a body has an ACSL
  rendering the contract also says what callers need: a function that raises
  a declared error states which branch returned and with what value
  (`upel_value`, guards included), a predicate its value, and a function
  that fails only in checked operations the condition under which it does
  not (`upel_total`, folds of up to SPELL_ELEMENTS steps unrolled in ACSL).
  All of this is ACSL: the C that compilers see is the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from upel.codegen.facts import document_facts
from upel.ir.encoding import ir_digest, package_digest
from upel.ir.model import IRIndex, int_bounds
from upel.ir.pretty import show_expr
from upel.ir.walk import nodes

from .names import Namer, comment_lines

BUILTIN_STATUS = {
    1: "UPEL_OVERFLOW", 2: "UPEL_DIV_BY_ZERO", 3: "UPEL_RANGE", 4: "UPEL_INDEX",
    5: "UPEL_PRECONDITION", 6: "UPEL_CONVERT",
}
STORAGE_BITS = (8, 16, 32, 64)
CMP_SYM = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
CHECKED = {"add", "sub", "mul", "div", "rem"}
# checked operations facts.py may prove safe: C's `/` and `%` truncate toward zero like UPEL's
PLAIN = {"add": "+", "sub": "-", "mul": "*", "div": "/", "rem": "%"}
WRAPPING = {"add_wrap", "sub_wrap", "mul_wrap"}
SATURATING = {"add_sat", "sub_sat", "mul_sat"}
BITWISE = {"band": "&", "bor": "|", "bxor": "^"}
# Names of the harness's own file-scope identifiers (kept out of every namespace).
HARNESS_NAMES = ("upel_h_in", "upel_h_bad", "upel_h_token", "upel_h_leaf", "upel_h_end_line", "upel_h_put")


def storage_bits(width: int) -> int:
    return next(b for b in STORAGE_BITS if width <= b)


def base_ctype(signed: bool, width: int) -> str:
    return f"{'int' if signed else 'uint'}{storage_bits(width)}_t"


def c_int(v: int, signed: bool, width: int) -> str:
    """A C constant expression of the storage type of (signed, width) with value v."""
    bits = storage_bits(width)
    lo, hi = int_bounds(signed, bits)
    if v == lo and signed:
        return f"INT{bits}_MIN"
    if v == hi:
        return f"{'' if signed else 'U'}INT{bits}_MAX"
    if signed:
        return f"INT64_C({v})" if bits == 64 else f"((int{bits}_t){v})"
    return f"UINT64_C({v})" if bits == 64 else f"((uint{bits}_t){v}U)"


# The mathematical result of each checked helper of upel_rt.h, in ACSL.
CHECKED_MATH = {"add": "a + b", "sub": "a - b", "mul": "a * b", "div": "a / b", "rem": "a % b",
                # Not `\\abs(a)`: Why3 1.5.1 stops with "anomaly: Not_found" on WP goals that
                # combine it with division (found on avionics.units.feet_to_meters).
                "neg": "-a", "abs": "(a < 0 ? -a : a)"}


def checked_contract(op: str) -> str:
    """The ACSL contract of a checked helper (`upel_core_<op>_*` and `upel_<op>_<storage>`):
    the status tells exactly whether the mathematical result lies in [lo, hi] (ACSL
    integers are unbounded and `/`, `%` truncate as in C), and *r is that result.
    Frama-C WP proves the helpers against it and uses it at every call."""
    m = CHECKED_MATH[op]
    lines = ["requires \\valid(r);", "assigns *r;"]
    if op in ("div", "rem"):
        lines += ["ensures \\result == UPEL_OK || \\result == UPEL_OVERFLOW || \\result == UPEL_DIV_BY_ZERO;",
                  "ensures b == 0 <==> \\result == UPEL_DIV_BY_ZERO;",
                  f"ensures b != 0 ==> (\\result == UPEL_OK <==> lo <= {m} <= hi);"]
    else:
        lines += ["ensures \\result == UPEL_OK || \\result == UPEL_OVERFLOW;",
                  f"ensures \\result == UPEL_OK <==> lo <= {m} <= hi;"]
    lines.append(f"ensures \\result == UPEL_OK ==> *r == {m};")
    return "/*@ " + "\n  @ ".join(lines) + "\n  @*/"


@dataclass(frozen=True)
class Scalar:
    """How a scalar type (bool, integer, newtype, enum) is stored and what values it holds."""

    signed: bool
    width: int
    lo: int
    hi: int
    ctype: str
    is_bool: bool = False

    @property
    def bits(self) -> int:
        return storage_bits(self.width)

    @property
    def base(self) -> str:
        return "bool" if self.is_bool else base_ctype(self.signed, self.width)

    @property
    def sfx(self) -> str:
        return f"{'i' if self.signed else 'u'}{self.bits}"

    @property
    def core(self) -> str:
        return "s" if self.signed else "u"

    @property
    def storage_range(self) -> tuple[int, int]:
        return (0, 1) if self.is_bool else int_bounds(self.signed, self.bits)

    def lit(self, v) -> str:
        if self.is_bool or isinstance(v, bool):
            return "true" if v else "false"
        return c_int(v, self.signed, self.width)


@dataclass
class Atom:
    """A lowered expression: C text with no side effects (a variable, a constant,
    a field or element access, a comparison), plus its value when it is a literal."""

    c: str
    value: Any = None
    neg: str | None = None  # the negated condition, for comparisons


DEAD = Atom("0")


def negate(a: Atom) -> str:
    return a.neg if a.neg is not None else f"!{paren(a.c)}"


NEG_OP = {"eq": "ne", "ne": "eq", "lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}


class IfStmt:
    """`if (c1) {...} else if (c2) {...} else {...}`; a None condition is the final else."""

    def __init__(self, arms: list[tuple[str | None, list]]) -> None:
        self.arms = arms


class Loop:
    """A loop (or switch) statement; `annot` holds the lines of its ACSL loop annotation."""

    def __init__(self, head: str, body: list, annot: list[str] | None = None) -> None:
        self.head, self.body, self.annot = head, body, list(annot or [])


# Folds with at most this many iterations are unrolled for Frama-C WP (`loop pragma
# UNROLL`), so that the proof sees every iteration and needs no loop invariant; longer
# ones get a bounding invariant only (enough for the absence of runtime errors).
MAX_UNROLL = 256
# Arrays of at most this many elements have their value set stated element by element
# (AcslContract.valid_value), not with `\forall`.
SPELL_ELEMENTS = 16


def loop_annot(k: str, lo: int, hi: int, assigns: list[str]) -> list[str]:
    """ACSL for `for (k = lo; k < hi; k++)`. A complete unrolling is asked for one
    more iteration than the loop runs: then the exit test of the last copy is
    unrolled too, and the residual loop (whose invariant Frama-C sets to \\false)
    is unreachable."""
    if hi - lo <= MAX_UNROLL:
        return [f'/*@ loop pragma UNROLL "completely", {hi - lo + 1};', "  @*/"]
    return ["/*@ loop invariant " + f"{lo} <= {k} <= {hi};",
            f"  @ loop assigns {', '.join([k, *assigns])};",
            f"  @ loop variant {hi} - {k};",
            "  @*/"]


class Decl:
    """A variable declaration; `unread` (set after lowering) adds `(void)name;`,
    since code after a raise is not emitted and may have been its only reader."""

    def __init__(self, name: str, text: str) -> None:
        self.name, self.text = name, text
        self.unread = False


_TOKEN = re.compile(r"(?<![\w.])[A-Za-z_]\w*")  # not a field name after `.`
_TARGET = re.compile(r"^([A-Za-z_]\w*)((?:\.\w+|\.v\[[^\]]*\])*) = (.*)$")


def reads(items: list, out: set[str] | None = None) -> set[str]:
    """Identifiers read by statements (a declaration's or an assignment's target is not a read)."""
    out = set() if out is None else out
    for it in items:
        if isinstance(it, str):
            m = _TARGET.match(it)
            if m:  # `x = e;`, `x.f = e;`, `x.v[i] = e;`: only the index and e are read
                out.update(_TOKEN.findall(m.group(2) + " " + m.group(3)))
            else:
                out.update(_TOKEN.findall(it))
        elif isinstance(it, Decl):
            _, _, init = it.text.partition(" = ")
            out.update(_TOKEN.findall(init))
        elif isinstance(it, IfStmt):
            for cond, body in it.arms:
                if cond is not None:
                    out.update(_TOKEN.findall(cond))
                reads(body, out)
        elif isinstance(it, Loop):
            out.update(_TOKEN.findall(it.head))
            reads(it.body, out)
    return out


def mark_unread(items: list, read: set[str]) -> None:
    for it in items:
        if isinstance(it, Decl):
            it.unread = it.name not in read
        elif isinstance(it, IfStmt):
            for _, body in it.arms:
                mark_unread(body, read)
        elif isinstance(it, Loop):
            mark_unread(it.body, read)


def bare(c: str) -> str:
    """Strip one pair of enclosing parentheses when they enclose the whole text."""
    if not (c.startswith("(") and c.endswith(")")):
        return c
    depth = 0
    for i, ch in enumerate(c):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(c) - 1:
            return c
    return c[1:-1]


def refs(e: Any) -> set[str]:
    """Names of the locals an IR expression mentions."""
    return {x["name"] for x in nodes(e) if x.get("k") == "local" and "t" in x}


def can_raise(e: Any) -> bool:
    """True when evaluating the expression could end with an error code."""
    if isinstance(e, list):
        return any(can_raise(x) for x in e)
    if not isinstance(e, dict):
        return False
    k = e.get("k")
    if "t" in e:
        if k in ("call", "raise", "enum_from", "index", "arr_with"):
            return True
        if k == "bin" and e["op"] in CHECKED:
            return True
        if k == "un" and e["op"] == "neg":
            return True
        if k == "cast" and e["check"]:
            return True
        if k == "builtin" and e["name"] == "abs":
            return True
    return any(can_raise(v) for key, v in e.items() if key not in ("t", "loc"))


def render(items: list, indent: int) -> list[str]:
    """Statements (strings, IfStmt, Loop, nested lists) -> indented lines."""
    pad = "    " * indent
    out: list[str] = []
    for it in items:
        if isinstance(it, str):
            out.append(pad + it)
        elif isinstance(it, Decl):
            out.append(pad + it.text)
            if it.unread:
                out.append(f"{pad}(void){it.name};")
        elif isinstance(it, IfStmt):
            for i, (cond, body) in enumerate(it.arms):
                if i == 0:
                    head = f"if ({bare(cond)}) {{"
                elif cond is None:
                    head = "} else {"
                else:
                    head = f"}} else if ({bare(cond)}) {{"
                out.append(pad + head)
                out.extend(render(body, indent + 1))
            out.append(pad + "}")
        elif isinstance(it, Loop):
            out.extend(pad + line for line in it.annot)
            out.append(pad + it.head + " {")
            out.extend(render(it.body, indent + 1))
            out.append(pad + "}")
        else:
            raise TypeError(f"not a statement: {it!r}")
    return out


# --------------------------------------------------------------------------------------
# The document: names, types, constants


class Emitter:
    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.ix = IRIndex(doc)
        self.facts = document_facts(self.ix)  # upel.codegen.facts, shared with the other backends
        self.digest = ir_digest(doc)
        self.root = self.ix.root
        g = Namer(("harness", "upel_rt") + HARNESS_NAMES)
        self.prefix: dict[str, str] = {}
        self.tname: dict[str, str] = {}  # type qname -> C name
        self.member: dict[tuple[str, str], str] = {}  # (enum qname, member) -> macro
        self.err_macro: dict[tuple[str, str, str], str] = {}  # (package, set, member) -> macro
        self.cname: dict[str, str] = {}  # const/function qname -> C name
        self.eqname: dict[str, str] = {}  # record qname or array key -> eq function
        self.arrays: dict[str, str] = {}  # array key -> C wrapper name
        for pkg in doc["packages"]:
            base = pkg["name"].replace(".", "_")
            if base.lower().startswith("upel"):
                base = "p_" + base
            p = self.prefix[pkg["name"]] = g.fresh(base)
            for t in pkg["types"]:
                c = self.tname[t["qname"]] = g.fresh(f"{p}_{t['name']}")
                if t["kind"] == "enum":
                    for m in t["members"]:
                        self.member[(t["qname"], m["name"])] = g.fresh(f"{c}_{m['name']}")
                if t["kind"] == "record":
                    self.eqname[t["qname"]] = g.fresh(f"{c}_eq")
            for es in pkg["errors"]:
                for m in es["members"]:
                    self.err_macro[(pkg["name"], es["name"], m["name"])] = g.fresh(f"{p}_{es['name']}_{m['name']}")
            for c in pkg["consts"]:
                self.cname[c["qname"]] = g.fresh(f"{p}_{c['name']}")
            for f in pkg["functions"]:
                self.cname[f["qname"]] = g.fresh(f"{p}_{f['name']}")
        for t in self._all_array_types(doc):
            self.array_name(t, g)
        # The `static inline` implementation behind each public function (allocated last,
        # so that no public name depends on whether these exist).
        self.impl: dict[str, str] = {}  # function qname -> C name of its implementation
        for pkg in doc["packages"]:
            for f in pkg["functions"]:
                self.impl[f["qname"]] = g.fresh(f"{self.cname[f['qname']]}_impl")
        self.globals = frozenset(g.used)
        # Record field names: readable, but never a keyword, a macro or a global name.
        self.fields: dict[tuple[str, str], str] = {}
        for pkg in doc["packages"]:
            for t in pkg["types"]:
                if t["kind"] == "record":
                    fn = Namer({"v"}, self.globals)
                    for f in t["fields"]:
                        self.fields[(t["qname"], f["name"])] = fn.local(f["name"])

    # ---- types -----------------------------------------------------------------
    @staticmethod
    def _all_array_types(doc: dict) -> list[dict]:
        found: list[dict] = []

        def walk(x):
            if isinstance(x, dict):
                for v in x.values():
                    walk(v)
                if x.get("k") == "array" and "elem" in x and "len" in x:
                    found.append(x)  # after its element type: inner arrays get named first
            elif isinstance(x, list):
                for v in x:
                    walk(v)

        walk(doc["packages"])
        return found

    @staticmethod
    def key(t: dict) -> str:
        return json.dumps(t, sort_keys=True, separators=(",", ":"))

    def array_name(self, t: dict, g: Namer | None = None) -> str:
        k = self.key(t)
        if k not in self.arrays:
            assert g is not None, f"array type {k} was not collected"
            e = t["elem"]
            if e["k"] == "bool":
                ek = "bool"
            elif e["k"] == "int":
                ek = f"{'i' if e['signed'] else 'u'}{e['width']}"
            elif e["k"] == "named":
                ek = self.tname[e["name"]]
            else:
                ek = self.array_name(e, g)[len("upel_"):]
            self.arrays[k] = g.fresh(f"upel_arr{t['len']}_{ek}")
            self.eqname[k] = g.fresh(f"{self.arrays[k]}_eq")
        return self.arrays[k]

    def ctype(self, t: dict) -> str:
        k = t["k"]
        if k == "bool":
            return "bool"
        if k == "int":
            return base_ctype(t["signed"], t["width"])
        if k == "named":
            return self.tname[t["name"]]
        return self.array_name(t)

    def scalar(self, t: dict) -> Scalar | None:
        k = t["k"]
        if k == "bool":
            return Scalar(False, 1, 0, 1, "bool", True)
        if k == "int":
            lo, hi = int_bounds(t["signed"], t["width"])
            return Scalar(t["signed"], t["width"], lo, hi, self.ctype(t))
        if k == "array":
            return None
        d = self.ix.decl(t)
        if d["kind"] == "newtype":
            info = self.ix.int_info(t)
            return Scalar(info.signed, info.width, info.lo, info.hi, self.ctype(t))
        if d["kind"] == "enum":
            u = d["underlying"]
            lo, hi = int_bounds(u["signed"], u["width"])
            return Scalar(u["signed"], u["width"], lo, hi, self.ctype(t))
        return None

    def is_agg(self, t: dict) -> bool:
        return self.scalar(t) is None

    def eq_fn(self, t: dict) -> str:
        return self.eqname[t["name"] if t["k"] == "named" else self.key(t)]

    def enum_member_name(self, t: dict, value: int) -> str | None:
        d = self.ix.decl(t)
        for m in d["members"]:
            if m["value"] == value:
                return self.member[(d["qname"], m["name"])]
        return None

    # ---- values (constants, initializers) -------------------------------------------
    def value_init(self, t: dict, v: Any) -> str:
        """A C initializer for a canonical IR value of type t."""
        sc = self.scalar(t)
        if sc is not None:
            if t["k"] == "named" and self.ix.decl(t)["kind"] == "enum":
                return self.enum_member_name(t, v) or sc.lit(v)
            return sc.lit(v)
        if t["k"] == "array":
            return "{ { " + ", ".join(self.value_init(t["elem"], x) for x in v) + " } }"
        d = self.ix.decl(t)
        parts = [f".{self.fields[(d['qname'], f['name'])]} = {self.value_init(f['type'], v[f['name']])}"
                 for f in d["fields"]]
        return "{ " + ", ".join(parts) + " }"

    def status(self, code: int, error: str, pkg: dict) -> str:
        if code in BUILTIN_STATUS:
            return BUILTIN_STATUS[code]
        set_name, _, member = error.partition(".")
        names = [pkg["name"]] + pkg["imports"]
        for p in self.doc["packages"]:
            if p["name"] not in names:
                continue
            for es in p["errors"]:
                for m in es["members"]:
                    if es["name"] == set_name and m["name"] == member and m["code"] == code:
                        return self.err_macro[(p["name"], es["name"], m["name"])]
        return f"((upel_status){code})"

    # ---- the files --------------------------------------------------------------------
    def package_digest(self, name: str) -> str:
        """See upel.ir.encoding.package_digest."""
        return self.digest if name == self.root["name"] else package_digest(self.doc, name)

    def banner(self, what: str, pkg: dict) -> list[str]:
        source = f"Generated by the UPEL C backend from spec package {pkg['name']} version {pkg['version']}."
        return [f"// {what}", *comment_lines([source, f"IR digest: {self.package_digest(pkg['name'])}"])]

    def runtime_context(self) -> dict:
        int_types = []
        for signed in (True, False):
            for bits in STORAGE_BITS:
                c = base_ctype(signed, bits)
                int_types.append({"sfx": f"{'i' if signed else 'u'}{bits}", "c": c,
                                  "wide": "int64_t" if signed else "uint64_t", "core": "s" if signed else "u",
                                  "narrow": bits <= 32})
        return {
            "banner": ["// upel_rt.h: runtime of the C code generated by the UPEL C backend.",
                       "// It does not depend on the spec: every generated package includes this same file."],
            "statuses": [{"name": "UPEL_OK", "code": 0}] + [{"name": n, "code": c} for c, n in sorted(BUILTIN_STATUS.items())],
            "int_types": int_types,
            "binary_ops": ["add", "sub", "mul", "div", "rem"],
            "unary_ops": ["neg", "abs"],
            "contracts": {op: checked_contract(op) for op in ("add", "sub", "mul", "div", "rem", "neg", "abs")},
        }

    def file_stem(self, pkg: dict) -> str:
        return self.prefix[pkg["name"]]

    def package_context(self, pkg: dict) -> dict:
        stem = self.file_stem(pkg)
        by_name = {p["name"]: p for p in self.doc["packages"]}
        banner = self.banner(f"{stem}: package {pkg['name']} version {pkg['version']}", pkg)
        doc = comment_lines(pkg["doc"]) if pkg["doc"] else []
        types = self.type_decls(pkg)
        errors = []
        for es in pkg["errors"]:
            errors.append({
                "doc": self.item_comments(es),
                "members": [{"macro": self.err_macro[(pkg["name"], es["name"], m["name"])], "code": m["code"],
                             "doc": comment_lines(m.get("doc", []))} for m in es["members"]],
            })
        consts = []
        for c in pkg["consts"]:
            sc = self.scalar(c["type"])
            consts.append({
                "doc": self.item_comments(c),
                "name": self.cname[c["qname"]],
                "ctype": self.ctype(c["type"]),
                "scalar": sc is not None,
                "value": self.value_init(c["type"], c["value"]),
            })
        functions = [FnEmitter(self, pkg, f).context() for f in pkg["functions"]]
        return {
            "banner": banner,
            "doc": doc,
            "stem": stem,
            "guard": f"UPEL_{stem}_H",
            "includes": [self.file_stem(by_name[i]) + ".h" for i in pkg["imports"]],
            "types": types,
            "errors": errors,
            "consts": consts,
            "functions": functions,  # callees first (an IR invariant), as the inline bodies need
        }

    def item_comments(self, item: dict) -> list[str]:
        lines = comment_lines(item.get("doc", []))
        if item.get("reqs"):
            lines += comment_lines(["@req " + ", ".join(json.dumps(r, ensure_ascii=False) for r in item["reqs"])])
        if "deprecated" in item:
            lines += comment_lines([f"deprecated: {item['deprecated']}"])
        return lines

    def type_decls(self, pkg: dict) -> list[dict]:
        """The package's type declarations and the array wrappers it uses, in an
        order where every type is declared before it is used."""
        local = {t["qname"]: t for t in pkg["types"]}
        used_arrays: list[dict] = []
        seen_arrays: set[str] = set()

        def collect(x):
            if isinstance(x, dict):
                if x.get("k") == "array" and "elem" in x and "len" in x:
                    collect(x["elem"])
                    k = self.key(x)
                    if k not in seen_arrays:
                        seen_arrays.add(k)
                        used_arrays.append(x)
                    return
                for v in x.values():
                    collect(v)
            elif isinstance(x, list):
                for v in x:
                    collect(v)

        collect(pkg)
        out: list[dict] = []
        done: set[str] = set()

        def deps(t: dict) -> list[dict]:
            if t["k"] == "array":
                return [t["elem"]]
            if t["k"] == "named" and t["name"] in local and local[t["name"]]["kind"] == "record":
                return [f["type"] for f in local[t["name"]]["fields"]]
            return []

        def visit(t: dict) -> None:
            if t["k"] in ("bool", "int"):
                return
            k = self.key(t) if t["k"] == "array" else t["name"]
            if k in done or (t["k"] == "named" and t["name"] not in local):
                return
            done.add(k)
            for d in deps(t):
                visit(d)
            out.append(self.type_decl(t, local))

        for t in pkg["types"]:
            visit({"k": "named", "name": t["qname"]})
        for a in used_arrays:
            visit(a)
        return out

    def type_decl(self, t: dict, local: dict) -> dict:
        if t["k"] == "array":
            name = self.array_name(t)
            elem = t["elem"]
            return {"kind": "array", "name": name, "guard": f"UPEL_DEFINED_{name}", "elem": self.ctype(elem),
                    "len": t["len"], "eq": self.eq_fn(t),
                    "elem_eq": self.eq_expr(elem, "a->v[i]", "b->v[i]")}
        d = local[t["name"]]
        name = self.tname[d["qname"]]
        base = {"name": name, "doc": self.item_comments(d)}
        if d["kind"] == "newtype":
            sc = self.scalar(t)
            rng = f" in {d['range']['lo']}..={d['range']['hi']}" if "range" in d else ""
            u = d["underlying"]
            return {**base, "kind": "newtype", "base": sc.base,
                    "what": f"newtype of {'i' if u['signed'] else 'u'}{u['width']}{rng}"}
        if d["kind"] == "enum":
            sc = self.scalar(t)
            u = d["underlying"]
            return {**base, "kind": "enum", "base": sc.base,
                    "what": f"enum over {'i' if u['signed'] else 'u'}{u['width']}",
                    "members": [{"macro": self.member[(d["qname"], m["name"])],
                                 "value": sc.lit(m["value"]), "doc": comment_lines(m.get("doc", []))}
                                for m in d["members"]]}
        fields = [{"name": self.fields[(d["qname"], f["name"])], "ctype": self.ctype(f["type"]),
                   "doc": comment_lines(f.get("doc", [])), "note": self.width_note(f["type"]),
                   "eq": self.eq_expr(f["type"], f"a->{self.fields[(d['qname'], f['name'])]}",
                                      f"b->{self.fields[(d['qname'], f['name'])]}")}
                  for f in d["fields"]]
        return {**base, "kind": "record", "fields": fields, "eq": self.eq_fn(t)}

    def width_note(self, t: dict) -> str:
        if t["k"] == "int" and t["width"] not in STORAGE_BITS:
            return f" // {'i' if t['signed'] else 'u'}{t['width']}"
        return ""

    def eq_expr(self, t: dict, a: str, b: str) -> str:
        if self.is_agg(t):
            return f"{self.eq_fn(t)}(&{a}, &{b})"
        return f"{a} == {b}"

    def harness_context(self) -> dict:
        fns = [f for p in self.doc["packages"] for f in p["functions"]]
        return {
            "banner": self.banner("harness.c: conformance harness (docs/backends.md, wire protocol)", self.root),
            "includes": [self.file_stem(p) + ".h" for p in self.doc["packages"]],
            "functions": [HarnessFn(self, i, f).context() for i, f in enumerate(fns)],
        }


# --------------------------------------------------------------------------------------
# Function bodies


def bit_span(em: Emitter, e: dict, spans: dict | None = None, depth: int = 0) -> tuple[int, int]:
    """(n, z) for an unsigned integer expression: its value is below 2^n and a multiple of
    2^z (z >= n only for 0). Conservative: the value set of the type, unless the expression
    is a literal, a widening cast, a constant left shift that cannot wrap, an `|` of such, a
    let-bound local (`spans`: name -> span), a block, an `if`/`match` (arms that raise do
    not count), or a call (the span of the callee's body, a few calls deep)."""
    sc = em.scalar(e["t"])
    k = e["k"]
    if k == "raise":
        return 0, 64
    if sc is None or sc.signed or sc.is_bool:
        return 64, 0
    n = max(0, sc.hi).bit_length()
    spans = spans or {}
    if k == "lit" and isinstance(e["v"], int) and not isinstance(e["v"], bool) and e["v"] >= 0:
        v = e["v"]
        return v.bit_length(), ((v & -v).bit_length() - 1 if v else 64)
    if k == "local" and e["name"] in spans:
        return spans[e["name"]]
    if k == "cast":
        src = em.scalar(e["a"]["t"])
        if src is not None and not src.signed and not src.is_bool and src.hi <= sc.hi:
            return bit_span(em, e["a"], spans, depth)
    if k == "bin" and e["op"] == "shl" and e["b"]["k"] == "lit":
        an, az = bit_span(em, e["a"], spans, depth)
        s = e["b"]["v"]
        if an + s <= n:
            return an + s, min(az + s, 64)
    if k == "bin" and e["op"] == "bor":
        (an, az), (bn, bz) = bit_span(em, e["a"], spans, depth), bit_span(em, e["b"], spans, depth)
        return max(an, bn), min(az, bz)
    if k == "block":
        inner = dict(spans)
        for let in e["lets"]:
            inner[let["name"]] = bit_span(em, let["e"], inner, depth)
        return bit_span(em, e["result"], inner, depth)
    if k in ("if", "match"):
        arms = [e["then"], e["else"]] if k == "if" else [a["body"] for a in e["arms"]]
        got = [bit_span(em, a, spans, depth) for a in arms]
        return max(x for x, _ in got), min(z for _, z in got)
    if k == "call" and depth < 4:
        cn, cz = bit_span(em, em.ix.functions[e["fn"]]["body"], {}, depth + 1)
        return min(cn, n), cz
    return n, 0


def always_raises(e: dict) -> bool:
    return e["k"] == "raise" or (e["k"] == "block" and always_raises(e["result"]))


def disjoint(em: Emitter, e: dict, spans: dict) -> bool:
    """True when the unsigned `e.a | e.b` has no bit set in both operands: then it is `a + b`."""
    (an, az), (bn, bz) = bit_span(em, e["a"], spans), bit_span(em, e["b"], spans)
    return an <= bz or bn <= az


class FnEmitter:
    def __init__(self, em: Emitter, pkg: dict, fn: dict) -> None:
        self.em, self.pkg, self.fn = em, pkg, fn
        self.namer = Namer(outer=em.globals)
        self.out = self.namer.fresh("out")
        self.env: dict[str, Atom] = {}
        self.spans: dict[str, tuple[int, int]] = {}  # let-bound locals: bit_span of their value
        # checked operations that cannot fail on any path (upel/codegen/facts.py): plain C
        self.safe = em.facts.of(fn).safe
        self.lines: list = []
        self.dead = False
        self.params = []
        for p in fn["params"]:
            c = self.namer.local(p["name"])
            agg = em.is_agg(p["type"])
            self.params.append({"name": c, "ctype": em.ctype(p["type"]), "agg": agg, "upel": p["name"],
                                "type": p["type"]})
            self.env[p["name"]] = Atom(f"(*{c})" if agg else c)

    # ---- statement plumbing -----------------------------------------------------------
    def emit(self, s) -> None:
        if not self.dead:
            self.lines.append(s)

    def nested(self, f: Callable[[], Any]) -> tuple[list, bool, Any]:
        saved_lines, saved_dead = self.lines, self.dead
        self.lines = []
        try:
            r = f()
            return self.lines, self.dead, r
        finally:
            self.lines, self.dead = saved_lines, saved_dead

    def var(self, hint: str | None) -> str:
        return hint if hint else self.namer.temp()

    def define(self, t: dict, expr: str, hint: str | None) -> Atom:
        name = self.var(hint)
        self.decl(name, f"{self.em.ctype(t)} {name} = {bare(expr)};")
        return Atom(name)

    def decl(self, name: str, text: str) -> None:
        self.emit(Decl(name, text))

    def fail(self, status: str) -> Atom:
        self.emit(f"return {status};")
        self.dead = True
        return DEAD

    @staticmethod
    def addr(a: Atom) -> str:
        m = re.fullmatch(r"\(\*(\w+)\)", a.c)
        return m.group(1) if m else f"&{a.c}"

    # ---- the function -----------------------------------------------------------------
    def context(self) -> dict:
        fn, em = self.fn, self.em
        for r in fn["requires"]:
            a = self.lower(r)
            if self.dead:
                break
            if a.value is False:
                self.fail("UPEL_PRECONDITION")
            elif a.value is not True:
                self.emit(IfStmt([(negate(a), ["return UPEL_PRECONDITION;"])]))
        a = self.lower(fn["body"])
        self.emit(f"*{self.out} = {bare(a.c)};")
        self.emit("return UPEL_OK;")
        read = reads(self.lines)
        mark_unread(self.lines, read)
        body = [f"(void){n};" for n in [p["name"] for p in self.params] + [self.out] if n not in read]
        body += self.lines
        params = [f"const {p['ctype']} *{p['name']}" if p["agg"] else f"{p['ctype']} {p['name']}" for p in self.params]
        params.append(f"{em.ctype(fn['ret'])} *{self.out}")
        acsl, notes = AcslContract(self).build()
        impl = em.impl[fn["qname"]]
        return {
            "name": em.cname[fn["qname"]],
            "impl": impl,
            "upel": fn["name"],
            "doc": em.item_comments(fn),
            "signature": f"upel_status {em.cname[fn['qname']]}({', '.join(params)})",
            "impl_signature": f"static inline upel_status {impl}({', '.join(params)})",
            "forward": f"return {impl}({', '.join([p['name'] for p in self.params] + [self.out])});",
            "acsl": acsl,
            "acsl_notes": notes,
            "body": render(body, 1),
        }

    # ---- expressions ------------------------------------------------------------------
    def lower(self, e: dict, hint: str | None = None, dest: str | None = None) -> Atom:
        k = e["k"]
        if self.dead:
            return DEAD
        if k in ("if", "match", "block"):
            return getattr(self, "l_" + k)(e, hint, dest)
        a = getattr(self, "l_" + k)(e, hint)
        if dest is not None:
            if not self.dead:
                self.emit(f"{dest} = {bare(a.c)};")
            return Atom(dest)
        return a

    def l_lit(self, e, hint):
        v = e["v"]
        return Atom(self.em.scalar(e["t"]).lit(v), v)

    def l_enum(self, e, hint):
        return Atom(self.em.member[(e["t"]["name"], e["member"])], e["v"])

    def l_local(self, e, hint):
        return self.env[e["name"]]

    def l_const(self, e, hint):
        c = self.em.ix.consts[e["name"]]
        name = self.em.cname[e["name"]]
        if self.em.is_agg(c["type"]):
            return Atom(name)
        return Atom(name, c["value"])

    def l_un(self, e, hint):
        a = self.lower(e["a"])
        op, t = e["op"], e["t"]
        if op == "not":
            return Atom(f"({negate(a)})", neg=a.c)
        sc = self.em.scalar(t)
        if op == "neg":
            if id(e) in self.safe:
                return self.plain(sc, f"-{paren(a.c)}", None if a.value is None else -a.value)
            return self.checked("neg", t, [a.c], hint)
        if sc.signed:
            return self.define(t, f"({sc.base})upel_bnot_s({bare(a.c)})", hint)
        return self.define(t, f"({sc.base})upel_bnot_u({bare(a.c)}, {sc.width})", hint)

    def parity(self, e: dict) -> tuple[dict, bool] | None:
        """(x, k odd) when e is `popcount(x) % 2` or `(popcount(x) + k) % 2` on an
        unsigned type whose checked `+` cannot fail (popcount(x) <= width of x, so
        width + k fits): then e == parity(x) ^ (k % 2), which the runtime computes
        without counting (`upel_parity`). Nothing else is evaluated, so no error is lost."""
        sc = self.em.scalar(e["t"])
        b = e["b"]
        if e["op"] != "rem" or sc is None or sc.signed or sc.is_bool or b["k"] != "lit" or b["v"] != 2:
            return None
        a, k = e["a"], 0
        if a["k"] == "bin" and a["op"] == "add" and a["b"]["k"] == "lit":
            a, k = a["a"], a["b"]["v"]
        if a["k"] != "builtin" or a["name"] != "popcount":
            return None
        x = a["args"][0]
        if self.em.scalar(x["t"]).width + k > sc.hi:
            return None
        return x, k % 2 == 1

    @staticmethod
    def plain(sc: Scalar, text: str, value: Any) -> Atom:
        """A checked operation that cannot fail (upel/codegen/facts.py proved its exact
        result in the type's value set), as plain C: no wrap, no signed overflow (operands
        narrower than int are promoted to int, and the result converted back)."""
        if sc.bits < 32:
            text = f"({sc.base})({text})"
        return Atom(f"({text})", value)

    def checked(self, op: str, t: dict, args: list[str], hint: str | None) -> Atom:
        sc = self.em.scalar(t)
        name = self.var(hint)
        self.decl(name, f"{sc.ctype} {name} = 0;")
        call = ", ".join([bare(x) for x in args] + [sc.lit(sc.lo), sc.lit(sc.hi), f"&{name}"])
        self.emit(f"UPEL_TRY(upel_{op}_{sc.sfx}({call}));")
        return Atom(name)

    def l_bin(self, e, hint):
        op, t = e["op"], e["t"]
        if op in ("and", "or"):
            a = self.lower(e["a"])
            if self.dead:
                return DEAD
            r = self.var(hint)
            self.decl(r, f"bool {r} = {bare(a.c)};")
            lines, _, _ = self.nested(lambda: self.lower(e["b"], dest=r))
            self.emit(IfStmt([(r if op == "and" else f"!{r}", lines)]))
            return Atom(r)
        par = self.parity(e)
        if par is not None:
            x, odd = par
            a = self.lower(x)
            if self.dead:
                return DEAD
            sc, src = self.em.scalar(t), self.em.scalar(x["t"])
            flip = " ^ 1u" if odd else ""
            return self.define(t, f"({sc.base})(upel_parity((uint64_t){paren(a.c)}, {src.width}){flip})", hint)
        a = self.lower(e["a"])
        b = self.lower(e["b"])
        if self.dead:
            return DEAD
        if op in CMP_SYM:
            return self.compare(op, e["a"]["t"], a, b)
        sc = self.em.scalar(t)
        if op in CHECKED:
            if op in PLAIN and id(e) in self.safe:
                value = None
                if a.value is not None and b.value is not None:
                    value = {"add": a.value + b.value, "sub": a.value - b.value,
                             "mul": a.value * b.value}.get(op)
                return self.plain(sc, f"{paren(a.c)} {PLAIN[op]} {paren(b.c)}", value)
            return self.checked(op, t, [a.c, b.c], hint)
        if op in WRAPPING:
            return self.define(t, f"({sc.base})upel_{op}_{sc.core}({bare(a.c)}, {bare(b.c)}, {sc.width})", hint)
        if op in SATURATING:
            return self.define(t, f"({sc.base})upel_{op}_{sc.core}({bare(a.c)}, {bare(b.c)}, {sc.lit(sc.lo)}, "
                                  f"{sc.lit(sc.hi)})", hint)
        if op in BITWISE:
            if sc.signed:
                return self.define(t, f"({sc.base})upel_{op}_s({bare(a.c)}, {bare(b.c)})", hint)
            arith = self.arith_bitwise(e, sc, a, b)
            if arith is not None:
                return self.define(t, arith, hint)
            return self.define(t, f"({sc.base})({a.c} {BITWISE[op]} {b.c})", hint)
        if op in ("shl", "shr"):
            if b.value is not None and not isinstance(b.value, bool) and (op == "shr" or not sc.signed):
                return self.define(t, self.arith_shift(e, sc, a, int(b.value)), hint)
            n = f"{b.value}u" if b.value is not None else f"(uint64_t){paren(b.c)}"
            return self.define(t, f"({sc.base})upel_{op}_{sc.core}({bare(a.c)}, {n}, {sc.width})", hint)
        raise AssertionError(f"unknown binary op {op}")

    # ---- bit operations by constants, in arithmetic form ---------------------------------
    # Frama-C WP's integer model relates `<<`, `>>`, `&` and `|` to neither arithmetic
    # nor the bounds of their operands, so a contract that depends on a packed or masked
    # value is not provable through them. The same operations by a constant are written
    # in the arithmetic form it reasons about, which gcc -O2 compiles to the same
    # instructions (a shift, an `and`, an `add` or `lea` for a disjoint `or`):
    # - unsigned `x << k` (k < w): `x * 2^k`, reduced `% 2^w` when it may exceed w bits
    #   (`bit_span`) and w is narrower than C's unsigned arithmetic (32 or 64 bits), which
    #   otherwise wraps it;
    # - unsigned `x >> k` (k < w): `x / 2^k`;
    # - signed `x >> k` (k < w - 1), floor division: `x >= 0 ? x / 2^k : -1 - (-1 - x) / 2^k`
    #   (C's `/` truncates; `-1 - x` cannot overflow for x < 0), and for k >= w - 1
    #   `x < 0 ? -1 : 0` (x lies in [-2^(w-1), 2^(w-1)));
    # - an unsigned shift by k >= w: 0, as the runtime helpers;
    # - unsigned `x & (2^k - 1)`: `x % 2^k`;
    # - unsigned `a | b` whose set bits cannot overlap (`bit_span`: every bit of one lies
    #   below the lowest possible bit of the other): `a + b`, which cannot carry.
    # Shifts by a variable amount and the other bitwise operations keep the helpers.
    def pow2(self, sc: Scalar, k: int) -> str:
        return c_int(1 << k, False, 64) if k >= 32 or sc.bits == 64 else f"{1 << k}u"

    def arith_shift(self, e: dict, sc: Scalar, a: Atom, k: int) -> str:
        op, x = e["op"], paren(a.c)
        if op == "shl":  # unsigned only
            if k >= sc.width:
                return f"({sc.base})0u"
            prod = f"{x} * {self.pow2(sc, k)}"
            if bit_span(self.em, e["a"], self.spans)[0] + k > sc.width and sc.width < max(32, sc.bits):
                # may wrap: reduced explicitly, also where the cast to uint8_t/uint16_t would
                # (WP relates `%` to the product, not the conversion)
                return f"({sc.base})(({prod}) % {self.pow2(sc, sc.width)})"
            return f"({sc.base})({prod})"
        if not sc.signed:
            return f"({sc.base})0u" if k >= sc.width else f"({sc.base})({x} / {self.pow2(sc, k)})"
        if not re.fullmatch(r"\w+", a.c):  # the operand appears twice (or three times)
            a = self.define(self.fn_int_type(sc), a.c, None)
            x = a.c
        if k >= sc.width - 1:  # (the value is in [-2^(w-1), 2^(w-1)): its floor quotient is -1 or 0)
            return f"({sc.base})({x} < 0 ? -1 : 0)"
        d = f"{1 << k}" if sc.bits < 64 else f"INT64_C({1 << k})"
        return f"({sc.base})({x} >= 0 ? {x} / {d} : -1 - (-1 - {x}) / {d})"

    @staticmethod
    def fn_int_type(sc: Scalar) -> dict:
        return {"k": "int", "signed": sc.signed, "width": sc.bits}

    def arith_bitwise(self, e: dict, sc: Scalar, a: Atom, b: Atom) -> str | None:
        op = e["op"]
        if op == "band":
            for x, m in ((a, b), (b, a)):
                v = m.value
                if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 1 << 63 and (v + 1) & v == 0:
                    return f"({sc.base})({paren(x.c)} % {self.pow2(sc, v.bit_length())})"
            return None
        if op == "bor" and disjoint(self.em, e, self.spans):
            return f"({sc.base})({paren(a.c)} + {paren(b.c)})"
        return None

    def compare(self, op: str, t: dict, a: Atom, b: Atom) -> Atom:
        em = self.em
        sc = em.scalar(t)
        if sc is None:
            call = f"{em.eq_fn(t)}({self.addr(a)}, {self.addr(b)})"
            return Atom(call, neg=f"!{call}") if op == "eq" else Atom(f"(!{call})", neg=call)
        if op in ("eq", "ne") or sc.is_bool:
            return Atom(f"({a.c} {CMP_SYM[op]} {b.c})", neg=f"({a.c} {CMP_SYM[NEG_OP[op]]} {b.c})")
        lo, hi = sc.storage_range

        def at_limit(x: Atom) -> bool:
            return x.value is not None and not isinstance(x.value, bool) and (x.value <= lo or x.value >= hi)

        if at_limit(a) or at_limit(b):
            # gcc's -Wtype-limits rejects `x >= 0` on unsigned x (and the like) as always true.
            return Atom(f"upel_{op}_{sc.core}({bare(a.c)}, {bare(b.c)})",
                        neg=f"upel_{NEG_OP[op]}_{sc.core}({bare(a.c)}, {bare(b.c)})")
        return Atom(f"({a.c} {CMP_SYM[op]} {b.c})", neg=f"({a.c} {CMP_SYM[NEG_OP[op]]} {b.c})")

    def l_cast(self, e, hint):
        em = self.em
        src_t, t = e["a"]["t"], e["t"]
        src = em.scalar(src_t)
        dst = em.scalar(t)
        identity = src.base == dst.base and (e["check"] or (dst.lo <= src.lo and src.hi <= dst.hi))
        a = self.lower(e["a"], hint if identity else None)  # the cast adds no code: the value keeps the name
        if self.dead:
            return DEAD
        if e["check"]:
            conds = []
            if src.lo < dst.lo:
                conds.append(f"{a.c} < {src.lit(dst.lo)}")
            if src.hi > dst.hi:
                conds.append(f"{a.c} > {src.lit(dst.hi)}")
            if a.value is not None:
                v = int(a.value)
                if v < dst.lo or v > dst.hi:
                    return self.fail("UPEL_RANGE")
                conds = []
            if conds:
                self.emit(IfStmt([(" || ".join(conds), ["return UPEL_RANGE;"])]))
            return self.same(src, dst, a)
        if dst.lo <= src.lo and src.hi <= dst.hi:
            return self.same(src, dst, a)
        bits = f"(uint64_t){paren(a.c)}"
        return self.define(t, f"({dst.base})upel_wrap_{dst.core}({bits}, {dst.width})", hint)

    @staticmethod
    def same(src: Scalar, dst: Scalar, a: Atom) -> Atom:
        """The value `a` (of scalar type src) as a value of dst (it is known to fit)."""
        value = None if a.value is None else int(a.value)
        if a.value is not None and not isinstance(a.value, bool):
            return Atom(dst.lit(value), value)
        if src.base == dst.base:
            return Atom(a.c, value)
        return Atom(f"(({dst.base}){paren(a.c)})", value)

    def l_enum_from(self, e, hint):
        em = self.em
        a = self.lower(e["a"])
        if self.dead:
            return DEAD
        src = em.scalar(e["a"]["t"])
        d = em.ix.decl(e["t"])
        values = [m["value"] for m in d["members"] if src.lo <= m["value"] <= src.hi]
        if a.value is not None:
            if a.value not in values:
                return self.fail("UPEL_CONVERT")
        else:
            labels = " ".join(f"case {src.lit(v) if src.bits == 64 else v}:" for v in values)
            body = ([labels + " break;"] if values else []) + ["default: return UPEL_CONVERT;"]
            self.emit(Loop(f"switch ({bare(a.c)})", body))
        return self.define(e["t"], f"({em.scalar(e['t']).base}){paren(a.c)}", hint)

    def l_call(self, e, hint):
        em = self.em
        args = []
        for x in e["args"]:
            a = self.lower(x)
            args.append(self.addr(a) if em.is_agg(x["t"]) else bare(a.c))
        if self.dead:
            return DEAD
        name = self.var(hint)
        self.decl(name, f"{em.ctype(e['t'])} {name}{self.zero(e['t'])};")
        self.emit(f"UPEL_TRY({em.impl[e['fn']]}({', '.join(args + ['&' + name])}));")
        return Atom(name)

    def l_builtin(self, e, hint):
        em = self.em
        name = e["name"]
        args = [self.lower(x) for x in e["args"]]
        if self.dead:
            return DEAD
        t = e["t"]
        if name in ("min", "max"):
            sc = em.scalar(t)
            return self.define(t, f"({sc.base})upel_{name}_{sc.core}({bare(args[0].c)}, {bare(args[1].c)})", hint)
        if name == "abs":
            sc = em.scalar(t)
            if id(e) in self.safe and sc.signed:  # (unsigned: gcc's -Wtype-limits on `x < 0`)
                x = paren(args[0].c)
                return self.plain(sc, f"{x} < 0 ? -{x} : {x}", None)
            return self.checked("abs", t, [args[0].c], hint)
        src = em.scalar(e["args"][0]["t"])
        bits = f"(uint64_t){paren(args[0].c)}"
        if name == "popcount":
            return self.define(t, f"upel_popcount({bits}, {src.width})", hint)
        if name == "bit":
            return self.define(t, f"upel_bit({bits}, (uint64_t){paren(args[1].c)}, {src.width})", hint)
        if name == "bits":
            sc = em.scalar(t)
            return self.define(t, f"({sc.base})upel_bits({bits}, {e['hi']}, {e['lo']})", hint)
        raise AssertionError(name)

    def l_if(self, e, hint, dest):
        c = self.lower(e["c"])
        if self.dead:
            return DEAD
        if isinstance(c.value, bool):
            return self.lower(e["then"] if c.value else e["else"], hint, dest)
        before = self.namer.snapshot()
        target = dest or self.var(hint)
        tl, tdead, _ = self.nested(lambda: self.lower(e["then"], dest=target))
        after_then = self.namer.snapshot()
        el, edead, _ = self.nested(lambda: self.lower(e["else"], dest=target))
        if tdead != edead:
            # A guard: one branch always ends the call, so the other one simply
            # follows it (lowered again, in the enclosing scope, without a
            # temporary). The names of the first try are free again: the dead
            # branch's own names live inside its block.
            if tdead:
                self.namer.restore(after_then)
                self.emit(IfStmt([(c.c, tl)]))
                return self.lower(e["else"], hint, dest)
            self.namer.restore(before)
            self.emit(IfStmt([(negate(c), el)]))
            return self.lower(e["then"], hint, dest)
        if dest is None and not (tdead and edead):
            self.declare(e["t"], target)
        if len(el) == 1 and isinstance(el[0], IfStmt):
            self.emit(IfStmt([(c.c, tl)] + el[0].arms))  # else-if chain
        else:
            self.emit(IfStmt([(c.c, tl), (None, el)]))
        if tdead and edead:
            self.dead = True
            return DEAD
        return Atom(target)

    def declare(self, t: dict, name: str) -> None:
        self.decl(name, f"{self.em.ctype(t)} {name}{self.zero(t)};")

    def zero(self, t: dict) -> str:
        if t["k"] == "bool":
            return " = false"
        return "" if self.em.is_agg(t) else " = 0"

    def l_match(self, e, hint, dest):
        em = self.em
        s = self.lower(e["a"])
        if self.dead:
            return DEAD
        st = e["a"]["t"]
        sc = em.scalar(st)
        target = dest or self.var(hint)
        arms = []
        all_dead = True
        for i, arm in enumerate(e["arms"]):
            last = i == len(e["arms"]) - 1
            if last or arm["pats"] is None:
                cond = None
            else:
                tests = []
                for p in arm["pats"]:
                    if isinstance(p, bool):
                        tests.append(s.c if p else f"!{paren(s.c)}")
                    else:
                        name = em.enum_member_name(st, p) if st["k"] == "named" and em.ix.decl(st)["kind"] == "enum" else None
                        tests.append(f"{s.c} == {name or sc.lit(p)}")
                cond = " || ".join(tests)
            lines, d, _ = self.nested(lambda arm=arm: self.lower(arm["body"], dest=target))
            all_dead = all_dead and d
            arms.append((cond, lines))
            if cond is None:
                break
        if dest is None and not all_dead:
            self.declare(e["t"], target)
        if len(arms) == 1:
            for line in arms[0][1]:
                self.emit(line)
        else:
            self.emit(IfStmt(arms))
        if all_dead:
            self.dead = True
            return DEAD
        return Atom(target)

    def l_block(self, e, hint, dest):
        for let in e["lets"]:
            cname = self.namer.local(let["name"])
            a = self.lower(let["e"], hint=cname)
            if self.dead:
                return DEAD
            if a.c != cname:
                self.decl(cname, f"{self.em.ctype(let['t'])} {cname} = {bare(a.c)};")
            self.env[let["name"]] = Atom(cname)
            self.spans[let["name"]] = bit_span(self.em, let["e"], self.spans)
        return self.lower(e["result"], hint, dest)

    def l_record(self, e, hint):
        em = self.em
        vals = {}
        for f in e["fields"]:
            vals[f["name"]] = self.lower(f["e"])
        if self.dead:
            return DEAD
        d = em.ix.decl(e["t"])
        inits = ", ".join(f".{em.fields[(d['qname'], f['name'])]} = {bare(vals[f['name']].c)}" for f in d["fields"])
        name = self.var(hint)
        self.decl(name, f"{em.ctype(e['t'])} {name} = {{ {inits} }};")
        return Atom(name)

    def l_field(self, e, hint):
        a = self.lower(e["a"])
        d = self.em.ix.decl(e["a"]["t"])
        return Atom(f"{a.c}.{self.em.fields[(d['qname'], e['name'])]}")

    def l_rec_with(self, e, hint):
        em = self.em
        a = self.lower(e["a"])
        if self.dead:
            return DEAD
        name = self.var(hint)
        self.decl(name, f"{em.ctype(e['t'])} {name} = {bare(a.c)};")
        d = em.ix.decl(e["t"])
        for f in e["fields"]:
            v = self.lower(f["e"])
            self.emit(f"{name}.{em.fields[(d['qname'], f['name'])]} = {bare(v.c)};")
        return Atom(name)

    def l_array(self, e, hint):
        vals = [self.lower(x) for x in e["elems"]]
        if self.dead:
            return DEAD
        name = self.var(hint)
        self.decl(name, f"{self.em.ctype(e['t'])} {name} = {{ {{ {', '.join(bare(v.c) for v in vals)} }} }};")
        return Atom(name)

    def l_repeat(self, e, hint):
        x = self.lower(e["e"])
        if self.dead:
            return DEAD
        name = self.var(hint)
        k = self.namer.fresh("k")
        self.decl(name, f"{self.em.ctype(e['t'])} {name};")
        self.emit(Loop(f"for (uint32_t {k} = 0; {k} < {e['n']}u; {k}++)", [f"{name}.v[{k}] = {bare(x.c)};"],
                       loop_annot(k, 0, e["n"], [f"{name}.v[0 .. {e['n'] - 1}]"])))
        return Atom(name)

    def index_check(self, arr_t: dict, i_t: dict, i: Atom) -> bool:
        """Emit the bounds check; False when the index is known to be out of bounds."""
        n = arr_t["len"]
        if i.value is not None:
            if i.value >= n:
                self.fail("UPEL_INDEX")
                return False
            return True
        if n <= self.em.scalar(i_t).hi:
            self.emit(IfStmt([(f"{i.c} >= {n}u", ["return UPEL_INDEX;"])]))
        return True

    def l_index(self, e, hint):
        a = self.lower(e["a"])
        i = self.lower(e["i"])
        if self.dead or not self.index_check(e["a"]["t"], e["i"]["t"], i):
            return DEAD
        return Atom(f"{a.c}.v[{bare(i.c)}]")

    def l_arr_with(self, e, hint):
        a = self.lower(e["a"])
        i = self.lower(e["i"])
        v = self.lower(e["v"])
        if self.dead or not self.index_check(e["a"]["t"], e["i"]["t"], i):
            return DEAD
        name = self.var(hint)
        self.decl(name, f"{self.em.ctype(e['t'])} {name} = {bare(a.c)};")
        self.emit(f"{name}.v[{bare(i.c)}] = {bare(v.c)};")
        return Atom(name)

    def l_fold(self, e, hint):
        em = self.em
        init = self.lower(e["init"])
        if self.dead:
            return DEAD
        acc = self.namer.local(e["acc"])
        self.decl(acc, f"{em.ctype(e['t'])} {acc} = {bare(init.c)};")
        lo, hi = e["lo"], e["hi"]
        if hi > lo:
            k = self.namer.fresh("k")
            used = refs(e["body"])
            saved_env = dict(self.env)
            saved_spans = self.spans
            self.spans = {n: v for n, v in self.spans.items() if n not in (e["var"], e["acc"])}

            def body():
                if e["var"] in used:
                    var = self.namer.local(e["var"])
                    vt = em.ctype(e["var_t"])
                    self.decl(var, f"{vt} {var} = ({vt}){k};")
                    self.env[e["var"]] = Atom(var)
                self.env[e["acc"]] = Atom(acc)
                a = self.lower(e["body"])
                if not self.dead:
                    self.emit(f"{acc} = {bare(a.c)};")

            lines, _, _ = self.nested(body)
            self.env = saved_env
            self.spans = saved_spans
            self.emit(Loop(f"for (uint64_t {k} = {lo}u; {k} < {hi}u; {k}++)", lines, loop_annot(k, lo, hi, [acc])))
        return Atom(acc)

    def l_raise(self, e, hint):
        return self.fail(self.em.status(e["code"], e["error"], self.pkg))


def paren(c: str) -> str:
    """Parenthesise C text unless it is a plain operand (name, access chain, call, or parenthesised)."""
    if re.fullmatch(r"[\w.\[\]]+", c) or bare(c) != c:
        return c
    m = re.match(r"\w+\(", c)
    if m and bare(c[m.end() - 1:]) != c[m.end() - 1:]:
        return c
    return f"({c})"


# --------------------------------------------------------------------------------------
# ACSL contracts


class NoAcsl(Exception):
    """The expression has no faithful ACSL rendering."""


# Names of the ACSL clauses, so that provers' goals map back to the UPEL obligations:
# `upel_ensures_<i>` states ensures i, `upel_raises` the set of statuses the function
# may return (its declared codes, UPEL_OK and UPEL_PRECONDITION), `upel_requires_<i>`
# and `upel_precondition` that requires are checked on entry.
ACSL_ENSURES = "upel_ensures_"
ACSL_RAISES = "upel_raises"
ACSL_REQUIRES = "upel_requires_"
ACSL_PRECONDITION = "upel_precondition"
ACSL_VALID = "upel_valid_"  # the value set of an argument (requires) or of the result (ensures)
ACSL_VALUE = "upel_value"  # the result of a bit-level function as a term of its arguments
ACSL_TOTAL = "upel_total"  # when a function that fails only in checked operations fails nowhere
SPANS = ("spans",)  # key of the let-bound locals' bit spans in an AcslContract.term environment


TRUE = "\\true"


def conj(*parts: str) -> str:
    """ACSL conjunction, leaving out \\true."""
    parts = tuple(p for p in parts if p != TRUE)
    return TRUE if not parts else parts[0] if len(parts) == 1 else "(" + " && ".join(parts) + ")"


def raises_declared(e: Any) -> bool:
    """True when the expression raises an error explicitly (`raise E.x`)."""
    if isinstance(e, list):
        return any(raises_declared(x) for x in e)
    if not isinstance(e, dict):
        return False
    if e.get("k") == "raise":
        return True
    return any(raises_declared(v) for key, v in e.items() if key not in ("t", "loc"))


def bit_level(e: Any) -> bool:
    """True when the expression has a shift or a bitwise operator."""
    if isinstance(e, list):
        return any(bit_level(x) for x in e)
    if not isinstance(e, dict):
        return False
    if e.get("k") == "bin" and e.get("op") in ("shl", "shr", "band", "bor", "bxor"):
        return True
    return any(bit_level(v) for key, v in e.items() if key not in ("t", "loc"))


class AcslContract:
    def __init__(self, fe: FnEmitter) -> None:
        self.fe = fe
        self.em = fe.em
        self.namer = Namer(fe.namer.used, fe.namer.outer)
        self.value_mode = False  # rendering the body for ACSL_VALUE: arms that raise are left out

    def build(self) -> tuple[list[str], list[str]]:
        fe, fn = self.fe, self.fe.fn
        out = fe.out
        clauses = [f"requires \\valid({out});"]
        for p in fe.params:
            if p["agg"]:
                clauses.append(f"requires \\valid_read({p['name']});")
                clauses.append(f"requires \\separated({out}, {p['name']});")
        for p in fe.params:
            v = self.valid_value(p["type"], f"(*{p['name']})" if p["agg"] else p["name"])
            if v:
                clauses.append(f"requires {ACSL_VALID}{p['name']}: {v};")
        clauses.append(f"assigns *{out};")
        v = self.valid_value(fn["ret"], f"(*{out})")
        if v:
            clauses.append(f"ensures {ACSL_VALID}result: \\result == UPEL_OK ==> {v};")
        notes: list[str] = []
        env = {p["upel"]: (f"(*{p['name']})" if p["agg"] else p["name"]) for p in fe.params}
        reqs = []
        for i, r in enumerate(fn["requires"]):
            try:
                reqs.append(self.pred(r, env))
            except NoAcsl:
                notes.append(f"requires #{i + 1} (not expressed in ACSL): {show_expr(r)}")
                reqs.append(None)
        for i, r in enumerate(reqs):
            if r is not None:
                clauses.append(f"ensures {ACSL_REQUIRES}{i}: \\result == UPEL_OK ==> {r};")
        if reqs and all(r is not None for r in reqs) and not can_raise(fn["requires"]):
            clauses.append(f"ensures {ACSL_PRECONDITION}: !({' && '.join(reqs)}) ==> \\result == UPEL_PRECONDITION;")
        env_r = dict(env)
        env_r["result"] = f"(*{out})"
        for i, en in enumerate(fn["ensures"]):
            try:
                clauses.append(f"ensures {ACSL_ENSURES}{i}: \\result == UPEL_OK ==> {self.pred(en, env_r)};")
            except NoAcsl:
                notes.append(f"ensures #{i + 1} (not expressed in ACSL): {show_expr(en)}")
        value = self.value(env)
        if value is not None:
            clauses.append(f"ensures {ACSL_VALUE}: \\result == UPEL_OK ==> (*{out}) == {value};")
        else:
            guarded = self.guarded_value(env, f"(*{out})")
            if guarded is not None:
                clauses.append(f"ensures {ACSL_VALUE}: \\result == UPEL_OK ==> {guarded};")
        total = self.total(env)
        if total is not None:
            clauses.append(f"ensures {ACSL_TOTAL}: {total} ==> \\result == UPEL_OK;")
        allowed = ["UPEL_OK", "UPEL_PRECONDITION"] + [BUILTIN_STATUS.get(c, str(c)) for c in fn["raises"] if c != 5]
        clauses.append(f"ensures {ACSL_RAISES}: " + " || ".join(f"\\result == {s}" for s in allowed) + ";")
        for c in clauses:
            assert "*/" not in c and "\n" not in c, c
        return clauses, comment_lines(notes)

    def value(self, env: dict) -> str | None:
        """The result of a bit-level function (one with a shift, `&`, `|` or `^`) as an ACSL
        term of its parameters, when its body has one (no call, fold, record...): WP sees
        a callee only through its contract, and a spec's ensures seldom says what a caller
        needs of packed or extracted bits (encode needs pack's low byte, bcd_decode the
        bound of the 3-bit top digit). Arithmetic functions get none: their callers have
        needed none so far, and every clause is one more goal."""
        fn = self.fe.fn
        sc = self.em.scalar(fn["ret"])
        if sc is None or sc.is_bool or not bit_level(fn["body"]):
            return None
        return self.rendered(self.term, fn["body"], dict(env))

    def rendered(self, render, *args) -> str | None:
        """render(*args) in value mode (where a raising branch is left out or is
        \\false, see match), or None when the expression has no ACSL rendering."""
        self.value_mode = True
        try:
            return render(*args)
        except NoAcsl:
            return None
        finally:
            self.value_mode = False

    def total(self, env: dict) -> str | None:
        """For a function with no requires that fails only through its checked
        operations (overflow, range, division by zero, index), none raised explicitly:
        the condition under which it fails nowhere, as an ACSL predicate of its
        parameters (`safe`), when its body has one. Its callers need it to show that
        a call they make cannot fail (is_valid_posting sums only legs it has checked,
        and never raises), which its `raises` clause alone does not say."""
        fn = self.fe.fn
        if fn["requires"] or not [c for c in fn["raises"] if c != 5] or raises_declared(fn["body"]):
            return None
        return self.rendered(self.safe, fn["body"], dict(env))

    def in_type(self, x: str, t: dict) -> str:
        sc = self.em.scalar(t)
        return f"({self.lit(sc.lo)} <= {x} <= {self.lit(sc.hi)})"

    def safe(self, e: dict, env: dict) -> str:
        """"Evaluating e raises nothing", as an ACSL predicate (see total). Checked
        operations fail exactly outside their type's value set, as the upel_rt.h
        helpers state; anything else that may fail (a call, `%`, a shift, a
        bitwise helper, a builtin) has no rendering here."""
        k = e["k"]
        if k in ("lit", "enum", "local", "const"):
            return TRUE
        if k == "raise":
            return "\\false"
        if k == "un":
            a = self.safe(e["a"], env)
            if e["op"] == "not":
                return a
            if e["op"] == "neg":
                return conj(a, self.in_type(self.term(e, env), e["t"]))
            raise NoAcsl()
        if k == "bin":
            op = e["op"]
            a, b = self.safe(e["a"], env), self.safe(e["b"], env)
            if op == "and":
                return conj(a, b if b == TRUE else f"({self.pred(e['a'], env)} ? {b} : \\true)")
            if op == "or":
                return conj(a, b if b == TRUE else f"({self.pred(e['a'], env)} ? \\true : {b})")
            if op in CMP_SYM or op in WRAPPING or op in SATURATING:
                return conj(a, b)
            if op in ("add", "sub", "mul"):
                return conj(a, b, self.in_type(self.term(e, env), e["t"]))
            if op == "div":
                return conj(a, b, f"{self.term(e['b'], env)} != 0", self.in_type(self.term(e, env), e["t"]))
            raise NoAcsl()
        if k == "cast":
            a = self.safe(e["a"], env)
            if e["check"]:
                return conj(a, self.in_type(self.term(e["a"], env), e["t"]))
            src, dst = self.em.scalar(e["a"]["t"]), self.em.scalar(e["t"])
            if src is None or dst is None or not (dst.lo <= src.lo and src.hi <= dst.hi):
                raise NoAcsl()
            return a
        if k == "if":
            then, other = self.safe(e["then"], env), self.safe(e["else"], env)
            return conj(self.safe(e["c"], env),
                        TRUE if then == other == TRUE else f"({self.pred(e['c'], env)} ? {then} : {other})")
        if k == "field":
            return self.safe(e["a"], env)
        if k == "index":
            n, ix = e["a"]["t"]["len"], self.term(e["i"], env)
            inside = TRUE if re.fullmatch(r"\d+", ix) and int(ix) < n else f"0 <= {ix} < {n}"
            return conj(self.safe(e["a"], env), self.safe(e["i"], env), inside)
        if k == "match":
            return conj(self.safe(e["a"], env), self.match(e, env, self.safe, keep_raising=True))
        if k == "block":
            env = dict(env)
            out = []
            for let in e["lets"]:
                v = self.term(let["e"], env)
                ok = self.safe(let["e"], env)
                out.append(("" if ok == TRUE else f"{ok} && ") + f"\\let {self.bind(env, let['name'], let['e'])} = {v};")
            return f"({' '.join(out)} {self.safe(e['result'], env)})" if out else self.safe(e["result"], env)
        if k == "fold":
            env = dict(env)
            env.pop(SPANS, None)
            if e["hi"] - e["lo"] > SPELL_ELEMENTS:
                raise NoAcsl()
            ok, v = self.safe(e["init"], env), self.term(e["init"], env)
            out = [("" if ok == TRUE else f"{ok} && ") + f"\\let {self.bind(env, e['acc'], None)} = {v};"]
            for i in range(e["lo"], e["hi"]):
                env[e["var"]] = self.lit(i)
                ok = self.safe(e["body"], env)
                if i == e["hi"] - 1:  # the fold's value is not needed after the last step
                    return f"({' '.join(out)} {ok})"
                step = self.term(e["body"], env)
                out.append(("" if ok == TRUE else f"{ok} && ") + f"\\let {self.bind(env, e['acc'], None)} = {step};")
            return f"({' '.join(out)} \\true)"
        raise NoAcsl()

    def bind(self, env: dict, name: str, e: dict | None) -> str:
        """A fresh ACSL \\let name for the UPEL local `name`, entered in env."""
        n = self.namer.local(name)
        env[name] = n
        if e is not None:
            env[SPANS] = {**self.spans(env), name: bit_span(self.em, e, self.spans(env))}
        return n

    def guarded_value(self, env: dict, out: str) -> str | None:
        """For a function that raises one of its declared errors: on success, which
        branch returned and with what value, as an ACSL predicate of its parameters
        (`c ? \\false : out == v` for `if c { raise E.x } else { v }`), when its body
        has one (no call, fold, record...). A spec's ensures bounds a checked value
        but seldom says what its guards let through, which WP (seeing the callee only
        through its contract) needs at the call: validate_posting's total is positive
        because check_leg returns a used leg's amount only when it is positive."""
        fn = self.fe.fn
        sc = self.em.scalar(fn["ret"])
        if sc is None or not (sc.is_bool or raises_declared(fn["body"])):
            return None
        if sc.is_bool:  # a predicate of the arguments (leg_ok): what is_valid_posting checks
            if raises_declared(fn["body"]):
                return None
            value = self.rendered(self.pred, fn["body"], dict(env))
            return None if value is None else f"(({out} != 0) <==> {value})"
        return self.rendered(self.returns, fn["body"], dict(env), out)

    def returns(self, e: dict, env: dict, out: str) -> str:
        """"e returned `out`" (see guarded_value): a raising branch is \\false."""
        if always_raises(e):
            return "\\false"
        if e["k"] == "if":
            return f"({self.pred(e['c'], env)} ? {self.returns(e['then'], env, out)} : {self.returns(e['else'], env, out)})"
        f = lambda x, env: self.returns(x, env, out)
        if e["k"] == "match":
            return self.match(e, env, f, keep_raising=True)  # raising arms as \\false
        if e["k"] == "block":
            return self.block(e, env, f)
        return f"{out} == {self.term(e, env)}"

    def valid_value(self, t: dict, lv: str, depth: int = 0) -> str | None:
        """ACSL for "lv holds a value of type t", when the C type allows more: the
        value set of an odd-width integer or a ranged newtype, the members of an
        enum, field by field and element by element (None when the C type says
        it all). Arguments are always such values (docs/backends.md), and
        results must be. A short array (SPELL_ELEMENTS) is stated element by
        element: from a `\\forall` over the index, Z3 has to find the instance
        itself, and in the unrolled folds of fintech.ledger it did not (a
        callee's precondition on `p->legs.v[3]` came back "failed" after Z3 gave
        up, 11 goals in 4 functions), while Qed closes the spelled-out form."""
        em = self.em
        if t["k"] == "array":
            if t["len"] <= SPELL_ELEMENTS and t["elem"]["k"] != "array":
                parts = [self.valid_value(t["elem"], f"{lv}.v[{i}]", depth) for i in range(t["len"])]
                return None if parts[0] is None else "(" + " && ".join(parts) + ")"
            j = f"upel_j{depth}"
            inner = self.valid_value(t["elem"], f"{lv}.v[{j}]", depth + 1)
            return None if inner is None else f"(\\forall integer {j}; 0 <= {j} < {t['len']} ==> {inner})"
        sc = em.scalar(t)
        if sc is None:
            d = em.ix.decl(t)
            parts = [self.valid_value(f["type"], f"{lv}.{em.fields[(d['qname'], f['name'])]}", depth)
                     for f in d["fields"]]
            parts = [x for x in parts if x is not None]
            return "(" + " && ".join(parts) + ")" if parts else None
        if sc.is_bool:
            return None
        if t["k"] == "named" and em.ix.decl(t)["kind"] == "enum":
            values = sorted({m["value"] for m in em.ix.decl(t)["members"]})
            lo, hi = sc.storage_range
            contiguous = values[-1] - values[0] + 1 == len(values)  # (values are distinct)
            if contiguous and (values[0], values[-1]) == (lo, hi):
                return None
            if contiguous:
                return f"({self.lit(values[0])} <= {lv} <= {self.lit(values[-1])})"
            return "(" + " || ".join(f"{lv} == {self.lit(v)}" for v in values) + ")"
        if (sc.lo, sc.hi) == sc.storage_range:
            return None
        return f"({self.lit(sc.lo)} <= {lv} <= {self.lit(sc.hi)})"

    # ---- terms (integer valued) -----------------------------------------------------
    def lit(self, v) -> str:
        if isinstance(v, bool):
            return "1" if v else "0"
        return str(v) if v >= 0 else f"({v})"

    def term(self, e: dict, env: dict) -> str:
        k, t = e["k"], e["t"]
        em = self.em
        if t["k"] == "bool" and k in ("un", "bin", "builtin"):  # not, and/or, comparisons, bit()
            return f"({self.pred(e, env)} ? 1 : 0)"
        if k in ("lit", "enum"):
            return self.lit(e["v"])
        if k == "local":
            if e["name"] not in env:
                raise NoAcsl()
            return env[e["name"]]
        if k == "const":
            c = em.ix.consts[e["name"]]
            if em.is_agg(c["type"]):
                return em.cname[e["name"]]
            return self.lit(c["value"])
        if k == "un":
            a = self.term(e["a"], env)
            if e["op"] == "neg":
                return f"(-{a})"
            if self.value_mode:
                raise NoAcsl()  # upel_bnot_*: no contract on the value
            sc = em.scalar(t)
            return f"(~{a})" if sc.signed else f"({(1 << sc.width) - 1} - {a})"
        if k == "bin":
            op = e["op"]
            a, b = self.term(e["a"], env), self.term(e["b"], env)
            if self.value_mode and op in ("band", "bor", "bxor", "shl", "shr") and em.scalar(t).signed \
                    and not (op == "shr" and e["b"]["k"] in ("lit", "const")):
                raise NoAcsl()  # the signed bitwise and shift helpers state no value
            sym = {"add": "+", "sub": "-", "mul": "*", "div": "/", "rem": "%", "band": "&", "bor": "|",
                   "bxor": "^", "shr": ">>"}
            arith = self.bit_term(e, a, b, env)
            if arith is not None:
                return arith
            if op in sym:
                return f"({a} {sym[op]} {b})"
            if op in SATURATING:
                sc = em.scalar(t)
                m = f"({a} {sym[op[:3]]} {b})"
                return f"({m} < {self.lit(sc.lo)} ? {self.lit(sc.lo)} : {m} > {self.lit(sc.hi)} ? {self.lit(sc.hi)} : {m})"
            raise NoAcsl()
        if k == "cast":
            src_t = e["a"]["t"]
            if src_t["k"] == "bool":
                return f"({self.pred(e['a'], env)} ? 1 : 0)"
            a = self.term(e["a"], env)
            if e["check"]:
                return a
            src, dst = em.scalar(src_t), em.scalar(t)
            if dst.lo <= src.lo and src.hi <= dst.hi:
                return a
            raise NoAcsl()
        if k == "enum_from":
            return self.term(e["a"], env)
        if k == "builtin":
            name = e["name"]
            if self.value_mode and name not in ("min", "max", "abs"):
                raise NoAcsl()  # upel_bits, upel_bit, upel_popcount: no contract on the value
            if name in ("min", "max"):
                a, b = self.term(e["args"][0], env), self.term(e["args"][1], env)
                return f"({a} <= {b} ? {a if name == 'min' else b} : {b if name == 'min' else a})"
            if name == "abs":
                a = self.term(e["args"][0], env)
                return f"({a} < 0 ? -{a} : {a})"
            if name == "bits":
                a = self.term(e["args"][0], env)
                n = e["hi"] - e["lo"] + 1
                if not em.scalar(e["args"][0]["t"]).signed:  # same value; WP reasons better about % than &
                    return f"(({a} / {1 << e['lo']}) % {1 << n})"
                return f"(({a} >> {e['lo']}) & {(1 << n) - 1})"
            raise NoAcsl()
        if k == "if":
            if self.value_mode and always_raises(e["then"]):
                return self.term(e["else"], env)
            if self.value_mode and always_raises(e["else"]):
                return self.term(e["then"], env)
            return f"({self.pred(e['c'], env)} ? {self.term(e['then'], env)} : {self.term(e['else'], env)})"
        if k == "match":
            return self.match(e, env, self.term)
        if k == "block":
            return self.block(e, env, self.term)
        if k == "field":
            d = em.ix.decl(e["a"]["t"])
            return f"{self.term(e['a'], env)}.{em.fields[(d['qname'], e['name'])]}"
        if k == "index":
            return f"{self.term(e['a'], env)}.v[{self.term(e['i'], env)}]"
        raise NoAcsl()

    def bit_term(self, e: dict, a: str, b: str, env: dict) -> str | None:
        """The arithmetic form of a bit operation by a constant, as the C body computes it
        (FnEmitter.arith_shift / arith_bitwise), or None. A variable unsigned `>>` is
        `a / upel_pow2[n]`, which upel_shr_u's contract states."""
        op, em = e["op"], self.em
        sc = em.scalar(e["t"])
        if sc is None or sc.is_bool:
            return None
        bv = e["b"].get("v") if e["b"]["k"] == "lit" else None
        if bv is None and e["b"]["k"] == "const":
            bv = em.ix.consts[e["b"]["name"]]["value"]
        const = isinstance(bv, int) and not isinstance(bv, bool)
        if op == "shl" and not sc.signed and const:
            if bv >= sc.width:
                return "0"
            n = bit_span(em, e["a"], self.spans(env))[0] + bv
            if n <= sc.width:
                return f"({a} * {1 << bv})"
            if n <= max(32, sc.bits) and sc.width < max(32, sc.bits):  # C's product is exact
                return f"(({a} * {1 << bv}) % {1 << sc.width})"
            raise NoAcsl()  # C's unsigned product wraps: WP does not relate that to `%`
        if op == "shr" and const:
            if bv >= sc.width - (1 if sc.signed else 0):
                return "0" if not sc.signed else f"({a} < 0 ? -1 : 0)"
            if not sc.signed:
                return f"({a} / {1 << bv})"
            return f"({a} >= 0 ? {a} / {1 << bv} : -1 - (-1 - {a}) / {1 << bv})"
        if op == "shr" and not sc.signed:
            return f"({b} < {sc.width} ? {a} / upel_pow2[{b}] : 0)"
        if op == "band" and not sc.signed:
            for x, m in ((a, e["b"]), (b, e["a"])):
                v = m.get("v") if m["k"] == "lit" else None
                if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 1 << 63 and (v + 1) & v == 0:
                    return f"({x} % {v + 1})"
        if op == "bor" and not sc.signed and disjoint(em, e, self.spans(env)):
            return f"({a} + {b})"
        return None

    @staticmethod
    def spans(env: dict) -> dict:
        return env.get(SPANS, {})

    def pred(self, e: dict, env: dict) -> str:
        k = e["k"]
        if e["t"]["k"] != "bool":
            raise NoAcsl()
        if k == "lit":
            return "\\true" if e["v"] else "\\false"
        if k == "un" and e["op"] == "not":
            return f"!{self.pred(e['a'], env)}"
        if k == "bin":
            op = e["op"]
            if op in ("and", "or"):
                return f"({self.pred(e['a'], env)} {'&&' if op == 'and' else '||'} {self.pred(e['b'], env)})"
            if op in CMP_SYM:
                at = e["a"]["t"]
                if at["k"] == "bool":
                    p = f"({self.pred(e['a'], env)} <==> {self.pred(e['b'], env)})"
                    return p if op == "eq" else f"!{p}"
                if self.em.is_agg(at):
                    raise NoAcsl()
                return f"({self.term(e['a'], env)} {CMP_SYM[op]} {self.term(e['b'], env)})"
            raise NoAcsl()
        if k == "builtin" and e["name"] == "bit":
            if self.value_mode:
                raise NoAcsl()
            a, i = self.term(e["args"][0], env), self.term(e["args"][1], env)
            src = self.em.scalar(e["args"][0]["t"])
            if not src.signed and e["args"][1]["k"] == "lit":  # a / 2^i: the same for unsigned a
                return f"({i} < {src.width} && ({a} / {1 << e['args'][1]['v']}) % 2 == 1)" \
                    if e["args"][1]["v"] < src.width else "\\false"
            return f"({i} < {src.width} && (({a} >> {i}) & 1) == 1)"
        if k == "if":
            return f"({self.pred(e['c'], env)} ? {self.pred(e['then'], env)} : {self.pred(e['else'], env)})"
        if k == "match":
            return self.match(e, env, self.pred)
        if k == "block":
            return self.block(e, env, self.pred)
        return f"({self.term(e, env)} != 0)"

    def match(self, e: dict, env: dict, f, keep_raising: bool = False) -> str:
        st = e["a"]["t"]
        arms = e["arms"]
        if self.value_mode and not keep_raising and any(not always_raises(a["body"]) for a in arms):
            arms = [a for a in arms if not always_raises(a["body"])]
        out = f(arms[-1]["body"], env)
        for arm in reversed(arms[:-1]):
            if arm["pats"] is None:
                out = f(arm["body"], env)
                continue
            if st["k"] == "bool":
                s = self.pred(e["a"], env)
                tests = [s if p else f"!{s}" for p in arm["pats"]]
            else:
                s = self.term(e["a"], env)
                tests = [f"{s} == {self.lit(p)}" for p in arm["pats"]]
            out = f"(({' || '.join(tests)}) ? {f(arm['body'], env)} : {out})"
        return out

    def block(self, e: dict, env: dict, f) -> str:
        env = dict(env)
        parts = []
        for let in e["lets"]:
            v = self.term(let["e"], env)
            n = self.namer.local(let["name"])
            parts.append(f"\\let {n} = {v};")
            env[let["name"]] = n
            env[SPANS] = {**self.spans(env), let["name"]: bit_span(self.em, let["e"], self.spans(env))}
        body = f(e["result"], env)
        return f"({' '.join(parts)} {body})" if parts else body


# --------------------------------------------------------------------------------------
# Harness


class HarnessFn:
    def __init__(self, em: Emitter, index: int, fn: dict) -> None:
        self.em, self.index, self.fn = em, index, fn
        self.k = 0

    def counter(self) -> str:
        self.k += 1
        return f"k{self.k}"

    def read(self, t: dict, lv: str, out: list) -> None:
        em = self.em
        if t["k"] == "array":
            k = self.counter()
            inner: list = []
            self.read(t["elem"], f"{lv}.v[{k}]", inner)
            out.append(Loop(f"for (uint32_t {k} = 0; {k} < {t['len']}u; {k}++)", inner))
            return
        sc = em.scalar(t)
        if sc is None:
            d = em.ix.decl(t)
            for f in d["fields"]:
                self.read(f["type"], f"{lv}.{em.fields[(d['qname'], f['name'])]}", out)
            return
        if sc.is_bool:
            out.append(f"{lv} = upel_h_leaf() != 0u;")
        else:
            out.append(f"{lv} = ({sc.base})upel_wrap_{sc.core}(upel_h_leaf(), {sc.width});")

    def write(self, t: dict, rv: str, out: list) -> None:
        em = self.em
        if t["k"] == "array":
            k = self.counter()
            inner: list = []
            self.write(t["elem"], f"{rv}.v[{k}]", inner)
            out.append(Loop(f"for (uint32_t {k} = 0; {k} < {t['len']}u; {k}++)", inner))
            return
        sc = em.scalar(t)
        if sc is None:
            d = em.ix.decl(t)
            for f in d["fields"]:
                self.write(f["type"], f"{rv}.{em.fields[(d['qname'], f['name'])]}", out)
            return
        if sc.is_bool:
            out.append(f"upel_h_put({rv} ? 1u : 0u, 1);")
        else:
            out.append(f"upel_h_put((uint64_t){rv}, {sc.width});")

    def context(self) -> dict:
        em, fn = self.em, self.fn
        body: list = []
        args = []
        for i, p in enumerate(fn["params"]):
            v = f"a{i}"
            body.append(f"static {em.ctype(p['type'])} {v};")
            self.read(p["type"], v, body)
            args.append(f"&{v}" if em.is_agg(p["type"]) else v)
        body.append(f"static {em.ctype(fn['ret'])} r;")
        body.append("upel_status s;")
        body.append(IfStmt([("upel_h_bad", ['printf("bad input\\n");', "return;"])]))
        body.append(f"s = {em.cname[fn['qname']]}({', '.join(args + ['&r'])});")
        body.append(IfStmt([("s != UPEL_OK", ['printf("err %u\\n", (unsigned)s);', "return;"])]))
        body.append('printf("ok");')
        self.write(fn["ret"], "r", body)
        body.append('printf("\\n");')
        return {"index": self.index, "qname": fn["qname"], "body": render(body, 1)}
