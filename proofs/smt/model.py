"""SMT proof target: reading solver answers and replaying counterexamples.

`parse_sexprs` reads what `(check-sat)` and `(get-value ...)` print.
`counterexample()` turns a model into canonical UPEL values, formats them
as a vector line ready to paste into a `vectors` block, and replays them on
the reference interpreter: a refutation is reported as confirmed only when
the interpreter shows the same failure at the same input.
"""

from __future__ import annotations

from upel.interp.eval import ContractViolation, Evaluator
from upel.interp.intops import PRECONDITION, Raised
from upel.interp.runner import IRResolver, to_canonical, to_value
from upel.ir.model import IRIndex
from upel.verify.obligations import Obligation


def parse_sexprs(text: str) -> list:
    """All s-expressions in `text` (atoms as strings, lists as lists)."""
    out: list = []
    stack: list[list] = [out]
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == ";":
            while i < n and text[i] != "\n":
                i += 1
        elif c == "(":
            stack.append([])
            i += 1
        elif c == ")":
            if len(stack) == 1:
                raise ValueError("unbalanced ')' in solver output")
            done = stack.pop()
            stack[-1].append(done)
            i += 1
        elif c == "|":
            j = text.index("|", i + 1)
            stack[-1].append(text[i:j + 1])
            i = j + 1
        elif c == '"':
            j = i + 1
            while j < n and not (text[j] == '"' and (j + 1 >= n or text[j + 1] != '"')):
                j += 2 if text[j] == '"' else 1
            stack[-1].append(text[i:j + 1])
            i = j + 1
        else:
            j = i
            while j < n and text[j] not in " \t\r\n()":
                j += 1
            stack[-1].append(text[i:j])
            i = j
    if len(stack) != 1:
        raise ValueError("unbalanced '(' in solver output")
    return out


def show_value(ix: IRIndex, t: dict, v) -> str:
    """A canonical value in UPEL source syntax (as written in vectors)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if t["k"] == "array":
        return "[" + ", ".join(show_value(ix, t["elem"], x) for x in v) + "]"
    d = ix.decl(t)
    if d is not None and d["kind"] == "enum":
        name = next((m["name"] for m in d["members"] if m["value"] == v), None)
        return f"{d['name']}.{name}" if name else str(v)
    if d is not None and d["kind"] == "record":
        inner = ", ".join(f"{f['name']}: {show_value(ix, f['type'], v[f['name']])}" for f in d["fields"])
        return f"{d['name']} {{ {inner} }}"
    return str(v)


def show_outcome(ix: IRIndex, fn: dict, outcome: dict) -> str:
    if "error" in outcome:
        return f"error {ix.error_name(outcome['error'], fn['qname'].rsplit('.', 1)[0])}"
    return show_value(ix, fn["ret"], outcome["value"])


def replay(ix: IRIndex, ob: Obligation, args: list) -> tuple[bool, str]:
    """(does the interpreter fail the same way at `args`, what it did)."""
    ev = Evaluator(IRResolver(ix), check_ensures=True)
    vals = [to_value(a) for a in args]
    if ob.kind == "property":
        prop = ix.properties[ob.subject]
        env = {p["name"]: v for p, v in zip(prop["params"], vals, strict=True)}
        try:
            for r in prop["requires"]:
                if not ev.compile(r)(dict(env)):
                    return False, "requires false (input skipped)"
            ok = ev.compile(prop["body"])(dict(env))
        except Raised as e:
            return True, f"raised {ix.error_name(e.code)}"
        return (not ok), f"body is {'true' if ok else 'false'}"
    fn = ix.functions[ob.subject]
    try:
        v = ev.call(ob.subject, vals)
    except ContractViolation as c:
        what = f"ensures[{c.index}] " + (f"raised {ix.error_name(c.raised)}" if c.raised is not None else "is false")
        return (ob.kind == "ensures" and c.index == ob.index), what + f" (result {to_canonical(c.result)!r})"
    except Raised as e:
        allowed = {PRECONDITION, *fn["raises"]}
        what = f"raised {ix.error_name(e.code, ob.subject.rsplit('.', 1)[0])}"
        return (ob.kind == "raises" and e.code not in allowed), what
    return False, f"returned {to_canonical(v)!r}"


def vector_line(ix: IRIndex, ob: Obligation, args: list) -> str:
    """The counterexample as a golden-vector line: inputs -> what the interpreter returns."""
    if ob.kind == "property":
        item = ix.properties[ob.subject]
        shown = ", ".join(show_value(ix, p["type"], a) for p, a in zip(item["params"], args, strict=True))
        return f"property {item['name']} fails at ({shown})"
    fn = ix.functions[ob.subject]
    ev = Evaluator(IRResolver(ix), check_ensures=False)
    try:
        out = {"value": to_canonical(ev.call(ob.subject, [to_value(a) for a in args]))}
    except Raised as e:
        out = {"error": e.code}
    shown = ", ".join(show_value(ix, p["type"], a) for p, a in zip(fn["params"], args, strict=True))
    return f"({shown}) -> {show_outcome(ix, fn, out)};"
