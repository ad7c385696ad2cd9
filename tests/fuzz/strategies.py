"""Hypothesis strategies for the front-end fuzz tests.

`well_typed_specs()` generates whole single-file specs that the checker must
accept without a single diagnostic: types of every shape (odd integer widths,
ranged and unranged newtypes, enums with signed and unsigned discriminants,
nested records and arrays), error sets, constants, functions whose bodies
are random well-typed expressions, properties and golden vectors.

The generator mirrors the checker's typing rules, in particular how an
expression gets its type from its context (`needs_context` in
upel/check/exprs.py): every generated expression carries two flags,

  nc  the checker's `needs_context(e)` (a bare literal, `raise`, `len(a)`,
      and operators/branches made only of those), and
  sf  "self-typed": `check(e, expected=None)` succeeds,

and the places where the checker types an expression with no expected type
(an unannotated `let`, a comparison operand, a cast operand, a `match`
scrutinee, a field or index base, ...) only receive expressions that qualify.

A spec is produced as a list of tokens plus a renderer, so the same spec can
be written with different whitespace and comments (which must not change
the IR digest).

`mutate()` and the vocabularies below feed the mutation tests.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from hypothesis import strategies as st

# ---- types ----------------------------------------------------------------------
# Types are hashable tuples: ("bool",), ("int", signed, width), ("named", name),
# ("array", elem, n). Named types are described in `World.named`.

BOOL = ("bool",)


def int_t(signed: bool, width: int) -> tuple:
    return ("int", signed, width)


U8 = int_t(False, 8)


@dataclass
class NamedInfo:
    kind: str  # "newtype" | "enum" | "record"
    base: tuple | None = None  # newtype/enum: the underlying ("int", s, w)
    lo: int = 0
    hi: int = 0
    ranged: bool = False
    members: list[tuple[str, int]] = field(default_factory=list)  # enum
    fields: list[tuple[str, tuple]] = field(default_factory=list)  # record


@dataclass
class Fn:
    name: str
    params: list[tuple[str, tuple]]
    ret: tuple
    sets: list[str]  # declared error sets (their user codes propagate to callers)


@dataclass
class Ex:
    """A generated expression: tokens plus the checker's view of its typing."""

    toks: list[str]
    nc: bool  # needs_context(e) in the checker
    sf: bool  # check(e, None) succeeds

    @property
    def atom(self) -> bool:
        return len(self.toks) == 1


def lit_ex(toks: list[str]) -> Ex:
    return Ex(toks, True, False)


def typed(toks: list[str]) -> Ex:
    return Ex(toks, False, True)


def joined(groups: list[list[str]], sep: str) -> list[str]:
    """Token groups with `sep` between them."""
    out: list[str] = []
    for k, g in enumerate(groups):
        if k:
            out.append(sep)
        out += g
    return out


def par(e: Ex) -> list[str]:
    return e.toks if e.atom else ["(", *e.toks, ")"]


def render_int(v: int, rnd: random.Random) -> list[str]:
    """An integer literal in a random base and digit grouping ("-" separate)."""
    neg = v < 0
    a = -v if neg else v
    style = rnd.randrange(6)
    if style == 0 and a > 0:
        body = "0x" + format(a, "x" if rnd.random() < 0.5 else "X")
    elif style == 1 and a < (1 << 20):
        body = "0b" + format(a, "b")
    elif style == 2:
        body = "0o" + format(a, "o")
    else:
        body = str(a)
        if style == 3 and len(body) > 3:  # 1_000_000
            groups = []
            while body:
                groups.insert(0, body[-3:])
                body = body[:-3]
            body = "_".join(groups)
    return ["-", body] if neg else [body]


KEYWORDS = [
    "package", "use", "type", "in", "enum", "record", "error", "const", "fn", "raises", "requires",
    "ensures", "property", "vectors", "with", "or", "and", "not", "as", "true", "false", "if",
    "else", "match", "fold", "let", "raise",
]
BUILTIN_CODES = ["overflow", "div_by_zero", "range", "index", "precondition", "convert"]

DOC_ALPHABET = st.text(
    alphabet=st.sampled_from(list("abcxyz XYZ019_-.,:;()[]{}*/\\\"'`@#$%&é✓λ中🙂")), max_size=24,
)


def _string_lit(draw) -> str:
    """A string literal with escapes (valid per language.md)."""
    parts = draw(st.lists(st.one_of(
        st.sampled_from(["a", "Z", "9", " ", "-", "é", "✓", "\\n", "\\t", "\\\\", '\\"', "\\u{1F600}",
                         "\\u{e9}", "\\0", "REQ", "_"]),
    ), min_size=1, max_size=8))
    return '"R' + "".join(parts) + '"'  # never blank: `@req("")` is an error


class SpecBuilder:
    """Builds one random well-typed spec; all randomness comes from `draw`."""

    MAX_DEPTH = 3

    def __init__(self, draw) -> None:
        self.draw = draw
        # A seeded Random for the many small choices inside expressions: drawn
        # once from hypothesis, so examples stay reproducible and shrinkable.
        self.rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
        self.counter = 0
        self.named: dict[str, NamedInfo] = {}
        self.types: list[tuple] = []  # every usable type
        self.consts: list[tuple[str, tuple]] = []
        self.error_sets: dict[str, list[tuple[str, int]]] = {}
        self.fns: list[Fn] = []
        self.items: list[list[str]] = []  # token lists, one per item
        self.used_codes: set[int] = set()

    # ---- helpers -----------------------------------------------------------
    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def chance(self, p: float) -> bool:
        return self.rnd.random() < p

    def pick(self, xs):
        return xs[self.rnd.randrange(len(xs))]

    def int_view(self, t):
        """(base int type, lo, hi, ranged) or None."""
        if t[0] == "int":
            _, s, w = t
            return (t, -(1 << (w - 1)) if s else 0, (1 << (w - 1)) - 1 if s else (1 << w) - 1, False)
        if t[0] == "named":
            info = self.named[t[1]]
            if info.kind == "newtype":
                return (info.base, info.lo, info.hi, info.ranged)
        return None

    def type_toks(self, t) -> list[str]:
        if t == BOOL:
            return ["bool"]
        if t[0] == "int":
            return [("i" if t[1] else "u") + str(t[2])]
        if t[0] == "named":
            return [t[1]]
        return ["[", *self.type_toks(t[1]), ";", *render_int(t[2], self.rnd), "]"]

    def random_int_t(self) -> tuple:
        signed = self.chance(0.4)
        w = self.pick([1, 2, 3, 7, 8, 13, 16, 19, 24, 31, 32, 33, 48, 63, 64] if not signed
                      else [2, 3, 5, 8, 12, 16, 24, 32, 47, 64])
        return int_t(signed, w)

    def value_in(self, lo: int, hi: int) -> int:
        r = self.rnd.random()
        if r < 0.2:
            return lo
        if r < 0.4:
            return hi
        if r < 0.5 and lo <= 0 <= hi:
            return 0
        if r < 0.6 and lo <= 1 <= hi:
            return 1
        return self.rnd.randint(lo, hi)

    def meta(self, allow_deprecated: bool = False) -> list[str]:
        out: list[str] = []
        for _ in range(self.rnd.randrange(3) if self.chance(0.5) else 0):
            out.append("///" + self.draw(DOC_ALPHABET))
        if self.chance(0.3):
            reqs = [_string_lit(self.draw) for _ in range(self.rnd.randint(1, 3))]
            out += ["@", "req", "(", *joined([[r] for r in reqs], ","), ")"]
        if self.chance(0.15):
            out += ["@", "doc", "(", _string_lit(self.draw), ")"]
        if allow_deprecated and self.chance(0.2):
            out += ["@", "deprecated", "(", _string_lit(self.draw), ")"]
        return out

    # ---- declarations ---------------------------------------------------------
    def add_newtype(self) -> None:
        name = self.fresh("Nt")
        base = self.random_int_t()
        _, lo, hi, _ = self.int_view(base)
        toks = [*self.meta(), "type", name, "=", *self.type_toks(base)]
        info = NamedInfo("newtype", base, lo, hi, False)
        if self.chance(0.6):
            a, b = sorted((self.value_in(lo, hi), self.value_in(lo, hi)))
            info.lo, info.hi, info.ranged = a, b, True
            toks += ["in", *render_int(a, self.rnd), "..=", *render_int(b, self.rnd)]
        self.named[name] = info
        self.items.append(toks + [";"])
        self.types.append(("named", name))

    def add_enum(self) -> None:
        name = self.fresh("En")
        base = self.random_int_t()
        _, lo, hi, _ = self.int_view(base)
        n = self.rnd.randint(1, min(5, hi - lo + 1))
        values: list[int] = []
        while len(values) < n:
            v = self.value_in(lo, hi)
            if v not in values:
                values.append(v)
        members = [(self.fresh("m"), v) for v in values]
        toks = [*self.meta(), "enum", name, ":", *self.type_toks(base), "{"]
        for k, (m, v) in enumerate(members):
            if k:
                toks.append(",")
            if self.chance(0.2):
                toks.append("///" + self.draw(DOC_ALPHABET))
            toks += [m, "=", *render_int(v, self.rnd)]
        if self.chance(0.5):
            toks.append(",")
        self.items.append(toks + ["}"])
        self.named[name] = NamedInfo("enum", base, lo, hi, members=members)
        self.types.append(("named", name))

    def add_record(self) -> None:
        name = self.fresh("Rec")
        n = self.rnd.randint(1, 4)
        fields = [(self.fresh("f"), self.pick(self.types)) for _ in range(n)]
        toks = [*self.meta(), "record", name, "{"]
        for k, (f, t) in enumerate(fields):
            if k:
                toks.append(",")
            if self.chance(0.2):
                toks.append("///" + self.draw(DOC_ALPHABET))
            toks += [f, ":", *self.type_toks(t)]
        if self.chance(0.5):
            toks.append(",")
        self.items.append(toks + ["}"])
        self.named[name] = NamedInfo("record", fields=fields)
        self.types.append(("named", name))

    def add_array_type(self) -> None:
        elem = self.pick(self.types)
        self.types.append(("array", elem, self.rnd.randint(1, 4)))

    def add_error_set(self) -> None:
        name = self.fresh("Err")
        members = []
        for _ in range(self.rnd.randint(1, 3)):
            while True:
                code = self.rnd.choice([16, 17, 100, 255, 4096, 65535, self.rnd.randint(16, 65535)])
                if code not in self.used_codes:
                    break
            self.used_codes.add(code)
            members.append((self.fresh("e"), code))
        toks = [*self.meta(), "error", name, "{"]
        for k, (m, c) in enumerate(members):
            toks += ([","] if k else []) + [m, "=", *render_int(c, self.rnd)]
        self.items.append(toks + ["}"])
        self.error_sets[name] = members

    def add_const(self) -> None:
        t = self.pick(self.types)
        name = self.fresh("K")
        value = self.const_expr(t, 2)
        self.items.append([*self.meta(), "const", name, ":", *self.type_toks(t), "=", *value.toks, ";"])
        self.consts.append((name, t))

    def add_fn(self) -> None:
        name = self.fresh("fn_")
        params = [(self.fresh("p"), self.pick(self.types)) for _ in range(self.rnd.randint(0, 4))]
        ret = self.pick(self.types)
        sets = [s for s in self.error_sets if self.chance(0.3)]
        builtin = [c for c in BUILTIN_CODES if self.chance(0.1)]
        scope = Scope(list(params), self.allowed_raises(sets, builtin), sets)
        toks = [*self.meta(), "fn", name, "(", *self.params_toks(params), ")", "->", *self.type_toks(ret)]
        if sets or builtin:
            raises = [[s] for s in sets] + [[c] for c in builtin]
            if sets and self.chance(0.3):  # a single code of a declared set is a valid item too
                s = self.pick(sets)
                raises.append([s, ".", self.pick(self.error_sets[s])[0]])
            self.rnd.shuffle(raises)
            toks.append("raises")
            for k, r in enumerate(raises):
                toks += ([","] if k else []) + r
        for _ in range(self.rnd.randrange(3)):
            toks += ["requires", *self.cond(scope, min(2, self.MAX_DEPTH)).toks]
        ens_scope = Scope(list(params) + [("result", ret)], scope.raises, sets)
        for _ in range(self.rnd.randrange(3)):
            toks += ["ensures", *self.cond(ens_scope, min(2, self.MAX_DEPTH)).toks]
        toks += self.block(ret, scope, self.MAX_DEPTH).toks
        self.items.append(toks)
        self.fns.append(Fn(name, params, ret, sets))
        if self.chance(0.5):
            self.add_vectors(self.fns[-1])

    def add_property(self) -> None:
        name = self.fresh("prop")
        params = [(self.fresh("p"), self.pick(self.types)) for _ in range(self.rnd.randint(0, 3))]
        # Properties declare nothing: any raise is allowed in them.
        scope = Scope(list(params), self.allowed_raises(list(self.error_sets), BUILTIN_CODES),
                      list(self.error_sets))
        toks = [*self.meta(allow_deprecated=True), "property", name, "(", *self.params_toks(params), ")"]
        for _ in range(self.rnd.randrange(3)):
            toks += ["requires", *self.cond(scope, min(2, self.MAX_DEPTH)).toks]
        toks += self.block(BOOL, scope, self.MAX_DEPTH, cond=True).toks
        self.items.append(toks)

    def add_vectors(self, fn: Fn) -> None:
        toks = [*self.meta(), "vectors", fn.name, "{"]
        for _ in range(self.rnd.randrange(4)):
            args = [self.const_expr(t, 1).toks for _, t in fn.params]
            trailing = [","] if args and self.chance(0.3) else []
            toks += ["(", *joined(args, ","), *trailing, ")", "->"]
            if self.chance(0.3):
                codes = list(BUILTIN_CODES) + [f"{s}.{m}" for s, ms in self.error_sets.items() for m, _ in ms]
                c = self.pick(codes)
                toks += ["error", *([c] if "." not in c else [c.split(".")[0], ".", c.split(".")[1]])]
            else:
                toks += self.const_expr(fn.ret, 1).toks
            toks.append(";")
        self.items.append(toks + ["}"])

    def params_toks(self, params) -> list[str]:
        out: list[str] = []
        for k, (p, t) in enumerate(params):
            out += ([","] if k else []) + [p, ":", *self.type_toks(t)]
        if params and self.chance(0.2):
            out.append(",")
        return out

    def allowed_raises(self, sets, builtin) -> list[list[str]]:
        out = [["precondition"]] + [[c] for c in builtin]
        for s in sets:
            out += [[s, ".", m] for m, _ in self.error_sets[s]]
        return out

    # ---- expressions -------------------------------------------------------------
    def leaf(self, t, scope: Scope | None) -> Ex:
        """A small expression of type t (variables, literals, members)."""
        vars_ = [n for n, vt in (scope.vars if scope else []) if vt == t]
        consts = [n for n, ct in self.consts if ct == t]
        if vars_ and self.chance(0.5):
            return typed([self.pick(vars_)])
        if consts and self.chance(0.3):
            return typed([self.pick(consts)])
        return self.literal(t, scope)

    def literal(self, t, scope) -> Ex:
        if t == BOOL:
            return typed([self.pick(["true", "false"])])
        iv = self.int_view(t)
        if iv is not None:
            return lit_ex(render_int(self.value_in(iv[1], iv[2]), self.rnd))
        if t[0] == "array":
            if self.chance(0.5):
                e = self.leaf(t[1], scope)
                return Ex(["[", *e.toks, ";", *render_int(t[2], self.rnd), "]"], False, e.sf)
            elems = [self.leaf(t[1], scope) for _ in range(t[2])]
            return self.array_lit(elems)
        info = self.named[t[1]]
        if info.kind == "enum":
            return typed([t[1], ".", self.pick(info.members)[0]])
        return self.record_lit(t, scope, 0)

    def array_lit(self, elems: list[Ex]) -> Ex:
        toks = ["["]
        for k, e in enumerate(elems):
            toks += ([","] if k else []) + e.toks
        if self.chance(0.2):
            toks.append(",")
        first = next((e for e in elems if not e.nc), None)
        return Ex(toks + ["]"], False, first is not None and first.sf)

    def record_lit(self, t, scope, depth, const=False) -> Ex:
        info = self.named[t[1]]
        fields = list(info.fields)
        self.rnd.shuffle(fields)
        toks = [t[1], "{"]
        for k, (f, ft) in enumerate(fields):
            e = self.const_expr(ft, depth) if const else self.expr(ft, scope, depth)
            toks += ([","] if k else []) + [f, ":", *e.toks]
        if self.chance(0.3):
            toks.append(",")
        return typed(toks + ["}"])

    def self_typed(self, t, scope, depth) -> Ex:
        """An expression of type t that checks with no expected type."""
        e = self.expr(t, scope, depth)
        if e.sf:
            return e
        vars_ = [n for n, vt in scope.vars if vt == t] if scope else []
        if vars_:
            return typed([self.pick(vars_)])
        if self.int_view(t) is not None:  # (e as T): a literal takes the cast's type
            inner = e if e.nc else self.literal(t, scope)
            return typed(["(", *par(inner), "as", *self.type_toks(t), ")"])
        if t[0] == "array":
            x = self.self_typed(t[1], scope, depth - 1)
            return typed(["[", *x.toks, ";", *render_int(t[2], self.rnd), "]"])
        if t == BOOL or self.named[t[1]].kind == "enum":
            return self.literal(t, scope)
        return self.record_lit(t, scope, depth - 1)

    def castable(self, e: Ex, t, scope, depth) -> Ex:
        """An operand for a place typed with `expected` if it needs context, else None."""
        if e.nc or e.sf:
            return e
        return self.self_typed(t, scope, depth)

    def expr(self, t, scope: Scope, depth: int) -> Ex:
        if depth <= 0:
            return self.leaf(t, scope)
        gens = [self.leaf, self.g_if, self.g_block, self.g_match, self.g_call, self.g_project]
        if scope.raises:
            gens.append(self.g_raise)
        if self.int_view(t) is not None:
            gens += [self.g_arith] * 4 + [self.g_unary, self.g_cast, self.g_cast, self.g_fold, self.g_minmax,
                                           self.g_builtin_int, self.g_len]
        elif t == BOOL:
            gens += [self.g_compare] * 4 + [self.g_logic] * 2 + [self.g_bit, self.g_fold]
        elif t[0] == "array":
            gens += [self.g_arr_with, self.literal]
        elif self.named[t[1]].kind == "enum":
            gens += [self.g_from, self.g_from]
        else:
            gens += [self.g_rec_with, lambda t, s: self.record_lit(t, s, depth - 1)]
        for _ in range(4):
            g = self.pick(gens)
            if g in (self.leaf, self.literal) or getattr(g, "__name__", "") == "<lambda>":
                out = g(t, scope)
            else:
                out = g(t, scope, depth - 1)
            if out is not None:
                return out
        return self.leaf(t, scope)

    def g_raise(self, t, scope, depth) -> Ex:
        return lit_ex(["raise", *self.pick(scope.raises)])

    def cond(self, scope, depth) -> Ex:
        """A condition (`if`, `and/or/not`, contracts, property bodies).

        The checker types a condition with no expected type unless it needs
        context (then with bool), so it must be one or the other."""
        e = self.expr(BOOL, scope, depth)
        return e if e.nc or e.sf else self.self_typed(BOOL, scope, depth)

    def g_if(self, t, scope, depth) -> Ex:
        cond = self.cond(scope, depth)
        then = self.block(t, scope, depth)
        if self.chance(0.3):  # else-if chain
            other = self.g_if(t, scope, depth)
            toks = ["if", *cond.toks, *then.toks, "else", *other.toks]
            els = other
        else:
            els = self.block(t, scope, depth)
            toks = ["if", *cond.toks, *then.toks, "else", *els.toks]
        nc = then.nc and els.nc
        sf = els.sf if then.nc else then.sf
        return Ex(toks, nc, sf)

    def block(self, t, scope, depth, cond: bool = False) -> Ex:
        """`{ lets; guards; result }` (`cond`: the block is a condition)."""
        inner = scope.child()
        toks = ["{"]
        for _ in range(self.rnd.randrange(3) if depth > 0 else 0):
            if self.chance(0.2) and inner.raises:
                # A guard: `if c { raise X }` with the rest of the block as its else.
                c = self.cond(inner, depth - 1)
                toks += ["if", *c.toks, "{", "raise", *self.pick(inner.raises), "}"]
                if self.chance(0.5):
                    toks.append(";")
                continue
            lt = self.pick(self.types)
            name = self.fresh("v")
            e = self.expr(lt, inner, depth - 1)
            if self.chance(0.4) and e.sf:
                toks += ["let", name, "=", *e.toks, ";"]
            else:
                toks += ["let", name, ":", *self.type_toks(lt), "=", *e.toks, ";"]
            inner.vars.append((name, lt))
        res = self.cond(inner, depth) if cond else self.expr(t, inner, depth)
        return Ex(toks + res.toks + ["}"], res.nc, res.sf)

    def g_block(self, t, scope, depth) -> Ex:
        return self.block(t, scope, depth)

    def scrutinee(self, scope, depth):
        """A match scrutinee: a self-typed enum, bool or integer expression."""
        cands = [BOOL] + [x for x in self.types if self.int_view(x) is not None
                          or (x[0] == "named" and self.named[x[1]].kind == "enum")]
        st_ = self.pick(cands)
        return st_, self.self_typed(st_, scope, depth)

    def g_match(self, t, scope, depth) -> Ex:
        st_, scrut = self.scrutinee(scope, depth)
        pats: list[list[list[str]]] = []  # per arm, alternatives
        wild = True
        if st_ == BOOL:
            alts = [["true"], ["false"]]
            self.rnd.shuffle(alts)
            if self.chance(0.5):
                pats, wild = [[a] for a in alts], False
            else:
                pats = [[alts[0]]]
        elif st_[0] == "named" and self.named[st_[1]].kind == "enum":
            members = [[st_[1], ".", m] for m, _ in self.named[st_[1]].members]
            self.rnd.shuffle(members)
            if self.chance(0.5):
                wild = False
            else:
                members = members[: self.rnd.randrange(len(members) + 1)]
            while members:
                k = self.rnd.randint(1, min(3, len(members)))
                pats.append(members[:k])
                members = members[k:]
        else:
            _, lo, hi, _ = self.int_view(st_)
            values = sorted({self.value_in(lo, hi) for _ in range(self.rnd.randint(0, 4))})
            self.rnd.shuffle(values)
            if hi - lo + 1 == len(values) and self.chance(0.5):
                wild = False  # every value listed: exhaustive without `_`
            for v in values:
                pats.append([["-", str(-v)] if v < 0 else render_int(v, self.rnd)])
        # Consts of the scrutinee type may be patterns too (checked as values).
        arms = []
        for alts in pats:
            arms.append((joined(alts, "|"), self.expr(t, scope, depth)))
        if wild:
            arms.append((["_"], self.expr(t, scope, depth)))
        if not arms:  # an enum of one member with no arms chosen
            arms.append((["_"], self.expr(t, scope, depth)))
        toks = ["match", *scrut.toks, "{"]
        for k, (p, body) in enumerate(arms):
            toks += ([","] if k else []) + p + ["=>", *body.toks]
        if self.chance(0.4):
            toks.append(",")
        toks.append("}")
        nc = all(b.nc for _, b in arms)
        first = next((b for _, b in arms if not b.nc), None)
        return Ex(toks, nc, first is not None and first.sf)

    def g_call(self, t, scope, depth) -> Ex | None:
        ok = [f for f in self.fns if f.ret == t and set(f.sets) <= set(scope.sets)]
        if not ok:
            return None
        f = self.pick(ok)
        toks = [f.name, "("]
        for k, (_, pt) in enumerate(f.params):
            toks += ([","] if k else []) + self.expr(pt, scope, depth).toks
        return typed(toks + [")"])

    def g_project(self, t, scope, depth) -> Ex | None:
        """`r.f` or `a[i]` producing t."""
        opts = []
        for x in self.types:
            if x[0] == "named" and self.named[x[1]].kind == "record":
                opts += [(x, f) for f, ft in self.named[x[1]].fields if ft == t]
            elif x[0] == "array" and x[1] == t:
                opts.append((x, None))
        if not opts:
            return None
        x, f = self.pick(opts)
        base = self.self_typed(x, scope, depth)
        if f is not None:
            return typed([*par(base), ".", f])
        return typed([*par(base), "[", *self.amount(scope, depth, x[2] - 1).toks, "]"])

    def amount(self, scope, depth, hi: int) -> Ex:
        """A shift amount / index / bit number: a literal or a self-typed unsigned expression."""
        if self.chance(0.6):
            return lit_ex([str(self.rnd.randint(0, max(0, hi)))])
        t = self.pick([x for x in self.types if (iv := self.int_view(x)) and not iv[0][1]] or [U8])
        return self.self_typed(t, scope, depth)

    def g_arith(self, t, scope, depth) -> Ex:
        ranged = self.int_view(t)[3]
        ops = ["+", "-", "*", "/", "%", "+|", "-|", "*|"]
        if not ranged:
            ops += ["+%", "-%", "*%", "&", "|", "^", "<<", ">>"]
        op = self.pick(ops)
        if op in ("<<", ">>"):
            a = self.expr(t, scope, depth)
            b = self.amount(scope, depth, 70)
            return Ex([*par(a), op, *par(b)], a.nc, a.sf)
        a = self.expr(t, scope, depth)
        b = self.expr(t, scope, depth)
        nc = a.nc and b.nc
        sf = b.sf if (a.nc and not b.nc) else a.sf
        return Ex([*par(a), op, *par(b)], nc, sf)

    def g_unary(self, t, scope, depth) -> Ex:
        ranged = self.int_view(t)[3]
        op = "-" if ranged or self.chance(0.5) else "~"
        a = self.expr(t, scope, depth)
        return Ex([op, "(", *a.toks, ")"], a.nc, a.sf)

    def g_cast(self, t, scope, depth) -> Ex:
        src = self.pick([BOOL] + [x for x in self.types if self.int_view(x) is not None
                                  or (x[0] == "named" and self.named[x[1]].kind == "enum"
                                      and self.named[x[1]].base == t)])
        e = self.castable(self.expr(src, scope, depth), src, scope, depth)
        if e.nc:  # checked against the target type: must fit it
            e = self.self_typed(src, scope, depth) if self.int_view(src) is None else self.literal(t, scope)
        return typed(["(", *par(e), "as", *self.type_toks(t), ")"])

    def g_minmax(self, t, scope, depth) -> Ex:
        a = self.expr(t, scope, depth)
        b = self.expr(t, scope, depth)
        nc_sf = b.sf if (a.nc and not b.nc) else a.sf
        name = self.pick(["min", "max"])
        return Ex([name, "(", *a.toks, ",", *b.toks, ")"], False, nc_sf)

    def g_builtin_int(self, t, scope, depth) -> Ex | None:
        iv = self.int_view(t)
        base = iv[0]
        if iv[3]:
            return None
        bit_srcs = [x for x in self.types if (v := self.int_view(x)) and not v[3]]
        if not base[1] and self.chance(0.4):
            # bits(x, hi, lo) : u(hi-lo+1); needs a t that is exactly u(k).
            k = base[2]
            srcs = [x for x in bit_srcs if self.int_view(x)[0][2] >= k]
            if t[0] == "int" and srcs:
                x = self.pick(srcs)
                w = self.int_view(x)[0][2]
                lo = self.rnd.randint(0, w - k)
                e = self.self_typed(x, scope, depth)
                return typed(["bits", "(", *e.toks, ",", str(lo + k - 1), ",", *render_int(lo, self.rnd), ")"])
        if t == U8 and bit_srcs:
            e = self.self_typed(self.pick(bit_srcs), scope, depth)
            return typed(["popcount", "(", *e.toks, ")"])
        if base[1]:
            a = self.expr(t, scope, depth)
            return Ex(["abs", "(", *a.toks, ")"], False, a.sf)
        return None

    def g_len(self, t, scope, depth) -> Ex | None:
        _, lo, hi, _ = self.int_view(t)
        arrs = [x for x in self.types if x[0] == "array" and lo <= x[2] <= hi]
        if not arrs:
            return None
        a = self.self_typed(self.pick(arrs), scope, depth)
        return lit_ex(["len", "(", *a.toks, ")"])

    def g_fold(self, t, scope, depth) -> Ex:
        lo = self.rnd.randint(0, 4)
        hi = lo + self.rnd.randint(0, 5)
        var, acc = self.fresh("ix"), self.fresh("acc")
        if self.chance(0.3):
            vt = int_t(False, self.rnd.randint(max(1, max(hi - 1, 0).bit_length()), 16))
            var_toks = [var, ":", *self.type_toks(vt)]
        else:
            vt = int_t(False, max(1, max(hi - 1, 0).bit_length()))
            var_toks = [var]
        init = self.expr(t, scope, depth)
        annotate = self.chance(0.5) or (not init.nc and not init.sf)
        body_scope = scope.child()
        body_scope.vars += [(var, vt), (acc, t)]
        body = self.block(t, body_scope, depth)
        toks = ["fold", *var_toks, "in", *render_int(lo, self.rnd), "..", *render_int(hi, self.rnd), "with", acc]
        if annotate:
            toks += [":", *self.type_toks(t)]
        toks += ["=", *init.toks, *body.toks]
        sf = annotate or (not init.nc and init.sf)
        return Ex(toks, False, sf)

    def g_compare(self, t, scope, depth) -> Ex:
        ct = self.pick(self.types)
        ordered = self.int_view(ct) is not None
        op = self.pick(["==", "!=", "<", "<=", ">", ">="] if ordered else ["==", "!="])
        a = self.self_typed(ct, scope, depth)
        b = self.expr(ct, scope, depth)
        if (b.nc or b.sf) and self.chance(0.5):
            a, b = b, a
        return typed([*par(a), op, *par(b)])

    def g_logic(self, t, scope, depth) -> Ex:
        if self.chance(0.3):
            return typed(["not", *par(self.cond(scope, depth))])
        a, b = self.cond(scope, depth), self.cond(scope, depth)
        return typed([*par(a), self.pick(["and", "or"]), *par(b)])

    def g_bit(self, t, scope, depth) -> Ex | None:
        srcs = [x for x in self.types if (v := self.int_view(x)) and not v[3]]
        if not srcs:
            return None
        x = self.pick(srcs)
        e = self.self_typed(x, scope, depth)
        return typed(["bit", "(", *e.toks, ",", *self.amount(scope, depth, 70).toks, ")"])

    def g_from(self, t, scope, depth) -> Ex:
        info = self.named[t[1]]
        if self.chance(0.5):
            v = self.pick(info.members)[1] if self.chance(0.7) else self.value_in(info.lo, info.hi)
            return typed([t[1], ".", "from", "(", *render_int(v, self.rnd), ")"])
        src = self.pick([x for x in self.types if self.int_view(x) is not None] or [U8])
        e = self.self_typed(src, scope, depth)
        return typed([t[1], ".", "from", "(", *e.toks, ")"])

    def g_rec_with(self, t, scope, depth) -> Ex:
        base = self.expr(t, scope, depth)
        fields = self.named[t[1]].fields
        chosen = self.rnd.sample(fields, self.rnd.randint(1, len(fields)))
        toks = ["(", *par(base), "with", "{"]
        for k, (f, ft) in enumerate(chosen):
            toks += ([","] if k else []) + [f, ":", *self.expr(ft, scope, depth).toks]
        return Ex(toks + ["}", ")"], False, base.sf)

    def g_arr_with(self, t, scope, depth) -> Ex:
        base = self.expr(t, scope, depth)
        idx = self.amount(scope, depth, t[2] - 1)
        v = self.expr(t[1], scope, depth)
        return Ex(["(", *par(base), "with", "[", *idx.toks, "]", "=", *par(v), ")"], False, base.sf)

    # ---- constant expressions -------------------------------------------------------
    def const_expr(self, t, depth) -> Ex:
        """A constant expression of type t whose evaluation cannot fail."""
        consts = [n for n, ct in self.consts if ct == t]
        if consts and self.chance(0.25):
            return typed([self.pick(consts)])
        iv = self.int_view(t)
        if iv is not None:
            if depth > 0 and not iv[3] and self.chance(0.4):
                # Total operators only: wrapping arithmetic, bitwise, min/max.
                a, b = self.const_expr(t, depth - 1), self.const_expr(t, depth - 1)
                op = self.pick(["+%", "-%", "*%", "&", "|", "^", "min", "max"])
                if op in ("min", "max"):
                    return Ex([op, "(", *a.toks, ",", *b.toks, ")"], False, a.sf or b.sf)
                return Ex([*par(a), op, *par(b)], a.nc and b.nc, b.sf if a.nc and not b.nc else a.sf)
            return self.literal(t, None)
        if t == BOOL:
            return typed([self.pick(["true", "false"])])
        if t[0] == "array":
            if self.chance(0.4):
                e = self.const_expr(t[1], depth - 1)
                return Ex(["[", *e.toks, ";", str(t[2]), "]"], False, e.sf)
            return self.array_lit([self.const_expr(t[1], depth - 1) for _ in range(t[2])])
        info = self.named[t[1]]
        if info.kind == "enum":
            return typed([t[1], ".", self.pick(info.members)[0]])
        return self.record_lit(t, None, depth - 1, const=True)

    # ---- whole spec -----------------------------------------------------------------------
    def build(self) -> list[str]:
        # The shape (how many items of each kind, how deep) is drawn from
        # hypothesis so that a failing example shrinks to a small spec.
        draw = self.draw
        self.MAX_DEPTH = draw(st.integers(1, 3))
        self.types = [BOOL, self.random_int_t(), self.random_int_t(), U8]
        kinds = draw(st.lists(st.sampled_from(["newtype", "enum", "record", "array"]), max_size=6))
        for k in kinds:
            {"newtype": self.add_newtype, "enum": self.add_enum, "record": self.add_record,
             "array": self.add_array_type}[k]()
        for _ in range(draw(st.integers(0, 2))):
            self.add_error_set()
        for _ in range(draw(st.integers(0, 3))):
            self.add_const()
        for _ in range(draw(st.integers(1, 4))):
            self.add_fn()
        for _ in range(draw(st.integers(0, 2))):
            self.add_property()
        items = list(self.items)
        if self.chance(0.3):
            self.rnd.shuffle(items)  # declaration order never matters
        pkg = self.pick(["t", "fuzz.gen", "a.b_c.d9"])
        docs = ["///" + self.draw(DOC_ALPHABET) for _ in range(self.rnd.randrange(3))]
        header = [*docs, "package", *joined([[p] for p in pkg.split(".")], "."),
                  "version", self.pick(['"1.0.0"', '"0.1.2-rc.1+build.5"', '"10.20.30"'])]
        out = header + [";", "\n"]
        for it in items:
            out += it + ["\n"]
        return out


@dataclass
class Scope:
    vars: list[tuple[str, tuple]]
    raises: list[list[str]]  # the raise targets allowed here
    sets: list[str]  # declared error sets (for calls)

    def child(self) -> Scope:
        return Scope(list(self.vars), self.raises, self.sets)


# ---- rendering -----------------------------------------------------------------------

PLAIN_SEPS = [" ", " ", " ", "\n", "\t", "  \n    "]
FANCY_SEPS = PLAIN_SEPS + [" /* c */ ", " // note\n", "\r\n", " /* multi\n line ✓ */ ", "\n\n", " /**/ "]


def render(tokens: list[str], rnd: random.Random | None = None, fancy: bool = False) -> str:
    """Join tokens; with `rnd`, separators are random whitespace and comments."""
    out: list[str] = []
    prev = None
    for tok in tokens:
        if tok == "\n":
            out.append("\n")
            prev = "\n"
            continue
        if prev is not None and prev != "\n":
            if prev.startswith("///"):
                out.append("\n")  # a doc comment runs to the end of its line
            elif rnd is None:
                out.append(" ")
            else:
                out.append(rnd.choice(FANCY_SEPS if fancy else PLAIN_SEPS))
        out.append(tok)
        prev = tok
    return "".join(out)


@st.composite
def spec_tokens(draw) -> list[str]:
    return SpecBuilder(draw).build()


def well_typed_specs() -> st.SearchStrategy[str]:
    return spec_tokens().map(render)


# ---- mutation ------------------------------------------------------------------------

TOKEN_RE = re.compile(
    r'\s+|//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|[A-Za-z_][A-Za-z0-9_]*|[0-9][A-Za-z0-9_]*'
    r'|\.\.=|\.\.|->|=>|[+\-*][%|]|<<|>>|==|!=|<=|>=|.',
    re.DOTALL,
)

PUNCT = ["{", "}", "(", ")", "[", "]", ";", ",", ".", "..", "..=", "->", "=>", ":", "=", "@", "|", "&", "^",
         "~", "+", "-", "*", "/", "%", "+%", "-%", "*%", "+|", "-|", "*|", "<<", ">>", "==", "!=", "<",
         "<=", ">", ">=", "_"]
WEIRD_NUMBERS = ["0", "1", "-1", "65535", "65536", "65537", "255", "256", "-128", "-129", "127", "128",
                 "18446744073709551615", "18446744073709551616", "-9223372036854775808",
                 "-9223372036854775809", "9" * 40, "0x", "0b", "0o", "0x_", "1__0", "1_", "0b102",
                 "0xFFFF_FFFF_FFFF_FFFF_F", "00", "08", "1e9", "0o8", "-0"]
ODD_NAMES = ["u0", "u1", "u64", "u65", "i1", "i2", "i64", "i65", "u08", "bool", "result", "_", "len",
             "min", "max", "abs", "popcount", "bit", "bits", "overflow", "range", "index", "convert",
             "precondition", "div_by_zero", "from", "version", "x", "t", "req", "doc", "deprecated"]
ODD_CHARS = ["\x00", "\x01", "\x7f", "\ufeff", "\u200b", "\u202e", "\u2028", "\x0c", "\x0b", "\r", "\t",
             "é", "✓", "中", "🙂", "\U0010ffff", "\u0301", "'", "`", "#", "$", "?", "\\", '"', "/*", "*/",
             "///", "//", "\n"]
BINOPS = ["+", "-", "*", "/", "%", "+%", "-%", "*%", "+|", "-|", "*|", "&", "|", "^", "<<", ">>", "==",
          "!=", "<", "<=", ">", ">=", "and", "or"]
TYPE_NAMES = ["bool", "u1", "u2", "u7", "u8", "u16", "u19", "u32", "u63", "u64", "i2", "i8", "i9", "i32", "i64",
              "u0", "u65", "i1", "i65"]
VOCAB = KEYWORDS + PUNCT + WEIRD_NUMBERS + ODD_NAMES + ODD_CHARS + ['"x"', '"1.0.0"', '"\\q"', '"\\u{D800}"']


def tokenize(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


@st.composite
def mutate(draw, base: str) -> str:
    """Apply 1..4 random mutations to `base` (token- or character-level)."""
    text = base
    # Half of the time only token replacements that keep the text parseable
    # (names, numbers, operators, types), so the checker sees the result.
    parseable = draw(st.booleans())
    for _ in range(draw(st.integers(1, 4))):
        toks = tokenize(text) or [""]
        idents = sorted({t for t in toks if re.fullmatch(r"[A-Za-z_]\w*", t)}) or ["x"]
        numbers = [i for i, t in enumerate(toks) if t[:1].isdigit()]
        words = [i for i, t in enumerate(toks) if re.fullmatch(r"[A-Za-z_]\w*", t)]
        n = len(toks)
        i = draw(st.integers(0, max(0, n - 1)))
        # About half of the operators keep the text parseable (a name, number,
        # operator or type for another), so that the checker's error paths
        # are exercised as well as the parser's.
        op = draw(st.sampled_from(["rep_ident", "rep_number", "rep_op", "rep_type"] + ([] if parseable else [
            "del_tok", "dup_tok", "swap_tok", "ins_vocab", "ins_ident", "rep_vocab", "truncate", "del_chars",
            "dup_chars", "ins_char", "ins_text",
        ])))
        ops = [k for k, t in enumerate(toks) if t in BINOPS]
        tys = [k for k, t in enumerate(toks) if re.fullmatch(r"[ui]\d+|bool", t)
               or (k > 0 and toks[k - 1] in (":", "->") and re.fullmatch(r"[A-Za-z_]\w*", t))]
        if op == "rep_op" and ops:
            toks[draw(st.sampled_from(ops))] = draw(st.sampled_from(BINOPS))
        elif op == "rep_type" and tys:
            toks[draw(st.sampled_from(tys))] = draw(st.sampled_from(
                TYPE_NAMES + [t for t in idents if t[:1].isupper()]))
        elif op == "del_tok":
            toks.pop(i)
        elif op == "dup_tok":
            toks.insert(i, toks[i])
        elif op == "swap_tok":
            j = draw(st.integers(0, max(0, n - 1)))
            toks[i], toks[j] = toks[j], toks[i]
        elif op == "ins_vocab":
            toks.insert(i, draw(st.sampled_from(VOCAB)))
        elif op == "ins_ident":
            toks.insert(i, " " + draw(st.sampled_from(idents)) + " ")
        elif op == "rep_ident" and words:
            toks[draw(st.sampled_from(words))] = draw(st.sampled_from(
                idents + ODD_NAMES + ([] if parseable else KEYWORDS)))
        elif op == "rep_number" and numbers:
            k = draw(st.sampled_from(numbers))
            toks[k] = draw(st.sampled_from([n for n in WEIRD_NUMBERS if not parseable or n.isdigit()])
                           | st.integers(0 if parseable else -(2**70), 2**70).map(str))
        elif op == "rep_vocab":
            toks[i] = draw(st.sampled_from(VOCAB))
        elif op == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
            continue
        elif op in ("del_chars", "dup_chars", "ins_char", "ins_text"):
            a = draw(st.integers(0, len(text)))
            b = min(len(text), a + draw(st.integers(0, 30)))
            if op == "del_chars":
                text = text[:a] + text[b:]
            elif op == "dup_chars":
                text = text[:b] + text[a:b] + text[b:]
            elif op == "ins_char":
                text = text[:a] + draw(st.sampled_from(ODD_CHARS) | st.characters(codec="utf-8")) + text[a:]
            else:
                text = text[:a] + draw(st.text(max_size=8)) + text[a:]
            continue
        text = "".join(toks)
    return text
