"""Verification stage (Yosys): formal wrapper modules for the generated Verilog.

One wrapper module per proof obligation. A wrapper has one input bus per
parameter (`arg_<i>`, in parameter order, so a SAT model's inputs are the
counterexample's arguments), instantiates the production module of the
function (and the contract-check modules that `upel.verify.synthetic` adds),
`assume`s that every input is a valid value of its type, and `assert`s the
obligation once:

- `F:raises`       err is 0, precondition (5) or a declared code;
- `F:ensures[i]`   err != 0, or the check module of ensures i returns true
                   without raising (ensures 0..i-1 are assumed, as
                   upel/verify/obligations.py allows);
- `P:property`     the property's check module returns true, or raises
                   precondition (its requires are false: the input is skipped).

The text is read with `read_verilog -formal` (immediate `assume`/`assert`
in `always @*`). This module also turns a model's bits back into canonical
UPEL values (`decode`).
"""

from __future__ import annotations

from dataclasses import dataclass

from upel.hdl.verilog.emitter import ERR_W, PRECONDITION, Types
from upel.hdl.verilog.names import mangle

from upel.ir.model import int_bounds


@dataclass(frozen=True)
class Wrapper:
    name: str           # module name of the wrapper
    text: str           # its Verilog
    params: list        # IR params whose values are the wrapper inputs arg_0..


def _hex(value: int, width: int) -> str:
    return f"{width}'h{value:x}"


def _sel(bus: str, off: int, width: int) -> str:
    return f"{bus}[{off}]" if width == 1 else f"{bus}[{off + width - 1}:{off}]"


class WrapperBuilder:
    """Builds wrapper modules for one IR document.

    `modules` maps function qnames (production and check functions) to their
    Verilog module names, as the Verilog backend assigned them.
    """

    def __init__(self, types: Types, modules: dict[str, str], prefix: str) -> None:
        self.T = types
        self.modules = modules
        self.prefix = prefix

    # -- input validity ---------------------------------------------------------
    def constrained(self, t: dict) -> bool:
        """Does the type have bit patterns that are not values (ranged newtypes, enums)?"""
        if t["k"] == "array":
            return self.constrained(t["elem"])
        if t["k"] != "named":
            return False
        d = self.T.ix.decl(t)
        if d["kind"] == "record":
            return any(self.constrained(f["type"]) for f in d["fields"])
        if d["kind"] == "enum":
            return len({m["value"] for m in d["members"]}) < (1 << d["underlying"]["width"])
        return "range" in d

    def valid(self, bus: str, off: int, t: dict) -> list[str]:
        """Verilog conditions that hold exactly when bits [off, off+width(t)) of bus are a value of t."""
        if not self.constrained(t):
            return []
        if self.T.is_aggregate(t):
            out = []
            for _, ft, foff, _ in self.T.parts(t):
                out += self.valid(bus, off + foff, ft)
            return out
        d = self.T.ix.decl(t)
        u = d["underlying"]
        w = u["width"]
        x = _sel(bus, off, w)
        if d["kind"] == "enum":
            values = sorted({m["value"] & ((1 << w) - 1) for m in d["members"]})
            return ["(" + " || ".join(f"{x} == {_hex(v, w)}" for v in values) + ")"]
        lo, hi = d["range"]["lo"], d["range"]["hi"]
        tlo, thi = int_bounds(u["signed"], w)
        # Signed bounds are compared in offset binary (flip the sign bit): an
        # unsigned comparison then orders two's complement values correctly,
        # and no Verilog signedness rule can get in the way.
        bias = (1 << (w - 1)) if u["signed"] else 0
        y = f"({x} ^ {_hex(bias, w)})" if bias else x
        out = []
        if lo > tlo:
            out.append(f"{y} >= {_hex(lo + bias, w)}")
        if hi < thi:
            out.append(f"{y} <= {_hex(hi + bias, w)}")
        return out

    # -- wrappers -----------------------------------------------------------------
    def _header(self, name: str, params: list, comment: str) -> list[str]:
        lines = [f"// {comment}"]
        if not params:
            return lines + [f"module {name};"]
        ports = [f"  input wire [{self.T.width(p['type']) - 1}:0] arg_{i}" for i, p in enumerate(params)]
        return lines + [f"module {name} ("] + [p + ("," if i < len(ports) - 1 else "") for i, p in
                                                enumerate(ports)] + [");"]

    def _instance(self, qname: str, inst: str, params: list, args: list[str], out: str,
                  ret_width: int) -> list[str]:
        """Wires `<out>_result`, `<out>_err` and an instance of qname's module driving them.

        The wires are `keep`: the prover prints them with a counterexample, and
        the word-level simplification before it (formal.SIMPLIFY) would
        otherwise merge or rename them away."""
        conns = [f".{mangle(p['name'])}({a})" for p, a in zip(params, args)]
        conns += [f".result({out}_result)", f".err({out}_err)"]
        return [f"  (* keep *) wire [{ret_width - 1}:0] {out}_result;",
                f"  (* keep *) wire [{ERR_W - 1}:0] {out}_err;",
                f"  {self.modules[qname]} {inst} ({', '.join(conns)});"]

    def _checks(self, params: list, assumes: list[str], assertion: str) -> list[str]:
        conds = []
        for i, p in enumerate(params):
            conds += self.valid(f"arg_{i}", 0, p["type"])
        body = [f"    assume ({c});" for c in conds + assumes] + [f"    assert ({assertion});"]
        return ["  always @* begin"] + body + ["  end", "endmodule", ""]

    def raises(self, k: int, fn: dict, comment: str) -> Wrapper:
        name = f"{self.prefix}{k}"
        params = fn["params"]
        args = [f"arg_{i}" for i in range(len(params))]
        allowed = sorted({0, PRECONDITION, *fn["raises"]})
        lines = self._header(name, params, comment)
        lines += self._instance(fn["qname"], "dut", params, args, "f", self.T.width(fn["ret"]))
        lines += self._checks(params, [], " || ".join(f"f_err == {_hex(c, ERR_W)}" for c in allowed))
        return Wrapper(name, "\n".join(lines), params)

    def ensures(self, k: int, fn: dict, i: int, ens_fns: list[dict], comment: str) -> Wrapper:
        """ens_fns: the check functions of ensures 0..i of fn (upel_ens_<f>_<j>)."""
        name = f"{self.prefix}{k}"
        params = fn["params"]
        args = [f"arg_{j}" for j in range(len(params))]
        lines = self._header(name, params, comment)
        lines += self._instance(fn["qname"], "dut", params, args, "f", self.T.width(fn["ret"]))
        holds = []
        for j, ens in enumerate(ens_fns):
            lines += self._instance(ens["qname"], f"ens_{j}", ens["params"], args + ["f_result"], f"e{j}", 1)
            holds.append(f"f_err != {_hex(0, ERR_W)} || (e{j}_err == {_hex(0, ERR_W)} && e{j}_result == 1'b1)")
        lines += self._checks(params, holds[:i], holds[i])
        return Wrapper(name, "\n".join(lines), params)

    def property(self, k: int, prop_fn: dict, comment: str) -> Wrapper:
        """prop_fn: the check function upel_prop_<p> (the property's params and requires)."""
        name = f"{self.prefix}{k}"
        params = prop_fn["params"]
        args = [f"arg_{j}" for j in range(len(params))]
        lines = self._header(name, params, comment)
        lines += self._instance(prop_fn["qname"], "prop", params, args, "p", 1)
        ok = f"p_err == {_hex(PRECONDITION, ERR_W)} || (p_err == {_hex(0, ERR_W)} && p_result == 1'b1)"
        lines += self._checks(params, [], ok)
        return Wrapper(name, "\n".join(lines), params)


# ---- models back to values ------------------------------------------------------------


def decode(types: Types, bits: int, t: dict):
    """Flat bits of a bus (as in hdl/verilog/README.md) -> canonical UPEL value of type t."""
    if t["k"] == "bool":
        return bool(bits & 1)
    if types.is_aggregate(t):
        parts = [(label, decode(types, (bits >> off) & ((1 << w) - 1), ft)) for label, ft, off, w in types.parts(t)]
        return [v for _, v in parts] if t["k"] == "array" else dict(parts)
    sc = types.scalar(t)
    v = bits & ((1 << sc.width) - 1)
    return v - (1 << sc.width) if sc.signed and v >> (sc.width - 1) else v
