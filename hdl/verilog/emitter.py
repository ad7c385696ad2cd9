"""Verilog backend: IR -> plain template context. All the logic lives here.

Every operator becomes one purely combinational Verilog-2005 module. The body
of an operator is compiled into a small netlist: each IR expression yields a
pair (value, error), where

- the *value* is a `Const` (known bits), a `Sig` (bits of a wire) or a `Cat`
  (the parts of a record or array, least significant first, kept apart so
  that field access and functional update cost no logic), and
- the *error* is `None` (this expression can never raise), a nonzero `Const`
  (it always raises that code) or a 16-bit `Sig` (0 = no error).

An operation's error is the first nonzero error of its operands in
evaluation order, else its own check (`_seq`); `and`/`or`, `if` and `match`
select the error of the operand/branch that would run (`_emux`), so an error
in a branch that is not taken never shows. Values computed after an error are
don't-care but never x/z: divisions use a divisor of 1 when the divisor is
0, dynamic selects are guarded.

Checked arithmetic runs in a width that holds every mathematical result of
the operands' value sets (interval arithmetic on the value sets) and is
compared with the value set of the result type; checks that the operands'
value sets make impossible are not generated. Comparisons that the value
sets decide are folded (Verilator would call them CMPCONST/UNSIGNED). All
signed operations live in their own `assign`, so that Verilog's
context-determined signedness rules never turn them unsigned. Equal logic is
built once (structural hashing of assigns and instances).

After compilation the netlist is pruned to what `result` and `err` depend
on, wires are named, and bits that are read by nothing are found: only
declarations holding such bits (record fields an operator ignores, bits a
cast truncates away) are wrapped in `verilator lint_off UNUSEDSIGNAL`, with
the reason as a comment.
"""

from __future__ import annotations

from dataclasses import dataclass

from upel.hdl.verilog.names import comment_lines, comment_text, mangle, module_base

from upel.ir.encoding import ir_digest, package_digest
from upel.ir.model import IRIndex, int_bounds

ERR_W = 16
OVERFLOW, DIV_BY_ZERO, RANGE, INDEX, PRECONDITION, CONVERT = 1, 2, 3, 4, 5, 6
HARNESS_MODULE = "harness_tb"
FLAT_MUX_PARTS = 16  # above this many parts, a mux of two aggregates is one flat mux


# ---- values ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Const:
    bits: int  # unsigned, < 2**width
    width: int


@dataclass(frozen=True, slots=True)
class Sig:
    wire: int  # wire id within the module
    lo: int
    width: int


@dataclass(frozen=True, slots=True)
class Cat:
    parts: tuple  # least significant first
    width: int


def mask(w: int) -> int:
    return (1 << w) - 1


def sbits(v: int) -> int:
    """Bits of the smallest two's complement number holding v."""
    return (v if v >= 0 else -v - 1).bit_length() + 1


def wide_width(width: int, lo: int, hi: int) -> int:
    """Width that holds every value of [lo, hi], every value of a `width`-bit
    integer, signed or not, and the value-set bounds (as signed numbers)."""
    return max(width + 1, sbits(lo), sbits(hi))


def sval(bits: int, signed: bool, width: int) -> int:
    if signed and bits >> (width - 1):
        return bits - (1 << width)
    return bits


@dataclass(frozen=True, slots=True)
class Scalar:
    signed: bool
    width: int
    lo: int
    hi: int


# ---- types -------------------------------------------------------------------------


class Types:
    """Widths, value sets and layouts of IR types."""

    def __init__(self, ix: IRIndex) -> None:
        self.ix = ix
        self._w: dict[str, int] = {}

    def width(self, t: dict) -> int:
        k = t["k"]
        if k == "bool":
            return 1
        if k == "int":
            return t["width"]
        if k == "array":
            return t["len"] * self.width(t["elem"])
        name = t["name"]
        if name not in self._w:
            d = self.ix.decl(t)
            if d["kind"] == "record":
                self._w[name] = sum(self.width(f["type"]) for f in d["fields"])
            else:
                self._w[name] = d["underlying"]["width"]
        return self._w[name]

    def scalar(self, t: dict) -> Scalar:
        """Storage and value set of bool, integers, newtypes and enums (as their underlying type)."""
        if t["k"] == "bool":
            return Scalar(False, 1, 0, 1)
        info = self.ix.int_info(t)
        if info is not None:
            return Scalar(info.signed, info.width, info.lo, info.hi)
        u = self.ix.decl(t)["underlying"]
        lo, hi = int_bounds(u["signed"], u["width"])
        return Scalar(u["signed"], u["width"], lo, hi)

    def is_aggregate(self, t: dict) -> bool:
        return t["k"] == "array" or (t["k"] == "named" and self.ix.decl(t)["kind"] == "record")

    def parts(self, t: dict) -> list[tuple[str, dict, int, int]]:
        """(label, type, offset, width) of the fields / elements of a record or array."""
        out = []
        off = 0
        if t["k"] == "array":
            w = self.width(t["elem"])
            return [(f"[{i}]", t["elem"], i * w, w) for i in range(t["len"])]
        for f in self.ix.decl(t)["fields"]:
            w = self.width(f["type"])
            out.append((f["name"], f["type"], off, w))
            off += w
        return out

    def field(self, t: dict, name: str) -> tuple[int, dict, int, int]:
        for i, (label, ft, off, w) in enumerate(self.parts(t)):
            if label == name:
                return i, ft, off, w
        raise AssertionError(f"no field {name}")

    def encode(self, v, t: dict) -> int:
        """Canonical IR value -> its flat bits."""
        k = t["k"]
        if k == "bool":
            return int(bool(v))
        if k == "array":
            w = self.width(t["elem"])
            return sum(self.encode(x, t["elem"]) << (i * w) for i, x in enumerate(v))
        if k == "named" and self.ix.decl(t)["kind"] == "record":
            return sum(self.encode(v[label], ft) << off for label, ft, off, _ in self.parts(t))
        return int(v) & mask(self.width(t))

    def show(self, t: dict) -> str:
        k = t["k"]
        if k == "bool":
            return "bool"
        if k == "int":
            return f"{'i' if t['signed'] else 'u'}{t['width']}"
        if k == "array":
            return f"[{self.show(t['elem'])}; {t['len']}]"
        d = self.ix.decl(t)
        if d["kind"] == "record":
            return f"record {t['name']}"
        u = self.show(d["underlying"])
        if d["kind"] == "enum":
            return f"enum {t['name']} ({u})"
        rng = f" in {d['range']['lo']}..={d['range']['hi']}" if "range" in d else ""
        return f"{t['name']} ({u}{rng})"


def bitrange(hi: int, lo: int) -> str:
    return f"[{hi}]" if hi == lo else f"[{hi}:{lo}]"


def quoted(lines: list[str]) -> list[str]:
    """Spec text as comment lines behind a fixed `| ` prefix: escaped, and never
    starting with a tool directive (`verilator lint_off`, `synthesis translate_off`)."""
    return [f"  | {line}" if line else "  |" for line in comment_lines(lines)]


def layout_lines(types: Types, t: dict, off: int, label: str, indent: int = 0) -> list[str]:
    """Human-readable bit layout of a value of type t placed at bit `off`."""
    w = types.width(t)
    pad = "  " * indent
    head = f"{pad}{bitrange(off + w - 1, off)} {label}: {types.show(t)}"
    if t["k"] == "array":
        ew = types.width(t["elem"])
        out = [f"{head}, element i at [{off} + i*{ew} +: {ew}]" if off else f"{head}, element i at [i*{ew} +: {ew}]"]
        if types.is_aggregate(t["elem"]):
            out += layout_lines(types, t["elem"], 0, "element (bits relative to the element)", indent + 1)[1:]
        return out
    out = [head]
    if types.is_aggregate(t):
        for fl, ft, foff, _ in types.parts(t):
            out += layout_lines(types, ft, off + foff, fl, indent + 1)
    return out


# ---- the netlist of one module -----------------------------------------------------


@dataclass
class Wire:
    id: int
    width: int
    hint: str
    port: str | None = None  # "input" | "output" for ports
    name: str | None = None  # fixed for ports; assigned at render time otherwise


@dataclass
class Assign:
    out: int
    tokens: list
    comment: str | None = None


@dataclass
class Inst:
    module: str
    hint: str
    conns: list  # (port, tokens) inputs
    outs: list  # (port, wire id) outputs
    comment: str | None = None


class Netlist:
    def __init__(self) -> None:
        self.wires: list[Wire] = []
        self.nodes: list = []
        self.driver: dict[int, object] = {}
        self._cse: dict[tuple, object] = {}  # structural hashing: equal logic is built once

    def new_wire(self, width: int, hint: str, port: str | None = None, name: str | None = None) -> Wire:
        w = Wire(len(self.wires), width, hint, port, name)
        self.wires.append(w)
        return w

    def port(self, name: str, width: int, direction: str) -> Sig:
        return Sig(self.new_wire(width, name, direction, name).id, 0, width)

    def assign(self, width: int, tokens: list, hint: str, comment: str | None = None) -> Sig:
        key = ("assign", width, tuple(tokens))
        if key in self._cse:
            return self._cse[key]
        w = self.new_wire(width, hint)
        node = Assign(w.id, tokens, comment)
        self.nodes.append(node)
        self.driver[w.id] = node
        self._cse[key] = s = Sig(w.id, 0, width)
        return s

    def instance(self, module: str, hint: str, conns: list, outs: list[tuple[str, int, str]],
                 comment: str | None = None) -> list[Sig]:
        key = ("inst", module, tuple((port, tuple(toks)) for port, toks in conns))
        if key in self._cse:
            return self._cse[key]
        wires = [self.new_wire(width, whint) for _, width, whint in outs]
        node = Inst(module, hint, conns, [(port, w.id) for (port, _, _), w in zip(outs, wires)], comment)
        self.nodes.append(node)
        for w in wires:
            self.driver[w.id] = node
        self._cse[key] = sigs = [Sig(w.id, 0, w.width) for w in wires]
        return sigs


def reads(tokens: list):
    for t in tokens:
        if isinstance(t, Sig):
            yield t


def lit(c: Const) -> str:
    if c.width == 1:
        return f"1'b{c.bits}"
    if c.bits < 65536:
        return f"{c.width}'d{c.bits}"
    return f"{c.width}'h{c.bits:x}"


def slit(v: int, width: int) -> str:
    """A signed decimal literal of `width` bits (|v| < 2**(width-1))."""
    return f"-{width}'sd{-v}" if v < 0 else f"{width}'sd{v}"


# ---- compiling one operator -----------------------------------------------------------


class FnCompiler:
    def __init__(self, gen: Generator, fn: dict) -> None:
        self.gen = gen
        self.T = gen.types
        self.fn = fn
        self.net = Netlist()

    # -- value plumbing --
    def slice(self, v, lo: int, width: int):
        if lo == 0 and width == v.width:
            return v
        if isinstance(v, Const):
            return Const((v.bits >> lo) & mask(width), width)
        if isinstance(v, Sig):
            return Sig(v.wire, v.lo + lo, width)
        off = 0
        for p in v.parts:
            if off <= lo and lo + width <= off + p.width:
                return self.slice(p, lo - off, width)
            off += p.width
        return self.slice(self.wire(v, "cat"), lo, width)

    def bit(self, v, i: int):
        return self.slice(v, i, 1)

    def wire(self, v, hint: str):
        """v as a Const or a Sig (a Cat is materialised)."""
        if isinstance(v, Cat):
            return self.net.assign(v.width, self.flat(v), hint)
        return v

    def full(self, v, hint: str) -> Sig:
        """v as a whole wire (for variable selects)."""
        if isinstance(v, Sig) and v.lo == 0 and v.width == self.net.wires[v.wire].width:
            return v
        return self.net.assign(v.width, self.flat(v), hint)

    def leaves(self, v) -> list:
        if isinstance(v, Cat):
            out = []
            for p in v.parts:
                out.extend(self.leaves(p))
            return out
        return [v]

    def flat(self, v) -> list:
        """Tokens of v as one bus (a concatenation, most significant part first)."""
        merged: list = []
        for x in self.leaves(v):
            if merged:
                y = merged[-1]
                if isinstance(x, Const) and isinstance(y, Const):
                    merged[-1] = Const(y.bits | (x.bits << y.width), y.width + x.width)
                    continue
                if isinstance(x, Sig) and isinstance(y, Sig) and x.wire == y.wire and x.lo == y.lo + y.width:
                    merged[-1] = Sig(y.wire, y.lo, y.width + x.width)
                    continue
            merged.append(x)
        if len(merged) == 1:
            return [merged[0]]
        groups: list[list] = []
        for x in merged:
            if groups and groups[-1][0] == x:
                groups[-1][1] += 1
            else:
                groups.append([x, 1])
        if len(groups) == 1 and groups[0][1] > 1:
            return [f"{{{groups[0][1]}{{", groups[0][0], "}}"]
        toks: list = ["{"]
        for i, (x, n) in enumerate(reversed(groups)):
            if i:
                toks.append(", ")
            toks += [f"{{{n}{{", x, "}}"] if n > 1 else [x]
        toks.append("}")
        return toks

    def parts(self, v, t: dict) -> tuple:
        if isinstance(v, Cat):
            return v.parts
        return tuple(self.slice(v, off, w) for _, _, off, w in self.T.parts(t))

    def assign(self, width: int, tokens: list, hint: str, comment: str | None = None) -> Sig:
        return self.net.assign(width, tokens, hint, comment)

    def rng(self, v, sc: Scalar) -> tuple[int, int]:
        """Interval of the mathematical values v can hold."""
        if isinstance(v, Const):
            x = sval(v.bits, sc.signed, sc.width)
            return x, x
        return sc.lo, sc.hi

    def ext(self, v, sc: Scalar, n: int) -> list:
        """Tokens: v sign- or zero-extended to n bits."""
        if isinstance(v, Const):
            return [Const(sval(v.bits, sc.signed, sc.width) & mask(n), n)]
        if n == sc.width:
            return [v]
        if sc.signed:
            return ["{{", str(n - sc.width), "{", self.bit(v, sc.width - 1), "}}, ", v, "}"]
        return ["{", Const(0, n - sc.width), ", ", v, "}"]

    def const_of(self, x: int, sc: Scalar) -> Const:
        return Const(x & mask(sc.width), sc.width)

    # -- errors --
    def _seq(self, *errs):
        acc = None
        for e in errs:
            if acc is None:
                acc = e
            elif isinstance(acc, Const) or e is None or e == acc:
                continue
            else:
                acc = self.assign(ERR_W, ["(", acc, " != 16'd0) ? ", acc, " : ", e], "err")
        return acc

    def _emux(self, c, a, b):
        if a == b:
            return a
        if isinstance(c, Const):
            return a if c.bits else b
        z = Const(0, ERR_W)
        return self.assign(ERR_W, [c, " ? ", a or z, " : ", b or z], "err")

    def _guard_tokens(self, cond: list | None, code: int):
        if cond is None:
            return None
        return self.assign(ERR_W, ["(", *cond, ") ? ", Const(code, ERR_W), " : 16'd0"], "err")

    @staticmethod
    def _raises(e) -> bool:
        return isinstance(e, Const)

    def vmux(self, c, a, b, t: dict):
        if a == b:
            return a
        if isinstance(c, Const):
            return a if c.bits else b
        if self.T.is_aggregate(t) and (isinstance(a, Cat) or isinstance(b, Cat)):
            layout = self.T.parts(t)
            if len(layout) <= FLAT_MUX_PARTS:
                pa, pb = self.parts(a, t), self.parts(b, t)
                return Cat(tuple(self.vmux(c, x, y, ft) for x, y, (_, ft, _, _) in zip(pa, pb, layout)), a.width)
        return self.assign(a.width, [c, " ? ", *self.flat(a), " : ", *self.flat(b)], "mux")

    def branch(self, c, then, other, t: dict):
        """(value, error) of `if c then else` once c is known to be error-free."""
        if isinstance(c, Const):
            return then if c.bits else other
        (tv, te), (fv, fe) = then, other
        if self._raises(te):
            v = fv
        elif self._raises(fe):
            v = tv
        else:
            v = self.vmux(c, tv, fv, t)
        return v, self._emux(c, te, fe)

    # -- entry point --
    def compile_fn(self) -> None:
        fn = self.fn
        env = {}
        self.param_sigs = []
        for p in fn["params"]:
            s = self.net.port(mangle(p["name"]), self.T.width(p["type"]), "input")
            env[p["name"]] = s
            self.param_sigs.append(s)
        errs = []
        for i, r in enumerate(fn["requires"]):
            v, e = self.compile(r, env)
            if isinstance(v, Const):
                ok = None if v.bits else Const(PRECONDITION, ERR_W)
            else:
                ok = self.assign(ERR_W, [v, " ? 16'd0 : ", Const(PRECONDITION, ERR_W)], "req",
                                 f"requires #{i + 1} (false -> precondition)")
            errs += [e, ok]
        val, e = self.compile(fn["body"], env)
        errs.append(e)
        err = self._seq(*errs)
        rw = self.T.width(fn["ret"])
        self.result_port = self.net.port("result", rw, "output")
        self.err_port = self.net.port("err", ERR_W, "output")
        self.outputs = [("result", self.flat(val)), ("err", [err if err is not None else Const(0, ERR_W)])]

    def compile(self, e: dict, env: dict):
        return getattr(self, "c_" + e["k"])(e, env)

    # -- leaves --
    def c_lit(self, e, env):
        return Const(self.T.encode(e["v"], e["t"]), self.T.width(e["t"])), None

    def c_enum(self, e, env):
        return Const(self.T.encode(e["v"], e["t"]), self.T.width(e["t"])), None

    def c_local(self, e, env):
        return env[e["name"]], None

    def c_const(self, e, env):
        c = self.gen.ix.consts[e["name"]]
        return Const(self.T.encode(c["value"], c["type"]), self.T.width(c["type"])), None

    def c_raise(self, e, env):
        return Const(0, self.T.width(e["t"])), Const(e["code"], ERR_W)

    # -- unary --
    def c_un(self, e, env):
        a, ea = self.compile(e["a"], env)
        op = e["op"]
        if op == "not":
            if isinstance(a, Const):
                return Const(1 - a.bits, 1), ea
            return self.assign(1, ["~", a], "not"), ea
        sc = self.T.scalar(e["t"])
        if op == "bnot":
            if isinstance(a, Const):
                return Const(~a.bits & mask(sc.width), sc.width), ea
            return self.assign(sc.width, ["~", a], "bnot"), ea
        # neg, checked
        lo, hi = self.rng(a, sc)
        if isinstance(a, Const):
            return self._fold_checked(-lo, sc, ea)
        n = wide_width(sc.width, -hi, -lo)
        v, err = self._checked_wide(sc, -hi, -lo, ["-", "("] + self.ext(a, sc, n) + [")"], ["-", a], n, "neg")
        return v, self._seq(ea, err)

    def _fold_checked(self, x: int, sc: Scalar, *errs):
        if x < sc.lo or x > sc.hi:
            return Const(0, sc.width), self._seq(*errs, Const(OVERFLOW, ERR_W))
        return self.const_of(x, sc), self._seq(*errs)

    def _checked_wide(self, sc: Scalar, mlo: int, mhi: int, wide_tokens: list, narrow_tokens: list,
                      n: int, hint: str, sat: bool = False):
        """Result of an operation whose mathematical value lies in [mlo, mhi].

        Computed at the result width when it always fits the value set,
        else at n bits and compared with the value set: overflow error
        (checked) or clamping (saturating)."""
        need_lo, need_hi = mlo < sc.lo, mhi > sc.hi
        if not need_lo and not need_hi:
            return self.assign(sc.width, narrow_tokens, hint), None
        w = self.assign(n, wide_tokens, hint + "_wide")
        low = self.slice(w, 0, sc.width)
        lo_t = ["$signed(", w, ") < ", slit(sc.lo, n)] if need_lo else None
        hi_t = ["$signed(", w, ") > ", slit(sc.hi, n)] if need_hi else None
        if not sat:
            cond = lo_t + [" || "] + hi_t if lo_t and hi_t else lo_t or hi_t
            return low, self._guard_tokens(cond, OVERFLOW)
        toks: list = []
        if lo_t:
            toks += ["("] + lo_t + [") ? ", self.const_of(sc.lo, sc), " : "]
        if hi_t:
            toks += ["("] + hi_t + [") ? ", self.const_of(sc.hi, sc), " : "]
        return self.assign(sc.width, toks + [low], hint + "_sat"), None

    # -- binary --
    def c_bin(self, e, env):
        op = e["op"]
        a, ea = self.compile(e["a"], env)
        b, eb = self.compile(e["b"], env)
        if op in ("and", "or"):
            is_and = op == "and"
            if isinstance(a, Const):
                if bool(a.bits) == is_and:  # true and b / false or b -> b
                    return b, self._seq(ea, eb)
                return a, ea
            if isinstance(b, Const):
                v = a if bool(b.bits) == is_and else b
            else:
                v = self.assign(1, [a, " & " if is_and else " | ", b], op)
            eb2 = self._emux(a, eb, None) if is_and else self._emux(a, None, eb)
            return v, self._seq(ea, eb2)
        err0 = self._seq(ea, eb)
        if op in ("eq", "ne"):
            if isinstance(a, Const) and isinstance(b, Const):
                return Const(int((a.bits == b.bits) == (op == "eq")), 1), err0
            if a == b:  # the same bits
                return Const(int(op == "eq"), 1), err0
            sym = " == " if op == "eq" else " != "
            return self.assign(1, [*self.flat(a), sym, *self.flat(b)], op), err0
        if op in ("lt", "le", "gt", "ge"):
            return self._compare(op, a, b, self.T.scalar(e["a"]["t"])), err0
        sc = self.T.scalar(e["t"])
        if op in ("add", "sub", "mul", "add_sat", "sub_sat", "mul_sat"):
            v, err = self._arith(op, a, b, sc)
            return v, self._seq(err0, err)
        if op in ("add_wrap", "sub_wrap", "mul_wrap"):
            base = op[:3]
            if isinstance(a, Const) and isinstance(b, Const):
                x = _MATH[base](sval(a.bits, sc.signed, sc.width), sval(b.bits, sc.signed, sc.width))
                return self.const_of(x, sc), err0
            same = self._identity(base, a, b, sc)
            if same is not None:
                return same, err0
            return self.assign(sc.width, [a, _SYM[base], b], base), err0
        if op in ("band", "bor", "bxor"):
            if isinstance(a, Const) and isinstance(b, Const):
                f = {"band": int.__and__, "bor": int.__or__, "bxor": int.__xor__}[op]
                return Const(f(a.bits, b.bits), sc.width), err0
            same = self._identity(op, a, b, sc)
            if same is not None:
                return same, err0
            return self.assign(sc.width, [a, _SYM[op], b], op[1:]), err0
        if op in ("div", "rem"):
            v, err = self._divrem(op, a, b, sc)
            return v, self._seq(err0, err)
        if op in ("shl", "shr"):
            return self._shift(op, a, b, sc, self.T.scalar(e["b"]["t"])), err0
        raise AssertionError(f"unknown binary op {op}")

    def _compare(self, op: str, a, b, sc: Scalar):
        if a == b:  # the same bits
            return Const(int(op in ("le", "ge")), 1)
        alo, ahi = self.rng(a, sc)
        blo, bhi = self.rng(b, sc)
        # Decided by the value sets alone (always the case for two constants):
        # fold, so that no comparison is constant (Verilator CMPCONST/UNSIGNED).
        always = {"lt": ahi < blo, "le": ahi <= blo, "gt": alo > bhi, "ge": alo >= bhi}[op]
        never = {"lt": alo >= bhi, "le": alo > bhi, "gt": ahi <= blo, "ge": ahi < blo}[op]
        if always or never:
            return Const(int(always), 1)
        sym = {"lt": " < ", "le": " <= ", "gt": " > ", "ge": " >= "}[op]
        return self.assign(1, self._cmp_tokens(sym, a, b, sc), op)

    @staticmethod
    def _cmp_tokens(sym: str, a, b, sc: Scalar) -> list:
        if sc.signed:
            return ["$signed(", a, ")", sym, "$signed(", b, ")"]
        return [a, sym, b]

    def _arith(self, op: str, a, b, sc: Scalar):
        base, sat = op[:3], op.endswith("_sat")
        alo, ahi = self.rng(a, sc)
        blo, bhi = self.rng(b, sc)
        f = _MATH[base]
        cands = [f(x, y) for x in (alo, ahi) for y in (blo, bhi)]
        if isinstance(a, Const) and isinstance(b, Const):
            x = cands[0]
            if sat:
                return self.const_of(min(max(x, sc.lo), sc.hi), sc), None
            return self._fold_checked(x, sc)
        same = self._identity(base, a, b, sc)
        if same is not None:
            return same, None
        n = wide_width(sc.width, min(cands), max(cands))
        wide = self.ext(a, sc, n) + [_SYM[base]] + self.ext(b, sc, n)
        hint = {"add": "sum", "sub": "diff", "mul": "prod"}[base]
        return self._checked_wide(sc, min(cands), max(cands), wide, [a, _SYM[base], b], n, hint, sat)

    def _identity(self, op: str, a, b, sc: Scalar):
        """x+0, 0+x, x-0, x*1, 1*x, x*0, 0*x, and the bitwise identities (None if none applies).
        The result is an operand (or 0), so it lies in the value set: no check."""
        def is_(v, x):
            return isinstance(v, Const) and v.bits == (x & mask(sc.width))
        if op == "add":
            return b if is_(a, 0) else a if is_(b, 0) else None
        if op == "sub":
            return a if is_(b, 0) else None
        if op == "mul":
            if is_(a, 0) or is_(b, 0):
                return Const(0, sc.width)
            return b if is_(a, 1) else a if is_(b, 1) else None
        if op in ("bor", "bxor"):
            if is_(a, 0) or is_(b, 0):
                return b if is_(a, 0) else a
            if op == "bor" and (is_(a, -1) or is_(b, -1)):
                return Const(mask(sc.width), sc.width)
            return None
        if op == "band":
            if is_(a, 0) or is_(b, 0):
                return Const(0, sc.width)
            return b if is_(a, -1) else a if is_(b, -1) else None
        return None

    def _divrem(self, op: str, a, b, sc: Scalar):
        w = sc.width
        alo, ahi = self.rng(a, sc)
        blo, bhi = self.rng(b, sc)
        if isinstance(b, Const) and b.bits == 0:
            return Const(0, w), Const(DIV_BY_ZERO, ERR_W)
        if isinstance(a, Const) and isinstance(b, Const):
            x, y = alo, blo
            q = abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
            return self._fold_checked(q if op == "div" else x - y * q, sc)
        zero_possible = not isinstance(b, Const) and blo <= 0 <= bhi
        ezero = self._guard_tokens([b, " == ", Const(0, w)], DIV_BY_ZERO) if zero_possible else None
        bsafe = self.assign(w, ["(", b, " == ", Const(0, w), ") ? ", Const(1, w), " : ", b], "divisor") \
            if zero_possible else b
        amax = max(abs(alo), abs(ahi))
        bmax = max(abs(blo), abs(bhi))
        sym, hint = (" / ", "quot") if op == "div" else (" % ", "rem")
        if op == "div":
            if alo >= 0 and blo >= 0:
                mlo, mhi = 0, ahi
            else:
                mlo, mhi = -amax, amax
        else:
            m = min(amax, max(bmax - 1, 0))
            mlo, mhi = (-m if alo < 0 else 0), (m if ahi > 0 else 0)
        if not sc.signed:
            if isinstance(b, Const) and b.bits & (b.bits - 1) == 0:  # a power of two
                k = b.bits.bit_length() - 1
                if op == "div":
                    q = a if k == 0 else self.assign(w, [a, " >> ", Const(k, w)], hint)
                else:
                    q = Const(0, w) if k == 0 else self.assign(w, [a, " & ", Const(b.bits - 1, w)], hint)
            else:
                q = self.assign(w, [a, sym, bsafe], hint)
            cond = []
            if mlo < sc.lo:
                cond += [q, " < ", self.const_of(sc.lo, sc)]
            if mhi > sc.hi:
                cond += ([" || "] if cond else []) + [q, " > ", self.const_of(sc.hi, sc)]
            return q, self._seq(ezero, self._guard_tokens(cond or None, OVERFLOW))
        # Signed: divide the magnitudes (|MIN| fits the width as an unsigned
        # number), then give the quotient the sign a^b, the remainder a's sign.
        ma = self._magnitude(a, sc, "abs_a")
        mb = self._magnitude(bsafe, sc, "abs_b")
        qm = self.assign(w, [ma, sym, mb], hint + "_mag")
        neg = [self.bit(a, w - 1)] if op == "rem" else [self.bit(a, w - 1), " ^ ", self.bit(bsafe, w - 1)]
        n = wide_width(w, mlo, mhi)
        zq = ["{", Const(0, n - w), ", ", qm, "}"]
        wide = ["(", *neg, ") ? (", Const(0, n), " - ", *zq, ") : ", *zq]
        narrow = ["(", *neg, ") ? (", Const(0, w), " - ", qm, ") : ", qm]
        v, err = self._checked_wide(sc, mlo, mhi, wide, narrow, n, hint)
        return v, self._seq(ezero, err)

    def _magnitude(self, v, sc: Scalar, hint: str):
        if isinstance(v, Const):
            return Const(abs(sval(v.bits, sc.signed, sc.width)) & mask(sc.width), sc.width)
        return self.assign(sc.width, [self.bit(v, sc.width - 1), " ? (", Const(0, sc.width), " - ", v, ") : ", v],
                           hint)

    def _shift(self, op: str, a, b, sc: Scalar, bsc: Scalar):
        w = sc.width
        if isinstance(b, Const):
            n = b.bits
            if isinstance(a, Const):
                x = sval(a.bits, sc.signed, w)
                if op == "shl":
                    return Const(0 if n >= w else (x << n) & mask(w), w)
                return self.const_of((-1 if x < 0 else 0) if n >= w else x >> n, sc)
            if n >= w:
                if op == "shl" or not sc.signed:
                    return Const(0, w)
                return self.assign(w, [f"{{{w}{{", self.bit(a, w - 1), "}}"], "shr")
            if n == 0:
                return a
        # Amounts >= the width are explicit; the shifter itself only sees the
        # low ceil(log2(width)) bits of the amount.
        k = (w - 1).bit_length()
        over = None
        if mask(bsc.width) >= w:
            over = self.assign(1, [b, " >= ", Const(w, bsc.width)], "over") if not isinstance(b, Const) else None
        amt = self.slice(b, 0, k) if bsc.width > k else b
        if k == 0:
            shifted = a
        elif op == "shl":
            shifted = self.assign(w, [a, " << ", amt], "shl")
        elif sc.signed:
            shifted = self.assign(w, ["$signed(", a, ") >>> ", amt], "shr")
        else:
            shifted = self.assign(w, [a, " >> ", amt], "shr")
        if over is None:
            return shifted
        if op == "shr" and sc.signed:
            fill = [f"{{{w}{{", self.bit(a, w - 1), "}}"] if not isinstance(a, Const) else \
                [Const(mask(w) if a.bits >> (w - 1) else 0, w)]
        else:
            fill = [Const(0, w)]
        return self.assign(w, [over, " ? ", *fill, " : ", shifted], op)

    # -- conversions --
    def resize(self, v, src: Scalar, width: int, hint: str):
        """Two's complement bits of v truncated or extended to width."""
        if width <= src.width:
            return self.slice(v, 0, width)
        if isinstance(v, Const):
            return Const(sval(v.bits, src.signed, src.width) & mask(width), width)
        return self.assign(width, self.ext(v, src, width), hint)

    def c_cast(self, e, env):
        a, ea = self.compile(e["a"], env)
        src = self.T.scalar(e["a"]["t"])
        dst = self.T.scalar(e["t"])
        if not e["check"]:
            return self.resize(a, src, dst.width, "cast"), ea
        alo, ahi = self.rng(a, src)
        if ahi < dst.lo or alo > dst.hi:  # no value of the source fits (also: a constant that does not)
            return Const(0, dst.width), self._seq(ea, Const(RANGE, ERR_W))
        # The ranges overlap, so a bound that the source can cross lies inside
        # the source's value set: compare at the source's width and signedness.
        cond = []
        if alo < dst.lo:
            cond += self._cmp_tokens(" < ", a, self.const_of(dst.lo, src), src)
        if ahi > dst.hi:
            cond += ([" || "] if cond else []) + self._cmp_tokens(" > ", a, self.const_of(dst.hi, src), src)
        err = self._guard_tokens(cond or None, RANGE)
        return self.resize(a, src, dst.width, "cast"), self._seq(ea, err)

    def c_enum_from(self, e, env):
        a, ea = self.compile(e["a"], env)
        src = self.T.scalar(e["a"]["t"])
        dst = self.T.scalar(e["t"])
        members = sorted({m["value"] for m in self.gen.ix.decl(e["t"])["members"]})
        alo, ahi = self.rng(a, src)
        possible = [m for m in members if alo <= m <= ahi]
        if not possible:
            return Const(0, dst.width), self._seq(ea, Const(CONVERT, ERR_W))
        value = self.resize(a, src, dst.width, "enum")
        if len(possible) == ahi - alo + 1:  # every value a can hold is a member
            return value, ea
        toks: list = []
        for m in possible:
            toks += ([" || "] if toks else []) + ["(", a, " == ", self.const_of(m, src), ")"]
        ok = self.assign(1, toks, "member")
        return value, self._seq(ea, self._guard_tokens(["!", ok], CONVERT))

    # -- calls and built-ins --
    def c_call(self, e, env):
        vals, errs = [], []
        for x in e["args"]:
            v, err = self.compile(x, env)
            vals.append(v)
            errs.append(err)
        callee = self.gen.ix.functions[e["fn"]]
        mod = self.gen.module_names[e["fn"]]
        conns = [(mangle(p["name"]), self.flat(v)) for p, v in zip(callee["params"], vals)]
        res, err = self.net.instance(mod, "u_" + callee["name"], conns,
                                     [("result", self.T.width(callee["ret"]), callee["name"]),
                                      ("err", ERR_W, callee["name"] + "_err")],
                                     f"call {e['fn']}")
        return res, self._seq(*errs, err)

    def c_builtin(self, e, env):
        name = e["name"]
        vals, errs = [], []
        for x in e["args"]:
            v, err = self.compile(x, env)
            vals.append(v)
            errs.append(err)
        err0 = self._seq(*errs)
        a = vals[0]
        sc = self.T.scalar(e["args"][0]["t"])
        if name in ("min", "max"):
            b = vals[1]
            c = self._compare("lt", a, b, sc)
            return (self.vmux(c, a, b, e["t"]) if name == "min" else self.vmux(c, b, a, e["t"])), err0
        if name == "abs":
            lo, hi = self.rng(a, sc)
            if isinstance(a, Const):
                return self._fold_checked(abs(lo), sc, err0)
            if lo >= 0:
                return a, err0
            mlo, mhi = 0 if hi >= 0 else -hi, max(-lo, hi)
            n = wide_width(sc.width, mlo, mhi)
            xa = self.ext(a, sc, n)
            wide = [self.bit(a, sc.width - 1), " ? (", Const(0, n), " - ", *xa, ") : ", *xa]
            narrow = [self.bit(a, sc.width - 1), " ? (", Const(0, sc.width), " - ", a, ") : ", a]
            v, err = self._checked_wide(sc, mlo, mhi, wide, narrow, n, "abs")
            return v, self._seq(err0, err)
        if name == "popcount":
            if isinstance(a, Const):
                return Const(a.bits.bit_count(), 8), err0
            toks: list = []
            for i in range(sc.width):
                toks += ([" + "] if toks else []) + ["{", Const(0, 7), ", ", self.bit(a, i), "}"]
            return self.assign(8, toks, "popcount"), err0
        if name == "bit":
            i = vals[1]
            isc = self.T.scalar(e["args"][1]["t"])
            w = sc.width
            if isinstance(i, Const):
                return (Const(0, 1) if i.bits >= w else self.bit(a, i.bits)), err0
            k = (w - 1).bit_length()
            if k == 0:
                return self.assign(1, ["(", i, " == ", Const(0, isc.width), ") ? ", a, " : 1'b0"], "bit"), err0
            over = mask(isc.width) >= w
            if isc.width >= k:
                idx = [self.slice(i, 0, k)]
            else:
                idx = ["{", Const(0, k - isc.width), ", ", i, "}"]
            x = self.full(a, "bits")
            sel = [x, "[", *idx, "]"]
            if over:
                return self.assign(1, ["(", i, " >= ", Const(w, isc.width), ") ? 1'b0 : ", *sel], "bit"), err0
            return self.assign(1, sel, "bit"), err0
        if name == "bits":
            return self.slice(a, e["lo"], e["hi"] - e["lo"] + 1), err0
        raise AssertionError(f"unknown builtin {name}")

    # -- control --
    def c_if(self, e, env):
        c, ec = self.compile(e["c"], env)
        then = self.compile(e["then"], env)
        other = self.compile(e["else"], env)
        v, err = self.branch(c, then, other, e["t"])
        return v, self._seq(ec, err)

    def c_match(self, e, env):
        a, ea = self.compile(e["a"], env)
        ta = e["a"]["t"]
        arms = []
        for arm in e["arms"]:
            pcs = None if arm["pats"] is None else [Const(self.T.encode(p, ta), a.width) for p in arm["pats"]]
            arms.append((pcs, self.compile(arm["body"], env)))
        # The last arm is the default (a wildcard, or the arms are exhaustive).
        result = arms[-1][1]
        for pcs, body in reversed(arms[:-1]):
            if isinstance(a, Const):
                c = Const(int(any(pc.bits == a.bits for pc in pcs)), 1)
            else:
                toks: list = []
                for pc in pcs:
                    toks += ([" || "] if toks else []) + ["(", a, " == ", pc, ")"]
                c = self.assign(1, toks, "arm")
            result = self.branch(c, body, result, e["t"])
        v, err = result
        return v, self._seq(ea, err)

    def c_block(self, e, env):
        env = dict(env)
        errs = []
        for let in e["lets"]:
            v, err = self.compile(let["e"], env)
            if isinstance(v, Sig):
                w = self.net.wires[v.wire]
                if w.port is None and v.lo == 0 and v.width == w.width and not w.hint.startswith("@"):
                    w.hint = "@" + let["name"]  # name the wire after the let
            env[let["name"]] = v
            errs.append(err)
        v, err = self.compile(e["result"], env)
        return v, self._seq(*errs, err)

    def c_fold(self, e, env):
        init, err = self.compile(e["init"], env)
        env = dict(env)
        vw = self.T.width(e["var_t"])
        acc = init
        errs = [err]
        for i in range(e["lo"], e["hi"]):
            env[e["var"]] = Const(i & mask(vw), vw)
            env[e["acc"]] = acc
            acc, err = self.compile(e["body"], env)
            errs.append(err)
        return acc, self._seq(*errs)

    # -- aggregates --
    def c_record(self, e, env):
        vals = {}
        errs = []
        for f in e["fields"]:
            v, err = self.compile(f["e"], env)
            vals[f["name"]] = v
            errs.append(err)
        layout = self.T.parts(e["t"])
        return Cat(tuple(vals[label] for label, _, _, _ in layout), self.T.width(e["t"])), self._seq(*errs)

    def c_field(self, e, env):
        a, ea = self.compile(e["a"], env)
        i, _, off, w = self.T.field(e["a"]["t"], e["name"])
        if isinstance(a, Cat):
            return a.parts[i], ea
        return self.slice(a, off, w), ea

    def c_rec_with(self, e, env):
        a, ea = self.compile(e["a"], env)
        t = e["t"]
        parts = list(self.parts(a, t))
        errs = [ea]
        for f in e["fields"]:
            v, err = self.compile(f["e"], env)
            i = self.T.field(t, f["name"])[0]
            parts[i] = v
            errs.append(err)
        return Cat(tuple(parts), a.width), self._seq(*errs)

    def c_array(self, e, env):
        vals, errs = [], []
        for x in e["elems"]:
            v, err = self.compile(x, env)
            vals.append(v)
            errs.append(err)
        return self._cat(vals), self._seq(*errs)

    def c_repeat(self, e, env):
        v, err = self.compile(e["e"], env)
        return self._cat([v] * e["n"]), err

    def _cat(self, vals: list):
        width = sum(v.width for v in vals)
        if all(isinstance(v, Const) for v in vals):
            bits, off = 0, 0
            for v in vals:
                bits |= v.bits << off
                off += v.width
            return Const(bits, width)
        return Cat(tuple(vals), width)

    def c_index(self, e, env):
        a, ea = self.compile(e["a"], env)
        i, ei = self.compile(e["i"], env)
        t = e["a"]["t"]
        n, ew = t["len"], self.T.width(t["elem"])
        err0 = self._seq(ea, ei)
        if isinstance(i, Const):
            if i.bits >= n:
                return Const(0, ew), self._seq(err0, Const(INDEX, ERR_W))
            return self.parts(a, t)[i.bits], err0
        isc = self.T.scalar(e["i"]["t"])
        over = mask(isc.width) >= n
        k = max((n - 1).bit_length(), 1)
        idx = self.slice(i, 0, k) if isc.width > k else i
        arr = self.full(a, "arr")
        sel = [arr, "[", idx, f" * {ew} +: {ew}]"]
        if over:
            v = self.assign(ew, ["(", i, " >= ", Const(n, isc.width), ") ? ", Const(0, ew), " : ", *sel], "elem")
            return v, self._seq(err0, self._guard_tokens([i, " >= ", Const(n, isc.width)], INDEX))
        return self.assign(ew, sel, "elem"), err0

    def c_arr_with(self, e, env):
        a, ea = self.compile(e["a"], env)
        i, ei = self.compile(e["i"], env)
        v, ev = self.compile(e["v"], env)
        t = e["t"]
        n = t["len"]
        err0 = self._seq(ea, ei, ev)
        parts = list(self.parts(a, t))
        if isinstance(i, Const):
            if i.bits >= n:
                return a, self._seq(err0, Const(INDEX, ERR_W))
            parts[i.bits] = v
            return Cat(tuple(parts), a.width), err0
        isc = self.T.scalar(e["i"]["t"])
        for k in range(min(n, mask(isc.width) + 1)):
            hit = self.assign(1, [i, " == ", Const(k, isc.width)], "hit")
            parts[k] = self.vmux(hit, v, parts[k], t["elem"])
        err = self._guard_tokens([i, " >= ", Const(n, isc.width)], INDEX) if mask(isc.width) >= n else None
        return Cat(tuple(parts), a.width), self._seq(err0, err)


_MATH = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y}
_SYM = {"add": " + ", "sub": " - ", "mul": " * ", "band": " & ", "bor": " | ", "bxor": " ^ "}


# ---- rendering one module ------------------------------------------------------------


def _render_module(gen: Generator, fc: FnCompiler, name: str) -> dict:
    net = fc.net
    types = gen.types
    fn = fc.fn
    # Keep what the outputs depend on.
    live: set[int] = set()
    stack = [s.wire for _, toks in fc.outputs for s in reads(toks)]
    while stack:
        wid = stack.pop()
        if wid in live:
            continue
        live.add(wid)
        node = net.driver.get(wid)
        if isinstance(node, Assign):
            stack.extend(s.wire for s in reads(node.tokens))
        elif isinstance(node, Inst):
            for _, toks in node.conns:
                stack.extend(s.wire for s in reads(toks))
            stack.extend(w for _, w in node.outs)
    nodes = [n for n in net.nodes if (n.out in live if isinstance(n, Assign) else any(w in live for _, w in n.outs))]
    # Names: ports keep theirs; wires become <hint>_<n> in creation order.
    used = {w.name for w in net.wires if w.port}
    counter = 0
    inst_names: dict[int, str] = {}

    def fresh(hint: str) -> str:
        nonlocal counter
        counter += 1
        cand = f"{hint}_{counter}"
        while cand in used:
            cand += "_"
        used.add(cand)
        return cand

    for node in nodes:
        if isinstance(node, Inst):
            inst_names[id(node)] = fresh(node.hint)
            for _, wid in node.outs:
                net.wires[wid].name = fresh(net.wires[wid].hint.lstrip("@"))
        else:
            w = net.wires[node.out]
            w.name = fresh(w.hint.lstrip("@"))
    # Which bits of each wire are read.
    readmask: dict[int, int] = {}

    def note(toks):
        for s in reads(toks):
            readmask[s.wire] = readmask.get(s.wire, 0) | (mask(s.width) << s.lo)

    for _, toks in fc.outputs:
        note(toks)
    for node in nodes:
        if isinstance(node, Assign):
            note(node.tokens)
        else:
            for _, toks in node.conns:
                note(toks)

    def unused_reason(wid: int, why: str) -> str | None:
        """None when every bit of the wire is read, else why some are not."""
        w = net.wires[wid]
        m = readmask.get(wid, 0)
        if m == mask(w.width):
            return None
        if m == 0:
            return f"not read: {why}"
        free = [i for i in range(w.width) if not (m >> i) & 1]
        return f"bits {_ranges(free)} not read: {why}"

    def render(toks) -> str:
        out = []
        for t in toks:
            if isinstance(t, str):
                out.append(t)
            elif isinstance(t, Const):
                out.append(lit(t))
            else:
                w = net.wires[t.wire]
                if t.lo == 0 and t.width == w.width:
                    out.append(w.name)
                elif t.width == 1:
                    out.append(f"{w.name}[{t.lo}]")
                else:
                    out.append(f"{w.name}[{t.lo + t.width - 1}:{t.lo}]")
        return "".join(out)

    def rng(width: int) -> str:
        return "" if width == 1 else f"[{width - 1}:0] "

    ports = []
    for p, s in zip(fn["params"], fc.param_sigs):
        w = net.wires[s.wire]
        why = unused_reason(s.wire, "the operator's outcome does not depend on "
                            + ("them" if readmask.get(s.wire, 0) else "this parameter"))
        ports.append({"dir": "input", "range": rng(w.width), "name": w.name, "unused": why,
                      "note": f"{comment_text(p['name'])}: {types.show(p['type'])}"})
    ports.append({"dir": "output", "range": rng(types.width(fn["ret"])), "name": "result", "unused": None,
                  "note": f"{types.show(fn['ret'])}; don't-care when err != 0"})
    ports.append({"dir": "output", "range": "[15:0] ", "name": "err", "unused": None,
                  "note": "0 = success, else the UPEL error code"})
    for i, p in enumerate(ports):
        p["sep"] = "," if i < len(ports) - 1 else ""
    items = []
    for node in nodes:
        if isinstance(node, Assign):
            w = net.wires[node.out]
            items.append({"kind": "wire", "range": rng(w.width), "name": w.name, "expr": render(node.tokens),
                          "unused": unused_reason(node.out, "the rest of the value is not needed (field access, truncation)"),
                          "comment": node.comment})
        else:
            conns = [{"port": port, "expr": render(toks)} for port, toks in node.conns]
            outs = []
            for port, wid in node.outs:
                w = net.wires[wid]
                default = ("only the error of this call matters" if port == "result"
                           else "an earlier error always wins, or the value is never needed")
                outs.append({"range": rng(w.width), "name": w.name, "unused": unused_reason(wid, default)})
                conns.append({"port": port, "expr": w.name})
            for i, c in enumerate(conns):
                c["sep"] = "," if i < len(conns) - 1 else ""
            items.append({"kind": "inst", "module": node.module, "name": inst_names[id(node)], "conns": conns,
                          "outs": outs, "comment": node.comment})
    header = []
    header.append(f"Operator {fn['qname']}")
    header += quoted(fn["doc"])
    if fn["reqs"]:
        header.append("Requirements: " + ", ".join(comment_text(r) for r in fn["reqs"]))
    if fn.get("deprecated") is not None:
        header.append(f"Deprecated: {comment_text(fn['deprecated'])}")
    if fn.get("loc"):
        header.append(f"Source: {comment_text(fn['loc']['file'])}:{fn['loc']['line']}")
    sig = ", ".join(f"{comment_text(p['name'])}: {types.show(p['type'])}" for p in fn["params"])
    header.append(f"Signature: ({sig}) -> {types.show(fn['ret'])}")
    if fn["raises"]:
        header.append("Raises: " + ", ".join(f"{c} ({gen.ix.error_name(c, fn['qname'].rsplit('.', 1)[0])})" for c in fn["raises"]))
    header.append("Bit layout of the ports (least significant first, see the file header):")
    for p, s in zip(fn["params"], fc.param_sigs):
        header += ["  " + x for x in layout_lines(types, p["type"], 0, net.wires[s.wire].name)]
    header += ["  " + x for x in layout_lines(types, fn["ret"], 0, "result")]
    header.append("  [15:0] err: 0 = success, else the UPEL error code (result is then don't-care)")
    return {"name": name, "header": header, "ports": ports, "body": items,
            "assigns": [{"name": n, "expr": render(toks)} for n, toks in fc.outputs]}


def _ranges(bits: list[int]) -> str:
    out = []
    start = prev = bits[0]
    for b in bits[1:] + [None]:
        if b is not None and b == prev + 1:
            prev = b
            continue
        out.append(f"[{prev}:{start}]" if prev != start else f"[{start}]")
        if b is not None:
            start = prev = b
    return ", ".join(out)


# ---- the whole document ------------------------------------------------------------------


class Generator:
    def __init__(self, ir: dict) -> None:
        self.ir = ir
        self.ix = IRIndex(ir)
        self.types = Types(self.ix)
        self.digest = ir_digest(ir)
        self.module_names: dict[str, str] = {}
        taken = {HARNESS_MODULE}
        for pkg in ir["packages"]:
            for fn in pkg["functions"]:
                base = module_base(pkg["name"], fn["name"])
                name, k = base, 1
                while name in taken:
                    k += 1
                    name = f"{base}_{k}"
                taken.add(name)
                self.module_names[fn["qname"]] = name
        self.file_names: dict[str, str] = {}
        files_taken = {HARNESS_MODULE + ".v"}
        for pkg in ir["packages"]:
            base = pkg["name"].replace(".", "_")
            name, k = base + ".v", 1
            while name in files_taken:
                k += 1
                name = f"{base}_{k}.v"
            files_taken.add(name)
            self.file_names[pkg["name"]] = name

    def package_context(self, pkg: dict) -> dict:
        modules = []
        for fn in pkg["functions"]:
            fc = FnCompiler(self, fn)
            fc.compile_fn()
            modules.append(_render_module(self, fc, self.module_names[fn["qname"]]))
        header = [
            f"UPEL spec package {pkg['name']}, version {comment_text(pkg['version'])}",
            f"IR digest: {package_digest(self.ir, pkg['name'])} (package {pkg['name']} with its imports)",
        ]
        doc = quoted(pkg["doc"])
        if doc:
            header += ["", "Package documentation:"] + doc
        if pkg["imports"]:
            header += ["", "Uses the modules of: " + ", ".join(
                f"{p} ({self.file_names[p]})" for p in pkg["imports"])]
        return {"header": header, "modules": modules}

    def harness_context(self) -> dict:
        fns = []
        index = 0
        for pkg in self.ir["packages"]:
            for fn in pkg["functions"]:
                regs, conns = [], []
                for pi, p in enumerate(fn["params"]):
                    leaves = self._leaves(p["type"])
                    names = []
                    for li, w in enumerate(leaves):
                        rn = f"f{index}_a{pi}_{li}" if len(leaves) > 1 else f"f{index}_a{pi}"
                        regs.append({"name": rn, "range": "" if w == 1 else f"[{w - 1}:0] "})
                        names.append(rn)
                    expr = names[0] if len(names) == 1 else "{" + ", ".join(reversed(names)) + "}"
                    conns.append({"port": mangle(p["name"]), "expr": expr})
                rw = self.types.width(fn["ret"])
                res = f"f{index}_result"
                outs, off = [], 0
                for w in self._leaves(fn["ret"]):
                    outs.append(res if w == rw else (f"{res}[{off}]" if w == 1 else f"{res}[{off + w - 1}:{off}]"))
                    off += w
                conns += [{"port": "result", "expr": res}, {"port": "err", "expr": f"f{index}_err"}]
                for i, c in enumerate(conns):
                    c["sep"] = "," if i < len(conns) - 1 else ""
                fns.append({"index": index, "qname": fn["qname"], "module": self.module_names[fn["qname"]],
                            "inst": f"f{index}", "regs": regs, "conns": conns,
                            "result": {"name": res, "range": "" if rw == 1 else f"[{rw - 1}:0] "},
                            "err": f"f{index}_err", "ok_format": "ok" + " %0h" * len(outs), "ok_args": outs})
                index += 1
        return {"root": self.ir["root"], "digest": self.digest, "functions": fns}

    def _leaves(self, t: dict) -> list[int]:
        """Widths of the harness leaves of t, in wire order (== layout order, LSB first)."""
        if self.types.is_aggregate(t):
            out = []
            for _, ft, _, _ in self.types.parts(t):
                out += self._leaves(ft)
            return out
        return [self.types.width(t)]
