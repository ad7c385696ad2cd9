"""Python backend: IR -> template context (all decisions live here).

Each package becomes one module `<pkg_with_underscores>.py`: enums as
`IntEnum`, records as frozen dataclasses, newtypes as `typing.NewType`,
arrays as tuples, errors as `upel_rt.UpelError(code)`. Expressions become
Python expressions in evaluation order (Python evaluates operands and call
arguments left to right, and exceptions give first-error-wins for free);
constructs that need statements (blocks with lets, folds, matches, and
`if`s whose branches need statements) are lowered to statements, and any
operand evaluated *before* such a construct is first bound to a temporary so
that the order of evaluation never changes.
"""

from __future__ import annotations

import keyword
import re

from upel.interp.intops import BUILTIN_ERROR_NAMES
from upel.ir.encoding import ir_digest, package_digest
from upel.ir.model import IRIndex
from upel.ir.walk import nodes

RESERVED = set(keyword.kwlist) | set(keyword.softkwlist) | {
    "rt", "dataclasses", "annotations", "NewType", "IntEnum", "dataclass", "int", "bool", "tuple", "range",
    "len", "abs", "min", "max", "print", "sys", "self", "cls", "object", "type", "super", "True", "False", "None",
    "l", "O", "I",  # PEP 8 / ruff E741: ambiguous single-letter names
}
_TEMP = re.compile(r"^_u\d+$")


def module_name(pkg: str) -> str:
    return pkg.replace(".", "_")


def ident(name: str, modules: set[str] = frozenset()) -> str:
    """Mangle a spec identifier so it is never a Python keyword, one of the
    names the generated code itself uses, a module name, or a temporary."""
    if name in RESERVED or name in modules or _TEMP.match(name) or name.startswith("__"):
        return name + "_"
    return name


def member(name: str) -> str:
    """Enum member names: also avoid the attributes every Enum member has."""
    if name.startswith("_"):
        return "m" + name  # `_x_` would be an Enum _sunder_ name, reserved by Python
    return name + "_" if name in ("name", "value", "mro") else ident(name)


def doc_string(lines: list[str], indent: str) -> list[str]:
    """A docstring that no spec text can break out of."""
    if not lines:
        return []
    text = "\n".join(lines)
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or ch in "\u2028\u2029\x85":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    body = "".join(out).split("\n")
    if len(body) == 1:
        return [f'{indent}"""{body[0]}"""']
    return [f'{indent}"""{body[0]}'] + [f"{indent}{b}" if b else "" for b in body[1:]] + [f'{indent}"""']


def comment(text: str) -> str:
    """One comment line: control characters escaped so the comment cannot end early."""
    return "".join(ch if ch >= " " and ch not in "\x7f\u2028\u2029\x85" else f"\\x{ord(ch):02x}" for ch in text)


class _Fn:
    """Lowers one function (or property) body to Python statements."""

    def __init__(self, em: "Emitter", params: list[str]) -> None:
        self.em = em
        self.ix = em.ix
        self.lines: list[str] = []
        self.depth = 1
        self.n = 0
        self.locals: dict[str, str] = {p: ident(p, em.modules) for p in params}

    def temp(self) -> str:
        self.n += 1
        return f"_u{self.n}"

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def local(self, name: str) -> str:
        if name not in self.locals:
            self.locals[name] = ident(name, self.em.modules)
        return self.locals[name]

    # Does emitting this expression append statements?
    def stmts(self, e: dict) -> bool:
        k = e["k"]
        if k in ("block",):
            return bool(e["lets"]) or self.stmts(e["result"])
        if k in ("fold", "match"):
            return True
        if k == "if":
            return any(self.stmts(e[x]) for x in ("c", "then", "else"))
        return any(self.stmts(c) for c in _children(e))

    def operands(self, es: list[dict]) -> list[str]:
        """Emit operands in order; bind earlier ones to temporaries if a later
        one needs statements (so statements never run before them)."""
        out = []
        for i, e in enumerate(es):
            text = self.expr(e)
            # Even a plain local is copied: a later block may rebind its name.
            if any(self.stmts(x) for x in es[i + 1:]) and not _literal(text):
                t = self.temp()
                self.line(f"{t} = {text}")
                text = t
            out.append(text)
        return out

    def expr(self, e: dict) -> str:
        return getattr(self, "_" + e["k"])(e)

    def _lit(self, e):
        return repr(e["v"])

    def _enum(self, e):
        return f"{self.em.type_ref(e['t'])}.{member(e['member'])}"

    def _local(self, e):
        return self.local(e["name"])

    def _const(self, e):
        return self.em.qualified(e["name"])

    def _un(self, e):
        (a,) = self.operands([e["a"]])
        if e["op"] == "not":
            return f"(not {a})"
        info = self.ix.int_info(e["t"])
        if e["op"] == "neg":
            return self.em.newtype(e["t"], f"rt.neg({a}, {info.lo}, {info.hi})")
        return self.em.newtype(e["t"], f"rt.bnot({a}, {info.width}, {info.signed})")

    def _bin(self, e):
        op = e["op"]
        if op in ("and", "or"):
            a = self.expr(e["a"])
            if self.stmts(e["b"]):
                # The right side runs only when needed: lower to statements.
                t = self.temp()
                self.line(f"{t} = {a}")
                self.line(f"if {'' if op == 'and' else 'not '}{t}:")
                self.depth += 1
                self.line(f"{t} = {self.expr(e['b'])}")
                self.depth -= 1
                return t
            return f"({a} {op} {self.expr(e['b'])})"
        a, b = self.operands([e["a"], e["b"]])
        if op in _CMP:
            return f"({a} {_CMP[op]} {b})"
        info = self.ix.int_info(e["t"])
        lo, hi, w, s = info.lo, info.hi, info.width, info.signed
        if op in ("add", "sub", "mul", "div", "rem"):
            text = f"rt.{op}({a}, {b}, {lo}, {hi})"
        elif op.endswith("_wrap"):
            text = f"rt.wrap({a} {_PY[op[:3]]} {b}, {w}, {s})"
        elif op.endswith("_sat"):
            text = f"rt.sat({a} {_PY[op[:3]]} {b}, {lo}, {hi})"
        elif op in ("band", "bor", "bxor"):
            text = f"({a} {_PY[op]} {b})"
        else:
            text = f"rt.{op}({a}, {b}, {w}, {s})"
        return self.em.newtype(e["t"], text)

    def _cast(self, e):
        (a,) = self.operands([e["a"]])
        info = self.ix.int_info(e["t"])
        src = e["a"]["t"]
        v = f"int({a})" if src["k"] == "bool" or self.ix.decl(src) and self.ix.decl(src)["kind"] == "enum" else a
        if e["check"]:
            return self.em.newtype(e["t"], f"rt.to_range({v}, {info.lo}, {info.hi})")
        return f"rt.wrap({v}, {info.width}, {info.signed})"

    def _enum_from(self, e):
        (a,) = self.operands([e["a"]])
        return f"rt.enum_from({self.em.type_ref(e['t'])}, {a})"

    def _call(self, e):
        args = self.operands(e["args"])
        return f"{self.em.qualified(e['fn'])}({', '.join(args)})"

    def _builtin(self, e):
        name = e["name"]
        args = self.operands(e["args"])
        if name in ("min", "max"):
            return f"{name}({args[0]}, {args[1]})"
        info = self.ix.int_info(e["args"][0]["t"])
        if name == "abs":
            return self.em.newtype(e["t"], f"rt.abs_({args[0]}, {info.lo}, {info.hi})")
        if name == "popcount":
            return f"rt.popcount({args[0]}, {info.width})"
        if name == "bit":
            return f"rt.bit({args[0]}, {args[1]}, {info.width})"
        return f"rt.bits({args[0]}, {e['hi']}, {e['lo']}, {info.width})"

    def _if(self, e):
        if not self.stmts(e):
            return f"({self.expr(e['then'])} if {self.expr(e['c'])} else {self.expr(e['else'])})"
        t = self.temp()
        self.line(f"if {self.expr(e['c'])}:")
        self.branch(t, e["then"])
        self.line("else:")
        self.branch(t, e["else"])
        return t

    def branch(self, target: str, e: dict) -> None:
        self.depth += 1
        self.line(f"{target} = {self.expr(e)}")
        self.depth -= 1

    def _match(self, e):
        s = self.expr(e["a"])
        if not _literal(s):
            t = self.temp()
            self.line(f"{t} = {s}")
            s = t
        scrut_t = e["a"]["t"]
        arms = e["arms"]
        # The last arm needs no test: it is the wildcard, or the checker
        # proved the match exhaustive.
        conds = [" or ".join(f"{s} == {self.em.pattern(scrut_t, p)}" for p in arm["pats"])
                 for arm in arms[:-1]]
        if not any(self.stmts(arm["body"]) for arm in arms):
            text = self.expr(arms[-1]["body"])
            for cond, arm in reversed(list(zip(conds, arms))):
                text = f"{self.expr(arm['body'])} if {cond} else {text}"
            return f"({text})"
        t = self.temp()
        for i, (cond, arm) in enumerate(zip(conds, arms)):
            self.line(f"{'if' if i == 0 else 'elif'} {cond}:")
            self.branch(t, arm["body"])
        if conds:
            self.line("else:")
            self.branch(t, arms[-1]["body"])
        else:
            self.line(f"{t} = {self.expr(arms[-1]['body'])}")
        return t

    def _block(self, e):
        for let in e["lets"]:
            self.line(f"{self.local(let['name'])} = {self.expr(let['e'])}")
        return self.expr(e["result"])

    def _record(self, e):
        vals = self.operands([f["e"] for f in e["fields"]])
        args = ", ".join(f"{ident(f['name'])}={v}" for f, v in zip(e["fields"], vals))
        return f"{self.em.type_ref(e['t'])}({args})"

    def _field(self, e):
        (a,) = self.operands([e["a"]])
        return f"{a}.{ident(e['name'])}"

    def _rec_with(self, e):
        vals = self.operands([e["a"]] + [f["e"] for f in e["fields"]])
        args = ", ".join(f"{ident(f['name'])}={v}" for f, v in zip(e["fields"], vals[1:]))
        return f"dataclasses.replace({vals[0]}, {args})"

    def _array(self, e):
        vals = self.operands(e["elems"])
        return "(" + ", ".join(vals) + ("," if len(vals) == 1 else "") + ")"

    def _repeat(self, e):
        (v,) = self.operands([e["e"]])
        return f"({v},) * {e['n']}"

    def _index(self, e):
        a, i = self.operands([e["a"], e["i"]])
        return f"rt.at({a}, {i})"

    def _arr_with(self, e):
        a, i, v = self.operands([e["a"], e["i"], e["v"]])
        return f"rt.with_at({a}, {i}, {v})"

    def _fold(self, e):
        acc = self.local(e["acc"])
        self.line(f"{acc} = {self.expr(e['init'])}")
        self.line(f"for {self.local(e['var'])} in range({e['lo']}, {e['hi']}):")
        self.depth += 1
        self.line(f"{acc} = {self.expr(e['body'])}")
        self.depth -= 1
        t = self.temp()
        self.line(f"{t} = {acc}")
        return t

    def _raise(self, e):
        return f"rt.fail({self.em.error_ref(e['code'])})"


def _children(e: dict) -> list[dict]:
    out = []
    for key in ("a", "b", "c", "then", "else", "e", "i", "v", "init", "body", "result"):
        if isinstance(e.get(key), dict) and "k" in e[key]:
            out.append(e[key])
    for key in ("args", "elems"):
        out.extend(e.get(key, []))
    for f in e.get("fields", []):
        out.append(f["e"])
    for x in e.get("lets", []):
        out.append(x["e"])
    return out


def _literal(text: str) -> bool:
    return bool(re.fullmatch(r"-?\d+|True|False", text))


_CMP = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_PY = {"add": "+", "sub": "-", "mul": "*", "band": "&", "bor": "|", "bxor": "^"}


class Emitter:
    def __init__(self, ir: dict) -> None:
        self.ir = ir
        self.ix = IRIndex(ir)
        self.digest = ir_digest(ir)
        self.pkg: dict = {}
        self.modules = {module_name(p["name"]) for p in ir["packages"]}

    def _visible_packages(self) -> list[dict]:
        """The current package, then its imports (transitively): the only
        places an error code it raises can come from. Codes are unique per
        package only, so looking further would pick another package's name."""
        by_name = {p["name"]: p for p in self.ir["packages"]}
        out, todo = [], [self.pkg["name"]]
        while todo:
            n = todo.pop(0)
            if n in by_name and by_name[n] not in out:
                out.append(by_name[n])
                todo.extend(by_name[n]["imports"])
        return out

    def _error_member(self, code: int) -> tuple[dict, dict] | None:
        for p in self._visible_packages():
            for es in p["errors"]:
                for m in es["members"]:
                    if m["code"] == code:
                        return es, m
        return None

    def error_ref(self, code: int) -> str:
        """`rt.OVERFLOW` or `DoseError.too_high` (qualified across packages)."""
        if code in BUILTIN_ERROR_NAMES:
            return f"rt.{BUILTIN_ERROR_NAMES[code].upper()}"
        found = self._error_member(code)
        return f"{self.qualified(found[0]['qname'])}.{member(found[1]['name'])}" if found else str(code)

    def qualified(self, qname: str) -> str:
        pkg, name = qname.rsplit(".", 1)
        if pkg == self.pkg["name"]:
            return ident(name, self.modules)
        return f"{module_name(pkg)}.{ident(name, self.modules)}"

    def type_ref(self, t: dict) -> str:
        return self.qualified(t["name"])

    def annot(self, t: dict) -> str:
        k = t["k"]
        if k == "bool":
            return "bool"
        if k == "int":
            return "int"
        if k == "array":
            return f"tuple[{self.annot(t['elem'])}, ...]"
        return self.type_ref(t)

    def newtype(self, t: dict, text: str) -> str:
        d = self.ix.decl(t)
        return f"{self.type_ref(t)}({text})" if d is not None and d["kind"] == "newtype" else text

    def pattern(self, t: dict, v) -> str:
        d = self.ix.decl(t)
        if d is not None and d["kind"] == "enum":
            m_name = next(m["name"] for m in d["members"] if m["value"] == v)
            return f"{self.type_ref(t)}.{member(m_name)}"
        return repr(v)

    def value(self, t: dict, v) -> str:
        """A canonical IR value as a Python expression of type t."""
        k = t["k"]
        if k in ("bool", "int"):
            return repr(v)
        if k == "array":
            items = [self.value(t["elem"], x) for x in v]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        d = self.ix.decl(t)
        if d["kind"] == "enum":
            return self.pattern(t, v)
        if d["kind"] == "newtype":
            return f"{self.type_ref(t)}({v!r})"
        return f"{self.type_ref(t)}(" + ", ".join(
            f"{ident(f['name'])}={self.value(f['type'], v[f['name']])}" for f in d["fields"]) + ")"

    def package(self, pkg: dict) -> dict:
        self.pkg = pkg
        types = []
        for t in pkg["types"]:
            what = {"enum": "Enum", "record": "Record", "newtype": "Newtype"}[t["kind"]]
            entry = {"kind": t["kind"], "name": ident(t["name"], self.modules),
                     "doc": doc_string(t["doc"] or [f"{what} {t['name']} of {pkg['name']}."], "    "),
                     "comment_doc": [comment(d) for d in t["doc"]], "reqs": t["reqs"]}
            if t["kind"] == "enum":
                entry["members"] = [{"name": member(m["name"]), "value": m["value"],
                                     "doc": [comment(d) for d in m["doc"]]} for m in t["members"]]
            elif t["kind"] == "record":
                entry["fields"] = [{"name": ident(f["name"]), "annot": self.annot(f["type"]),
                                    "doc": [comment(d) for d in f["doc"]]} for f in t["fields"]]
            else:
                entry["range"] = t.get("range")
            types.append(entry)
        consts = [{"name": ident(c["name"], self.modules), "annot": self.annot(c["type"]),
                   "value": self.value(c["type"], c["value"]), "doc": [comment(d) for d in c["doc"]]}
                  for c in pkg["consts"]]
        errors = [{"name": ident(es["name"], self.modules),
                   "doc": doc_string(es["doc"] or [f"Error codes of {pkg['name']} (UpelError.code)."], "    "),
                   "members": [{"name": member(m["name"]), "code": m["code"]} for m in es["members"]]}
                  for es in pkg["errors"]]
        functions = [self.function(f) for f in pkg["functions"]]
        return {
            "package": pkg["name"], "version": pkg["version"], "digest": package_digest(self.ir, pkg["name"]),
            "doc": [comment(d) for d in pkg["doc"]],
            "imports": [module_name(i) for i in pkg["imports"]],
            "types": types, "consts": consts, "errors": errors, "functions": functions,
            "uses_dataclasses": any(t["kind"] == "record" for t in pkg["types"]) or _uses(pkg, "rec_with"),
            "uses_newtype": any(t["kind"] == "newtype" for t in pkg["types"]),
            "uses_enum": any(t["kind"] == "enum" for t in pkg["types"]) or bool(pkg["errors"]),
        }

    def function(self, f: dict) -> dict:
        params = [p["name"] for p in f["params"]]
        low = _Fn(self, params)
        for r in f["requires"]:
            cond = low.expr(r)
            low.line(f"if not {cond}:")
            low.depth += 1
            low.line("rt.fail(rt.PRECONDITION)")
            low.depth -= 1
        result = low.expr(f["body"])
        low.line(f"return {result}")
        raises = [self.ix.error_name(c, self.pkg["name"]) for c in f["raises"]]
        return {
            "name": ident(f["name"], self.modules),
            "params": [f"{low.locals[p['name']]}: {self.annot(p['type'])}" for p in f["params"]],
            "ret": self.annot(f["ret"]),
            "doc": doc_string(f["doc"] + ([f"Raises UpelError for: {', '.join(raises)}."] if raises else []), "    "),
            "reqs": comment(", ".join(f["reqs"])),
            "requires": len(f["requires"]),
            "body": low.lines,
        }


def _uses(pkg: dict, kind: str) -> bool:
    return any(n.get("k") == kind for n in nodes(pkg["functions"]))
