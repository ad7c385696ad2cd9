"""Verification stage (Coq): one decidable check and one Lemma per obligation.

Every obligation of upel/verify/obligations.py becomes a boolean function
`ob_<n>` of the inputs (added to the definitions file, so it can also be
evaluated on concrete inputs) and a lemma `L_<n>` in its own file:

    forall <leaves>, <value-set hypotheses> -> ob_<n> <inputs> = true

Inputs are flattened into scalar *leaves*: a record parameter is its
constructor applied to one variable per field, a fixed-length array is a
list literal of one variable per element. This states the obligation for
every valid input (each record or array value is such a term) and gives the
proof script scalars to work with. Each leaf ranges over a value set:
`lo <= x <= hi` (integers, newtypes), `In x [members]` (enums), or all of
`bool`.

Proof scripts: when the product of the leaf domains is small, a proof by
reflection (`zall`/`lall` checkers run by `vm_compute`): sound and complete,
so a false obligation is refuted, not just left unproved. Otherwise case
analysis on every `if` and outcome, then `lia`/`nia` after turning
division and modulo into equations; when the subject's body calls functions
on its inputs, the script first cuts at those calls (`upel_cut`), and falls
back to the whole case analysis. A small integer input that indexes an array
is split into its values before anything else (`index_leaves`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from upel.ir.walk import nodes
from upel.verify.obligations import Obligation, obligations

from .emit import ExprEmitter, Model, const_name, eqb_name, field_name, fn_name, local_name, requires_bool

# Largest input domain proved by exhaustive evaluation (vm_compute handles
# about a million evaluations of a small function in seconds).
REFLECT_LIMIT = 1 << 20
# Flattened inputs larger than this are not stated (the lemma text would be huge).
MAX_LEAVES = 256


@dataclass
class Leaf:
    var: str
    kind: str                 # range | enum | bool
    lo: int = 0
    hi: int = 0
    members: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        return {"range": self.hi - self.lo + 1, "enum": len(self.members), "bool": 2}[self.kind]


@dataclass
class LemmaSpec:
    n: int
    ob: Obligation
    check_def: str            # Definition ob_<n> ... (goes into the definitions file)
    leaves: list[Leaf]
    args: list[str]           # Coq terms of the subject's inputs, built from the leaves
    method: str               # reflection | symbolic | none
    why_none: str = ""
    # The callees kept folded for upel_cut (see cut_calls), or None: no cut.
    cut_keep: list[str] | None = None
    # The subject or a function it calls uses a bit operation (uses_bits).
    bits: bool = False
    # Small integer inputs that index an array (index_leaves): split into
    # their values before the case analysis.
    index_split: list[Leaf] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"L_{self.n:03d}"

    @property
    def check(self) -> str:
        return f"ob_{self.n:03d}"

    @property
    def domain(self) -> int:
        size = 1
        for leaf in self.leaves:
            size *= leaf.size
        return size


def flatten(m: Model, t: dict, var: str) -> tuple[list[Leaf], str]:
    """(leaves, Coq term) for an input of type t named var."""
    if t["k"] == "bool":
        return [Leaf(var, "bool")], var
    if t["k"] == "array":
        leaves, terms = [], []
        for i in range(t["len"]):
            ls, term = flatten(m, t["elem"], f"{var}'{i}")
            leaves += ls
            terms.append(term)
        return leaves, "[" + "; ".join(terms) + "]"
    d = m.decl(t) if t["k"] == "named" else None
    if d is not None and d["kind"] == "record":
        from .emit import ctor_name
        leaves, terms = [], []
        for f in d["fields"]:
            ls, term = flatten(m, f["type"], f"{var}'{f['name']}")
            leaves += ls
            terms.append(term)
        return leaves, f"({ctor_name(d['qname'])} {' '.join(terms)})"
    if d is not None and d["kind"] == "enum":
        return [Leaf(var, "enum", members=[mm["value"] for mm in d["members"]])], var
    lo, hi = m.value_set(t)
    return [Leaf(var, "range", lo, hi)], var


def _params(m: Model, params: list[dict]) -> str:
    return " ".join(f"({local_name(p['name'])} : {m.coq_type(p['type'])})" for p in params)


def _call(subject: str, params: list[dict]) -> str:
    args = " ".join(local_name(p["name"]) for p in params)
    return f"({fn_name(subject)} {args})" if args else fn_name(subject)


def check_definition(m: Model, ob: Obligation, name: str) -> str:
    """The obligation as a boolean function of the subject's inputs."""
    ex = ExprEmitter(m)
    if ob.kind == "property":
        prop = m.ix.properties[ob.subject]
        reqs = requires_bool(ex, prop["requires"])
        body = ex.emit(prop["body"])
        return (f"Definition {name} {_params(m, prop['params'])} : bool :=\n"
                f"  match {reqs} with\n"
                f"  | Ok true => match {body} with Ok true => true | _ => false end\n"
                f"  | Ok false => true\n"
                f"  | Err _ => false\n  end.")
    fn = m.ix.functions[ob.subject]
    call = _call(ob.subject, fn["params"])
    if ob.kind == "raises":
        codes = "; ".join(str(c) for c in sorted(set(fn["raises"]) | {5}))
        return (f"Definition {name} {_params(m, fn['params'])} : bool :=\n"
                f"  match {call} with Ok _ => true | Err c => in_set c [{codes}] end.")
    # ensures[i]: ensures 0..i-1 are assumed (they are checked first at run time)
    i = ob.index
    inner = f"match {ex.emit(fn['ensures'][i])} with Ok true => true | _ => false end"
    for j in reversed(range(i)):
        inner = f"match {ex.emit(fn['ensures'][j])} with Ok true => {inner} | _ => true end"
    return (f"Definition {name} {_params(m, fn['params'])} : bool :=\n"
            f"  match {call} with\n"
            f"  | Ok {local_name('result')} => {inner}\n"
            f"  | Err _ => true\n  end.")


def lemma_specs(doc: dict, m: Model | None = None, packages: frozenset[str] | None = None) -> list[LemmaSpec]:
    """One lemma per obligation, of `packages` only if given (the packages the run proves).
    Lemmas are numbered over the whole document, so a lemma keeps its name in any scope."""
    m = m or Model(doc)
    out = []
    for n, ob in enumerate(obligations(doc)):
        if packages is not None and ob.subject.rpartition(".")[0] not in packages:
            continue
        item = m.ix.properties.get(ob.subject) or m.ix.functions[ob.subject]
        leaves: list[Leaf] = []
        args = []
        for p in item["params"]:
            ls, term = flatten(m, p["type"], "x_" + p["name"])
            leaves += ls
            args.append(term)
        spec = LemmaSpec(n, ob, "", leaves, args, "symbolic")
        spec.check_def = f"(* {ob.id} *)\n" + check_definition(m, ob, spec.check)
        if len(leaves) > MAX_LEAVES:
            spec.method, spec.why_none = "none", f"{len(leaves)} scalar inputs: too many to state"
        elif spec.domain <= REFLECT_LIMIT:
            spec.method = "reflection"
        spec.bits = uses_bits(m, item)
        spec.index_split = index_leaves(item, leaves)
        if spec.method == "symbolic" and ob.kind != "property":
            calls = cut_calls(m.ix.functions[ob.subject])
            if calls:
                spec.cut_keep = [fn_name(q) for q in sorted(calls)]
        out.append(spec)
    return out


_BIT_BIN = {"band", "bor", "bxor", "shl", "shr"}
_BIT_BUILTINS = {"popcount", "bit"}


def uses_bits(m: Model, item: dict) -> bool:
    """True when a function or property, or a function it calls (transitively),
    has a bit operation in its body or contracts: its lemmas get the bit tactics
    (upel_split_bits, upel_leaf_bits in prelude.v), the others do without their cost."""
    seen: set[str] = set()
    todo = [item]
    while todo:
        it = todo.pop()
        roots = [it["body"], *it.get("requires", []), *it.get("ensures", [])]
        for e in (x for r in roots for x in nodes(r)):
            k = e.get("k")
            if (k == "bin" and e["op"] in _BIT_BIN) or (k == "un" and e["op"] not in ("not", "neg")) \
                    or (k == "builtin" and e["name"] in _BIT_BUILTINS):
                return True
            if k == "call" and e["fn"] not in seen:
                seen.add(e["fn"])
                todo.append(m.ix.functions[e["fn"]])
    return False


# An index input with at most this many values is split up front (each value
# is one more run of the case analysis).
INDEX_SPLIT_LIMIT = 16


def index_leaves(item: dict, leaves: list[Leaf]) -> list[Leaf]:
    """The scalar integer inputs of a function or property, with at most
    INDEX_SPLIT_LIMIT values, that an array index or update of its own body or
    contracts reads: in the model a symbolic index leaves `nth_error`/`upd_nth`
    stuck, so the script splits such an input into its values first (prelude.v
    `upel_index_split`), as the SMT back end splits a goal on a small input."""
    roots = [item["body"], *item.get("requires", []), *item.get("ensures", [])]
    used: set[str] = set()
    for e in (x for r in roots for x in nodes(r)):
        if e.get("k") in ("index", "arr_with"):
            used |= {x["name"] for x in nodes(e["i"]) if x.get("k") == "local"}
    by_var = {leaf.var: leaf for leaf in leaves}
    out = []
    for p in item["params"]:
        leaf = by_var.get("x_" + p["name"])
        if p["name"] in used and leaf is not None and leaf.kind == "range" and leaf.size <= INDEX_SPLIT_LIMIT:
            out.append(leaf)
    return out


def cut_calls(fn: dict) -> set[str]:
    """The functions the body of `fn` calls on its parameters (and constants) only,
    outside fold bodies: the calls upel_cut can split before unfolding them (a call
    on a fold's or a let's variable sits under a binder in the model)."""
    params = {p["name"] for p in fn["params"]}

    def on_params(e) -> bool:
        return all(x["name"] in params for x in nodes(e) if x.get("k") == "local")

    def outside_folds(e: dict):
        return [e["init"]] if e.get("k") == "fold" else e.values()

    return {e["fn"] for e in nodes(fn["body"], outside_folds) if e.get("k") == "call" and on_params(e["args"])}


def statement(s: LemmaSpec) -> str:
    binders = " ".join(f"({leaf.var} : {'bool' if leaf.kind == 'bool' else 'Z'})" for leaf in s.leaves)
    hyps = []
    for leaf in s.leaves:
        if leaf.kind == "range":
            hyps.append(f"{_z(leaf.lo)} <= {leaf.var} <= {_z(leaf.hi)}")
        elif leaf.kind == "enum":
            hyps.append(f"In {leaf.var} [{'; '.join(_z(v) for v in leaf.members)}]")
    goal = f"{s.check} {' '.join(s.args)} = true" if s.args else f"{s.check} = true"
    body = " -> ".join([f"({h})" for h in hyps] + [goal])
    return f"forall {binders}, {body}" if binders else body


def _z(v: int) -> str:
    return f"({v})" if v < 0 else str(v)


def reflection_proof(s: LemmaSpec) -> str:
    checker = f"{s.check} {' '.join(s.args)}" if s.args else s.check
    for leaf in reversed(s.leaves):
        fun = f"(fun {leaf.var} : {'bool' if leaf.kind == 'bool' else 'Z'} => {checker})"
        if leaf.kind == "range":
            checker = f"zall {fun} {_z(leaf.lo)} (Z.to_nat ({_z(leaf.hi)} - {_z(leaf.lo)} + 1))"
        elif leaf.kind == "enum":
            checker = f"lall {fun} [{'; '.join(_z(v) for v in leaf.members)}]"
        else:
            checker = f"lall {fun} [true; false]"
    lines = [f"  assert (H0 : {checker} = true) by (vm_compute; reflexivity)."]
    hyp_names = []
    for i, leaf in enumerate(s.leaves):
        hyp_names.append(f"V{i}" if leaf.kind != "bool" else None)
    intro = " ".join([leaf.var for leaf in s.leaves] + [h for h in hyp_names if h])
    if intro:
        lines.append(f"  intros {intro}.")
    for i, leaf in enumerate(s.leaves):
        if leaf.kind == "range":
            step = f"zrange_ok _ _ _ H{i} {leaf.var} V{i}"
        elif leaf.kind == "enum":
            step = f"lall_ok _ _ _ H{i} {leaf.var} V{i}"
        else:
            step = f"lall_ok _ _ _ H{i} {leaf.var} (bool_in {leaf.var})"
        lines.append(f"  pose proof ({step}) as H{i + 1}; cbv beta in H{i + 1}.")
    lines.append(f"  exact H{len(s.leaves)}.")
    return "\n".join(lines)


def symbolic_proof(s: LemmaSpec, unfold: list[str]) -> str:
    names = " ".join([s.check] + unfold)
    suffix = "_bits" if s.bits else ""
    intro = "intros; upel_members; upel_hyps;" + "".join(
        f" upel_index_split {leaf.var} {_z(leaf.lo)} {leaf.size}%nat;" for leaf in s.index_split)
    # One tactic sequence (`;`): every branch left by the case analysis gets
    # the leaf script, and the lemma fails if any branch is not closed.
    whole = (f"cbv beta iota zeta delta [{names}];\n"
             f"  upel_split{suffix};\n"
             f"  upel_leaf{suffix}")
    if not s.cut_keep:
        return f"  {intro}\n  {whole}."
    # A body that calls functions on its parameters: first cut at those calls
    # (upel_cut, with those callees still folded), then, if that does not
    # prove it (the cut forgets the callee's facts), the whole case analysis.
    keep = set(s.cut_keep)
    first = " ".join([s.check] + [n for n in unfold if n not in keep])
    return (f"  {intro}\n"
            f"  first [ solve [ cbv beta iota zeta delta [{first}];\n"
            f"  upel_cut;\n"
            f"  {whole} ]\n"
            f"  | {whole} ].")


def unfold_names(doc: dict) -> list[str]:
    """Every model definition a proof may need to see through."""
    names = []
    for pkg in doc["packages"]:
        names += [const_name(c["qname"]) for c in pkg["consts"]]
        # Record projections and equalities: without them a field of a
        # constructed record is an opaque term to lia.
        for t in pkg["types"]:
            if t["kind"] == "record":
                names += [field_name(t["qname"], f["name"]) for f in t["fields"]]
                names.append(eqb_name(t["qname"]))
        names += [fn_name(f["qname"]) for f in pkg["functions"]]
    return names + ["bind", "chk", "to_range", "wrap_u", "wrap_s", "clamp", "op_div", "op_rem",
                    "in_set", "enum_from", "op_index", "op_upd"]


def lemma_file(s: LemmaSpec, module: str, unfold: list[str]) -> str:
    proof = reflection_proof(s) if s.method == "reflection" else symbolic_proof(s, unfold)
    return (f"(* {s.ob.id}: {s.method} *)\n"
            f"Require Import ZArith Lia Bool List.\nImport ListNotations.\nOpen Scope Z_scope.\n"
            f"Require Import Upel.{module}.\n\n"
            f"Lemma {s.name} : {statement(s)}.\nProof.\n{proof}\nQed.\n\n"
            f"Print Assumptions {s.name}.\n")
