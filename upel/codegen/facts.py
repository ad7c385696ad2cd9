"""Code generation stage, shared by the C and Rust backends: which checked
operations of a function cannot fail (a small fact/interval analysis of the IR).

`safe_ops(ix, fn)` returns the ids (`id()`) of the `bin` add/sub/mul/div/rem,
`un` neg and `abs` builtin nodes of `fn` whose exact mathematical result provably lies in the value
set of the node's type on every path that reaches it. A backend may emit
those as the plain operation instead of the checked helper; every other
node keeps its check. The analysis reads only the IR and is conservative:
whatever it cannot follow becomes an unknown value bounded by its type.

What it knows, on each path (if / match arms, `and`/`or` operands):

- Values are linear forms over *terms* (parameters and their fields, fold
  accumulators, results of calls and of non-linear operations), each term
  bounded by its type's value set, or by a summary (the hull of the values
  a callee returns on its non-raising paths, analysed the same way).
- A checked operation that did not raise produced its exact result, which
  lies in its type's value set: that is a fact on the path that follows it.
- Conditions add facts: the `then` path of `if c` knows c, the `else` path
  knows not c (as clauses: `not (a and b)` is `not a or not b`); so does
  the path after a `requires`, and after an `if` whose other branch raises.
- A fold of at most MAX_STEPS iterations with an integer accumulator is
  analysed once per iteration (the accumulator's interval grows with each);
  an operation in its body is safe only when it is safe in every iteration.

The prover decides `L <= 0` for a linear form L: bounds from the facts with
one term (and a few rounds of propagation through the others), then L
minus one fact bounded by the intervals, then case splits on up to
MAX_SPLITS disjunctions. No multiplication of two unknowns is linear: for
those, the product of the operands' intervals decides; `div`/`rem` are safe
when the divisor is known to be >= 1 (and the result fits a ranged type),
`abs` when its operand's interval is bounded away from the type's MIN.

`verdicts(ix, fn)` also returns the *overflow guards* of `fn`: comparisons
`x > T.max - d` whose d is proved >= 0 where they are evaluated (or
`x < T.min - d` with d <= 0; `x > T.max + d` / `x < T.min + d` for x - d),
which are true exactly when x + d (x - d) leaves T. A backend may emit those
as its overflow-checked add or sub (Rust `checked_add`), which the compiler
can then share with the `x + d` that usually follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from upel.ir.encoding import content_key
from upel.ir.model import IRIndex

MAX_STEPS = 16  # folds with more iterations get one pass with an unknown accumulator
MAX_SPLITS = 4  # disjunctions split per proof
MAX_CLAUSE = 4  # literals kept per disjunction (longer ones are dropped: fewer facts, still sound)
ROUNDS = 3  # rounds of bound propagation

DEAD = None  # the state of a path that always raises


class Lin(NamedTuple):
    """sum(coef * term) + const, over the integers; terms sorted by name, no zero
    coefficients. A NamedTuple: cheap to build and compared by value (the
    analysis builds a few hundred thousand of them for 10,000 operators)."""

    terms: tuple[tuple[str, int], ...]
    const: int

    @staticmethod
    def of(x: int | str) -> Lin:
        return Lin((), x) if isinstance(x, int) else Lin(((x, 1),), 0)

    def add(self, o: Lin, k: int = 1) -> Lin:
        if not o.terms:
            return Lin(self.terms, self.const + k * o.const)
        if not self.terms and k == 1:
            return Lin(o.terms, self.const + o.const)
        d = dict(self.terms)
        for t, c in o.terms:
            d[t] = d.get(t, 0) + k * c
        return Lin(tuple(sorted((t, c) for t, c in d.items() if c)), self.const + k * o.const)

    def scale(self, k: int) -> Lin:
        return Lin(tuple((t, c * k) for t, c in self.terms if c * k), self.const * k)


Atom = Lin  # the fact `lin <= 0`
Clause = tuple  # a disjunction of atoms
ZERO = Lin((), 0)


def le(a: Lin, b: Lin) -> Atom:
    return a.add(b, -1)  # a <= b


def lt(a: Lin, b: Lin) -> Atom:
    return a.add(b, -1).add(Lin.of(1))  # a < b  <=>  a - b + 1 <= 0


def _bounds(facts: tuple, ranges: dict) -> dict | None:
    """Interval of every term under the unit facts; None when they contradict."""
    units = [c[0] for c in facts if len(c) == 1]
    b = {}
    for u in units:
        for t, _ in u.terms:
            b.setdefault(t, ranges[t])
    for _ in range(ROUNDS):
        changed = False
        for u in units:
            if not u.terms:
                if u.const > 0:
                    return None
                continue
            lo_sum = u.const + sum(c * (b[t][0] if c > 0 else b[t][1]) for t, c in u.terms)
            for t, c in u.terms:
                rest = lo_sum - c * (b[t][0] if c > 0 else b[t][1])  # min of the other terms
                lo, hi = b[t]
                if c > 0:  # c*t <= -rest
                    hi = min(hi, (-rest) // c)
                else:  # -|c|*t <= -rest  =>  t >= rest / |c|
                    lo = max(lo, _ceil_div(rest, -c))
                if (lo, hi) != b[t]:
                    if lo > hi:
                        return None
                    b[t] = (lo, hi)
                    changed = True
        if not changed:
            break
    return b


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def _max(lin: Lin, b: dict, ranges: dict) -> int:
    return lin.const + sum(c * (b.get(t, ranges[t])[1] if c > 0 else b.get(t, ranges[t])[0]) for t, c in lin.terms)


def interval(lin: Lin, facts: tuple, ranges: dict) -> tuple[int, int] | None:
    b = _bounds(facts, ranges)
    if b is None:
        return None
    return -_max(lin.scale(-1), b, ranges), _max(lin, b, ranges)


def prove(goal: Atom, facts: tuple, ranges: dict, splits: int = MAX_SPLITS) -> bool:
    """True when the facts imply goal <= 0 (sound, incomplete)."""
    b = _bounds(facts, ranges)
    if b is None:
        return True  # the path cannot happen
    if _max(goal, b, ranges) <= 0:
        return True
    for c in facts:
        if len(c) == 1 and len(c[0].terms) > 1 and _max(goal.add(c[0], -1), b, ranges) <= 0:
            return True  # goal = fact + (something <= 0)
    if splits:
        for k, c in enumerate(facts):
            if len(c) > 1:
                rest = facts[:k] + facts[k + 1:]
                return all(prove(goal, rest + ((lit,),), ranges, splits - 1) for lit in c)
    return False


def _or(x: list, y: list) -> list:
    """CNF of (x or y) for CNFs x and y (dropping what grows too long: a weaker fact)."""
    if not x or not y:
        return []
    out = []
    for a in x:
        for b in y:
            c = tuple(dict.fromkeys(a + b))
            if len(c) <= MAX_CLAUSE:
                out.append(c)
    return out


class _Analysis:
    def __init__(self, ix: IRIndex, summaries: dict) -> None:
        self.ix = ix
        self.ranges: dict[str, tuple[int, int]] = {}
        self.verdict: dict[int, bool] = {}
        self.guards: dict[int, bool] = {}  # comparisons that test whether x + d leaves a type (guard())
        self.guard_of: dict[int, tuple] = {}  # such a comparison -> (id of its bound, method, x, d)
        self.summaries = summaries
        self.n = 0

    # ---- terms --------------------------------------------------------------------
    def type_range(self, t: dict) -> tuple[int, int] | None:
        info = self.ix.int_info(t)
        if info is not None:
            return info.lo, info.hi
        d = self.ix.decl(t)
        if d is not None and d["kind"] == "enum":
            vals = [m["value"] for m in d["members"]]
            return min(vals), max(vals)
        return None

    def term(self, name: str, rng: tuple[int, int]) -> Lin:
        old = self.ranges.get(name)
        self.ranges[name] = rng if old is None else (max(old[0], rng[0]), min(old[1], rng[1]))
        return Lin.of(name)

    def fresh(self, hint: str, rng: tuple[int, int]) -> Lin:
        self.n += 1
        return self.term(f"{hint}#{self.n}", rng)

    def value_of(self, t: dict, path: str | None, hint: str) -> Any:
        """The value of type t at `path` (a term for integers, the path for aggregates)."""
        rng = self.type_range(t)
        if rng is not None:
            return self.term(path, rng) if path else self.fresh(hint, rng)
        if t["k"] in ("named", "array") and self.ix.decl(t) is not None and self.ix.decl(t)["kind"] == "record":
            return _Agg(path or f"{hint}#{self._next()}")
        if t["k"] == "array":
            return _Agg(path or f"{hint}#{self._next()}")
        return None

    def _next(self) -> int:
        self.n += 1
        return self.n

    # ---- results of checked operations -----------------------------------------------
    def checked(self, e: dict, r: Lin, facts: tuple) -> tuple[Lin, tuple]:
        lo, hi = self.type_range(e["t"])
        ok = prove(le(r, Lin.of(hi)), facts, self.ranges) and prove(le(Lin.of(lo), r), facts, self.ranges)
        self.verdict[id(e)] = self.verdict.get(id(e), True) and ok
        if ok:
            return r, facts
        return r, facts + ((le(r, Lin.of(hi)),), (le(Lin.of(lo), r),))

    def opaque(self, e: dict, facts: tuple) -> Any:
        return self.value_of(e["t"], None, e["k"])

    # ---- expressions: (value, facts) with facts DEAD when the path always raises -------
    def ev(self, e: dict, env: dict, facts: tuple) -> tuple[Any, tuple | None]:
        return getattr(self, "e_" + e["k"], self.e_other)(e, env, facts)

    def e_other(self, e, env, facts):
        """Anything not followed: evaluate the operands (for their own checks) in
        order; the value is unknown within its type."""
        for x in _children(e):
            _, facts = self.ev(x, env, facts)
            if facts is DEAD:
                return None, DEAD
        return self.opaque(e, facts), facts

    def e_lit(self, e, env, facts):
        return (Lin.of(e["v"]) if isinstance(e["v"], int) and not isinstance(e["v"], bool) else None), facts

    def e_enum(self, e, env, facts):
        return Lin.of(e["v"]), facts

    def e_local(self, e, env, facts):
        if e["name"] not in env:  # not expected in a function body; unknown is always sound
            return self.value_of(e["t"], None, "local"), facts
        return env[e["name"]], facts

    def e_const(self, e, env, facts):
        v = self.ix.consts[e["name"]]["value"]
        if isinstance(v, int) and not isinstance(v, bool):
            return Lin.of(v), facts
        if isinstance(v, dict):  # a record constant: its integer fields are known
            return _Rec(tuple((k, Lin.of(x) if type(x) is int else None) for k, x in sorted(v.items()))), facts
        return _Agg("const:" + e["name"]), facts

    def e_raise(self, e, env, facts):
        return None, DEAD

    def e_field(self, e, env, facts):
        a, facts = self.ev(e["a"], env, facts)
        if facts is DEAD:
            return None, DEAD
        if isinstance(a, _Rec) and isinstance(a.get(e["name"]), Lin):
            return a.get(e["name"]), facts
        path = f"{a.path}.{e['name']}" if isinstance(a, _Agg) else None
        return self.value_of(e["t"], path, "field"), facts

    def e_record(self, e, env, facts):
        out = []
        for f in e["fields"]:  # source order is evaluation order
            v, facts = self.ev(f["e"], env, facts)
            if facts is DEAD:
                return None, DEAD
            out.append((f["name"], v if isinstance(v, Lin) else None))
        return _Rec(tuple(sorted(out))), facts

    def e_rec_with(self, e, env, facts):
        a, facts = self.ev(e["a"], env, facts)
        if facts is DEAD:
            return None, DEAD
        new = {}
        for f in e["fields"]:
            v, facts = self.ev(f["e"], env, facts)
            if facts is DEAD:
                return None, DEAD
            new[f["name"]] = v if isinstance(v, Lin) else None
        if not isinstance(a, _Rec):  # the other fields are not followed
            return self.opaque(e, facts), facts
        return _Rec(tuple(sorted(dict(a.fields, **new).items()))), facts

    def ev2(self, x: dict, y: dict, env: dict, facts: tuple) -> tuple[Any, Any, tuple | None]:
        """Two operands, left to right: (x's value, y's value, facts after both)."""
        a, facts = self.ev(x, env, facts)
        if facts is DEAD:
            return None, None, DEAD
        b, facts = self.ev(y, env, facts)
        return a, b, facts

    def e_index(self, e, env, facts):
        a, i, facts = self.ev2(e["a"], e["i"], env, facts)
        if facts is DEAD:
            return None, DEAD
        key = None
        if isinstance(a, _Agg) and isinstance(i, Lin):
            if not i.terms:
                key = str(i.const)
            elif len(i.terms) == 1 and i.terms[0][1] == 1 and i.const == 0:
                key = i.terms[0][0]  # same index variable, same element
        return self.value_of(e["t"], f"{a.path}[{key}]" if key else None, "elem"), facts

    def e_cast(self, e, env, facts):
        a, facts = self.ev(e["a"], env, facts)
        if facts is DEAD:
            return None, DEAD
        src, dst = self.type_range(e["a"]["t"]), self.type_range(e["t"])
        if not isinstance(a, Lin) or src is None or dst is None:
            return self.opaque(e, facts), facts
        if dst[0] <= src[0] and src[1] <= dst[1]:
            return a, facts  # value-preserving
        if e["check"]:  # raises `range` otherwise: on the path that follows, it fits
            return a, facts + ((le(a, Lin.of(dst[1])),), (le(Lin.of(dst[0]), a),))
        return self.opaque(e, facts), facts  # wrapping: not followed

    def e_un(self, e, env, facts):
        a, facts = self.ev(e["a"], env, facts)
        if facts is DEAD:
            return None, DEAD
        if e["op"] == "neg" and isinstance(a, Lin):
            return self.checked(e, a.scale(-1), facts)
        if e["op"] == "not":
            return None, facts
        return self.opaque(e, facts), facts

    def e_bin(self, e, env, facts):
        op = e["op"]
        if op in ("and", "or") or op in ("eq", "ne", "lt", "le", "gt", "ge"):
            _, _, facts = self.cond(e, env, facts)  # a bool: its facts matter only to an `if`
            return None, facts
        a, b, facts = self.ev2(e["a"], e["b"], env, facts)
        if facts is DEAD:
            return None, DEAD
        if not (isinstance(a, Lin) and isinstance(b, Lin)) or self.type_range(e["t"]) is None:
            return self.opaque(e, facts), facts
        if op in ("add", "sub"):
            return self.checked(e, a.add(b, 1 if op == "add" else -1), facts)
        if op == "mul":
            if not a.terms or not b.terms:
                return self.checked(e, b.scale(a.const) if not a.terms else a.scale(b.const), facts)
            ia, ib = interval(a, facts, self.ranges), interval(b, facts, self.ranges)
            lo, hi = self.type_range(e["t"])
            if ia is None or ib is None:
                return None, DEAD  # an impossible path
            ps = [x * y for x in ia for y in ib]
            ok = lo <= min(ps) and max(ps) <= hi
            self.verdict[id(e)] = self.verdict.get(id(e), True) and ok
            return self.fresh("mul", (max(lo, min(ps)), min(hi, max(ps)))), facts
        if op in ("div", "rem"):
            return self.division(e, a, b, facts)
        return self.opaque(e, facts), facts

    def division(self, e: dict, a: Lin, b: Lin, facts: tuple) -> tuple[Any, tuple]:
        """`div`/`rem` by a divisor known to be >= 1: no division by zero, no MIN / -1;
        the quotient and the remainder lie between 0 and the dividend (|r| < b too)."""
        ia, ib = interval(a, facts, self.ranges), interval(b, facts, self.ranges)
        lo, hi = self.type_range(e["t"])
        if ia is None or ib is None:
            return None, DEAD
        ok = ib[0] >= 1
        rlo, rhi = min(0, ia[0]), max(0, ia[1])
        if e["op"] == "rem":
            rlo, rhi = max(rlo, 1 - ib[1]), min(rhi, ib[1] - 1)
        ok = ok and lo <= rlo and rhi <= hi
        self.verdict[id(e)] = self.verdict.get(id(e), True) and ok
        if not ok:
            return self.opaque(e, facts), facts
        return self.fresh(e["op"], (rlo, rhi)), facts

    def e_builtin(self, e, env, facts):
        if e["name"] != "abs":
            return self.e_other(e, env, facts)
        a, facts = self.ev(e["args"][0], env, facts)
        if facts is DEAD:
            return None, DEAD
        ia = interval(a, facts, self.ranges) if isinstance(a, Lin) else None
        lo, hi = self.type_range(e["t"])
        if ia is None:
            self.verdict[id(e)] = False
            return self.opaque(e, facts), facts
        top = max(abs(ia[0]), abs(ia[1]))
        bottom = 0 if ia[0] <= 0 <= ia[1] else min(abs(ia[0]), abs(ia[1]))
        ok = lo <= bottom and top <= hi
        self.verdict[id(e)] = self.verdict.get(id(e), True) and ok
        return self.fresh("abs", (max(lo, bottom), min(hi, top))), facts

    def cond(self, e, env, facts) -> tuple[list, list, tuple | None]:
        """(CNF when true, CNF when false, facts after evaluating e)."""
        if e["k"] == "un" and e["op"] == "not":
            t, f, facts = self.cond(e["a"], env, facts)
            return f, t, facts
        if e["k"] != "bin" or e["op"] not in ("and", "or", "eq", "ne", "lt", "le", "gt", "ge"):
            _, facts = self.ev(e, env, facts)
            return [], [], facts
        op = e["op"]
        if op in ("and", "or"):
            ta, fa, facts = self.cond(e["a"], env, facts)
            if facts is DEAD:
                return [], [], DEAD
            # b runs only when a is true (and) / false (or)
            go = tuple(ta if op == "and" else fa)
            tb, fb, after = self.cond(e["b"], env, facts + go)
            if after is DEAD:
                after_facts = facts + tuple(fa if op == "and" else ta)
                return (ta + tb, fa, after_facts) if op == "and" else (ta, fa + fb, after_facts)
            # facts learnt inside b (results of its checked operations) hold only on its path
            if op == "and":
                return ta + tb, _or(fa, fb), facts
            return _or(ta, tb), fa + fb, facts
        a, b, facts = self.ev2(e["a"], e["b"], env, facts)
        if facts is DEAD:
            return [], [], DEAD
        if not (isinstance(a, Lin) and isinstance(b, Lin)):
            return [], [], facts
        if op in ("gt", "lt"):
            self.guard(e, a, b, facts)
        rel = {
            "lt": ([(lt(a, b),)], [(le(b, a),)]),
            "le": ([(le(a, b),)], [(lt(b, a),)]),
            "gt": ([(lt(b, a),)], [(le(a, b),)]),
            "ge": ([(le(b, a),)], [(lt(a, b),)]),
            "eq": ([(le(a, b),), (le(b, a),)], [(lt(a, b), lt(b, a))]),
            "ne": ([(lt(a, b), lt(b, a))], [(le(a, b),), (le(b, a),)]),
        }[op]
        return rel[0], rel[1], facts

    def guard(self, e: dict, a: Lin, b: Lin, facts: tuple) -> None:
        """An overflow guard: `x > T.max - d` where d >= 0 on this path, or
        `x < T.min - d` where d <= 0, is true exactly when the exact x + d lies
        outside T's value set (with d >= 0 it cannot fall below T.min, since
        x >= T.min; with d <= 0 it cannot exceed T.max). Likewise `x > T.max + d`
        (d <= 0) and `x < T.min + d` (d >= 0) for x - d. The bound may be on
        either side of the comparison; x, d, the bound and its constant are all
        of type T. Recorded per node, and-ed over every pass that reaches it."""
        up = e["op"] == "gt"  # x > bound, or (mirrored) bound > x
        for x, s, sv, upward in ((e["a"], e["b"], b, up), (e["b"], e["a"], a, not up)):
            if not (s["k"] == "bin" and s["op"] in ("add", "sub")):
                continue
            t = s["t"]
            rng = self.type_range(t)
            if rng is None or not (x["t"] == t == s["a"]["t"] == s["b"]["t"]):
                continue
            k, d_node = self.int_const(s["a"]), s["b"]
            if k is None and s["op"] == "add":
                k, d_node = self.int_const(s["b"]), s["a"]  # d + K
            if k is None or k != (rng[1] if upward else rng[0]):
                continue
            if s["op"] == "sub":  # bound = k - d: x + d leaves T; needs d >= 0 (up) / d <= 0
                d, method, nonneg = Lin.of(k).add(sv, -1), "add", upward
            else:  # bound = k + d: x - d leaves T; needs d <= 0 (up) / d >= 0
                d, method, nonneg = sv.add(Lin.of(k), -1), "sub", not upward
            ok = prove(le(ZERO, d) if nonneg else le(d, ZERO), facts, self.ranges)
            self.guards[id(e)] = self.guards.get(id(e), True) and ok
            self.guard_of[id(e)] = (id(s), method, x, d_node)
            return

    def int_const(self, e: dict) -> int | None:
        """The value of an integer literal or constant (None for anything else)."""
        if e["k"] == "lit":
            v = e["v"]
        elif e["k"] == "const":
            v = self.ix.consts[e["name"]]["value"]
        else:
            return None
        return v if type(v) is int else None

    def join(self, e: dict, outs: list) -> tuple[Any, tuple | None]:
        """The value after branches: the one living branch as it is (with its
        facts), else a fresh term bounded by the hull of the branches' intervals."""
        live = [(v, f) for v, f in outs if f is not DEAD]
        if not live:
            return None, DEAD
        if len(live) == 1:
            return live[0]
        base = _common(f for _, f in live)
        if all(isinstance(v, _Rec) for v, _ in live) and len({tuple(k for k, _ in v.fields) for v, _ in live}) == 1:
            # field by field: each known integer field joins like an integer value
            out = []
            for k, x in live[0][0].fields:
                vals = [(v.get(k), f) for v, f in live]
                if x is None or any(not isinstance(v, Lin) for v, _ in vals):
                    out.append((k, None))
                    continue
                out.append((k, self.hull(vals, self.field_range(e["t"], k))))
            return _Rec(tuple(out)), base
        rng = self.type_range(e["t"])
        if rng is None:
            return self.opaque(e, base), base
        v = self.hull(live, rng)
        return (None, DEAD) if v is None else (v, base)

    def hull(self, vals: list, rng: tuple[int, int] | None) -> Lin | None:
        """A fresh term bounded by the hull of the values' intervals on their paths
        (and by `rng`), None when no value has an interval."""
        lo, hi = None, None
        for v, f in vals:
            iv = interval(v, f, self.ranges) if isinstance(v, Lin) else rng
            if iv is None:
                continue
            lo = iv[0] if lo is None else min(lo, iv[0])
            hi = iv[1] if hi is None else max(hi, iv[1])
        if lo is None:
            return None
        if rng is not None:
            lo, hi = max(lo, rng[0]), min(hi, rng[1])
        return self.fresh("join", (lo, hi))

    def field_range(self, t: dict, name: str) -> tuple[int, int] | None:
        d = self.ix.decl(t)
        for f in (d or {}).get("fields", ()):
            if f["name"] == name:
                return self.type_range(f["type"])
        return None

    def e_if(self, e, env, facts):
        t, f, facts = self.cond(e["c"], env, facts)
        if facts is DEAD:
            return None, DEAD
        return self.join(e, [self.ev(e["then"], env, facts + tuple(t)),
                             self.ev(e["else"], env, facts + tuple(f))])

    def e_match(self, e, env, facts):
        _, facts = self.ev(e["a"], env, facts)
        if facts is DEAD:
            return None, DEAD
        return self.join(e, [self.ev(arm["body"], env, facts) for arm in e["arms"]])

    def e_block(self, e, env, facts):
        env = dict(env)
        for let in e["lets"]:
            v, facts = self.ev(let["e"], env, facts)
            if facts is DEAD:
                return None, DEAD
            env[let["name"]] = v if v is not None else self.value_of(let["t"], None, let["name"])
        return self.ev(e["result"], env, facts)

    def e_call(self, e, env, facts):
        for x in e["args"]:
            _, facts = self.ev(x, env, facts)
            if facts is DEAD:
                return None, DEAD
        rng = self.type_range(e["t"])
        if rng is None:
            return self.opaque(e, facts), facts
        s = summary(self.ix, e["fn"], self.summaries)
        return self.fresh("call", (max(s[0], rng[0]), min(s[1], rng[1])) if s else rng), facts

    def e_fold(self, e, env, facts):
        init, facts = self.ev(e["init"], env, facts)
        if facts is DEAD:
            return None, DEAD
        rng = self.type_range(e["t"])
        n = e["hi"] - e["lo"]
        if n <= 0:
            return init, facts
        if isinstance(init, _Rec) and n <= MAX_STEPS:
            return self.record_fold(e, env, facts, init, n)
        if rng is None or n > MAX_STEPS or not isinstance(init, Lin):
            return self.fold_unknown(e, env, facts)
        acc_iv = interval(init, facts, self.ranges)
        for k in range(n):
            if acc_iv is None:
                return None, DEAD
            inner = dict(env)
            inner[e["var"]] = Lin.of(e["lo"] + k)
            inner[e["acc"]] = self.fresh(e["acc"], acc_iv)
            v, f = self.ev(e["body"], inner, facts)
            if f is DEAD:
                return None, DEAD  # every path of this iteration raises
            nxt = interval(v, f, self.ranges) if isinstance(v, Lin) else rng
            acc_iv = nxt if nxt is not None else acc_iv
        return self.fresh("fold", (max(acc_iv[0], rng[0]), min(acc_iv[1], rng[1]))), facts

    def fold_unknown(self, e, env, facts):
        """One pass over an unknown accumulator and index: sound for every iteration
        (its verdicts are and-ed with those of any iteration analysed before)."""
        inner = dict(env)
        inner[e["var"]] = self.fresh(e["var"], (e["lo"], e["hi"] - 1))
        inner[e["acc"]] = self.value_of(e["t"], None, e["acc"])
        self.ev(e["body"], inner, facts)
        return self.value_of(e["t"], None, "fold"), facts

    def record_fold(self, e, env, facts, init: _Rec, n: int):
        """A fold whose accumulator is a record built in the function: one pass per
        iteration, as for an integer accumulator, with one interval per known
        integer field (a field that becomes unknown stays unknown)."""
        ivs = {k: interval(v, facts, self.ranges) if isinstance(v, Lin) else None for k, v in init.fields}
        for k in range(n):
            inner = dict(env)
            inner[e["var"]] = Lin.of(e["lo"] + k)
            inner[e["acc"]] = _Rec(tuple((name, self.fresh(e["acc"], iv) if iv is not None else None)
                                         for name, iv in ivs.items()))
            v, f = self.ev(e["body"], inner, facts)
            if f is DEAD:
                return None, DEAD  # every path of this iteration raises
            if not isinstance(v, _Rec) or {name for name, _ in v.fields} != set(ivs):
                return self.fold_unknown(e, env, facts)  # not followed: the rest as below
            ivs = {name: (interval(x, f, self.ranges) if isinstance(x, Lin) and ivs[name] is not None else None)
                   for name, x in v.fields}
        return _Rec(tuple((name, self.fresh("fold", iv) if iv is not None else None)
                          for name, iv in ivs.items())), facts

    # ---- a function ----------------------------------------------------------------
    def function(self, fn: dict) -> tuple[Any, tuple | None]:
        env = {p["name"]: self.value_of(p["type"], f"param:{p['name']}", p["name"]) for p in fn["params"]}
        facts: tuple | None = ()
        for r in fn["requires"]:
            t, _, facts = self.cond(r, env, facts)
            if facts is DEAD:
                return None, DEAD
            facts = facts + tuple(t)
        return self.ev(fn["body"], env, facts)


@dataclass(frozen=True)
class _Agg:
    """A record or array value, known by the path it was read from."""

    path: str


@dataclass(frozen=True)
class _Rec:
    """A record value built in the function (a literal, a constant, a `with`),
    known field by field: a Lin for an integer field, None where unknown."""

    fields: tuple[tuple[str, Any], ...]

    def get(self, name: str) -> Any:
        return dict(self.fields).get(name)


def _common(fs) -> tuple:
    fs = list(fs)
    first = fs[0]
    return tuple(c for c in first if all(c in f for f in fs[1:]))


def _children(e: dict):
    for key in ("a", "b", "c", "then", "else", "e", "i", "v", "init", "body", "result"):
        x = e.get(key)
        if isinstance(x, dict) and "k" in x:
            yield x
    for key in ("args", "elems"):
        for x in e.get(key, ()):
            yield x
    for key in ("fields", "lets"):
        for x in e.get(key, ()):
            yield x["e"]


def summary(ix: IRIndex, qname: str, memo: dict):
    """Interval of what function `qname` returns when it does not raise (None
    when unknown: not an integer, or no path returns)."""
    if qname in memo:
        return memo[qname]
    memo[qname] = None  # while in progress (no recursion in the IR; be safe anyway)
    a = _Analysis(ix, memo)
    fn = ix.functions[qname]
    v, facts = a.function(fn)
    res = None
    if facts is not DEAD and isinstance(v, Lin) and a.type_range(fn["ret"]) is not None:
        res = interval(v, facts, a.ranges)
    memo[qname] = res
    return res


class Verdicts(NamedTuple):
    """What the analysis of one function proves (node ids, `id()`).

    safe: the checked arithmetic nodes that cannot fail (see the module
    docstring). guards: the comparisons `x > T.max - d` (d >= 0 on every path
    that reaches them), `x < T.min - d` (d <= 0), `x > T.max + d` (d <= 0),
    `x < T.min + d` (d >= 0), with the bound on either side: each is true
    exactly when the exact x + d (the first two) or x - d (the others) lies
    outside the value set of T (the type of x, d, the bound and its
    constant). They map to (method, x node, d node), method "add" or "sub":
    a backend may emit the target's overflow-checked add or sub of x and d
    instead. Only comparisons whose bound is in `safe` are listed, so the
    replaced form drops no check.
    """

    safe: frozenset[int]
    guards: dict[int, tuple[str, dict, dict]]


def verdicts(ix: IRIndex, fn: dict, memo: dict | None = None) -> Verdicts:
    """Both verdicts of one analysis of `fn`."""
    a = _Analysis(ix, {} if memo is None else memo)
    a.function(fn)
    safe = frozenset(k for k, ok in a.verdict.items() if ok)
    guards = {k: a.guard_of[k][1:] for k, ok in a.guards.items() if ok and a.guard_of[k][0] in safe}
    return Verdicts(safe, guards)


def safe_ops(ix: IRIndex, fn: dict, memo: dict | None = None) -> frozenset[int]:
    """Ids of the checked arithmetic nodes of `fn` that cannot fail."""
    return verdicts(ix, fn, memo).safe


class DocumentFacts:
    """The analysis of every function of one IR document, done once for all
    the backends that generate from it in this process: `upel gen --backend
    c,rust` analysed each function once per backend (about 1.1 s each at
    10,000 operators). The verdicts name nodes by `id()`, so the document is
    held while its analysis is."""

    def __init__(self, ix: IRIndex, key: bytes | None) -> None:
        self.doc = ix.doc
        self.key = key
        self._ix = ix
        self._summaries: dict = {}
        self._by_fn: dict[str, Verdicts] = {}

    def of(self, fn: dict) -> Verdicts:
        v = self._by_fn.get(fn["qname"])
        if v is None:
            v = self._by_fn[fn["qname"]] = verdicts(self._ix, fn, self._summaries)
        return v


_LAST: list[DocumentFacts] = []  # the last document's analysis (one: backends run one document at a time)


def document_facts(ix: IRIndex) -> DocumentFacts:
    """The shared analysis of `ix.doc`: the same object for the same document,
    recognised by identity and by a hash of its exact content, so that a
    document edited in place since (the IR is read-only once lowered, but a
    caller may break that) is analysed anew. A document whose content cannot
    be hashed gets an analysis of its own."""
    key = content_key(ix.doc)
    if key is not None and _LAST and _LAST[0].doc is ix.doc and _LAST[0].key == key:
        return _LAST[0]
    shared = DocumentFacts(ix, key)
    if key is not None:
        _LAST[:] = [shared]
    return shared
