"""Interpreter stage: the reference evaluator, the oracle for every backend.

IR expressions are compiled once into Python closures (`env -> value`), so a
random-testing run of thousands of calls does not re-walk dictionaries.
Values: ints (integers, newtypes, enums), bools, dicts (records, keyed by
field name), tuples (arrays). An UPEL error is the exception `Raised(code)`;
a contract violation found while checking ensures is `ContractViolation`.

The evaluator reads types through a small resolver interface (`int_info`,
`decl`, `const_value`, `function`) so that the checker can evaluate
constants before a whole IR document exists.
"""

from __future__ import annotations

from typing import Any, Protocol
from collections.abc import Callable

from upel.interp import intops as ops
from upel.interp.intops import Raised

Env = dict[str, Any]
Code = Callable[[Env], Any]


class Resolver(Protocol):
    def int_info(self, t: dict): ...
    def decl(self, t: dict) -> dict | None: ...
    def const_value(self, qname: str) -> Any: ...
    def function(self, qname: str) -> dict: ...


class ContractViolation(Exception):
    def __init__(self, fn: str, index: int, args: list, result: Any, raised: int | None = None) -> None:
        super().__init__(fn, index)
        self.fn, self.index, self.args, self.result, self.raised = fn, index, args, result, raised


class Evaluator:
    def __init__(self, resolver: Resolver, check_ensures: bool = False) -> None:
        self.r = resolver
        self.check_ensures = check_ensures
        self._fns: dict[str, Callable[[list], Any]] = {}

    # ---- functions ----------------------------------------------------------
    def call(self, qname: str, args: list) -> Any:
        f = self._fns.get(qname)
        if f is None:
            f = self._fns[qname] = self._compile_fn(self.r.function(qname))
        return f(args)

    def _compile_fn(self, fn: dict) -> Callable[[list], Any]:
        names = [p["name"] for p in fn["params"]]
        requires = [self.compile(e) for e in fn["requires"]]
        ensures = [self.compile(e) for e in fn["ensures"]]
        body = self.compile(fn["body"])
        qname = fn["qname"]
        check = self.check_ensures

        def run(args: list) -> Any:
            env = dict(zip(names, args))
            for req in requires:
                if not req(env):
                    raise Raised(ops.PRECONDITION)
            result = body(env)
            if check and ensures:
                env["result"] = result
                for i, ens in enumerate(ensures):
                    try:
                        ok = ens(env)
                    except Raised as e:
                        raise ContractViolation(qname, i, list(args), result, e.code) from None
                    if not ok:
                        raise ContractViolation(qname, i, list(args), result)
            return result

        return run

    # ---- expressions --------------------------------------------------------
    def compile(self, e: dict) -> Code:
        return getattr(self, "_c_" + e["k"])(e)

    def _c_lit(self, e):
        v = e["v"]
        return lambda env: v

    _c_enum = _c_lit

    def _c_local(self, e):
        name = e["name"]
        return lambda env: env[name]

    def _c_const(self, e):
        r, name = self.r, e["name"]
        cache: list = []

        def f(env):
            if not cache:
                cache.append(r.const_value(name))
            return cache[0]

        return f

    def _c_un(self, e):
        a, op = self.compile(e["a"]), e["op"]
        if op == "not":
            return lambda env: not a(env)
        info = self.r.int_info(e["t"])
        if op == "neg":
            lo, hi = info.lo, info.hi
            return lambda env: ops.neg(a(env), lo, hi)
        signed, width = info.signed, info.width
        return lambda env: ops.bnot(a(env), signed, width)

    def _c_bin(self, e):
        op = e["op"]
        a, b = self.compile(e["a"]), self.compile(e["b"])
        if op == "and":
            return lambda env: a(env) and b(env)
        if op == "or":
            return lambda env: a(env) or b(env)
        if op in _CMP:
            cmp = _CMP[op]
            return lambda env: cmp(a(env), b(env))
        info = self.r.int_info(e["t"])
        lo, hi, signed, width = info.lo, info.hi, info.signed, info.width
        if op in _CHECKED:
            f = _CHECKED[op]

            def checked(env):
                r = f(a(env), b(env))
                if r < lo or r > hi:
                    raise Raised(ops.OVERFLOW)
                return r

            return checked
        if op in _WRAP:
            f = _WRAP[op]
            return lambda env: ops.wrap(f(a(env), b(env)), signed, width)
        if op in _SAT:
            f = _SAT[op]
            return lambda env: ops.clamp(f(a(env), b(env)), lo, hi)
        if op == "div":
            return lambda env: ops.div(a(env), b(env), lo, hi)
        if op == "rem":
            return lambda env: ops.rem(a(env), b(env), lo, hi)
        if op in _BITWISE:
            f = _BITWISE[op]
            return lambda env: f(a(env), b(env))
        if op == "shl":
            return lambda env: ops.shl(a(env), b(env), signed, width)
        if op == "shr":
            return lambda env: ops.shr(a(env), b(env), signed, width)
        raise AssertionError(f"unknown binary op {op}")

    def _c_cast(self, e):
        a = self.compile(e["a"])
        target = e["t"]
        info = self.r.int_info(target)
        if e["check"]:
            lo, hi = info.lo, info.hi

            def to_newtype(env):
                v = int(a(env))
                if v < lo or v > hi:
                    raise Raised(ops.RANGE)
                return v

            return to_newtype
        signed, width = info.signed, info.width
        return lambda env: ops.wrap(int(a(env)), signed, width)

    def _c_enum_from(self, e):
        a = self.compile(e["a"])
        values = frozenset(m["value"] for m in self.r.decl(e["t"])["members"])

        def f(env):
            v = a(env)
            if v not in values:
                raise Raised(ops.CONVERT)
            return v

        return f

    def _c_call(self, e):
        args = [self.compile(x) for x in e["args"]]
        fn, call = e["fn"], self.call
        return lambda env: call(fn, [x(env) for x in args])

    def _c_builtin(self, e):
        name = e["name"]
        args = [self.compile(x) for x in e["args"]]
        if name in ("min", "max"):
            a, b = args
            f = min if name == "min" else max
            return lambda env: f(a(env), b(env))
        info = self.r.int_info(e["args"][0]["t"])
        a = args[0]
        if name == "abs":
            lo, hi = info.lo, info.hi
            return lambda env: ops.abs_(a(env), lo, hi)
        width = info.width
        if name == "popcount":
            return lambda env: ops.popcount(a(env), width)
        if name == "bit":
            i = args[1]
            return lambda env: ops.bit(a(env), i(env), width)
        hi_, lo_ = e["hi"], e["lo"]
        return lambda env: ops.bits(a(env), hi_, lo_, width)

    def _c_if(self, e):
        c, t, f = self.compile(e["c"]), self.compile(e["then"]), self.compile(e["else"])
        return lambda env: t(env) if c(env) else f(env)

    def _c_match(self, e):
        a = self.compile(e["a"])
        table: dict = {}
        default = None
        for arm in e["arms"]:
            body = self.compile(arm["body"])
            if arm["pats"] is None:
                default = body
            else:
                for p in arm["pats"]:
                    table[(type(p), p)] = body

        def f(env):
            v = a(env)
            body = table.get((type(v), v), default)
            return body(env)

        return f

    def _c_block(self, e):
        lets = [(x["name"], self.compile(x["e"])) for x in e["lets"]]
        res = self.compile(e["result"])

        def f(env):
            for name, code in lets:
                env[name] = code(env)
            return res(env)

        return f

    def _c_record(self, e):
        fields = [(x["name"], self.compile(x["e"])) for x in e["fields"]]
        order = [x["name"] for x in self.r.decl(e["t"])["fields"]]

        def f(env):
            vals = {name: code(env) for name, code in fields}  # source order
            return {name: vals[name] for name in order}

        return f

    def _c_field(self, e):
        a, name = self.compile(e["a"]), e["name"]
        return lambda env: a(env)[name]

    def _c_rec_with(self, e):
        a = self.compile(e["a"])
        fields = [(x["name"], self.compile(x["e"])) for x in e["fields"]]

        def f(env):
            base = a(env)
            new = dict(base)
            for name, code in fields:
                new[name] = code(env)
            return new

        return f

    def _c_array(self, e):
        elems = [self.compile(x) for x in e["elems"]]
        return lambda env: tuple(x(env) for x in elems)

    def _c_repeat(self, e):
        x, n = self.compile(e["e"]), e["n"]
        return lambda env: (x(env),) * n

    def _c_index(self, e):
        a, i = self.compile(e["a"]), self.compile(e["i"])

        def f(env):
            arr, idx = a(env), i(env)
            if idx >= len(arr):
                raise Raised(ops.INDEX)
            return arr[idx]

        return f

    def _c_arr_with(self, e):
        a, i, v = self.compile(e["a"]), self.compile(e["i"]), self.compile(e["v"])

        def f(env):
            arr, idx, val = a(env), i(env), v(env)
            if idx >= len(arr):
                raise Raised(ops.INDEX)
            return arr[:idx] + (val,) + arr[idx + 1:]

        return f

    def _c_fold(self, e):
        var, acc, lo, hi = e["var"], e["acc"], e["lo"], e["hi"]
        init, body = self.compile(e["init"]), self.compile(e["body"])

        def f(env):
            value = init(env)
            for i in range(lo, hi):
                env[var] = i
                env[acc] = value
                value = body(env)
            return value

        return f

    def _c_raise(self, e):
        code = e["code"]

        def f(env):
            raise Raised(code)

        return f


def _eq(a, b):
    return a == b


def _ne(a, b):
    return a != b


_CMP = {
    "eq": _eq, "ne": _ne,
    "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
}
_CHECKED = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}
_WRAP = {"add_wrap": _CHECKED["add"], "sub_wrap": _CHECKED["sub"], "mul_wrap": _CHECKED["mul"]}
_SAT = {"add_sat": _CHECKED["add"], "sub_sat": _CHECKED["sub"], "mul_sat": _CHECKED["mul"]}
_BITWISE = {"band": lambda a, b: a & b, "bor": lambda a, b: a | b, "bxor": lambda a, b: a ^ b}
